"""The state of the outbox at a glance: open messages per status and priority, the age of the
oldest pending one, and recent results; for `gurubot outbox` and the metrics."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import col

from bot.clock import utcnow
from bot.db import session_scope
from bot.models import OutboundMessage, OutboundStatus, Priority

PENDING = (OutboundStatus.QUEUED, OutboundStatus.SENDING)
WAITING = (*PENDING, OutboundStatus.PARKED)
PRIORITY_NAMES = {Priority.REPLY: "reply", Priority.REMINDER: "reminder", Priority.BROADCAST: "broadcast"}


@dataclass(frozen=True)
class QueueReport:
    depth: dict[tuple[str, int], int]  # (status, priority) → messages
    oldest_pending_seconds: float | None
    last_hour: dict[tuple[str, str], int]  # (status, error class or "") → messages


def queue_report(engine: Engine, with_recent: bool = True) -> QueueReport:
    """Open messages per status and priority, the oldest pending age and (optionally) the last hour."""
    recent: list[Any] = []
    with session_scope(engine) as session:
        depth = session.execute(
            select(col(OutboundMessage.status), col(OutboundMessage.priority), func.count())
            .where(col(OutboundMessage.status).in_(WAITING))
            .group_by(col(OutboundMessage.status), col(OutboundMessage.priority))
        ).all()
        oldest = session.execute(
            select(func.min(col(OutboundMessage.created_at))).where(col(OutboundMessage.status).in_(PENDING))
        ).scalar()
        if with_recent:
            recent = list(
                session.execute(
                    select(col(OutboundMessage.status), col(OutboundMessage.error_class), func.count())
                    .where(col(OutboundMessage.status_at) > utcnow() - timedelta(hours=1))
                    .group_by(col(OutboundMessage.status), col(OutboundMessage.error_class))
                ).all()
            )
    age = (utcnow() - oldest).total_seconds() if oldest is not None else None
    return QueueReport(
        {(status, priority): count for status, priority, count in depth},
        age,
        {(status, error_class or ""): count for status, error_class, count in recent},
    )


def format_report(report: QueueReport) -> str:
    lines = ["Outbox: messages waiting", f"  {'status':<10}{'priority':<16}{'count':>8}"]
    for (status, priority), count in sorted(report.depth.items()):
        label = f"{priority} {PRIORITY_NAMES.get(priority, '')}".strip()
        lines.append(f"  {status:<10}{label:<16}{count:>8}")
    if not report.depth:
        lines.append("  (none)")
    age = report.oldest_pending_seconds
    lines.append(f"Oldest pending: {'-' if age is None else f'{age:.0f} s'}")
    lines.append("Last hour:")
    for (status, error_class), count in sorted(report.last_hour.items()):
        lines.append(f"  {status:<12}{error_class:<16}{count:>8}")
    if not report.last_hour:
        lines.append("  (nothing)")
    return "\n".join(lines)
