"""The tick's broadcast jobs: plan what is due (the ledger, in one INSERT … SELECT), then feed
the outbox from the ledger in batches, only as far ahead of each channel's rate as the
dispatcher will drain in `FEED_AHEAD_SECONDS`, so quiet hours are checked when a message is
really about to leave and a pause stops within seconds.

Exactly once: a ledger row goes PENDING → QUEUED in the same transaction as its outbox row, and
rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite has one writer at a time);
a worker killed mid-batch leaves its rows PENDING, and the next run sends them, once.
"""

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Engine, and_, exists, func, update
from sqlmodel import Session, col, select

from bot.broadcasts.estimate import configured_rates, rate_of
from bot.broadcasts.models import (
    AnnouncementOptOut,
    Broadcast,
    BroadcastAudience,
    BroadcastStatus,
    Recipient,
    RecipientStatus,
    SkipReason,
)
from bot.broadcasts.planning import plan
from bot.broadcasts.sending import deliver
from bot.clock import utcnow
from bot.config import get_settings
from bot.db import is_postgres, session_scope
from bot.local_time import AWAKE, zone_of
from bot.models import Contact, OutboundMessage, OutboundStatus, Priority
from bot.timed import TimedJob

log = logging.getLogger(__name__)
BATCH_SIZE = 500
MAX_BATCHES_PER_TICK = 40
FEED_AHEAD_SECONDS = 30.0


def plan_due(engine: Engine) -> int:
    """Write the ledger of every broadcast whose send time has come; returns rows written."""
    written = 0
    while True:
        with session_scope(engine) as session:
            query = select(Broadcast).where(
                col(Broadcast.status) == BroadcastStatus.SCHEDULED, col(Broadcast.send_at) <= utcnow()
            )
            query = query.order_by(col(Broadcast.id)).limit(1)
            broadcast = session.exec(query.with_for_update(skip_locked=True) if is_postgres(session) else query).first()
            if broadcast is None or broadcast.id is None:
                return written
            now = utcnow()
            written += plan(session, broadcast.id, BroadcastAudience.model_validate(broadcast.audience), now)
            broadcast.status, broadcast.planned_at = BroadcastStatus.SENDING, now
            log.info("broadcast %s planned", broadcast.id)


def backlog(session: Session) -> dict[str, int]:
    """Broadcast messages in the outbox not yet sent, per channel."""
    waiting = col(OutboundMessage.status).in_([OutboundStatus.QUEUED, OutboundStatus.SENDING])
    query = select(OutboundMessage.channel, func.count()).where(
        waiting, col(OutboundMessage.priority) >= Priority.BROADCAST
    )
    return {channel: count for channel, count in session.exec(query.group_by(col(OutboundMessage.channel))).all()}


def claim(session: Session, channel: str, now: datetime, batch: int) -> Sequence[tuple[Recipient, Contact]]:
    """Due pending rows of sending broadcasts on one channel, earliest first, locked for this worker."""
    query = (
        select(Recipient, Contact)
        .join(Contact, col(Contact.id) == col(Recipient.contact_id))
        .join(Broadcast, col(Broadcast.id) == col(Recipient.broadcast_id))
        .where(col(Recipient.status) == RecipientStatus.PENDING, col(Recipient.due_at) <= now)
        .where(col(Recipient.channel) == channel, col(Broadcast.status) == BroadcastStatus.SENDING)
        .order_by(col(Recipient.due_at), col(Recipient.id))
        .limit(batch)
    )
    if is_postgres(session):
        query = query.with_for_update(of=Recipient, skip_locked=True)  # type: ignore[arg-type]
    return session.exec(query).all()


def opted_out_of_announcements(session: Session, contact_ids: list[int]) -> set[int]:
    query = select(AnnouncementOptOut.contact_id).where(col(AnnouncementOptOut.contact_id).in_(contact_ids))
    return set(session.exec(query).all())


