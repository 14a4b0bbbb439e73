"""Staff routes after a meeting (reflections as JSON or CSV, outcomes, badges) and the public badge
page. Each calls a service of bot/reflections; the staff dashboard calls the same ones."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from bot.api.deps import CallerDep, SessionDep, staff_router
from bot.api.error_body import error_responses
from bot.api.routes.meetings import MeetingId, visible_meeting
from bot.clock import utcnow
from bot.meetings.models import Meeting
from bot.reflections.badges import find_badge, meeting_badges, revoke_badge, verification_page, verify_link
from bot.reflections.models import Badge
from bot.reflections.outcomes import (
    NotAParticipant,
    OutcomeCreate,
    OutcomePosted,
    OutcomePublic,
    outcome_public,
    post_outcome,
)
from bot.reflections.summary import ReflectionReport, reflection_report, reflections_csv

router = staff_router("/api", ["reflections"])
public_router = APIRouter(tags=["reflections"])
BadgeCode = Annotated[str, Path(min_length=4, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]


class BadgePublic(BaseModel):
    code: str
    link: str
    meeting_id: int
    first_name: str
    title: str
    revoked: bool


def badge_public(badge: Badge) -> BadgePublic:
    return BadgePublic(
        code=badge.code,
        link=verify_link(badge.code),
        meeting_id=badge.meeting_id,
        first_name=badge.first_name,
        title=badge.title,
        revoked=badge.revoked_at is not None,
    )


@router.get("/meetings/{meeting_id}/reflections", response_model=ReflectionReport)
def reflections(
    meeting_id: MeetingId, caller: CallerDep, session: SessionDep, format: Literal["json", "csv"] = "json"
) -> ReflectionReport | Response:
    """The meeting's reflections and their summary; `?format=csv` for Excel (UTF-8 with BOM)."""
    meeting = visible_meeting(session, meeting_id, caller)
    report = reflection_report(session, meeting)
    if format == "json":
        return report
    headers = {"Content-Disposition": f'attachment; filename="refleksi-{meeting_id}.csv"'}
    return Response(reflections_csv(report, meeting), media_type="text/csv; charset=utf-8", headers=headers)


@router.post(
    "/meetings/{meeting_id}/outcomes", status_code=201, response_model=OutcomePublic, responses=error_responses(409)
)
def outcomes(meeting_id: MeetingId, body: OutcomeCreate, caller: CallerDep, session: SessionDep) -> OutcomePublic:
    """Post the meeting's notes and action items; participants get the summary, owners reminders."""
    meeting = visible_meeting(session, meeting_id, caller)
    try:
        post_outcome(session, meeting, body, caller.name, utcnow())
    except NotAParticipant as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    except OutcomePosted as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    session.flush()
    found = outcome_public(session, meeting_id)
    assert found is not None
    return found


@router.get("/meetings/{meeting_id}/badges", response_model=list[BadgePublic])
def badges(meeting_id: MeetingId, caller: CallerDep, session: SessionDep) -> list[BadgePublic]:
    """The badges earned at the meeting (first names only), revoked ones marked."""
    return [badge_public(badge) for badge in meeting_badges(session, visible_meeting(session, meeting_id, caller))]


@router.post("/badges/{code}/revoke", response_model=BadgePublic)
def revoke(code: BadgeCode, caller: CallerDep, session: SessionDep) -> BadgePublic:
    """Revoke a badge: its page then says so."""
    badge = find_badge(session, code)
    meeting = session.get(Meeting, badge.meeting_id) if badge else None
    if badge is None or meeting is None:
        raise HTTPException(status_code=404, detail="no such badge")
    caller.check_province(meeting.province)
    return badge_public(revoke_badge(badge, utcnow()))


@public_router.get("/v/{code}", response_class=HTMLResponse, include_in_schema=False)
def verify(code: Annotated[str, Path(max_length=64)], session: SessionDep) -> HTMLResponse:
    """The public verification page of a badge: valid, revoked or unknown."""
    text, status = verification_page(session, code)
    return HTMLResponse(text, status_code=status)
