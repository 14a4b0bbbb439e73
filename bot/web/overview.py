"""The overview and teachers pages: who is registered where, the activation funnel, open tickets."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.activation.funnel import activation_funnel
from bot.activation.tickets import unfinished_tickets
from bot.api.deps import SessionDep
from bot.clock import utcnow
from bot.meetings.report import to_public
from bot.meetings.service import visible_meetings
from bot.profile import ROLES, SCHOOL_LEVELS
from bot.teacher_stats import recent_teachers, teacher_counts, totals
from bot.web.broadcast_pages import ACTIVE, STATUSES, in_progress, invites_in_view
from bot.web.charts import funnel_bars, pivot, place_bars_of
from bot.web.pages import Viewer, ViewerDep, render

router = APIRouter(prefix="/staff", include_in_schema=False)
CHANNELS = ["telegram", "whatsapp", "simulator"]


@router.get("", response_class=HTMLResponse)
def overview(request: Request, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    """At a glance: teachers by channel and place, the funnel, tickets waiting, meetings coming."""
    counts = teacher_counts(session, viewer.province)
    funnel = activation_funnel(session, viewer.province, None)
    return render(
        request,
        "overview.html",
        viewer,
        total=counts.total,
        channels=pivot(
            counts.by_channel, [key for key in CHANNELS if key in totals(counts.by_channel)] or CHANNELS[:2]
        ),
        funnel=funnel,
        bars=funnel_bars(funnel),
        places=place_bars_of(funnel),
        places_are="Kabupaten/kota" if funnel.by_regency else "Provinsi",
        tickets=unfinished_tickets(session, viewer.province),
        step_titles={step.step: step.title for step in funnel.steps},
        meetings=[to_public(meeting) for meeting in visible_meetings(session, viewer.caller, utcnow())[:5]],
        broadcasts=in_progress(request, viewer, session),
        statuses=STATUSES,
        active=ACTIVE,
    )


@router.get("/guru", response_class=HTMLResponse)
def teachers(request: Request, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    return teachers_page(request, viewer, session)


def teachers_page(
    request: Request, viewer: Viewer, session: SessionDep, status_code: int = 200, **import_report: Any
) -> HTMLResponse:
    """Counts by role and school level per kabupaten/kota, the latest teachers by first name, the
    invite links and the CSV import (with its report after an upload)."""
    counts = teacher_counts(session, viewer.province)
    return render(
        request,
        "teachers.html",
        viewer,
        status_code,
        total=counts.total,
        roles=pivot(counts.by_role, [role for role in ROLES if role in totals(counts.by_role)]),
        levels=pivot(
            counts.by_school_level, [level for level in SCHOOL_LEVELS if level in totals(counts.by_school_level)]
        ),
        latest=recent_teachers(session, viewer.province),
        invites=invites_in_view(request, viewer),
        **import_report,
    )
