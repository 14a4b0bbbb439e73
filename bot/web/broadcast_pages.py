"""Broadcasts in the dashboard: compose with a preview, the list with progress, pause, resume and
cancel, poll results; and the teachers' invite links as QR codes. Every change goes through the
service functions the staff API calls (`bot.broadcasts.services`, `report`, `invites`)."""

from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from bot import regions
from bot.api.deps import SessionDep
from bot.broadcasts import services
from bot.broadcasts.invite_routes import MEDIA_TYPES, RegencyCode, links_for
from bot.broadcasts.invites import Channel, InviteLinks, invite_links, qr_image
from bot.broadcasts.models import Broadcast, BroadcastAudience, BroadcastCreate, BroadcastStatus
from bot.broadcasts.report import BroadcastReport, broadcast_report
from bot.broadcasts.routes import BroadcastId, guarded, visible
from bot.clock import utcnow
from bot.errors import Forbidden, GurubotError
from bot.idempotency import KeyReused
from bot.profile import ROLES, SCHOOL_LEVELS
from bot.regions import regencies_of
from bot.web.form_keys import FIELD, SENT_BEFORE, created_once, form_key_of
from bot.web.meeting_pages import problem_text
from bot.web.pages import FormDep, Viewer, ViewerDep, form_list, render, settings_of

router = APIRouter(prefix="/staff", include_in_schema=False)
FORM_ROUTE = "POST /staff/pengumuman"
ACTIVATION = {"not_started": "Belum mulai", "stuck": "Tersendat", "done": "Selesai aktivasi"}
CONTROLS = {"jeda": services.pause, "lanjut": services.resume}
REACHED = ("sent", "delivered", "read")
HANDLED = (*REACHED, "failed", "waiting_for_reply")  # the sending's part is over: the bar counts them
ACTIVE = (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING, BroadcastStatus.PAUSED)
STATUSES = {
    "scheduled": "terjadwal",
    "sending": "sedang dikirim",
    "paused": "dijeda",
    "done": "selesai",
    "cancelled": "dibatalkan",
}


