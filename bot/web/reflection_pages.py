"""A meeting's reflections in the dashboard: the summary, the CSV, the outcome with its action
items, and the badges with a button to revoke one. The work is the staff API's own
(`bot.reflections.routes` and the services it calls); these routes put a session in front of it."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from bot.api.deps import SessionDep
from bot.api.routes.meetings import MeetingId
from bot.meetings.models import Meeting
from bot.profile import first_name
from bot.reflections import routes
from bot.reflections.badges import meeting_badges
from bot.reflections.outcomes import outcome_public
from bot.reflections.summary import reflection_report
from bot.web.pages import FormDep, ViewerDep

router = APIRouter(prefix="/staff", include_in_schema=False)
ITEM_STATES = {"open": "belum dijawab", "done": "selesai", "not_done": "belum selesai"}


def meeting_reflections(session: Session, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page shows after the meeting: summary, outcome and badges (first names only)."""
    assert meeting.id is not None
    outcome = outcome_public(session, meeting.id)
    return {
        "reflections": reflection_report(session, meeting).summary,
        "outcome": outcome,
        "owners": {item.id: first_name(item.owner_name) for item in outcome.items} if outcome else {},
        "item_states": ITEM_STATES,
        "badges": [routes.badge_public(badge) for badge in meeting_badges(session, meeting)],
    }


@router.get("/pertemuan/{meeting_id}/refleksi.csv")
def reflections_csv(meeting_id: MeetingId, viewer: ViewerDep, session: SessionDep) -> Response:
    """The same CSV as `GET /api/meetings/{id}/reflections?format=csv` (UTF-8 with BOM, for Excel)."""
    response = routes.reflections(meeting_id, viewer.caller, session, "csv")
    assert isinstance(response, Response)
    return response


@router.post("/lencana/{code}/cabut")
def revoke_badge(code: routes.BadgeCode, viewer: ViewerDep, form: FormDep, session: SessionDep) -> Response:
    """Revoke a badge (as through the API): its public page then says so."""
    badge = routes.revoke(code, viewer.caller, session)
    session.commit()  # before the redirect: the session dependency would commit only after the response
    return RedirectResponse(f"/staff/pertemuan/{badge.meeting_id}#lencana", status_code=303)
