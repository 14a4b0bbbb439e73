"""The error policy and the recording of send results.

A result is stored right after its send (results that arrive while a write is running go
together in the next write), so a worker that dies leaves unrecorded only the sends that were
on the wire. The policy, one place for every channel:
- sent → SENT with the provider's id;
- RetryLater → QUEUED again after a backoff (or the provider's retry_after), until
  `send_attempts` is reached, then FAILED with the last reason;
- Unreachable → FAILED, and the contact is marked unreachable until it writes again;
- OutsideWindow → sent again as its template, or PARKED behind a template notice;
- GiveUp → FAILED with the reason.
"""

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, or_, update
from sqlmodel import Session, col

from bot import metrics
from bot.clock import utcnow
from bot.db import session_scope
from bot.delivery.claiming import Claimed
from bot.delivery.window import ParkedMessage, park
from bot.errors import OutsideWindow, RetryLater, SendError, Unreachable
from bot.models import Contact, OutboundMessage, OutboundStatus

log = logging.getLogger(__name__)
STILL_OURS = (OutboundStatus.SENDING, OutboundStatus.QUEUED)
MAX_BACKOFF_SECONDS = 300
STORE_TRIES = 3


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    provider_id: str | None = None
    error: SendError | None = None


@dataclass(frozen=True)
class Decision:
    """What an error means for a message: its next status and, for retries, when."""

    status: str
    error_class: str
    next_attempt_at: datetime | None = None


def decide(error: SendError, attempts: int, max_attempts: int) -> Decision:
    """Sort an error (already classified by its channel) into what happens to the message."""
    if isinstance(error, OutsideWindow):
        return Decision(OutboundStatus.PARKED, "outside_window")
    if isinstance(error, Unreachable):
        return Decision(OutboundStatus.FAILED, "unreachable")
    if isinstance(error, RetryLater) and attempts < max_attempts:
        return Decision(OutboundStatus.QUEUED, "retry", utcnow() + backoff(attempts, error.retry_after))
    return Decision(OutboundStatus.FAILED, "give_up")


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """The provider's retry_after when given, else exponential with jitter (2 s, 4 s, … 5 min)."""
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    return timedelta(seconds=min(2**attempts, MAX_BACKOFF_SECONDS) * random.uniform(0.8, 1.2))


class Recorder:
    """Stores results as they come: while one write runs, the results that arrive wait for the
    next write together (group commit), and each sender is released once its result is stored."""

    def __init__(self, engine: Engine, max_attempts: int) -> None:
        self.engine = engine
        self.max_attempts = max_attempts
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
                await asyncio.to_thread(store_outcomes, self.engine, batch, self.max_attempts)
                return
            except Exception:
                if attempt == STORE_TRIES:
                    raise  # the messages stay SENDING; their lease brings them back
                log.warning("storing %d send results failed; trying again", len(batch), exc_info=True)
                await asyncio.sleep(0.2 * attempt)


def store_outcomes(engine: Engine, outcomes: list[Outcome], max_attempts: int) -> None:
    results: list[tuple[str, str]] = []
    with session_scope(engine) as session:
        sent = [outcome for outcome in outcomes if outcome.error is None]
        record_sent(session, sent)
        apply_statuses_that_came_first(session, sent, max_attempts)
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
    from bot.status import apply_early_statuses  # bot.status builds on this module

    provider_ids = [outcome.provider_id for outcome in sent if outcome.provider_id]
    if provider_ids:
        apply_early_statuses(session, provider_ids, max_attempts)


def record_failure(session: Session, outcome: Outcome, max_attempts: int) -> str:
    """Apply the policy to one failed send; returns the error class for the metrics."""
    assert outcome.error is not None
    claimed, error = outcome.claimed, outcome.error
    decision = decide(error, claimed.attempts + 1, max_attempts)
    log.warning("send %s failed (%s): %s", claimed.message.id, decision.error_class, error.reason)
    values: dict[str, Any] = {
        "attempts": claimed.attempts + 1,
        "last_error": error.reason[:500],
        "lease_until": None,
        "error_class": decision.error_class,
        "status": decision.status,
    }
    if decision.status == OutboundStatus.PARKED:
        values.update(after_outside_window(session, claimed))
    elif decision.status == OutboundStatus.QUEUED:
        values["next_attempt_at"] = decision.next_attempt_at
    else:
        values["status_at"] = utcnow()
    if decision.error_class == "unreachable":
        mark_unreachable(session, claimed.contact_id)
    update_row(session, claimed.message.id, values)
    return decision.error_class


def after_outside_window(session: Session, claimed: Claimed) -> dict[str, Any]:
    """63016: a message with a template goes again as that template; free text is parked."""
    message = claimed.message
    if message.payload.get("template") and message.template is None:
        return {"status": OutboundStatus.QUEUED, "payload": {**message.payload, "window_closed": True}}
    if claimed.contact_id is None or message.template is not None:
        return {"status": OutboundStatus.FAILED, "status_at": utcnow()}
    park(session, [ParkedMessage(message.id, claimed.contact_id, message.address, claimed.priority)])
    return {"status": OutboundStatus.PARKED, "status_at": utcnow()}


def update_row(session: Session, row_id: int, values: dict[str, Any]) -> None:
    session.execute(
        update(OutboundMessage)
        .where(col(OutboundMessage.id) == row_id, col(OutboundMessage.status).in_((*STILL_OURS, "parked")))
        .values(**values)
    )


def mark_unreachable(session: Session, contact_id: int | None) -> None:
    if contact_id is None:
        return
    session.execute(
        update(Contact)
        .where(col(Contact.id) == contact_id, col(Contact.unreachable_since).is_(None))
        .values(unreachable_since=utcnow())
    )
