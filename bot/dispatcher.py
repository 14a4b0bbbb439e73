"""Sends what the outbox holds: claims due messages (one per contact at a time, so each
contact's messages leave in order), sends them through their channel, records the outcome."""

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import Engine, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot import metrics
from bot.channels.base import Outgoing, Sender
from bot.clock import utcnow
from bot.config import Settings
from bot.db import is_postgres, session_scope
from bot.errors import GiveUp, RetryLater, SendError, Unreachable
from bot.models import Contact, OutboundMessage, OutboundStatus

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=120)
OPEN_STATUSES = (OutboundStatus.QUEUED, OutboundStatus.SENDING)


class RateLimiter:
    """Spaces sends so a key gets at most `rate` per second (in this process)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next_free: dict[str, float] = {}
        self.lock = asyncio.Lock()

    async def wait(self, key: str) -> None:
        async with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_free.get(key, 0.0))
            self.next_free[key] = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class Dispatcher:
    def __init__(self, engine: Engine, senders: Mapping[str, Sender], settings: Settings, batch: int = 50) -> None:
        self.engine = engine
        self.senders = senders
        self.max_attempts = settings.send_attempts
        self.batch = batch
        self.channel_limits = {
            "telegram": RateLimiter(settings.telegram_rate),
            "whatsapp": RateLimiter(settings.whatsapp_rate),
        }
        self.chat_limit = RateLimiter(settings.telegram_chat_rate)

    async def run_once(self) -> int:
        """Send one batch of due messages; returns how many were claimed."""
        claimed = await asyncio.to_thread(self.claim)
        if claimed:
            await asyncio.gather(*(self.deliver(message) for message in claimed))
        return len(claimed)

    def claim(self) -> list[Outgoing]:
        with session_scope(self.engine) as session:
            rows = session.exec(due_query(session, self.batch)).all()
            lease = utcnow() + LEASE
            for row in rows:
                row.status, row.lease_until = OutboundStatus.SENDING, lease
            return [to_outgoing(row) for row in rows]

    async def deliver(self, message: Outgoing) -> None:
        sender = self.senders.get(message.channel)
        if sender is None:
            await asyncio.to_thread(self.record_failure, message, GiveUp(f"channel {message.channel} is off"))
            return
        limiter = self.channel_limits.get(message.channel)
        if limiter is not None and message.kind != "callback_answer":
            if message.channel == "telegram":
                await self.chat_limit.wait(message.address)
            await limiter.wait(message.channel)
        try:
            provider_id = await sender.send(message)
        except SendError as error:
            await asyncio.to_thread(self.record_failure, message, error)
        except Exception as error:  # an unclassified fault is retried, never lost
            log.exception("send %s failed unexpectedly", message.id)
            await asyncio.to_thread(self.record_failure, message, RetryLater(f"{type(error).__name__}: {error}"))
        else:
            await asyncio.to_thread(self.record_sent, message, provider_id)

    def record_sent(self, message: Outgoing, provider_id: str | None) -> None:
        with session_scope(self.engine) as session:
            row = session.get(OutboundMessage, message.id)
            if row is None:
                return
            row.status, row.lease_until, row.attempts = OutboundStatus.SENT, None, row.attempts + 1
            row.provider_message_id, row.sent_at, row.status_at = provider_id, utcnow(), utcnow()
            if row.kind == "erasure_notice":
                row.text, row.address = "", ""
        metrics.MESSAGES_OUT.labels(channel=message.channel, result="sent").inc()

    def record_failure(self, message: Outgoing, error: SendError) -> None:
        with session_scope(self.engine) as session:
            row = session.get(OutboundMessage, message.id)
            if row is None:
                return
            row.attempts += 1
            row.last_error, row.lease_until = error.reason[:500], None
            if isinstance(error, RetryLater) and row.attempts < self.max_attempts:
                row.error_class, row.status = "retry", OutboundStatus.QUEUED
                row.next_attempt_at = utcnow() + backoff(row.attempts, error.retry_after)
            else:
                row.error_class = "unreachable" if isinstance(error, Unreachable) else "give_up"
                row.status, row.status_at = OutboundStatus.FAILED, utcnow()
                if isinstance(error, Unreachable):
                    mark_unreachable(session, row.contact_id)
        log.warning("send %s failed: %s", message.id, error.reason)
        metrics.MESSAGES_OUT.labels(channel=message.channel, result=type(error).__name__).inc()


def due_query(session: Session, batch: int) -> SelectOfScalar[OutboundMessage]:
    """Due messages whose contact has no older open message, most urgent first."""
    earlier = aliased(OutboundMessage)
    older_open = exists().where(
        col(earlier.contact_id) == col(OutboundMessage.contact_id),
        col(earlier.id) < col(OutboundMessage.id),
        col(earlier.status).in_(OPEN_STATUSES),
    )
    query = (
        select(OutboundMessage)
        .where(
            col(OutboundMessage.status) == OutboundStatus.QUEUED,
            col(OutboundMessage.next_attempt_at) <= utcnow(),
            or_(col(OutboundMessage.contact_id).is_(None), ~older_open),
        )
        .order_by(col(OutboundMessage.priority), col(OutboundMessage.id))
        .limit(batch)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return query


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    return timedelta(seconds=min(2**attempts, 300))


def mark_unreachable(session: Session, contact_id: int | None) -> None:
    if contact_id is None:
        return
    contact = session.get(Contact, contact_id)
    if contact is not None and contact.unreachable_since is None:
        contact.unreachable_since = utcnow()


def release_expired_leases(engine: Engine) -> int:
    """Messages claimed by a worker that died go back to the queue."""
    with session_scope(engine) as session:
        result = session.exec(
            update(OutboundMessage)
            .where(col(OutboundMessage.status) == OutboundStatus.SENDING, col(OutboundMessage.lease_until) < utcnow())
            .values(status=OutboundStatus.QUEUED, lease_until=None)
        )
        return int(result.rowcount or 0)


def to_outgoing(row: OutboundMessage) -> Outgoing:
    assert row.id is not None
    return Outgoing(row.id, row.channel, row.address, row.kind, row.text, list(row.options), dict(row.payload))
