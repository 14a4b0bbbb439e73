"""The durable outbox: every message is stored here first; the dispatcher sends it later.

A text longer than its channel allows is stored as several messages, in order, cut at
paragraph, line or sentence boundaries; the options go with the last one.
"""

from collections.abc import Mapping

from sqlalchemy import update
from sqlmodel import Session, col

from bot.clock import utcnow
from bot.conversation import Reply
from bot.delivery.splitting import split_reply
from bot.delivery.templates import template_payload
from bot.delivery.window import release_parked as release_parked_messages
from bot.models import Contact, OutboundMessage, OutboundStatus, Priority


def enqueue(
    session: Session,
    contact: Contact | None,
    reply: Reply,
    *,
    channel: str = "",
    address: str = "",
    template: str | None = None,
    template_variables: Mapping[str, object] | None = None,
) -> OutboundMessage:
    """Store one message for sending; returns its (first) row. Without a contact (after erasure)
    channel and address are given. On WhatsApp outside the 24-hour window a message with a
    `template` (e.g. "meeting_reminder" with its variables) is sent as that approved template;
    one without is held until the teacher writes."""
    channel = contact.channel if contact else channel
    payload = template_payload(template, template_variables) if template else {}
    rows = [
        OutboundMessage(
            contact_id=contact.id if contact else None,
            channel=channel,
            address=contact.address if contact else address,
            kind=reply.kind,
            priority=reply.priority,
            text=text,
            options=options,
            payload=payload if number == 0 else {},
        )
        for number, (text, options) in enumerate(split_reply(reply.text, reply.options, channel))
    ]
    session.add_all(rows)
    return rows[0]


def enqueue_callback_answer(session: Session, contact: Contact, callback_query_id: str) -> None:
    """Telegram wants every button press answered, or the button keeps spinning."""
    session.add(
        OutboundMessage(
            contact_id=contact.id,
            channel=contact.channel,
            address=contact.address,
            kind="callback_answer",
            payload={"callback_query_id": callback_query_id},
        )
    )


def release_parked(session: Session, contact: Contact) -> int:
    """The contact wrote: messages held for WhatsApp's window go out now, in their order."""
    return release_parked_messages(session, contact.id) if contact.id is not None else 0


def drop_parked_announcements(session: Session, contact: Contact) -> int:
    """BERHENTI: held reminders, nudges and broadcasts fail instead of going out; replies stay."""
    result = session.exec(
        update(OutboundMessage)
        .where(
            col(OutboundMessage.contact_id) == contact.id,
            col(OutboundMessage.status) == OutboundStatus.PARKED,
            col(OutboundMessage.priority) > Priority.REPLY,
        )
        .values(
            status=OutboundStatus.FAILED,
            status_at=utcnow(),
            error_class="opted_out",
            last_error="the teacher said BERHENTI",
        )
    )
    return int(result.rowcount or 0)
