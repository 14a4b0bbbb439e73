"""Timed work: features declare jobs; one APScheduler tick runs them. A job with `every` runs at
most once per interval across every process (its last run is a row in `timed_job_run`); the
others run on each tick and claim their own due rows (`claim_due`).

Retention (the privacy notice's promises) is the core's own hourly job.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, delete, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.clock import utcnow
from bot.db import is_postgres, session_scope
from bot.erasure import ErasureHook, erase_contact
from bot.models import Contact, EarlyStatus, InboundMessage, OutboundMessage

Keeper = Callable[[], ColumnElement[bool]]  # a condition on Contact: kept by retention without consent

log = logging.getLogger(__name__)
MESSAGE_RETENTION = timedelta(days=90)
# A chat address without consent is kept only while the conversation may go on.
UNCONSENTED_RETENTION = timedelta(days=30)
Row = TypeVar("Row", bound=SQLModel)


@dataclass(frozen=True)
class TimedJob:
    """A job takes the engine and returns how much it did."""

    name: str
    run: Callable[[Engine], int]
    every: timedelta | None = None  # None: on every tick


class JobRun(SQLModel, table=True):
    __tablename__ = "timed_job_run"

    name: str = Field(primary_key=True, max_length=64)
    last_run_at: datetime


def due_query(
    model: type[Row], due_column: Any, *conditions: Any, now: datetime, batch: int, for_postgres: bool
) -> SelectOfScalar[Row]:
    """Due rows of a table, earliest first (ties by id), locked for this worker on PostgreSQL with
    SKIP LOCKED, so concurrent workers take disjoint rows (SQLite has one writer at a time)."""
    query = (
        select(model)
        .where(col(due_column) <= now, *conditions)
        .order_by(col(due_column), col(model.id))  # type: ignore[attr-defined]
        .limit(batch)
    )
    return query.with_for_update(skip_locked=True) if for_postgres else query


def claim_due(session: Session, model: type[Row], due_column: Any, *conditions: Any, batch: int = 100) -> list[Row]:
    """Claim a batch of due rows (see `due_query`) in this session's transaction."""
    query = due_query(model, due_column, *conditions, now=utcnow(), batch=batch, for_postgres=is_postgres(session))
    return list(session.exec(query).all())


def take_turn(engine: Engine, job: TimedJob) -> bool:
    """Whether this process runs an interval job now: one atomic update of its row decides."""
    if job.every is None:
        return True
    now = utcnow()
    due = (col(JobRun.last_run_at) <= now - job.every) | (col(JobRun.last_run_at) > now)  # > now: a clock set back
    with session_scope(engine) as session:
        connection = session.connection()  # Core statements: RETURNING tells what happened on both databases
        taken = connection.execute(
            update(JobRun).where(col(JobRun.name) == job.name, due).values(last_run_at=now).returning(col(JobRun.name))
        ).first()
        if taken is not None:
            return True
        insert = postgres_insert if is_postgres(session) else sqlite_insert
        created = connection.execute(
            insert(JobRun).values(name=job.name, last_run_at=now).on_conflict_do_nothing().returning(col(JobRun.name))
        ).first()
        return created is not None


def tick(engine: Engine, jobs: Sequence[TimedJob]) -> int:
    """Run every job that is due once; a failing job is logged and does not stop the others."""
    done = 0
    for job in jobs:
        try:
            if take_turn(engine, job):
                done += job.run(engine)
        except Exception:
            log.exception("timed job %s failed", job.name)
    return done


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


def forget_contacts_without_consent(
    engine: Engine, hooks: Sequence[ErasureHook], kept: Sequence[Keeper] = (), batch: int = 500
) -> int:
    """Contacts who never consented and have been silent 30 days: their address goes too,
    unless a feature keeps them (`kept`: a volunteer's chat)."""
    cutoff = utcnow() - UNCONSENTED_RETENTION
    with session_scope(engine) as session:
        query = (
            select(Contact)
            .where(col(Contact.consent_given_at).is_(None), col(Contact.created_at) < cutoff)
            .where((col(Contact.last_inbound_at) < cutoff) | col(Contact.last_inbound_at).is_(None))
        )
        for keeps in kept:
            query = query.where(~keeps())
        silent = session.exec(query.limit(batch)).all()
        for contact in silent:
            erase_contact(session, contact, hooks)
        return len(silent)


def drop_stale_early_statuses(engine: Engine) -> int:
    """A status for a message we never recorded (a send that timed out) is not kept past a day."""
    with session_scope(engine) as session:
        result = session.exec(delete(EarlyStatus).where(col(EarlyStatus.received_at) < utcnow() - timedelta(days=1)))
        return int(result.rowcount or 0)


def apply_retention(engine: Engine, hooks: Sequence[ErasureHook], kept: Sequence[Keeper] = ()) -> int:
    """The retention rules of the privacy notice."""
    forgotten = forget_contacts_without_consent(engine, hooks, kept)
    return purge_old_message_texts(engine) + forgotten + drop_stale_early_statuses(engine)


def retention_job(hooks: Sequence[ErasureHook], kept: Sequence[Keeper] = ()) -> TimedJob:
    """Retention runs hourly; contacts it forgets are erased through every feature's hook."""
    return TimedJob("retention", partial(apply_retention, hooks=hooks, kept=kept), every=timedelta(hours=1))
