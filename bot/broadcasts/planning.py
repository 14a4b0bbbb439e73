"""Who a broadcast reaches, in set-based SQL: one SELECT names every contact of the audience with
the reason it is skipped (or none) and when it may receive the message (quiet hours in its own
zone); planning inserts that SELECT into the ledger in one statement, the preview counts it.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, insert, literal, or_, select, text, true
from sqlmodel import Session, col

from bot import regions
from bot.activation.models import ActivationEvent, ActivationProgress, EventKind
from bot.audience import place_and_profile_conditions
from bot.broadcasts.models import AnnouncementOptOut, BroadcastAudience, Recipient, RecipientStatus, SkipReason
from bot.db import is_postgres
from bot.local_time import AWAKE, LABEL_BY_IANA, WIB
from bot.models import Contact
from bot.regions import TimeZone

WHATSAPP_WINDOW = timedelta(hours=24)


def known_zones() -> dict[str, TimeZone]:
    """Every IANA zone a contact may carry, labelled (WIB, WITA, WIT)."""
    zones = {zone.iana: zone for zone in regions.time_zones().values()}
    zones.update({iana: TimeZone(label, iana) for iana, label in LABEL_BY_IANA.items()})
    return zones


def zone_column() -> ColumnElement[str]:
    return func.coalesce(col(Contact.time_zone), WIB.iana)


def skip_reason() -> ColumnElement[Any]:
    """Why a contact of the audience does not get the broadcast; NULL when it does."""
    opted_out = exists().where(col(AnnouncementOptOut.contact_id) == col(Contact.id))
    return case(
        (
            or_(col(Contact.consent_given_at).is_(None), col(Contact.onboarded_at).is_(None)),
            SkipReason.NO_CONSENT.value,
        ),
        (or_(col(Contact.opted_out_at).is_not(None), opted_out), SkipReason.OPTED_OUT.value),
        (col(Contact.unreachable_since).is_not(None), SkipReason.BLOCKED.value),
        else_=None,
    )


def due_column(start: datetime) -> ColumnElement[datetime]:
    """When each contact may receive it: `start`, or its own zone's morning when that is in quiet hours."""
    due_type = Recipient.__table__.c.due_at.type  # type: ignore[attr-defined]
    whens = [
        (zone_column() == iana, literal(AWAKE.next_allowed(start, zone), due_type))
        for iana, zone in known_zones().items()
    ]
    return case(*whens, else_=literal(AWAKE.next_allowed(start, WIB), due_type))


def activation_condition(statuses: list[str]) -> ColumnElement[bool]:
    """Contacts whose walkthrough is not started, stuck (a problem reported, not finished) or done."""
    progress = select(ActivationProgress).where(col(ActivationProgress.contact_id) == col(Contact.id))
    started = progress.where(col(ActivationProgress.started_at).is_not(None)).exists()
    done = progress.where(col(ActivationProgress.completed_at).is_not(None)).exists()
    stuck_event = exists().where(
        col(ActivationEvent.contact_id) == col(Contact.id), col(ActivationEvent.kind) == EventKind.STUCK
    )
    conditions = {"not_started": ~started, "done": done, "stuck": and_(started, ~done, stuck_event)}
    return or_(*(conditions[status] for status in statuses))


def audience_conditions(audience: BroadcastAudience) -> list[ColumnElement[bool]]:
    """The audience's places, roles, levels and activation statuses (consent is a skip reason)."""
    conditions = place_and_profile_conditions(audience)
    if audience.activation:
        conditions.append(activation_condition(list(audience.activation)))
    return conditions


def candidates(audience: BroadcastAudience, start: datetime) -> Select[Any]:
    """One row per contact of the audience: id, channel, province, zone, skip reason, due time,
    and whether the WhatsApp window is closed at `start`."""
    window_closed = and_(
        col(Contact.channel) == "whatsapp",
        or_(col(Contact.last_inbound_at).is_(None), col(Contact.last_inbound_at) < start - WHATSAPP_WINDOW),
    )
    return select(
        col(Contact.id).label("contact_id"),
        col(Contact.channel).label("channel"),
        col(Contact.province_code).label("province_code"),
        zone_column().label("zone"),
        skip_reason().label("skip_reason"),
        due_column(start).label("due_at"),
        case((window_closed, True), else_=False).label("window_closed"),
    ).where(true(), *audience_conditions(audience))


def without_jit(session: Session) -> None:
    """PostgreSQL's JIT compiled the audience query for longer (0.36 s) than it ran (0.1 s)."""
    if is_postgres(session):
        session.execute(text("SET LOCAL jit = off"))


def plan(session: Session, broadcast_id: int, audience: BroadcastAudience, start: datetime) -> int:
    """Write the ledger for a broadcast in one INSERT … SELECT; returns the rows written."""
    without_jit(session)
    chosen = candidates(audience, start).subquery()
    rows = select(
        literal(broadcast_id),
        chosen.c.contact_id,
        chosen.c.channel,
        chosen.c.province_code,
        case((chosen.c.skip_reason.is_(None), RecipientStatus.PENDING.value), else_=RecipientStatus.SKIPPED.value),
        chosen.c.skip_reason,
        chosen.c.due_at,
        case((chosen.c.due_at > literal(start, Recipient.__table__.c.due_at.type), True), else_=False),  # type: ignore[attr-defined]
    )
    columns = ["broadcast_id", "contact_id", "channel", "province_code", "status", "skip_reason", "due_at", "deferred"]
    session.exec(insert(Recipient).from_select(columns, rows))
    written = select(func.count()).where(col(Recipient.broadcast_id) == broadcast_id)
    return int(session.execute(written).scalar_one())
