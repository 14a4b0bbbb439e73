"""The one source of "now", as aware UTC, so tests can move time without sleeping.

All datetimes in the database are UTC (SQLModel's UTCDateTime); local time exists only at the edges.
"""

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen_at: datetime | None = None


def utcnow() -> datetime:
    return (_frozen_at or datetime.now(UTC)) + _offset


def advance(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def freeze() -> None:
    """Stop the clock where it is, so that only `advance` moves it (tests that count seconds)."""
    global _frozen_at
    _frozen_at = datetime.now(UTC)


def reset() -> None:
    global _offset, _frozen_at
    _offset, _frozen_at = timedelta(0), None
