"""Claiming due messages. One atomic `UPDATE … RETURNING` per batch and channel takes the most
urgent due messages (priority, then age), at most one per contact so that each contact's
messages leave in order; on PostgreSQL the pick runs `FOR UPDATE SKIP LOCKED`, so concurrent
workers never take the same row (SQLite serialises writers). Claimed messages are then sorted
as the channel's traits ask: an unreachable contact's fail, free text outside the channel's
reply window is parked, a chat written to less than 1/chat_rate ago waits; the rest get their
rate-limit slots."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, exists, func, literal_column, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.channels.base import ChannelTraits, Outgoing
from bot.clock import utcnow
from bot.config import Settings
from bot.db import session_scope
from bot.delivery.rate_limit import SharedRateLimiter
from bot.delivery.window import ParkedMessage, park, send_as_template, window_open
from bot.models import Contact, OutboundMessage, OutboundStatus, Priority

OPEN_STATUSES = (OutboundStatus.QUEUED, OutboundStatus.SENDING)
UNLIMITED_KINDS = ("callback_answer",)  # answering a button press is not a message
# Sends older than this never hold a chat back (its pace is at most a few seconds).
RECENT_SEND = timedelta(minutes=1)
CLAIMED_COLUMNS = tuple(
    col(column)
    for column in (
        OutboundMessage.id,
        OutboundMessage.contact_id,
        OutboundMessage.channel,
        OutboundMessage.address,
        OutboundMessage.kind,
        OutboundMessage.text,
        OutboundMessage.options,
        OutboundMessage.payload,
        OutboundMessage.priority,
        OutboundMessage.attempts,
    )
)


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds the lease of: its rate-limit slot and the end of the lease
    (epoch seconds on this host's clock; a send must not start unless it ends within the lease)."""

    message: Outgoing
    contact_id: int | None
    priority: int
    attempts: int
    send_at: float = 0.0
    lease_ends: float = math.inf


