"""Provider rate limits shared by every worker process through one table: a key (a channel's
sender) → the next free send time. A worker reserves a run of slots for its whole batch in one
atomic UPDATE, then sleeps until each message's slot. The database's clock is the common time
base (read while the UPDATE runs, after any lock wait), so workers on different hosts need no
synchronised clocks; tests give a virtual clock as the common base instead."""

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Float, cast, func, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Session, SQLModel, col

# The workers' common clock in epoch seconds, as an SQL expression read inside the reserving UPDATE.
SharedNow = Callable[[Session], ColumnElement[float]]
# Slots are spaced a little wider than 1/rate, so that the jitter of real sends (scheduling,
# network) does not put more than `rate` of them into any one second at the provider.
HEADROOM = 0.97


class RateSlot(SQLModel, table=True):
    __tablename__ = "delivery_rate_slot"

    key: str = Field(primary_key=True, max_length=64)
    next_free_at: float = 0.0  # seconds since the epoch


class SharedRateLimiter:
    """Reserves send slots per key across processes, as moments on this host's `wall_clock`."""

    def __init__(
        self, rates: dict[str, float], wall_clock: Callable[[], float] = time.time, shared_now: SharedNow | None = None
    ) -> None:
        self.intervals = {key: 1.0 / (rate * HEADROOM) for key, rate in rates.items() if rate > 0}
        self.wall_clock = wall_clock
        self.shared_now = shared_now or database_now

    def reserve(self, session: Session, key: str, count: int) -> list[float]:
        """The moments (seconds since the epoch, this host's clock) of `count` consecutive slots."""
        if count == 0 or key not in self.intervals:
            return [self.wall_clock()] * count
        interval = self.intervals[key]
        next_free, shared_now = self.take_slots(session, key, count, interval)
        # Slots are in the shared time; shift them onto ours (nearly 0 on one host).
        first = next_free - count * interval - (shared_now - self.wall_clock())
        return [first + number * interval for number in range(count)]

    def take_slots(self, session: Session, key: str, count: int, interval: float) -> tuple[float, float]:
        now = self.shared_now(session)
        next_free = col(RateSlot.next_free_at)
        statement = (
            update(RateSlot)
            .where(col(RateSlot.key) == key)
            .values(next_free_at=later_of(session, next_free, now) + count * interval)
            .returning(next_free, now)
        )
        row = session.connection().execute(statement).first()  # Core: no ORM bookkeeping
        if row is None:  # first use of this key
            create_key(session, key)
            row = session.connection().execute(statement).one()
        return float(row[0]), float(row[1])


def database_now(session: Session) -> ColumnElement[float]:
    """The database's clock when the statement runs (after any lock wait), in epoch seconds."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", func.clock_timestamp()), Float)
    return (func.julianday("now") - 2440587.5) * 86400.0


def later_of(session: Session, first: Any, second: Any) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "postgresql":
        return func.greatest(first, second)
    return func.max(first, second)


def create_key(session: Session, key: str) -> None:
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgres_insert if postgres else sqlite_insert
    session.execute(insert(RateSlot).values(key=key, next_free_at=0.0).on_conflict_do_nothing())
