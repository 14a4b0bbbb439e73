"""The helpdesk in the dashboard: tickets with filters, one ticket's timeline, the Duta Teknologi
roster, registering a volunteer (its join code shown once) and the FAQ. Every page calls the
services the staff API calls (bot.api.routes.helpdesk, bot.helpdesk), never a copy of them."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from bot.activation.models import TicketStatus
from bot.api.deps import SessionDep
from bot.api.routes.helpdesk import register_volunteer, visible_ticket, visible_tickets
from bot.helpdesk import report
from bot.helpdesk.faq import faq
from bot.helpdesk.report import TicketFilter
from bot.helpdesk.volunteers import VolunteerCreate, roster
from bot.models import Contact
from bot.regions import regencies_of
from bot.teacher_stats import listing
from bot.web.meeting_pages import problem_text
from bot.web.pages import FormDep, Viewer, ViewerDep, form_list, render

router = APIRouter(prefix="/staff/bantuan", include_in_schema=False)
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SHOWN = 100  # tickets on one page
STATUSES = {
    TicketStatus.OPEN: "menunggu Duta",
    TicketStatus.OFFERED: "ditawarkan",
    TicketStatus.CLAIMED: "dipegang",
    TicketStatus.ANSWERED: "dijawab",
    TicketStatus.ESCALATED: "dieskalasi",
    TicketStatus.CLOSED: "selesai",
}
CHANNELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "simulator": "Simulator"}


@router.get("", response_class=HTMLResponse)
def helpdesk(request: Request, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    """Tickets (filtered by status, kabupaten/kota, volunteer) and the volunteers on the roster."""
    chosen = {key: request.query_params.get(key) or None for key in ("status", "kabupaten", "relawan")}
    where = ticket_filter(chosen, viewer.province)
    tickets, total = visible_tickets(session, where, viewer.caller)
    return render(
        request,
        "helpdesk.html",
        viewer,
        tickets=tickets,
        total=total,
        chosen=chosen,
        statuses=STATUSES,
        regencies=regencies_of(viewer.province) if viewer.province else {},
        volunteers=roster(session, viewer.province),
        channels=CHANNELS,
    )


def ticket_filter(chosen: dict[str, str | None], province: str | None) -> TicketFilter:
    status, regency, volunteer = chosen["status"], chosen["kabupaten"], chosen["relawan"]
    if status is not None and status not in STATUSES:
        raise HTTPException(status_code=422, detail="unknown ticket status")
    if volunteer is not None and not volunteer.isdigit():
        raise HTTPException(status_code=422, detail="a volunteer is named by its number")
    return TicketFilter(
        status=status,
        province=province,
        regency=regency,
        volunteer=int(volunteer) if volunteer else None,
        limit=SHOWN,
    )


@router.get("/tiket/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, ticket_id: TicketId, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    """One ticket: the teacher by first name, region and level; its timeline and messages."""
    ticket = visible_ticket(session, ticket_id, viewer.caller)
    contact = session.get(Contact, ticket.contact_id)
    return render(
        request,
        "helpdesk_ticket.html",
        viewer,
        ticket=report.ticket_detail(session, ticket),
        teacher=listing(contact) if contact is not None else None,
        statuses=STATUSES,
    )


@router.get("/relawan", response_class=HTMLResponse)
def new_volunteer(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return volunteer_form(request, viewer, {"mulai": "07:00", "selesai": "21:00", "batas": "3"}, None)


@router.post("/relawan", response_class=HTMLResponse)
def submit_volunteer(request: Request, viewer: ViewerDep, form: FormDep, session: SessionDep) -> HTMLResponse:
    """Register through the API's own service; the join code is on this response only."""
    if viewer.province is None:
        return volunteer_form(request, viewer, form, "pilih provinsi dahulu", status_code=422)
    try:
        created = register_volunteer(session, volunteer_body(viewer, form), viewer.caller)
    except ValidationError as error:
        return volunteer_form(request, viewer, form, problem_text(error), status_code=422)
    except HTTPException as error:
        if error.status_code != 422:
            raise
        return volunteer_form(request, viewer, form, str(error.detail), status_code=422)
    session.commit()  # before the page: the code shown must be the one kept
    return render(request, "helpdesk_joined.html", viewer, created=created, channels=CHANNELS)


def volunteer_body(viewer: Viewer, form: dict[str, Any]) -> VolunteerCreate:
    """The form as the API's body; no kabupaten/kota picked means the whole province in view."""
    regencies = form_list(form, "kabupaten")
    return VolunteerCreate.model_validate(
        {
            "name": str(form.get("nama") or ""),
            "channel": str(form.get("kanal") or ""),
            "address": str(form.get("alamat") or ""),
            "provinces": [] if regencies else [viewer.province],
            "regencies": regencies,
            "work_start": str(form.get("mulai") or ""),
            "work_end": str(form.get("selesai") or ""),
            "max_open_tickets": str(form.get("batas") or "3"),
        }
    )


def volunteer_form(
    request: Request, viewer: Viewer, form: dict[str, Any], problem: str | None, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "helpdesk_volunteer.html",
        viewer,
        status_code,
        form=form,
        chosen=form_list(form, "kabupaten"),
        problem=problem,
        regencies=regencies_of(viewer.province) if viewer.province else {},
        channels=CHANNELS,
    )


@router.get("/faq", response_class=HTMLResponse)
def faq_entries(request: Request, viewer: ViewerDep) -> HTMLResponse:
    """The FAQ the bot answers from (content/faq.yaml), read-only."""
    return render(request, "helpdesk_faq.html", viewer, entries=faq().entries)
