"""Delivery statuses reported by providers; a status only ever moves forward."""

from sqlalchemy import Engine
from sqlmodel import select

from bot.clock import utcnow
from bot.db import session_scope
from bot.models import STATUS_RANK, OutboundMessage


def apply_status(engine: Engine, provider_message_id: str, status: str, error_code: str | None) -> bool:
    """Record a provider's status for a sent message; False when unknown or a step backwards."""
    status = status.lower()
    if status not in STATUS_RANK:
        return False
    with session_scope(engine) as session:
        query = select(OutboundMessage).where(OutboundMessage.provider_message_id == provider_message_id)
        message = session.exec(query).first()
        if message is None or STATUS_RANK[status] <= STATUS_RANK.get(message.status, 0):
            return False
        message.status, message.status_at = status, utcnow()
        if error_code:
            message.last_error = f"twilio code {error_code}"
        return True
