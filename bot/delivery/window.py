"""A channel's reply window (WhatsApp: 24 hours): free text only within the window after the
contact's last message. Outside it a message is parked and one approved template tells the
contact there is news; the contact's reply releases the parked messages, in order. A message
that carries its own template (a reminder with the meeting title and time) is sent as that
template instead of being parked."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from bot.clock import utcnow
from bot.db import session_scope
from bot.delivery.templates import NEW_MESSAGE, template_payload, template_preview
from bot.models import OutboundMessage, OutboundStatus

# Claimed now, sent a moment later: treat the last minutes of the window as closed already.
WINDOW_MARGIN = timedelta(minutes=5)
WINDOW_NOTICE = "window_notice"


@dataclass(frozen=True)
class ParkedMessage:
    id: int
    contact_id: int
    channel: str
    address: str
    priority: int


def window_open(last_inbound_at: datetime | None, now: datetime, window: timedelta) -> bool:
    return last_inbound_at is not None and now - last_inbound_at < window - WINDOW_MARGIN


def send_as_template(payload: dict[str, object], window_is_open: bool) -> bool:
    """Whether a row goes as its template: template-only rows always, others when the window is closed."""
    if not payload.get("template"):
        return False
    return bool(payload.get("template_only") or payload.get("window_closed") or not window_is_open)


def window_found_closed(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload of a row the provider refused as free text: it goes as its template from now on."""
    return {**payload, "window_closed": True}


def park(session: Session, messages: Iterable[ParkedMessage]) -> int:
    """Park messages; a contact with nothing parked yet gets one template notice."""
    messages = list(messages)
    if not messages:
        return 0
    contact_ids = {message.contact_id for message in messages}
    already_told = set(
        session.exec(
            select(OutboundMessage.contact_id).where(
                col(OutboundMessage.contact_id).in_(contact_ids), OutboundMessage.status == OutboundStatus.PARKED
            )
        ).all()
    )
    session.exec(
        update(OutboundMessage)
        .where(col(OutboundMessage.id).in_([message.id for message in messages]))
        .values(status=OutboundStatus.PARKED, status_at=utcnow(), lease_until=None)
    )
    for message in messages:
        if message.contact_id not in already_told:
            session.add(window_notice(message))
            already_told.add(message.contact_id)
    return len(messages)


def window_notice(message: ParkedMessage) -> OutboundMessage:
    return OutboundMessage(
        contact_id=message.contact_id,
        channel=message.channel,
        address=message.address,
        kind=WINDOW_NOTICE,
        priority=message.priority,
        text=template_preview(NEW_MESSAGE),
        payload={**template_payload(NEW_MESSAGE), "template_only": True},
    )


def release_parked(session: Session, contact_id: int) -> int:
    """The contact wrote: parked messages go back to the queue (their ids keep them in order)."""
    session.exec(
        delete(OutboundMessage).where(
            col(OutboundMessage.contact_id) == contact_id,
            col(OutboundMessage.kind) == WINDOW_NOTICE,
            col(OutboundMessage.status) == OutboundStatus.QUEUED,
        )
    )
    result = session.exec(
        update(OutboundMessage)
        .where(col(OutboundMessage.contact_id) == contact_id, col(OutboundMessage.status) == OutboundStatus.PARKED)
        .values(status=OutboundStatus.QUEUED, next_attempt_at=utcnow(), status_at=utcnow())
    )
    return int(result.rowcount or 0)


def expire_parked(engine: Engine, max_age: timedelta) -> int:
    """Messages parked longer than `max_age` fail: the contact never opened the window."""
    days = max_age.total_seconds() / 86400
    with session_scope(engine) as session:
        result = session.exec(
            update(OutboundMessage)
            .where(
                col(OutboundMessage.status) == OutboundStatus.PARKED,
                col(OutboundMessage.status_at) < utcnow() - max_age,
            )
            .values(
                status=OutboundStatus.FAILED,
                status_at=utcnow(),
                error_class="expired",
                last_error=f"outside the reply window and no reply from the teacher within {days:g} days",
            )
        )
        return int(result.rowcount or 0)
