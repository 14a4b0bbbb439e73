"""Composing a broadcast, previewing it, and pausing, resuming or cancelling it: the service
functions the staff API (and the dashboard) call. Sending is the tick's (`bot.broadcasts.jobs`)."""

from collections import Counter
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import delete, func, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from bot import regions
from bot.audience import AudienceCaller, scoped
from bot.broadcasts.audit import record
from bot.broadcasts.estimate import ChannelLoad, configured_rates, finish_time, rate_of
from bot.broadcasts.models import (
    POLL_PROMPT,
    TEXT_LIMIT,
    Broadcast,
    BroadcastAudience,
    BroadcastCreate,
    BroadcastStatus,
    Recipient,
    RecipientStatus,
)
from bot.broadcasts.planning import candidates, known_zones, without_jit
from bot.broadcasts.templating import closed_window_delivery
from bot.config import Settings
from bot.errors import BadRequest
from bot.local_time import WIB
from bot.models import OutboundMessage, OutboundStatus
from bot.prompts import close_subject
from bot.regions import TimeZone

FINISHED = (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)


class Staffer(AudienceCaller, Protocol):
    @property
    def name(self) -> str: ...


class Unprocessable(BadRequest):
    """A request the API answers with 422 (a past send time, an unconfirmed audience of everyone)."""


class Conflict(BadRequest):
    """A change the broadcast's state does not allow (pausing a finished one): 409."""


class Preview(BaseModel):
    recipient_count: int
    by_channel: dict[str, int]
    by_zone: dict[str, int]
    outside_whatsapp_window: int
    closed_window_delivery: str  # "template" (the text as a template variable) or "park" (notice, then the text)
    deferred_by_quiet_hours: int
    skipped: dict[str, int]
    queue_ahead: dict[str, int]
    estimated_finish: datetime  # in the staff member's zone


def is_everyone(audience: BroadcastAudience) -> bool:
    return not (audience.has_places or audience.roles or audience.school_levels or audience.activation)


def checked_audience(body: BroadcastCreate, caller: AudienceCaller, now: datetime) -> BroadcastAudience:
    """The audience as the caller may send it; refuses a past time and an unconfirmed "everyone"."""
    if body.send_at is not None and body.send_at < now:
        raise Unprocessable("send_at is in the past")
    if len(body.text) > TEXT_LIMIT:  # already checked by the model; kept for callers that build one by hand
        raise Unprocessable(f"text has {len(body.text)} characters; at most {TEXT_LIMIT}")
    audience = body.audience
    if is_everyone(audience) and not body.confirm_all:
        raise Unprocessable('the audience is empty and would reach everyone in your scope: send "confirm_all": true')
    scoped_places = scoped(audience, caller)  # Forbidden (403) outside a staff member's province
    return BroadcastAudience.model_validate({**audience.model_dump(), **scoped_places.model_dump()})


def create_broadcast(session: Session, body: BroadcastCreate, caller: Staffer, now: datetime) -> tuple[Broadcast, int]:
    """Store a broadcast for the tick to plan and send; returns it with the number it will reach now."""
    audience = checked_audience(body, caller, now)
    start = (body.send_at or now).astimezone(UTC)
    broadcast = Broadcast(
        text=body.text,
        audience=audience.model_dump(),
        poll=body.poll.model_dump() if body.poll else None,
        province=None if caller.is_admin else caller.province,
        created_by=caller.name,
        send_at=start,
    )
    session.add(broadcast)
    session.flush()
    count = sum(row.count for row in grouped(session, audience, start) if row.skip_reason is None)
    record(session, caller, "broadcast.create", broadcast, audience=audience.model_dump(), recipients=count)
    return broadcast, count


def grouped(session: Session, audience: BroadcastAudience, start: datetime) -> list[Any]:
    """The audience counted by channel, zone, skip reason, closed window and quiet-hour deferral."""
    without_jit(session)
    chosen = candidates(audience, start).subquery()
    deferred = chosen.c.due_at > start
    keys = [chosen.c.channel, chosen.c.zone, chosen.c.skip_reason, chosen.c.window_closed, deferred.label("deferred")]
    return list(session.execute(select_columns(*keys, func.count().label("count")).group_by(*keys[:4], deferred)).all())


def staff_zone(caller: AudienceCaller) -> TimeZone:
    return regions.time_zone_of(caller.province) if caller.province in regions.time_zones() else WIB


def queue_ahead(session: Session) -> dict[str, int]:
    """Messages waiting in the outbox per channel: all of them leave before a broadcast's."""
    waiting = col(OutboundMessage.status).in_([OutboundStatus.QUEUED, OutboundStatus.SENDING])
    query = select(OutboundMessage.channel, func.count()).where(waiting).group_by(col(OutboundMessage.channel))
    return {channel: count for channel, count in session.exec(query).all()}


