"""Erasure on request (UU PDP): a person's data and messages go; aggregate counts may stay."""

from collections.abc import Callable, Sequence

from sqlalchemy import delete, update
from sqlmodel import Session, col

from bot.models import Consent, Contact, InboundMessage, OutboundMessage

ErasureHook = Callable[[Session, int], None]


def erase_contact(session: Session, contact: Contact, hooks: Sequence[ErasureHook]) -> None:
    """Delete the contact, its consent records, its outbox rows and the text of its messages;
    each feature's hook deletes or anonymises that feature's rows first.

    Inbound rows keep only their provider id, so a provider retry is still recognised.
    """
    contact_id = contact.id
    assert contact_id is not None
    for hook in hooks:
        hook(session, contact_id)
    session.exec(delete(OutboundMessage).where(col(OutboundMessage.contact_id) == contact_id))
    session.exec(
        update(InboundMessage)
        .where(col(InboundMessage.contact_id) == contact_id)
        .values(text="", address="", profile_name=None, contact_id=None)
    )
    session.exec(delete(Consent).where(col(Consent.contact_id) == contact_id))
    session.delete(contact)
    session.flush()