@dataclass
class Sorting:
    """What becomes of each claimed row."""

    send: list[Claimed] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)
    opted_out: list[int] = field(default_factory=list)
    park: list[ParkedMessage] = field(default_factory=list)
    wait: dict[int, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class ContactState:
    unreachable: bool
    opted_out: bool
    last_inbound_at: datetime | None
    last_sent_at: datetime | None


class Claimer:
    """Claims batches of one channel's due messages for this worker, as its traits ask."""

    def __init__(
        self, engine: Engine, settings: Settings, limiter: SharedRateLimiter, traits: Mapping[str, ChannelTraits]
    ) -> None:
        self.engine = engine
        self.limiter = limiter
        self.traits = traits
        self.lease = timedelta(seconds=settings.delivery_lease_seconds)

    def claim(self, channel: str, size: int) -> tuple[list[Claimed], int]:
        """Claim up to `size` due messages of a channel; (messages to send now, rows touched)."""
        lease_ends = self.limiter.wall_clock() + self.lease.total_seconds()
        traits = self.traits[channel]
        with session_scope(self.engine) as session:
            rows = take_due(session, channel, size, utcnow() + self.lease)
            if not rows:
                return [], 0
            sorting = sort_claimed(rows, contact_states(rows), traits)
            apply_sorting(session, sorting)
            ready = self.with_slots(session, channel, sorting.send)
        return [replace(item, lease_ends=lease_ends) for item in ready], len(rows)

    def with_slots(self, session: Session, channel: str, ready: list[Claimed]) -> list[Claimed]:
        """Reserve the channel's rate-limit slots for the messages to send, in their order."""
        limited = [item for item in ready if item.message.kind not in UNLIMITED_KINDS]
        slots = self.limiter.reserve(session, channel, len(limited))
        send_at = dict(zip((item.message.id for item in limited), slots, strict=True))
        return [replace(item, send_at=send_at.get(item.message.id, 0.0)) for item in ready]


def sort_claimed(rows: list[Any], states: dict[int, ContactState], traits: ChannelTraits) -> Sorting:
    """Decide, most urgent first, what becomes of each claimed row."""
    sorting, now = Sorting(), utcnow()
    pace = timedelta(seconds=1.0 / traits.chat_rate) if traits.chat_rate else None
    for row in sorted(rows, key=lambda row: (row.priority, row.id)):
        state = states.get(row.contact_id) if row.contact_id is not None else None
        if state is None:
            sorting.send.append(claimed(row, template=False))
        elif state.unreachable:
            sorting.unreachable.append(row.id)
        elif state.opted_out and row.priority > Priority.REPLY:
            sorting.opted_out.append(row.id)  # BERHENTI: no announcements, reminders or nudges
        elif pace and row.kind not in UNLIMITED_KINDS and too_soon(state.last_sent_at, now, pace):
            sorting.wait[row.id] = (state.last_sent_at or now) + pace
        elif traits.reply_window is not None:
            sort_by_window(sorting, row, window_open(state.last_inbound_at, now, traits.reply_window))
        else:
            sorting.send.append(claimed(row, template=False))
    return sorting


def too_soon(last_sent_at: datetime | None, now: datetime, pace: timedelta) -> bool:
    """Whether the chat got a message less than its pace ago."""
    return last_sent_at is not None and last_sent_at + pace > now


def sort_by_window(sorting: Sorting, row: Any, window_is_open: bool) -> None:
    """Free text within the reply window; outside it the row's own template, or park it."""
    as_template = send_as_template(row.payload, window_is_open)
    if window_is_open or as_template:
        sorting.send.append(claimed(row, template=as_template))
    else:
        sorting.park.append(ParkedMessage(row.id, row.contact_id, row.channel, row.address, row.priority))


def take_due(session: Session, channel: str, size: int, lease_until: datetime) -> list[Any]:
    """Mark up to `size` due messages as SENDING under a lease and return them, each with its
    contact's state (`contact_states`): one statement, built once per dialect."""
    now = utcnow()
    parameters = {"claim_channel": channel, "size": size, "now": now, "claim_lease_until": lease_until}
    parameters["recent_since"] = now - RECENT_SEND
    # On the connection, not the ORM session: a Core statement, no ORM bookkeeping of the rows.
    return list(session.connection().execute(TAKE_DUE[session.get_bind().dialect.name], parameters).all())


def older_open_message() -> Any:
    """The contact has an older open message (built once: an alias per claim was a hot spot)."""
    earlier = aliased(OutboundMessage)
    return exists().where(
        col(earlier.contact_id) == col(OutboundMessage.contact_id),
        col(earlier.status).in_(OPEN_STATUSES),
        col(earlier.id) < col(OutboundMessage.id),
        col(earlier.kind).not_in(UNLIMITED_KINDS),
    )


def due_ids(locking: bool) -> Any:
    """Due messages of a channel whose contact has no older open message, most urgent first."""
    query = (
        select(col(OutboundMessage.id))
        .where(
            col(OutboundMessage.status) == OutboundStatus.QUEUED,
            col(OutboundMessage.channel) == bindparam("claim_channel"),
            col(OutboundMessage.next_attempt_at) <= bindparam("now"),
            or_(
                col(OutboundMessage.contact_id).is_(None),
                col(OutboundMessage.kind).in_(UNLIMITED_KINDS),  # a button press is answered at once
                ~older_open_message(),
            ),
        )
        .order_by(col(OutboundMessage.priority), col(OutboundMessage.id))
        .limit(bindparam("size"))
    )
    return query.with_for_update(skip_locked=True) if locking else query


# The claimed row's contact, named in full: SQLAlchemy renders RETURNING's columns without their
# table, which inside a subquery would name the subquery's own table instead.
CLAIMED_CONTACT_ID: Any = literal_column("outbound_message.contact_id")


def of_the_contact(column: Any) -> Any:
    """A column of the message's contact, read in the claiming statement (None without one)."""
    return select(column).where(col(Contact.id) == CLAIMED_CONTACT_ID)


def last_recent_send() -> Any:
    """When the message's contact last got a message, if since :recent_since (for the pace)."""
    sent = aliased(OutboundMessage)
    return (
        select(func.max(col(sent.sent_at)))
        .where(
            col(sent.contact_id) == CLAIMED_CONTACT_ID,
            col(sent.sent_at) > bindparam("recent_since"),
            col(sent.kind).not_in(UNLIMITED_KINDS),
        )
    )


def take_due_statement(locking: bool) -> Any:
    """UPDATE … SET status = 'sending' WHERE id IN (the picked) RETURNING the message and its contact."""
    picked = due_ids(locking).cte("picked").prefix_with("MATERIALIZED")
    contact_columns = (
        of_the_contact(col(Contact.id)).scalar_subquery().label("found_contact_id"),
        of_the_contact(col(Contact.unreachable_since)).scalar_subquery().label("unreachable_since"),
        of_the_contact(col(Contact.opted_out_at)).scalar_subquery().label("opted_out_at"),
        of_the_contact(col(Contact.last_inbound_at)).scalar_subquery().label("last_inbound_at"),
        last_recent_send().scalar_subquery().label("last_sent_at"),
    )
    return (
        update(OutboundMessage)
        .where(col(OutboundMessage.id).in_(select(picked.c.id)))
        .values(status=OutboundStatus.SENDING, lease_until=bindparam("claim_lease_until"))
        .returning(*CLAIMED_COLUMNS, *contact_columns)
    )


TAKE_DUE = {"postgresql": take_due_statement(locking=True), "sqlite": take_due_statement(locking=False)}


def contact_states(rows: list[Any]) -> dict[int, ContactState]:
    """Reachability, last message in and last message out (within `RECENT_SEND`) per contact."""
    return {
        row.contact_id: ContactState(
            row.unreachable_since is not None, row.opted_out_at is not None, row.last_inbound_at, row.last_sent_at
        )
        for row in rows
        if row.found_contact_id is not None
    }


def apply_sorting(session: Session, sorting: Sorting) -> None:
    fail_rows(session, sorting.unreachable, "unreachable", "contact unreachable")
    fail_rows(session, sorting.opted_out, "opted_out", "the teacher said BERHENTI")
    park(session, sorting.park)
    for row_id, not_before in sorting.wait.items():
        session.execute(
            update(OutboundMessage)
            .where(col(OutboundMessage.id) == row_id)
            .values(status=OutboundStatus.QUEUED, lease_until=None, next_attempt_at=not_before)
        )


def fail_rows(session: Session, ids: list[int], error_class: str, reason: str) -> None:
    if ids:
        session.execute(
            update(OutboundMessage)
            .where(col(OutboundMessage.id).in_(ids))
            .values(
                status=OutboundStatus.FAILED,
                status_at=utcnow(),
                lease_until=None,
                error_class=error_class,
                last_error=reason,
            )
        )


def claimed(row: Any, template: bool) -> Claimed:
    payload: dict[str, Any] = dict(row.payload)
    message = Outgoing(
        row.id,
        row.channel,
        row.address,
        row.kind,
        row.text,
        list(row.options),
        payload,
        template=str(payload["template"]) if template else None,
        template_variables=dict(payload.get("template_variables") or {}) if template else {},
    )
    return Claimed(message, row.contact_id, row.priority, row.attempts)


def release_expired_leases(engine: Engine, max_attempts: int) -> int:
    """Messages held by a worker that died go back to the queue; each expiry counts as an attempt,
    so a message that keeps killing its worker fails in the end instead of looping forever."""
    now = utcnow()
    expired = (col(OutboundMessage.status) == OutboundStatus.SENDING, col(OutboundMessage.lease_until) < now)
    with session_scope(engine) as session:
        given_up = session.execute(
            update(OutboundMessage)
            .where(*expired, col(OutboundMessage.attempts) + 1 >= max_attempts)
            .values(
                status=OutboundStatus.FAILED,
                status_at=now,
                attempts=col(OutboundMessage.attempts) + 1,
                lease_until=None,
                error_class="give_up",
                last_error="the worker sending it stopped before recording the result, too many times",
            )
        )
        requeued = session.execute(
            update(OutboundMessage)
            .where(*expired)
            .values(status=OutboundStatus.QUEUED, attempts=col(OutboundMessage.attempts) + 1, lease_until=None)
        )
        return int(given_up.rowcount or 0) + int(requeued.rowcount or 0)  # type: ignore[attr-defined]
