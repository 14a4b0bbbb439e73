"""Timed work: one periodic tick runs each registered job (rows with a due time, claimed when due)."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, update
from sqlmodel import col, select

from bot.clock import utcnow
from bot.db import session_scope
from bot.erasure import erase_contact
from bot.models import Contact, EarlyStatus, InboundMessage, OutboundMessage

log = logging.getLogger(__name__)
MESSAGE_RETENTION = timedelta(days=90)
# A chat address without consent is kept only while the conversation may go on.
UNCONSENTED_RETENTION = timedelta(days=30)
RETENTION_EVERY = timedelta(hours=1)  # retention scans whole tables: not on every tick
_last_retention: datetime | None = None

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


def forget_contacts_without_consent(engine: Engine, batch: int = 500) -> int:
    """Contacts who never consented and have been silent 30 days: their address goes too."""
    cutoff = utcnow() - UNCONSENTED_RETENTION
    with session_scope(engine) as session:
        silent = session.exec(
            select(Contact)
            .where(col(Contact.consent_given_at).is_(None), col(Contact.created_at) < cutoff)
            .where((col(Contact.last_inbound_at) < cutoff) | col(Contact.last_inbound_at).is_(None))
            .limit(batch)
        ).all()
        for contact in silent:
            erase_contact(session, contact)
        return len(silent)


def apply_retention(engine: Engine) -> int:
    """The retention rules of the privacy notice, at most once an hour per process."""
    global _last_retention
    if _last_retention is not None and timedelta(0) <= utcnow() - _last_retention < RETENTION_EVERY:
        return 0
    _last_retention = utcnow()
    return purge_old_message_texts(engine) + forget_contacts_without_consent(engine) + drop_stale_early_statuses(engine)


def drop_stale_early_statuses(engine: Engine) -> int:
    """A status for a message we never recorded (a send that timed out) is not kept past a day."""
    with session_scope(engine) as session:
        result = session.exec(delete(EarlyStatus).where(col(EarlyStatus.received_at) < utcnow() - timedelta(days=1)))
        return int(result.rowcount or 0)


def tick(engine: Engine) -> int:
    """Run every timed job once; a failing job is logged and does not stop the others."""
    done = 0
    for job in [apply_retention, *TICK_JOBS]:
        try:
            done += job(engine)
        except Exception:
            log.exception("timed job %s failed", job.__name__)
    return done
