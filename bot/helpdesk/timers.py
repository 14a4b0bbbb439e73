"""The helpdesk's timers, run by the timed tick: an offer not taken in 30 minutes of the
volunteer's working time goes to the next volunteer; a ticket nobody could take is looked at again
(and escalated after 3 offers or 4 hours); a held ticket without an answer for a day is offered
again; new walkthrough tickets are routed; tickets held by a volunteer who blocked the bot go back."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.activation.models import Ticket, TicketStatus
from bot.clock import utcnow
from bot.content import texts
from bot.db import is_postgres, session_scope
from bot.helpdesk.models import EventKind, TicketRouting, TimerKind, Volunteer
from bot.helpdesk.routing import let_go, record, route, tell_teacher, tell_volunteer, tickets_waiting
from bot.models import Contact
from bot.timed import TimedJob

BATCH = 100


def due_routings(session: Session, now: datetime) -> Sequence[TicketRouting]:
    query = (
        select(TicketRouting)
        .where(col(TicketRouting.due_at) <= now)
        .order_by(col(TicketRouting.due_at), col(TicketRouting.ticket_id))
        .limit(BATCH)
    )
    return session.exec(query.with_for_update(skip_locked=True) if is_postgres(session) else query).all()


def run_timers(engine: Engine) -> int:
    """Every due timer, then the tickets nobody has routed yet."""
    done = 0
    with session_scope(engine) as session:
        now = utcnow()
        for routing in due_routings(session, now):
            ticket = session.get(Ticket, routing.ticket_id)
            if ticket is not None:
                fire(session, ticket, routing, now)
                done += 1
        for ticket in tickets_waiting(session):
            route(session, ticket, now)
            done += 1
        done += hand_back_from_unreachable(session, now)
    return done


def fire(session: Session, ticket: Ticket, routing: TicketRouting, now: datetime) -> None:
    kind, routing.due_at, routing.due_kind = routing.due_kind, None, None
    if kind == TimerKind.OFFER and ticket.status == TicketStatus.OFFERED:
        volunteer = session.get(Volunteer, routing.offered_to_id) if routing.offered_to_id else None
        record(session, routing.ticket_id, EventKind.OFFER_EXPIRED, routing.offered_to_id)
        if volunteer is not None:
            tell_volunteer(session, volunteer, texts().render("duta.offer_expired", ticket=ticket.id))
        route(session, ticket, now)
    elif kind == TimerKind.ANSWER and ticket.status == TicketStatus.CLAIMED:
        pass_on(session, ticket, routing, now, "duta.unanswered")
    elif kind == TimerKind.ROUTE and ticket.status == TicketStatus.OPEN:
        route(session, ticket, now)


def pass_on(session: Session, ticket: Ticket, routing: TicketRouting, now: datetime, told: str | None) -> None:
    """The holder lets go (silent for a day, unreachable, erased): the ticket is offered again,
    never back to them, and the teacher is told in one line."""
    volunteer = session.get(Volunteer, routing.assignee_id) if routing.assignee_id else None
    record(session, routing.ticket_id, EventKind.UNANSWERED, routing.assignee_id)
    record(session, routing.ticket_id, EventKind.OFFERED, routing.assignee_id)  # tried: not offered to them again
    let_go(ticket, routing, now)
    if volunteer is not None and told is not None:
        tell_volunteer(session, volunteer, texts().render(told, ticket=ticket.id))
    tell_teacher(session, ticket, "helpdesk.teacher.passed_on")
    session.flush()
    route(session, ticket, now)


def hand_back_from_unreachable(session: Session, now: datetime) -> int:
    """A volunteer who blocked the bot gets nothing more; what they held or were offered goes on."""
    rows = session.exec(
        select(Ticket, TicketRouting)
        .join(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
        .join(Volunteer, col(Volunteer.id) == col(TicketRouting.assignee_id))
        .join(Contact, col(Contact.id) == col(Volunteer.contact_id))
        .where(col(Contact.unreachable_since).is_not(None))
        .where(col(Ticket.status).in_((TicketStatus.CLAIMED, TicketStatus.ANSWERED)))
        .limit(BATCH)
    ).all()
    for ticket, routing in rows:
        pass_on(session, ticket, routing, now, told=None)
    return len(rows)


def hand_back_all(session: Session, volunteer: Volunteer, now: datetime) -> None:
    """Everything the volunteer holds or is offered goes on to others (they left the roster)."""
    rows = session.exec(
        select(Ticket, TicketRouting)
        .join(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
        .where((col(TicketRouting.assignee_id) == volunteer.id) | (col(TicketRouting.offered_to_id) == volunteer.id))
        .where(col(Ticket.status).in_((TicketStatus.OFFERED, TicketStatus.CLAIMED, TicketStatus.ANSWERED)))
    ).all()
    for ticket, routing in rows:
        pass_on(session, ticket, routing, now, told=None)


TIMERS = TimedJob("helpdesk_timers", run_timers)
