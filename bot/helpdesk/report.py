"""The helpdesk as staff see it: tickets (filtered, a page at a time), one ticket with its
timeline and messages, and the figures per province. No teacher's number, chat id or name."""

from collections.abc import Sequence
from datetime import datetime
from statistics import mean, median
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from bot.activation.models import Ticket, TicketStatus
from bot.helpdesk.erasure import figure_of
from bot.helpdesk.models import FaqOutcome, TicketEvent, TicketFigure, TicketMessage, TicketRouting, Volunteer
from bot.helpdesk.tickets import QUESTION_TOPIC


class Assignee(BaseModel):
    id: int
    name: str


class TicketPublic(BaseModel):
    id: int
    status: str
    topic: str
    province: str | None
    regency: str | None
    assignee: Assignee | None
    offers: int
    rating: int | None
    created_at: datetime
    claimed_at: datetime | None
    first_answer_at: datetime | None
    escalated_at: datetime | None
    closed_at: datetime | None


class TimelineEntry(BaseModel):
    kind: str
    at: datetime
    volunteer: Assignee | None


class MessagePublic(BaseModel):
    author: str
    text: str
    at: datetime


class TicketDetail(TicketPublic):
    step: str | None
    branch: str | None
    summary: str
    timeline: list[TimelineEntry]
    messages: list[MessagePublic]


class ProvinceFigures(BaseModel):
    province: str | None
    tickets: int
    open: int
    escalated: int
    median_minutes_to_first_answer: float | None
    median_minutes_to_close: float | None
    satisfaction: float | None  # mean of the 1–5 ratings
    ratings: int
    faq_solved: int  # FAQ answers marked "Terjawab"
    faq_self_service_rate: float | None  # solved / (solved + questions handed to a person)


class TicketFilter(BaseModel):
    status: str | None = None
    province: str | None = None
    regency: str | None = None
    volunteer: int | None = None
    limit: int = 50
    offset: int = 0


def names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Volunteer.id, Volunteer.name).where(col(Volunteer.id).in_(ids))).all()
    return {volunteer_id: name for volunteer_id, name in rows if volunteer_id is not None}


def assignee(volunteer_id: int | None, known: dict[int, str]) -> Assignee | None:
    return Assignee(id=volunteer_id, name=known[volunteer_id]) if volunteer_id in known and volunteer_id else None


def to_public(ticket: Ticket, routing: TicketRouting | None, known: dict[int, str]) -> TicketPublic:
    assert ticket.id is not None
    route = routing or TicketRouting(ticket_id=ticket.id)
    return TicketPublic(
        id=ticket.id,
        status=ticket.status,
        topic=ticket.topic,
        province=ticket.province_code,
        regency=ticket.regency_code,
        assignee=assignee(route.assignee_id, known),
        offers=route.offers,
        rating=route.rating,
        created_at=ticket.created_at,
        claimed_at=route.claimed_at,
        first_answer_at=route.first_answer_at,
        escalated_at=route.escalated_at,
        closed_at=route.closed_at,
    )


def filtered(query: Any, where: TicketFilter) -> Any:
    if where.status:
        query = query.where(col(Ticket.status) == where.status)
    if where.province:
        query = query.where(col(Ticket.province_code) == where.province)
    if where.regency:
        query = query.where(col(Ticket.regency_code) == where.regency)
    if where.volunteer is not None:
        query = query.where(col(TicketRouting.assignee_id) == where.volunteer)
    return query


def list_tickets(session: Session, where: TicketFilter) -> tuple[list[TicketPublic], int]:
    """A page of tickets, newest first, and how many match in all."""
    base = select(Ticket, TicketRouting).outerjoin(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
    rows = session.exec(
        filtered(base, where).order_by(col(Ticket.id).desc()).limit(where.limit).offset(where.offset)
    ).all()
    counted = (
        select(func.count())
        .select_from(Ticket)
        .outerjoin(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
    )
    total = int(session.exec(filtered(counted, where)).one())
    known = names(session, {routing.assignee_id for _, routing in rows if routing and routing.assignee_id})
    return [to_public(ticket, routing, known) for ticket, routing in rows], total


def ticket_detail(session: Session, ticket: Ticket) -> TicketDetail:
    """The ticket with its timeline (offers, claims, answers, escalations…) and messages."""
    routing = session.get(TicketRouting, ticket.id)
    events: Sequence[TicketEvent] = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(col(TicketEvent.id))
    ).all()
    messages: Sequence[TicketMessage] = session.exec(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket.id).order_by(col(TicketMessage.id))
    ).all()
    ids = {event.volunteer_id for event in events if event.volunteer_id}
    known = names(session, ids | ({routing.assignee_id} if routing and routing.assignee_id else set()))
    return TicketDetail(
        **to_public(ticket, routing, known).model_dump(),
        step=ticket.step,
        branch=ticket.branch,
        summary=ticket.summary,
        timeline=[
            TimelineEntry(kind=event.kind, at=event.created_at, volunteer=assignee(event.volunteer_id, known))
            for event in events
        ],
        messages=[
            MessagePublic(author=message.author, text=message.text, at=message.created_at) for message in messages
        ],
    )


def minutes_between(pairs: list[tuple[datetime, datetime | None]]) -> float | None:
    spans = [(end - start).total_seconds() / 60 for start, end in pairs if end is not None]
    return round(median(spans), 1) if spans else None


def figures(session: Session, province: str | None) -> list[ProvinceFigures]:
    """The helpdesk per province (one province, when given), erased teachers' tickets included."""
    live = select(Ticket, TicketRouting).outerjoin(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
    kept = select(TicketFigure)
    outcomes = select(FaqOutcome.province_code, func.count()).group_by(col(FaqOutcome.province_code))
    if province is not None:
        live = live.where(col(Ticket.province_code) == province)
        kept = kept.where(col(TicketFigure.province_code) == province)
        outcomes = outcomes.where(col(FaqOutcome.province_code) == province)
    by_province: dict[str | None, list[TicketFigure]] = {}
    rows = [figure_of(ticket, routing) for ticket, routing in session.exec(live).all()]
    for row in [*rows, *session.exec(kept).all()]:
        by_province.setdefault(row.province_code, []).append(row)
    solved = {code: int(count) for code, count in session.exec(outcomes).all()}
    codes = sorted(set(by_province) | set(solved), key=lambda code: code or "")
    return [province_figures(code, by_province.get(code, []), solved.get(code, 0)) for code in codes]


def province_figures(code: str | None, rows: list[TicketFigure], solved: int) -> ProvinceFigures:
    ratings = [row.rating for row in rows if row.rating]
    questions = sum(1 for row in rows if row.topic == QUESTION_TOPIC)
    return ProvinceFigures(
        province=code,
        tickets=len(rows),
        open=sum(1 for row in rows if row.status != TicketStatus.CLOSED),
        escalated=sum(1 for row in rows if row.status == TicketStatus.ESCALATED),
        median_minutes_to_first_answer=minutes_between([(row.created_at, row.first_answer_at) for row in rows]),
        median_minutes_to_close=minutes_between([(row.created_at, row.closed_at) for row in rows]),
        satisfaction=round(mean(ratings), 2) if ratings else None,
        ratings=len(ratings),
        faq_solved=solved,
        faq_self_service_rate=round(solved / (solved + questions), 3) if solved + questions else None,
    )
