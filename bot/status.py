"""Delivery statuses reported by providers (Twilio's status callbacks); a status only ever moves
forward. A failure whose error code says what to do goes through the same delivery policy as at
send time (`bot.delivery.policy`): 63016 (outside the 24-hour window) sends the message again
as its template or parks it, 21610/63024 mark the contact unreachable, 63018 (rate) retries
after a backoff."""

from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.channels.whatsapp import classify_code
from bot.clock import utcnow
from bot.db import session_scope
from bot.delivery.policy import FailedSend, decide, mark_unreachable
from bot.delivery.window import ParkedMessage, park, window_found_closed
from bot.errors import GiveUp, SendError
from bot.models import STATUS_RANK, EarlyStatus, OutboundMessage, OutboundStatus

FAILURES = ("failed", "undelivered")


def apply_status(
    engine: Engine, provider_message_id: str, status: str, error_code: str | None, max_attempts: int
) -> bool:
    """Record a provider's status for a sent message; False when unknown or a step backwards."""
    status = status.lower()
    if status not in STATUS_RANK:
        return False
    with session_scope(engine) as session:
        query = select(OutboundMessage).where(OutboundMessage.provider_message_id == provider_message_id)
        message = session.exec(query).first()
        if message is None:
            remember_early(session, provider_message_id, status, error_code)
            return False
        return apply_to(session, message, status, error_code, max_attempts)


def apply_to(
    session: Session, message: OutboundMessage, status: str, error_code: str | None, max_attempts: int
) -> bool:
    if STATUS_RANK[status] <= STATUS_RANK.get(message.status, 0):
        return False
    message.status, message.status_at = status, utcnow()
    if error_code:
        message.last_error = f"twilio code {error_code}"
    if status in FAILURES:
        handle_failure(session, message, callback_error(error_code), max_attempts)
    return True


def remember_early(session: Session, provider_message_id: str, status: str, error_code: str | None) -> None:
    """Keep the furthest status of a message whose send result is not recorded yet."""
    early = session.get(EarlyStatus, provider_message_id)
    if early is None:
        session.add(EarlyStatus(provider_message_id=provider_message_id, status=status, error_code=error_code))
    elif STATUS_RANK[status] > STATUS_RANK.get(early.status, 0):
        early.status, early.error_code = status, error_code


def apply_early_statuses(session: Session, provider_ids: list[str], max_attempts: int) -> None:
    """Called right after sends are recorded: statuses that overtook them apply now."""
    early = session.exec(select(EarlyStatus).where(col(EarlyStatus.provider_message_id).in_(provider_ids))).all()
    for row in early:
        query = select(OutboundMessage).where(OutboundMessage.provider_message_id == row.provider_message_id)
        message = session.exec(query).first()
        if message is not None:
            apply_to(session, message, row.status, row.error_code, max_attempts)
        session.delete(row)


def callback_error(error_code: str | None) -> SendError:
    if not error_code or not error_code.isdecimal():
        return GiveUp(f"twilio reported failure without a code ({error_code})")
    return classify_code(int(error_code), f"twilio code {error_code}")


def handle_failure(session: Session, message: OutboundMessage, error: SendError, max_attempts: int) -> None:
    """Apply the delivery policy to a failure reported after the send. A message that fails for
    good keeps the provider's status (failed or undelivered)."""
    decision = decide(error, failed_send(message), max_attempts)
    message.error_class = decision.error_class
    if decision.error_class == "unreachable":
        mark_unreachable(session, message.contact_id)
    if decision.status == OutboundStatus.QUEUED:
        assert decision.next_attempt_at is not None  # a send again always says when
        if decision.as_template:
            message.payload = window_found_closed(dict(message.payload))
        requeue(message, next_attempt_at=decision.next_attempt_at)
    elif decision.status == OutboundStatus.PARKED:
        park_after_send(session, message)


def failed_send(message: OutboundMessage) -> FailedSend:
    payload: dict[str, Any] = dict(message.payload)
    has_template, went_as_template = bool(payload.get("template")), bool(payload.get("window_closed"))
    return FailedSend(message.attempts, has_template, went_as_template, message.contact_id is not None)


def park_after_send(session: Session, message: OutboundMessage) -> None:
    """Free text that arrived outside the window waits for the contact's next message."""
    assert message.id is not None and message.contact_id is not None
    message.provider_message_id = None  # a late callback for the refused send must not match
    parked = ParkedMessage(message.id, message.contact_id, message.channel, message.address, message.priority)
    park(session, [parked])
    session.refresh(message)


def requeue(message: OutboundMessage, next_attempt_at: datetime) -> None:
    message.status, message.next_attempt_at, message.provider_message_id = OutboundStatus.QUEUED, next_attempt_at, None
