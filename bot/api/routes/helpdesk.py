"""The helpdesk for staff: register Duta Teknologi volunteers, see tickets and their timelines,
and the figures per province. Staff see and act only inside their province."""

from typing import Annotated

from fastapi import HTTPException, Path, Query, Response
from sqlmodel import Session

from bot.activation.models import Ticket, TicketStatus
from bot.api.deps import Caller, CallerDep, SessionDep, staff_router
from bot.api.routes.stats import regency_province, scoped_province
from bot.helpdesk import report
from bot.helpdesk.report import ProvinceFigures, TicketDetail, TicketFilter, TicketPublic
from bot.helpdesk.volunteers import VolunteerCreate, VolunteerCreated, VolunteerPublic, register, roster, to_public
from bot.regions import all_regions, provinces

router = staff_router("/api", ["helpdesk"])
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def volunteer_provinces(body: VolunteerCreate) -> list[str]:
    """The provinces named and those of the kabupaten/kota named; unknown codes are refused."""
    known, regions = provinces(), all_regions()
    unknown = [code for code in body.provinces if code not in known]
    unknown += [code for code in body.regencies if code not in regions or regions[code].kind == "provinsi"]
    if unknown:
        raise HTTPException(status_code=422, detail=f"unknown region codes: {', '.join(unknown[:5])}")
    found = list(dict.fromkeys([*body.provinces, *(regions[code].province_code for code in body.regencies)]))
    if not found:
        raise HTTPException(status_code=422, detail="name at least one province or kabupaten/kota")
    return found


def check_scope(caller: Caller, codes: list[str]) -> None:
    for code in codes:
        caller.check_province(code)


@router.post("/volunteers", status_code=201, response_model=VolunteerCreated)
def create_volunteer(body: VolunteerCreate, caller: CallerDep, session: SessionDep) -> VolunteerCreated:
    """Register a Duta Teknologi; the join code is shown once. The volunteer gets tickets only after
    sending `DUTA <join_code>` from `address` (on Telegram also `/start duta_<join_code>`)."""
    return register_volunteer(session, body, caller)


def register_volunteer(session: Session, body: VolunteerCreate, caller: Caller) -> VolunteerCreated:
    """Register inside the caller's province (the API's route and the dashboard's form)."""
    found = volunteer_provinces(body)
    check_scope(caller, found)
    volunteer, code = register(session, body, found, caller.name)
    return VolunteerCreated(**to_public(volunteer, 0).model_dump(), join_code=code)


@router.get("/volunteers", response_model=list[VolunteerPublic])
def list_volunteers(caller: CallerDep, session: SessionDep, province: str | None = None) -> list[VolunteerPublic]:
    """The roster (staff: their province's), with each volunteer's status and open tickets."""
    if province is not None and province not in provinces():
        raise HTTPException(status_code=422, detail="unknown province code")
    return roster(session, caller.scope(province))


@router.get("/tickets", response_model=list[TicketPublic])
def list_tickets(
    caller: CallerDep,
    session: SessionDep,
    response: Response,
    status: TicketStatus | None = None,
    province: str | None = None,
    regency: str | None = None,
    volunteer: int | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> list[TicketPublic]:
    """Tickets, newest first, a page at a time (`X-Total-Count` says how many match). Filters:
    `status`, `province` ("73"), `regency` ("73.08"), `volunteer` (its id). Staff see their province."""
    where = TicketFilter(
        status=status, province=province, regency=regency, volunteer=volunteer, limit=limit, offset=offset
    )
    tickets, total = visible_tickets(session, where, caller)
    response.headers["X-Total-Count"] = str(total)
    return tickets


@router.get("/tickets/{ticket_id}", response_model=TicketDetail)
def get_ticket(ticket_id: TicketId, caller: CallerDep, session: SessionDep) -> TicketDetail:
    """One ticket with its timeline (offers, claims, answers, escalations, closing) and messages."""
    return report.ticket_detail(session, visible_ticket(session, ticket_id, caller))


def visible_tickets(session: Session, where: TicketFilter, caller: Caller) -> tuple[list[TicketPublic], int]:
    """The tickets matching `where`, held to the caller's province (the API's and the dashboard's)."""
    scoped = scoped_province(caller, regency_province(where.province, where.regency))
    return report.list_tickets(session, where.model_copy(update={"province": scoped}))


def visible_ticket(session: Session, ticket_id: int, caller: Caller) -> Ticket:
    """The ticket, if it is of the caller's province (404 when there is none, 403 when elsewhere)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise HTTPException(status_code=404, detail="no such ticket")
    caller.check_province(ticket.province_code)
    return ticket


@router.get("/stats/helpdesk", response_model=list[ProvinceFigures])
def helpdesk_figures(caller: CallerDep, session: SessionDep, province: str | None = None) -> list[ProvinceFigures]:
    """Per province: tickets, open, escalated, median minutes to the first answer and to closing,
    satisfaction (mean 1–5), FAQ answers that solved it and the FAQ self-service rate."""
    return report.figures(session, scoped_province(caller, province))
