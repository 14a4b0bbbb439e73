"""The one source of "now", as aware UTC, so tests can move time without sleeping.

All datetimes in the database are UTC (SQLModel's UTCDateTime); local time exists only at the edges.
"""

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset


def advance(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)
