"""The recording of send results.

A result is stored right after its send (results that arrive while a write is running go
together in the next write), so a worker that dies leaves unrecorded only the sends that were
on the wire. A sent message becomes SENT with the provider's id; what a failure means is the
delivery policy's to say (`bot.delivery.policy`).
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, or_, update
from sqlmodel import Session, col

from bot import metrics
from bot.clock import utcnow
from bot.db import session_scope
from bot.delivery.claiming import Claimed
from bot.delivery.policy import FailedSend, decide, mark_unreachable
from bot.delivery.window import ParkedMessage, park, window_found_closed
from bot.errors import SendError
from bot.models import OutboundMessage, OutboundStatus
from bot.status import apply_early_statuses

log = logging.getLogger(__name__)
STILL_OURS = (OutboundStatus.SENDING, OutboundStatus.QUEUED)
STORE_TRIES = 3


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    provider_id: str | None = None
    error: SendError | None = None


class Recorder:
    """Stores results as they come: while one write runs, the results that arrive wait for the
    next write together (group commit), and each sender is released once its result is stored."""

    def __init__(self, engine: Engine, max_attempts: int, reporting_channels: set[str]) -> None:
        """`reporting_channels`: those whose provider reports statuses later (`status_callbacks`)."""
        self.engine = engine
        self.max_attempts = max_attempts
        self.reporting_channels = reporting_channels
        self.pending: list[tuple[Outcome, asyncio.Future[None]]] = []
        self.writing = False

    async def record(self, outcome: Outcome) -> None:
        stored = asyncio.get_running_loop().create_future()
        self.pending.append((outcome, stored))
        if not self.writing:
            await self.write_pending()
        await stored

    async def write_pending(self) -> None:
        self.writing = True
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                await self.write(batch)
        finally:
            self.writing = False

    async def write(self, batch: list[tuple[Outcome, asyncio.Future[None]]]) -> None:
        try:
            await self.store([outcome for outcome, _ in batch])
        except BaseException as error:
            for _, stored in batch:
                if not stored.done():
                    stored.cancel() if isinstance(error, asyncio.CancelledError) else stored.set_exception(error)
            if isinstance(error, asyncio.CancelledError):
                raise
        else:
            for _, stored in batch:
                stored.set_result(None)

    async def store(self, batch: list[Outcome]) -> None:
        for attempt in range(1, STORE_TRIES + 1):
            try:
                await asyncio.to_thread(store_outcomes, self.engine, batch, self.max_attempts, self.reporting_channels)
                return
            except Exception:
                if attempt == STORE_TRIES:
                    raise  # the messages stay SENDING; their lease brings them back
                log.warning("storing %d send results failed; trying again", len(batch), exc_info=True)
                await asyncio.sleep(0.2 * attempt)


def store_outcomes(engine: Engine, outcomes: list[Outcome], max_attempts: int, reporting_channels: set[str]) -> None:
    results: list[tuple[str, str]] = []
    with session_scope(engine) as session:
        sent = [outcome for outcome in outcomes if outcome.error is None]
        record_sent(session, sent)
        reported = [outcome for outcome in sent if outcome.claimed.message.channel in reporting_channels]
        apply_statuses_that_came_first(session, reported, max_attempts)
        results += [(outcome.claimed.message.channel, "sent") for outcome in sent]
        for outcome in outcomes:
            if outcome.error is not None:
                results.append((outcome.claimed.message.channel, record_failure(session, outcome, max_attempts)))
    for channel, result in results:
        metrics.MESSAGES_OUT.labels(channel=channel, result=result).inc()


def record_sent(session: Session, outcomes: list[Outcome]) -> None:
    if not outcomes:
        return
    now, table = utcnow(), OutboundMessage.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"), or_(*(table.c.status == status for status in STILL_OURS)))
        .values(
            status=OutboundStatus.SENT,
            lease_until=None,
            attempts=table.c.attempts + 1,
            provider_message_id=bindparam("provider_id"),
            sent_at=now,
            status_at=now,
        )
    )
    rows = [{"row_id": outcome.claimed.message.id, "provider_id": outcome.provider_id} for outcome in outcomes]
    session.connection().execute(statement, rows)
    erased = [outcome.claimed.message.id for outcome in outcomes if outcome.claimed.message.kind == "erasure_notice"]
    if erased:  # the last words to an erased teacher keep nothing about them
        session.execute(update(OutboundMessage).where(col(OutboundMessage.id).in_(erased)).values(text="", address=""))


def apply_statuses_that_came_first(session: Session, sent: list[Outcome], max_attempts: int) -> None:
    provider_ids = [outcome.provider_id for outcome in sent if outcome.provider_id]
    if provider_ids:
        apply_early_statuses(session, provider_ids, max_attempts)


def record_failure(session: Session, outcome: Outcome, max_attempts: int) -> str:
    """Apply the policy to one failed send; returns the error class for the metrics."""
    assert outcome.error is not None
    claimed, error = outcome.claimed, outcome.error
    decision = decide(error, failed_send(claimed), max_attempts)
    log.warning("send %s failed (%s): %s", claimed.message.id, decision.error_class, error.reason)
    values: dict[str, Any] = {
        "attempts": claimed.attempts + 1,
        "last_error": error.reason[:500],
        "lease_until": None,
        "error_class": decision.error_class,
        "status": decision.status,
    }
    if decision.status == OutboundStatus.QUEUED:
        values["next_attempt_at"] = decision.next_attempt_at
        if decision.as_template:
            values["payload"] = window_found_closed(claimed.message.payload)
    else:
        values["status_at"] = utcnow()
    if decision.status == OutboundStatus.PARKED:
        park(session, [parked(claimed)])
    if decision.error_class == "unreachable":
        mark_unreachable(session, claimed.contact_id)
    update_row(session, claimed.message.id, values)
    return decision.error_class


def failed_send(claimed: Claimed) -> FailedSend:
    message = claimed.message
    has_template = bool(message.payload.get("template"))
    return FailedSend(claimed.attempts + 1, has_template, message.template is not None, claimed.contact_id is not None)


def parked(claimed: Claimed) -> ParkedMessage:
    message = claimed.message
    assert claimed.contact_id is not None  # the policy parks only messages to a contact
    return ParkedMessage(message.id, claimed.contact_id, message.channel, message.address, claimed.priority)


def update_row(session: Session, row_id: int, values: dict[str, Any]) -> None:
    session.execute(
        update(OutboundMessage)
        .where(col(OutboundMessage.id) == row_id, col(OutboundMessage.status).in_((*STILL_OURS, "parked")))
        .values(**values)
    )
