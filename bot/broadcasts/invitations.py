"""`gurubot invite`: each imported teacher not yet invited gets the approved WhatsApp consent
invitation template, through the outbox (so at provider pace); a reply starts onboarding with
the privacy notice, and only those who consent become recipients of anything else."""

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.broadcasts.models import TeacherInvite
from bot.db import session_scope
from bot.delivery.templates import template_payload, template_preview
from bot.models import Contact, OutboundMessage, Priority

CONSENT_INVITATION = "consent_invitation"  # content/templates.yaml: variable name
INVITATION_KIND = "consent_invitation"


def invitation(contact: Contact) -> OutboundMessage:
    variables = {"name": contact.name or "Bapak/Ibu"}
    return OutboundMessage(
        contact_id=contact.id,
        channel=contact.channel,
        address=contact.address,
        kind=INVITATION_KIND,
        priority=Priority.BROADCAST,
        text=template_preview(CONSENT_INVITATION).replace("{{1}}", variables["name"]),
        payload={**template_payload(CONSENT_INVITATION, variables), "template_only": True},
    )


def send_invitations(engine: Engine, now: datetime) -> int:
    """Queue one invitation for every imported teacher not invited yet who has not consented."""
    with session_scope(engine) as session:
        pending = session.exec(
            select(TeacherInvite, Contact)
            .join(Contact, col(Contact.id) == col(TeacherInvite.contact_id))
            .where(col(TeacherInvite.invited_at).is_(None), col(Contact.consent_given_at).is_(None))
            .order_by(col(TeacherInvite.contact_id))
        ).all()
        for invite, contact in pending:
            session.add(invitation(contact))
            invite.invited_at = now
        return len(pending)


def is_imported(session: Session, contact_id: int | None) -> bool:
    """Whether the contact came from an imported list (so holds more than its chat address)."""
    return session.get(TeacherInvite, contact_id) is not None if contact_id is not None else False