def preview(
    session: Session, body: BroadcastCreate, caller: AudienceCaller, now: datetime, settings: Settings
) -> Preview:
    """What sending would do, without sending: counts, closed windows, skips and the finish time."""
    audience = checked_audience(body, caller, now)
    start = (body.send_at or now).astimezone(UTC)
    channels, zones, skipped, closed, deferred = Counter[str](), Counter[str](), Counter[str](), 0, 0
    rates, ahead = configured_rates(settings), queue_ahead(session)
    loads: dict[str, ChannelLoad] = {}
    for row in grouped(session, audience, start):
        if row.skip_reason is not None:
            skipped[row.skip_reason] += row.count
            continue
        zone = known_zones().get(row.zone, WIB)
        channels[row.channel] += row.count
        zones[zone.label] += row.count
        closed += row.count if row.window_closed else 0
        deferred += row.count if row.deferred else 0
        load = loads.setdefault(row.channel, ChannelLoad(rate_of(rates, row.channel), ahead.get(row.channel, 0)))
        load.waiting[zone] = load.waiting.get(zone, 0) + row.count
    finish = finish_time(loads, start).astimezone(ZoneInfo(staff_zone(caller).iana))
    return Preview(
        recipient_count=sum(channels.values()),
        by_channel=dict(channels),
        by_zone=dict(zones),
        outside_whatsapp_window=closed,
        closed_window_delivery=closed_window_delivery(body.text, body.poll is not None),
        deferred_by_quiet_hours=deferred,
        skipped=dict(skipped),
        queue_ahead=ahead,
        estimated_finish=finish,
    )


def recent_broadcasts(session: Session, caller: AudienceCaller, limit: int = 50) -> list[Broadcast]:
    """The caller's broadcasts (admins: all), newest first."""
    query = select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit)
    if not caller.is_admin:
        query = query.where(col(Broadcast.province) == caller.province)
    return list(session.exec(query).all())


def pause(session: Session, broadcast: Broadcast, caller: Staffer) -> None:
    """Stop feeding the outbox; messages queued but not yet sent come back to the ledger."""
    if broadcast.status in FINISHED:
        raise Conflict(f"the broadcast is {broadcast.status}")
    broadcast.status = BroadcastStatus.PAUSED
    withdraw_queued(session, broadcast, RecipientStatus.PENDING)
    record(session, caller, "broadcast.pause", broadcast)


def resume(session: Session, broadcast: Broadcast, caller: Staffer) -> None:
    if broadcast.status != BroadcastStatus.PAUSED:
        raise Conflict(f"the broadcast is {broadcast.status}, not paused")
    broadcast.status = BroadcastStatus.SENDING if broadcast.planned_at else BroadcastStatus.SCHEDULED
    record(session, caller, "broadcast.resume", broadcast)


def cancel(session: Session, broadcast: Broadcast, caller: Staffer, now: datetime) -> None:
    """Nothing more goes out: pending rows and unsent outbox messages are cancelled."""
    if broadcast.status in FINISHED:
        raise Conflict(f"the broadcast is {broadcast.status}")
    broadcast.status, broadcast.finished_at = BroadcastStatus.CANCELLED, now
    withdraw_queued(session, broadcast, RecipientStatus.CANCELLED)
    session.execute(
        update(Recipient)
        .where(col(Recipient.broadcast_id) == broadcast.id, col(Recipient.status) == RecipientStatus.PENDING)
        .values(status=RecipientStatus.CANCELLED)
    )
    close_subject(session, POLL_PROMPT, broadcast.id or 0)  # a poll's old buttons now say they expired
    record(session, caller, "broadcast.cancel", broadcast)


def withdraw_queued(session: Session, broadcast: Broadcast, ledger_status: RecipientStatus) -> int:
    """Outbox messages of the broadcast not yet claimed by a sender are taken back (deleted);
    their ledger rows become `ledger_status`. One a sender holds right now still goes."""
    unsent = col(OutboundMessage.status).in_([OutboundStatus.QUEUED, OutboundStatus.PARKED])
    ids = select(OutboundMessage.id).join(Recipient, col(Recipient.outbound_id) == col(OutboundMessage.id))
    ids = ids.where(col(Recipient.broadcast_id) == broadcast.id, unsent)
    taken = list(session.exec(ids).all())
    if not taken:
        return 0
    session.execute(
        update(Recipient)
        .where(col(Recipient.outbound_id).in_(taken))
        .values(status=ledger_status, outbound_id=None, queued_at=None)
    )
    session.execute(delete(OutboundMessage).where(col(OutboundMessage.id).in_(taken), unsent))
    return len(taken)
