"""What staff see of a broadcast: its status, the ledger and outbox counts (queued, sent,
delivered, read, failed by reason, skipped by reason, deferred), poll results per option and per
province, and the updated finish estimate."""

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, select

from bot.audience import AudienceCaller
from bot.broadcasts.estimate import ChannelLoad, configured_rates, finish_time, rate_of
from bot.broadcasts.models import Broadcast, BroadcastStatus, Recipient, RecipientStatus
from bot.broadcasts.planning import known_zones
from bot.broadcasts.services import queue_ahead, staff_zone
from bot.config import Settings
from bot.local_time import WIB
from bot.models import Contact, OutboundMessage, OutboundStatus

OUTBOX_COUNT = {
    OutboundStatus.QUEUED: "queued",
    OutboundStatus.SENDING: "queued",
    OutboundStatus.PARKED: "waiting_for_reply",  # WhatsApp window closed: the teacher was told there is news
    OutboundStatus.SENT: "sent",
    OutboundStatus.DELIVERED: "delivered",
    OutboundStatus.READ: "read",
    OutboundStatus.FAILED: "failed",
    OutboundStatus.UNDELIVERED: "failed",
}


class PollResults(BaseModel):
    question: str
    options: list[str]
    counts: list[int]  # per option, in order
    by_province: dict[str, list[int]]
    answered: int


class BroadcastReport(BaseModel):
    id: int
    status: str
    text: str
    audience: dict[str, Any]
    send_at: datetime
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    recipient_count: int
    counts: dict[str, int]
    failed: dict[str, int]
    skipped: dict[str, int]
    poll: PollResults | None
    estimated_finish: datetime | None


def ledger_counts(session: Session, broadcast_id: int) -> tuple[Counter[str], Counter[str]]:
    """Counts of the ledger (pending, deferred, cancelled) and skips by reason."""
    keys = [col(Recipient.status), col(Recipient.skip_reason), col(Recipient.deferred)]
    query = select_columns(*keys, func.count()).where(col(Recipient.broadcast_id) == broadcast_id).group_by(*keys)
    counts, skipped = Counter[str](), Counter[str]()
    for status, reason, deferred, count in session.execute(query).all():
        if status == RecipientStatus.SKIPPED:
            skipped[reason or "unknown"] += count
        elif status == RecipientStatus.PENDING:
            counts["deferred" if deferred else "pending"] += count
        elif status == RecipientStatus.CANCELLED:
            counts["cancelled"] += count
    return counts, skipped


def outbox_counts(session: Session, broadcast_id: int) -> tuple[Counter[str], Counter[str]]:
    """Counts of the messages in the outbox by delivery status, and failures by reason."""
    keys = [col(OutboundMessage.status), col(OutboundMessage.error_class)]
    query = (
        select_columns(*keys, func.count())
        .join(Recipient, col(Recipient.outbound_id) == col(OutboundMessage.id))
        .where(col(Recipient.broadcast_id) == broadcast_id)
        .group_by(*keys)
    )
    counts, failed = Counter[str](), Counter[str]()
    for status, error_class, count in session.execute(query).all():
        name = OUTBOX_COUNT.get(status, status)
        counts[name] += count
        if name == "failed":
            failed[error_class or "unknown"] += count
    return counts, failed


def poll_results(session: Session, broadcast: Broadcast) -> PollResults | None:
    if not broadcast.poll:
        return None
    options = list(broadcast.poll["options"])
    keys = [col(Recipient.province_code), col(Recipient.poll_choice)]
    query = select_columns(*keys, func.count()).where(
        col(Recipient.broadcast_id) == broadcast.id, col(Recipient.poll_choice).is_not(None)
    )
    counts, by_province = [0] * len(options), dict[str, list[int]]()
    for province, choice, count in session.execute(query.group_by(*keys)).all():
        if 1 <= choice <= len(options):
            counts[choice - 1] += count
            by_province.setdefault(province or "unknown", [0] * len(options))[choice - 1] += count
    return PollResults(
        question=broadcast.poll["question"],
        options=options,
        counts=counts,
        by_province=by_province,
        answered=sum(counts),
    )


def remaining_loads(session: Session, broadcast_id: int, settings: Settings) -> dict[str, ChannelLoad]:
    """Per channel: the outbox ahead, and this broadcast's pending rows per zone."""
    rates, ahead = configured_rates(settings), queue_ahead(session)
    query = (
        select(Recipient.channel, Contact.time_zone, func.count())
        .join(Contact, col(Contact.id) == col(Recipient.contact_id))
        .where(col(Recipient.broadcast_id) == broadcast_id, col(Recipient.status) == RecipientStatus.PENDING)
        .group_by(col(Recipient.channel), col(Contact.time_zone))
    )
    loads: dict[str, ChannelLoad] = {}
    for channel, iana, count in session.exec(query).all():
        load = loads.setdefault(channel, ChannelLoad(rate_of(rates, channel), ahead.get(channel, 0)))
        zone = known_zones().get(iana or WIB.iana, WIB)
        load.waiting[zone] = load.waiting.get(zone, 0) + count
    return loads


def estimate(session: Session, broadcast: Broadcast, now: datetime, settings: Settings) -> datetime | None:
    if broadcast.status == BroadcastStatus.CANCELLED:
        return None
    if broadcast.status == BroadcastStatus.DONE:
        last = select(func.max(col(OutboundMessage.sent_at))).join(
            Recipient, col(Recipient.outbound_id) == col(OutboundMessage.id)
        )
        sent: datetime | None = session.exec(last.where(col(Recipient.broadcast_id) == broadcast.id)).one()
        return sent or broadcast.finished_at
    return finish_time(remaining_loads(session, broadcast.id or 0, settings), max(now, broadcast.send_at))


def broadcast_report(
    session: Session, broadcast: Broadcast, viewer: AudienceCaller, now: datetime, settings: Settings
) -> BroadcastReport:
    assert broadcast.id is not None
    ledger, skipped = ledger_counts(session, broadcast.id)
    outbox, failed = outbox_counts(session, broadcast.id)
    counts = {name: 0 for name in ("pending", "deferred", "queued", "waiting_for_reply", "sent", "delivered", "read")}
    counts.update({"failed": 0, "cancelled": 0, **ledger, **outbox})
    finish = estimate(session, broadcast, now, settings)
    zone = ZoneInfo(staff_zone(viewer).iana)
    return BroadcastReport(
        id=broadcast.id,
        status=broadcast.status,
        text=broadcast.text,
        audience=broadcast.audience,
        send_at=broadcast.send_at.astimezone(zone),
        created_by=broadcast.created_by,
        created_at=broadcast.created_at.astimezone(zone),
        finished_at=broadcast.finished_at.astimezone(zone) if broadcast.finished_at else None,
        recipient_count=sum(ledger.values()) + sum(outbox.values()) - ledger["cancelled"],
        counts=counts,
        failed=dict(failed),
        skipped=dict(skipped),
        poll=poll_results(session, broadcast),
        estimated_finish=finish.astimezone(zone) if finish else None,
    )
