"""The durable outbox: every message is stored here first; the dispatcher sends it later."""

from sqlmodel import Session

from bot.conversation import Reply
from bot.models import Contact, OutboundMessage


def enqueue(
    session: Session, contact: Contact | None, reply: Reply, *, channel: str = "", address: str = ""
) -> OutboundMessage:
    """Store one message for sending. Without a contact (after erasure) channel and address are given."""
    message = OutboundMessage(
        contact_id=contact.id if contact else None,
        channel=contact.channel if contact else channel,
        address=contact.address if contact else address,
        kind=reply.kind,
        priority=reply.priority,
        text=reply.text,
        options=reply.options,
    )
    session.add(message)
    return message


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