@router.get("/pengumuman", response_class=HTMLResponse)
def broadcasts(request: Request, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    return compose_page(request, viewer, session, {}, None, None)


@router.post("/pengumuman", response_class=HTMLResponse)
def submit_broadcast(request: Request, viewer: ViewerDep, form: FormDep, session: SessionDep) -> Response:
    """ "Pratinjau" counts who it reaches and when it finishes; "Kirim" stores it for the tick."""
    try:
        body = broadcast_of(viewer, form)
        if form.get("aksi") != "kirim":
            preview = guarded(lambda: services.preview(session, body, viewer.caller, utcnow(), settings_of(request)))
            return compose_page(request, viewer, session, form, preview, None)
        created_once(session, viewer, FORM_ROUTE, form, body, partial(store_broadcast, session, body, viewer))
    except KeyReused:  # the page was sent before with other contents: a new key makes it a new one
        return compose_page(request, viewer, session, {**form, FIELD: ""}, None, SENT_BEFORE, 422)
    except HTTPException as error:
        return compose_page(request, viewer, session, form, None, str(error.detail), error.status_code)
    except Forbidden as error:  # a kabupaten/kota outside a staff member's province
        return compose_page(request, viewer, session, form, None, str(error), 403)
    except (ValidationError, GurubotError, ValueError) as error:
        return compose_page(request, viewer, session, form, None, problem_text(error), 422)
    session.commit()  # before the redirect: the session dependency would commit only after the response
    return RedirectResponse("/staff/pengumuman", status_code=303)


def store_broadcast(session: SessionDep, body: BroadcastCreate, viewer: Viewer) -> int:
    created: tuple[Broadcast, int] = guarded(lambda: services.create_broadcast(session, body, viewer.caller, utcnow()))
    broadcast = created[0]
    assert broadcast.id is not None
    return broadcast.id


@router.get("/pengumuman/{broadcast_id}/kemajuan")
def progress(broadcast_id: BroadcastId, request: Request, viewer: ViewerDep, session: SessionDep) -> JSONResponse:
    """The progress bar's numbers, for the page's poll while a broadcast is sending."""
    report = broadcast_report(
        session, visible(session, broadcast_id, viewer.caller), viewer.caller, utcnow(), settings_of(request)
    )
    label = STATUSES.get(report.status, report.status)
    body = {"status": report.status, "label": label, "percent": percent_of(report), "reached": reached_of(report)}
    body["total"] = report.recipient_count
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/pengumuman/{broadcast_id}/{action}")
def control(broadcast_id: BroadcastId, action: str, viewer: ViewerDep, form: FormDep, session: SessionDep) -> Response:
    """Pause, resume or cancel (as through the API); a change the state does not allow is 409."""
    broadcast = visible(session, broadcast_id, viewer.caller)
    if action == "batal":
        guarded(lambda: services.cancel(session, broadcast, viewer.caller, utcnow()))
    elif action in CONTROLS:
        guarded(lambda: CONTROLS[action](session, broadcast, viewer.caller))
    else:
        raise HTTPException(status_code=404, detail="no such action")
    session.commit()  # before the redirect, as above
    return RedirectResponse("/staff/pengumuman", status_code=303)


@router.get("/guru/qr.svg")
def invite_qr(regency: RegencyCode, channel: Channel, request: Request, viewer: ViewerDep) -> Response:
    """An invite link's QR code for the teachers page (the API's, behind the session instead of a token)."""
    link = getattr(links_for(request, viewer.caller, regency), channel)
    if link is None:
        raise HTTPException(status_code=404, detail=f"{channel} is not configured")
    return Response(qr_image(link, "svg"), media_type=MEDIA_TYPES["svg"], headers={"Cache-Control": "max-age=3600"})


def invites_in_view(request: Request, viewer: Viewer) -> list[InviteLinks]:
    """The invite links of each kabupaten/kota of the province in view (none for all provinces)."""
    if viewer.province is None:
        return []
    settings = settings_of(request)
    return [invite_links(settings, code) for code in regencies_of(viewer.province)]


def compose_page(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    form: dict[str, Any],
    preview: services.Preview | None,
    problem: str | None,
    status_code: int = 200,
) -> HTMLResponse:
    reports = progress_rows(request, viewer, session, services.recent_broadcasts(session, viewer.caller, limit=20))
    return render(
        request,
        "broadcasts.html",
        viewer,
        status_code,
        form=form,
        form_key=form_key_of(form),
        chosen={key: form_list(form, key) for key in ("provinsi", "kabupaten", "peran", "jenjang", "aktivasi")},
        preview=preview,
        problem=problem,
        reports=reports,
        regencies=regencies_of(viewer.province) if viewer.province else {},
        province_choices={} if viewer.province else regions.provinces(),
        roles=ROLES,
        levels=SCHOOL_LEVELS,
        activation=ACTIVATION,
        statuses=STATUSES,
        active=ACTIVE,
    )


ProgressRow = tuple[BroadcastReport, int, int]  # the report, its percent, how many it reached


def progress_rows(
    request: Request, viewer: Viewer, session: SessionDep, broadcasts: list[Broadcast]
) -> list[ProgressRow]:
    """Each broadcast's report with its progress bar's numbers, as the list and the overview show them."""
    now, settings = utcnow(), settings_of(request)
    reports = [broadcast_report(session, broadcast, viewer.caller, now, settings) for broadcast in broadcasts]
    return [(report, percent_of(report), reached_of(report)) for report in reports]


def in_progress(request: Request, viewer: Viewer, session: SessionDep) -> list[ProgressRow]:
    """The broadcasts of the province in view still scheduled, sending or paused (the overview's card)."""
    broadcasts = [
        broadcast
        for broadcast in services.recent_broadcasts(session, viewer.caller)
        if broadcast.status in ACTIVE and reaches_view(broadcast, viewer.province)
    ]
    return progress_rows(request, viewer, session, broadcasts)


def reaches_view(broadcast: Broadcast, province: str | None) -> bool:
    """A staff member's own broadcasts, or an admin's national one whose audience touches the province."""
    if province is None or broadcast.province == province:
        return True
    return (
        broadcast.province is None and province in BroadcastAudience.model_validate(broadcast.audience).province_codes()
    )


def broadcast_of(viewer: Viewer, form: dict[str, Any]) -> BroadcastCreate:
    """The form as the API's request body; an admin viewing one province sends to it by default."""
    regencies = form_list(form, "kabupaten")
    provinces = form_list(form, "provinsi")
    if not provinces and not regencies and viewer.is_admin and viewer.province:
        provinces = [viewer.province]
    options = [line.strip() for line in str(form.get("pilihan") or "").splitlines() if line.strip()]
    question = str(form.get("pertanyaan") or "").strip()
    return BroadcastCreate.model_validate(
        {
            "text": str(form.get("teks") or ""),
            "audience": {
                "provinces": provinces,
                "regencies": regencies,
                "roles": form_list(form, "peran"),
                "school_levels": form_list(form, "jenjang"),
                "activation": form_list(form, "aktivasi"),
            },
            "poll": {"question": question, "options": options} if question or options else None,
            "confirm_all": form.get("semua") == "ya",
        }
    )


def reached_of(report: BroadcastReport) -> int:
    return sum(report.counts.get(name, 0) for name in REACHED)


def percent_of(report: BroadcastReport) -> int:
    """How far the sending is: messages sent, failed or parked for a closed window, of those it reaches."""
    if report.status == BroadcastStatus.DONE:
        return 100
    handled = sum(report.counts.get(name, 0) for name in HANDLED)
    return min(100, round(100 * handled / report.recipient_count)) if report.recipient_count else 0
