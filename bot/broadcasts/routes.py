"""The staff API of broadcasts and the audit log; the work is in the service functions."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import HTTPException, Path, Request
from pydantic import BaseModel

from bot.api.deps import Caller, CallerDep, SessionDep, staff_router
from bot.api.error_body import error_responses
from bot.api.idempotency import KEY_REUSED, IdempotencyKeyHeader, created_once
from bot.broadcasts import audit, services
from bot.broadcasts.models import Broadcast, BroadcastCreate
from bot.broadcasts.report import BroadcastReport, broadcast_report
from bot.clock import utcnow
from bot.config import Settings

router = staff_router("/api/broadcasts", ["broadcasts"])
audit_router = staff_router("/api/audit", ["audit"])
BroadcastId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class BroadcastCreated(BaseModel):
    id: int
    status: str
    recipient_count: int


class AuditPublic(BaseModel):
    actor: str
    province: str | None
    action: str
    subject: str
    detail: dict[str, Any]
    created_at: datetime


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def guarded(work: Callable[[], Any]) -> Any:
    """Run a service call, answering its refusals with 422 or 409."""
    try:
        return work()
    except services.Conflict as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    except services.Unprocessable as error:
        raise HTTPException(status_code=422, detail=str(error)) from None


def visible(session: SessionDep, broadcast_id: int, caller: Caller) -> Broadcast:
    """The broadcast, if the caller may see it: admins all, staff their province's."""
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise HTTPException(status_code=404, detail="no such broadcast")
    caller.check_province(broadcast.province)
    return broadcast


@router.post("", status_code=201, response_model=BroadcastCreated, responses=error_responses(409) | KEY_REUSED)
def create(
    body: BroadcastCreate, caller: CallerDep, session: SessionDep, idempotency_key: IdempotencyKeyHeader = None
) -> BroadcastCreated:
    """Store a broadcast; the tick plans its ledger at `send_at` (now when absent) and sends it.
    A retry with the same `Idempotency-Key` answers as the first time and sends nothing twice."""

    def store() -> BroadcastCreated:
        broadcast, count = guarded(lambda: services.create_broadcast(session, body, caller, utcnow()))
        return BroadcastCreated(id=broadcast.id, status=broadcast.status, recipient_count=count)

    return created_once(session, caller, "POST /api/broadcasts", idempotency_key, body, BroadcastCreated, store)


@router.post("/preview", response_model=services.Preview)
def preview(body: BroadcastCreate, request: Request, caller: CallerDep, session: SessionDep) -> services.Preview:
    """Counts by channel and zone, closed windows, skips and the estimated finish, without sending."""
    preview: services.Preview = guarded(lambda: services.preview(session, body, caller, utcnow(), settings_of(request)))
    return preview


@router.get("", response_model=list[BroadcastReport])
def list_broadcasts(request: Request, caller: CallerDep, session: SessionDep) -> list[BroadcastReport]:
    """The caller's broadcasts (admins: all), newest first."""
    now, settings = utcnow(), settings_of(request)
    return [
        broadcast_report(session, broadcast, caller, now, settings)
        for broadcast in services.recent_broadcasts(session, caller)
    ]


@router.get("/{broadcast_id}", response_model=BroadcastReport)
def get_broadcast(
    broadcast_id: BroadcastId, request: Request, caller: CallerDep, session: SessionDep
) -> BroadcastReport:
    return broadcast_report(session, visible(session, broadcast_id, caller), caller, utcnow(), settings_of(request))


def controlled(
    broadcast_id: int, request: Request, caller: Caller, session: SessionDep, change: Callable[[Broadcast], None]
) -> BroadcastReport:
    broadcast = visible(session, broadcast_id, caller)
    guarded(lambda: change(broadcast))
    session.flush()
    return broadcast_report(session, broadcast, caller, utcnow(), settings_of(request))


@router.post("/{broadcast_id}/pause", response_model=BroadcastReport, responses=error_responses(409))
def pause(broadcast_id: BroadcastId, request: Request, caller: CallerDep, session: SessionDep) -> BroadcastReport:
    """Stop sending; messages not yet sent come back and wait."""
    return controlled(broadcast_id, request, caller, session, lambda b: services.pause(session, b, caller))


@router.post("/{broadcast_id}/resume", response_model=BroadcastReport, responses=error_responses(409))
def resume(broadcast_id: BroadcastId, request: Request, caller: CallerDep, session: SessionDep) -> BroadcastReport:
    return controlled(broadcast_id, request, caller, session, lambda b: services.resume(session, b, caller))


@router.post("/{broadcast_id}/cancel", response_model=BroadcastReport, responses=error_responses(409))
def cancel(broadcast_id: BroadcastId, request: Request, caller: CallerDep, session: SessionDep) -> BroadcastReport:
    """Nothing more goes out; what was sent stays counted."""
    return controlled(broadcast_id, request, caller, session, lambda b: services.cancel(session, b, caller, utcnow()))


@audit_router.get("", response_model=list[AuditPublic])
def audit_log(caller: CallerDep, session: SessionDep) -> list[AuditPublic]:
    """Who did what, when: admins see everything, staff their province."""
    return [AuditPublic.model_validate(entry, from_attributes=True) for entry in audit.entries(session, caller)]
