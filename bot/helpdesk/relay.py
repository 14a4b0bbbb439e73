"""The teacher's side of a ticket a person handles: what the teacher writes reaches the volunteer
tagged with the ticket number; a ticket closed less than 3 days ago opens again with the same
volunteer; the 1–5 rating is kept."""

from datetime import datetime

from sqlmodel import Session, col, select

from bot.activation.models import Ticket, TicketStatus
from bot.activation.tickets import find_open_ticket, mask_long_numbers
from bot.answers import small_talk_kind
from bot.content import texts
from bot.helpdesk.desk import REOPEN_WITHIN, first_name, wait_for_answer
from bot.helpdesk.models import Author, EventKind, TicketMessage, TicketRouting, Volunteer
from bot.helpdesk.routing import let_go, record, route, routing_of, tell_volunteer
from bot.helpdesk.tickets import QUESTION_CHARACTERS
from bot.models import Contact


def recently_closed(session: Session, contact: Contact, now: datetime) -> Ticket | None:
    row = session.exec(
        select(Ticket)
        .join(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
        .where(Ticket.contact_id == contact.id, Ticket.status == TicketStatus.CLOSED)
        .where(col(TicketRouting.closed_at) > now - REOPEN_WITHIN)
        .order_by(col(Ticket.id).desc())
    ).first()
    return row


def teacher_writes(session: Session, contact: Contact, text: str, now: datetime) -> str | None:
    """Free text from a teacher with a ticket: added to it and passed to its volunteer; returns
    the line the teacher reads, or None when the teacher has no ticket to write on."""
    ticket = find_open_ticket(session, contact)
    reopened = ticket is None
    if ticket is None and small_talk_kind(text) is None:  # a "makasih" after closing reopens nothing
        ticket = recently_closed(session, contact, now)
    if ticket is None or ticket.id is None:
        return None
    words = mask_long_numbers(text)[:QUESTION_CHARACTERS]
    session.add(TicketMessage(ticket_id=ticket.id, author=Author.TEACHER, text=words))
    routing = routing_of(session, ticket)
    volunteer = session.get(Volunteer, routing.assignee_id) if routing.assignee_id else None
    if volunteer is None or volunteer.removed_at is not None:
        if reopened:
            let_go(ticket, routing, now)
            routing.closed_at = None
            record(session, ticket.id, EventKind.REOPENED)
            session.flush()
            route(session, ticket, now)
        return texts().render("helpdesk.teacher.added", ticket=ticket.id)
    ticket.status = TicketStatus.CLAIMED
    wait_for_answer(routing, now)
    key = "duta.reopened" if reopened else "duta.teacher_wrote"
    tell_volunteer(session, volunteer, texts().render(key, ticket=ticket.id, text=words), ticket.id)
    if reopened:
        routing.closed_at = None
        record(session, ticket.id, EventKind.REOPENED, volunteer.id)
        return texts().render("helpdesk.teacher.reopened", ticket=ticket.id, name=first_name(volunteer))
    return texts().render("helpdesk.teacher.forwarded", ticket=ticket.id, name=first_name(volunteer))


def rate(session: Session, ticket_id: int, rating: int) -> None:
    routing = session.get(TicketRouting, ticket_id)
    if routing is not None:
        routing.rating = rating
        record(session, ticket_id, EventKind.RATED)


def question_added(session: Session, ticket: Ticket, created: bool, now: datetime) -> None:
    """A question from `tanya` went on a ticket: a new one is routed; on one a volunteer holds,
    the volunteer reads it."""
    if created or session.get(TicketRouting, ticket.id) is None:
        route(session, ticket, now)
        return
    last = session.exec(
        select(TicketMessage.text).where(TicketMessage.ticket_id == ticket.id).order_by(col(TicketMessage.id).desc())
    ).first()
    tell_holder(session, ticket, last or "", now)


def walkthrough_report_added(session: Session, ticket: Ticket, now: datetime) -> None:
    """The walkthrough put a new step or report on a ticket: a volunteer holding it reads it
    (an unrouted one is routed by the tick, with its summary)."""
    if session.get(TicketRouting, ticket.id) is not None:
        tell_holder(session, ticket, ticket.summary[:QUESTION_CHARACTERS], now)


def tell_holder(session: Session, ticket: Ticket, text: str, now: datetime) -> None:
    """What the teacher added reaches the volunteer holding the ticket, who owes an answer again."""
    routing = routing_of(session, ticket)
    volunteer = session.get(Volunteer, routing.assignee_id) if routing.assignee_id else None
    if volunteer is None or ticket.id is None:
        return
    ticket.status = TicketStatus.CLAIMED
    wait_for_answer(routing, now)
    tell_volunteer(session, volunteer, texts().render("duta.teacher_wrote", ticket=ticket.id, text=text), ticket.id)
