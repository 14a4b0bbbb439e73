"""Meetings for staff (create, edit, cancel, report, time suggestions) and the public calendar file."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import ValidationError
from sqlmodel import select

from bot.api.deps import Caller, CallerDep, SessionDep, staff_router
from bot.api.error_body import error_responses
from bot.api.idempotency import KEY_REUSED, IdempotencyKeyHeader, created_once
from bot.audience import Audience, scoped, zone_labels
from bot.clock import utcnow
from bot.meetings.ics import calendar_file
from bot.meetings.models import Meeting, MeetingCreate, MeetingPublic, MeetingReport, MeetingUpdate, Suggestion
from bot.meetings.report import report, to_public
from bot.meetings.service import MeetingClosed, cancel_meeting, create_meeting, edit_meeting, visible_meetings
from bot.meetings.suggest import suggest_times
from bot.meetings.warnings import MeetingCreated, quiet_start_warnings
from bot.reflections.outcomes import MeetingDetail, outcome_public

router = staff_router("/api/meetings", ["meetings"])
MeetingId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # larger ids overflow the database integer
SuggestDate = Annotated[dt.date, Query(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
calendar_router = APIRouter(tags=["meetings"])


def visible_meeting(session: SessionDep, meeting_id: MeetingId, caller: Caller) -> Meeting:
    """The meeting, if the caller may see it: admins all, staff their province's."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise HTTPException(status_code=404, detail="no such meeting")
    caller.check_province(meeting.province)
    return meeting


@router.post("", status_code=201, response_model=MeetingCreated, responses=error_responses(400) | KEY_REUSED)
def create(
    body: MeetingCreate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MeetingCreated:
    """Create a meeting and invite its audience right away (quiet hours respected); `warnings`
    count, per zone, the invitees for whom it starts in their quiet hours. A start in the past
    records a meeting held already: no invitation, and the audience is asked to reflect. A retry
    with the same `Idempotency-Key` answers as the first time and invites nobody twice."""
    public_url = request.app.state.runtime.settings.public_url

    def store() -> MeetingCreated:
        meeting = create_meeting(session, body, caller, public_url, utcnow())
        session.flush()
        return MeetingCreated(**report(session, meeting).model_dump(), warnings=quiet_start_warnings(session, meeting))

    return created_once(session, caller, "POST /api/meetings", idempotency_key, body, MeetingCreated, store)


@router.get("", response_model=list[MeetingPublic])
def list_meetings(caller: CallerDep, session: SessionDep, past: bool = False) -> list[MeetingPublic]:
    """Meetings the caller may see, soonest first; `past=true` for those already started."""
    return [to_public(meeting) for meeting in visible_meetings(session, caller, utcnow(), past)]


@router.get("/suggest", response_model=list[Suggestion])
def suggest(
    caller: CallerDep,
    date: SuggestDate,
    audience: Annotated[str, Query(description="the audience as JSON")] = "{}",
    duration_minutes: Annotated[int, Query(ge=5, le=12 * 60)] = 60,
    limit: Annotated[int, Query(ge=1, le=48)] = 5,
) -> list[Suggestion]:
    """Start times inside 08.00–16.00 local for every zone of the audience, best first."""
    try:
        parsed = Audience.model_validate_json(audience)
    except ValidationError as error:
        raise HTTPException(status_code=422, detail=error.errors(include_url=False)) from None
    labels = zone_labels(scoped(parsed, caller))
    return suggest_times(labels, duration_minutes, date, utcnow())[:limit]


@router.get("/{meeting_id}", response_model=MeetingDetail)
def get_meeting(meeting_id: MeetingId, caller: CallerDep, session: SessionDep) -> MeetingDetail:
    """The meeting with who is invited, their answers, the messages sent and its outcome's items."""
    found = report(session, visible_meeting(session, meeting_id, caller))
    return MeetingDetail(**found.model_dump(), outcome=outcome_public(session, meeting_id))


@router.patch("/{meeting_id}", response_model=MeetingReport, responses=error_responses(400, 409))
def edit(meeting_id: MeetingId, body: MeetingUpdate, caller: CallerDep, session: SessionDep) -> MeetingReport:
    """Change a meeting; a new time or link is announced to everyone who hasn't declined."""
    meeting = visible_meeting(session, meeting_id, caller)
    try:
        edit_meeting(session, meeting, body, utcnow())
    except MeetingClosed as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    session.flush()
    return report(session, meeting)


@router.post("/{meeting_id}/cancel", response_model=MeetingReport, responses=error_responses(409))
def cancel(meeting_id: MeetingId, caller: CallerDep, session: SessionDep) -> MeetingReport:
    """Cancel a meeting and tell everyone who was invited and hasn't declined."""
    meeting = visible_meeting(session, meeting_id, caller)
    try:
        cancel_meeting(session, meeting, utcnow())
    except MeetingClosed as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    session.flush()
    return report(session, meeting)


@calendar_router.get("/m/{short_code}.ics", include_in_schema=False)
def calendar(short_code: str, session: SessionDep) -> Response:
    """The meeting's calendar file; the short code in the invitation is the only key."""
    meeting = session.exec(select(Meeting).where(Meeting.short_code == short_code)).first()
    if meeting is None:
        raise HTTPException(status_code=404, detail="no such meeting")
    headers = {"Content-Disposition": f'inline; filename="pertemuan-{short_code}.ics"'}
    return Response(calendar_file(meeting), media_type="text/calendar; charset=utf-8", headers=headers)
