"""Meetings in the dashboard: the list, the form with suggested start times, one meeting's answers."""

import datetime as dt
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from bot.api.deps import SessionDep
from bot.api.routes.meetings import MeetingId, visible_meeting
from bot.audience import Audience, scoped, zone_labels
from bot.clock import utcnow
from bot.errors import Forbidden, GurubotError
from bot.idempotency import KeyReused
from bot.meetings.models import MeetingCreate, Suggestion
from bot.meetings.report import report, to_public
from bot.meetings.service import MeetingClosed, cancel_meeting, create_meeting, visible_meetings
from bot.meetings.suggest import suggest_times
from bot.profile import ROLES, SCHOOL_LEVELS
from bot.regions import regencies_of, time_zone_of
from bot.web.form_keys import FIELD, SENT_BEFORE, created_once, form_key_of
from bot.web.pages import FormDep, Viewer, ViewerDep, form_list, render, settings_of
from bot.web.reflection_pages import meeting_reflections

router = APIRouter(prefix="/staff/pertemuan", include_in_schema=False)
FORM_ROUTE = "POST /staff/pertemuan/baru"
SUGGESTIONS = 6


@router.get("", response_class=HTMLResponse)
def meetings(request: Request, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    now = utcnow()
    coming = [to_public(meeting) for meeting in visible_meetings(session, viewer.caller, now)]
    past = [to_public(meeting) for meeting in visible_meetings(session, viewer.caller, now, past=True)][-10:]
    return render(request, "meetings.html", viewer, coming=coming, past=past)


@router.get("/baru", response_class=HTMLResponse)
def new_meeting(request: Request, viewer: ViewerDep) -> HTMLResponse:
    tomorrow = (utcnow() + dt.timedelta(days=1)).date().isoformat()
    return meeting_form(request, viewer, {"tanggal": tomorrow, "durasi": "60"}, [], None)


@router.post("/baru", response_class=HTMLResponse)
def submit_meeting(request: Request, viewer: ViewerDep, form: FormDep, session: SessionDep) -> Response:
    """ "Lihat saran waktu" shows start times that fit every zone; "Buat" creates and invites."""
    try:
        audience = scoped(audience_of(viewer, form), viewer.caller)
        suggestions = suggestions_for(audience, form)
        if form.get("aksi") != "buat":
            return meeting_form(request, viewer, form, suggestions, None)
        body = MeetingCreate(
            title=str(form.get("judul") or ""),
            starts_at=start_of(viewer, form),
            duration_minutes=int(str(form.get("durasi") or "60")),
            join_url=str(form.get("tautan") or ""),
            agenda=str(form.get("agenda") or ""),
            audience=audience,
        )
        store = partial(store_meeting, request, session, body, viewer)
        meeting_id = created_once(session, viewer, FORM_ROUTE, form, body, store)
    except KeyReused:  # the page was sent before with other contents: a new key makes it a new one
        return meeting_form(request, viewer, {**form, FIELD: ""}, [], SENT_BEFORE, status_code=422)
    except Forbidden as error:  # a kabupaten/kota outside a staff member's province, as the API's 403
        return meeting_form(request, viewer, form, [], str(error), status_code=403)
    except (ValidationError, GurubotError, ValueError) as error:
        return meeting_form(request, viewer, form, [], problem_text(error), status_code=422)
    session.commit()  # before the redirect: the session dependency would commit only after the response
    return RedirectResponse(f"/staff/pertemuan/{meeting_id}", status_code=303)


def store_meeting(request: Request, session: SessionDep, body: MeetingCreate, viewer: Viewer) -> int:
    meeting = create_meeting(session, body, viewer.caller, settings_of(request).public_url, utcnow())
    session.flush()
    assert meeting.id is not None
    return meeting.id


@router.get("/{meeting_id}", response_class=HTMLResponse)
def meeting_detail(request: Request, meeting_id: MeetingId, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    """The meeting in every zone, who answered what, and the reminders planned and sent."""
    found = visible_meeting(session, meeting_id, viewer.caller)
    extras = meeting_reflections(session, found)
    return render(request, "meeting.html", viewer, meeting=report(session, found), now=utcnow(), **extras)


@router.post("/{meeting_id}/batal")
def cancel(meeting_id: MeetingId, viewer: ViewerDep, form: FormDep, session: SessionDep) -> Response:
    """Cancel the meeting: everyone invited who has not declined is told (as through the API)."""
    meeting = visible_meeting(session, meeting_id, viewer.caller)
    try:
        cancel_meeting(session, meeting, utcnow())
    except MeetingClosed as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    session.commit()  # before the redirect, as above
    return RedirectResponse(f"/staff/pertemuan/{meeting_id}", status_code=303)


def meeting_form(
    request: Request,
    viewer: Viewer,
    form: dict[str, Any],
    suggestions: list[Suggestion],
    problem: str | None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "meeting_form.html",
        viewer,
        status_code,
        form=form,
        form_key=form_key_of(form),
        chosen={key: form_list(form, key) for key in ("kabupaten", "peran", "jenjang")},
        suggestions=suggestions,
        problem=problem,
        regencies=regencies_of(viewer.province) if viewer.province else {},
        roles=ROLES,
        levels=SCHOOL_LEVELS,
        zone=zone_label(viewer),
    )


def audience_of(viewer: Viewer, form: dict[str, Any]) -> Audience:
    """The audience picked in the form; no kabupaten/kota picked means the whole province in view."""
    regencies = form_list(form, "kabupaten")
    provinces = [] if regencies or viewer.province is None else [viewer.province]
    return Audience.model_validate(
        {
            "provinces": provinces,
            "regencies": regencies,
            "roles": form_list(form, "peran"),
            "school_levels": form_list(form, "jenjang"),
        }
    )


def suggestions_for(audience: Audience, form: dict[str, Any]) -> list[Suggestion]:
    day = dt.date.fromisoformat(str(form.get("tanggal") or ""))
    duration = int(str(form.get("durasi") or "60"))
    return suggest_times(zone_labels(audience), duration, day, utcnow())[:SUGGESTIONS]


def zone_label(viewer: Viewer) -> str:
    return time_zone_of(viewer.province).label if viewer.province else "WIB"


def start_of(viewer: Viewer, form: dict[str, Any]) -> dt.datetime:
    """A suggested start (ISO, with offset), or the time typed, in the zone of the province in view."""
    picked = str(form.get("waktu") or "")
    if picked and picked != "lain":
        return dt.datetime.fromisoformat(picked)
    day = dt.date.fromisoformat(str(form.get("tanggal") or ""))
    clock = dt.time.fromisoformat(str(form.get("jam") or ""))
    iana = time_zone_of(viewer.province).iana if viewer.province else "Asia/Jakarta"
    return dt.datetime.combine(day, clock, tzinfo=ZoneInfo(iana))


def problem_text(error: Exception) -> str:
    """What went wrong, for the form: pydantic's field names, or the service's own message."""
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors())
    return str(error)
