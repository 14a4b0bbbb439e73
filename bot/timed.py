"""Timed work: one periodic tick runs each registered job (rows with a due time, claimed when due)."""

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import col

from bot.clock import utcnow
from bot.db import session_scope
from bot.dispatcher import release_expired_leases
from bot.models import InboundMessage, OutboundMessage

log = logging.getLogger(__name__)
MESSAGE_RETENTION = timedelta(days=90)

# Features add their timed jobs here; each takes the engine and returns how much it did.
TICK_JOBS: list[Callable[[Engine], int]] = []


def purge_old_message_texts(engine: Engine) -> int:
    """Message texts are kept 90 days (as the privacy notice says), then blanked."""
    cutoff = utcnow() - MESSAGE_RETENTION
    with session_scope(engine) as session:
        inbound = session.exec(
            update(InboundMessage)
            .where(col(InboundMessage.received_at) < cutoff, col(InboundMessage.text) != "")
            .values(text="")
        )
        outbound = session.exec(
            update(OutboundMessage)
            .where(col(OutboundMessage.created_at) < cutoff, col(OutboundMessage.text) != "")
            .values(text="")
        )
        return int(inbound.rowcount or 0) + int(outbound.rowcount or 0)


def tick(engine: Engine) -> int:
    """Run every timed job once; a failing job is logged and does not stop the others."""
    done = 0
    for job in [release_expired_leases, purge_old_message_texts, *TICK_JOBS]:
        try:
            done += job(engine)
        except Exception:
            log.exception("timed job %s failed", job.__name__)
    return done
