"""The audit log: who did what to which broadcast (and later other staff actions), when."""

from collections.abc import Sequence
from typing import Any, Protocol

from sqlmodel import Session, col, select

from bot.broadcasts.models import AuditEntry, Broadcast
from bot.clock import utcnow


class Actor(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def is_admin(self) -> bool: ...

    @property
    def province(self) -> str | None: ...


def record(session: Session, actor: Actor, action: str, broadcast: Broadcast, **detail: Any) -> None:
    """Note the action under the broadcast's province (an admin's own: none), so that its staff see
    what an admin did to their broadcast as well as what they did themselves."""
    session.add(
        AuditEntry(
            actor=actor.name,
            province=broadcast.province,
            action=action,
            subject=f"broadcast:{broadcast.id}",
            detail=detail,
            created_at=utcnow(),
        )
    )


def entries(session: Session, viewer: Actor, limit: int = 200) -> Sequence[AuditEntry]:
    """The newest entries the viewer may see: admins all, staff their province's."""
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if not viewer.is_admin:
        query = query.where(col(AuditEntry.province) == viewer.province)
    return session.exec(query).all()