def reason_to_skip(contact: Contact, stopped: set[int]) -> str | None:
    """A teacher may have said BERHENTI or blocked the bot since the broadcast was planned."""
    if contact.opted_out_at is not None or contact.id in stopped:
        return SkipReason.OPTED_OUT
    if contact.unreachable_since is not None:
        return SkipReason.BLOCKED
    return None


def send_batch(session: Session, rows: Sequence[tuple[Recipient, Contact]], now: datetime) -> int:
    """Queue, skip or defer each claimed row; returns how many went to the outbox. The outbox
    rows are written together, then the ledger rows point to them."""
    stopped = opted_out_of_announcements(session, [contact.id or 0 for _, contact in rows])
    broadcasts = {row.broadcast_id: session.get(Broadcast, row.broadcast_id) for row, _ in rows}
    queued: list[tuple[Recipient, OutboundMessage]] = []
    for row, contact in rows:
        reason = reason_to_skip(contact, stopped)
        zone = zone_of(contact)
        if reason is not None:
            row.status, row.skip_reason = RecipientStatus.SKIPPED, reason
        elif not AWAKE.allows(now, zone):
            row.due_at, row.deferred = AWAKE.next_allowed(now, zone), True
        else:
            broadcast = broadcasts[row.broadcast_id]
            assert broadcast is not None
            queued.append((row, deliver(session, broadcast, contact)))
    session.flush()
    for row, message in queued:
        row.outbound_id, row.status, row.queued_at = message.id, RecipientStatus.QUEUED, now
    return len(queued)


def feed_channel(engine: Engine, channel: str, room: int) -> int:
    """Feed one channel up to `room` messages, one batch per transaction."""
    fed = 0
    for _ in range(MAX_BATCHES_PER_TICK):
        wanted = min(BATCH_SIZE, room - fed)
        if wanted <= 0:
            break
        with session_scope(engine) as session:
            now = utcnow()
            rows = claim(session, channel, now, wanted)
            fed += send_batch(session, rows, now)
        if len(rows) < wanted:
            break
    return fed


def pending_channels(session: Session) -> list[str]:
    query = select(Recipient.channel).where(col(Recipient.status) == RecipientStatus.PENDING).distinct()
    return list(session.exec(query).all())


def feed_outbox(engine: Engine, rates: Mapping[str, float] | None = None) -> int:
    """The tick job: each channel gets what its rate drains in FEED_AHEAD_SECONDS, minus its backlog."""
    rates = configured_rates(get_settings()) if rates is None else rates
    with session_scope(engine) as session:
        waiting, channels = backlog(session), pending_channels(session)
    fed = 0
    for channel in channels:
        room = int(rate_of(rates, channel) * FEED_AHEAD_SECONDS) - waiting.get(channel, 0)
        if room > 0:
            fed += feed_channel(engine, channel, room)
    finish_sent(engine)
    return fed


def finish_sent(engine: Engine) -> int:
    """Broadcasts with no pending row and nothing unsent in the outbox are done."""
    pending = exists().where(
        and_(col(Recipient.broadcast_id) == col(Broadcast.id), col(Recipient.status) == RecipientStatus.PENDING)
    )
    unsent = (
        exists()
        .where(col(Recipient.broadcast_id) == col(Broadcast.id), col(Recipient.status) == RecipientStatus.QUEUED)
        .where(col(OutboundMessage.id) == col(Recipient.outbound_id))
        .where(col(OutboundMessage.status).in_([OutboundStatus.QUEUED, OutboundStatus.SENDING]))
    )
    with session_scope(engine) as session:
        result = session.exec(
            update(Broadcast)
            .where(col(Broadcast.status) == BroadcastStatus.SENDING, ~pending, ~unsent)
            .values(status=BroadcastStatus.DONE, finished_at=utcnow())
        )
        return int(result.rowcount or 0)


def run(engine: Engine) -> int:
    return plan_due(engine) + feed_outbox(engine)


BROADCAST_JOB = TimedJob("broadcasts", run)
