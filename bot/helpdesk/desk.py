"""What a Duta Teknologi does with a ticket, from their chat or any other caller: take it, answer
it, give it back, close it, list theirs, say they are away. Each returns the one line the
volunteer reads; a ticket they may not act on raises `DeskError` with a one-line reason.

Taking a ticket is one conditional UPDATE (only while nobody holds it): two volunteers sending
AMBIL 12 at the same moment, exactly one gets it."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot import profile
from bot.activation.models import Ticket, TicketStatus
from bot.content import texts
from bot.conversation import Reply
from bot.helpdesk.models import Author, EventKind, TicketMessage, TicketRouting, TimerKind, Volunteer
from bot.helpdesk.routing import covers, let_go, place_of, question_of, record, route, routing_of, shorten, tell_teacher
from bot.helpdesk.volunteers import working_hours
from bot.local_time import LABEL_BY_IANA
from bot.models import Contact
from bot.outbox import enqueue
from bot.prompts import button_tag, open_prompt

ANSWER_WITHIN = timedelta(hours=24)
REOPEN_WITHIN = timedelta(days=3)
ANSWER_CHARACTERS = 2000
RATING_PROMPT = "helpdesk_rating"
LISTED_CHARACTERS = 60
HELD = (TicketStatus.CLAIMED, TicketStatus.ANSWERED)


class DeskError(Exception):
    """A ticket the volunteer may not act on; the message is the line they read."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(texts().render(f"duta.error.{key}", **values))


def first_name(volunteer: Volunteer) -> str:
    return profile.first_name(volunteer.name) or "Duta"


def find_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id) if 0 < ticket_id < 2**31 else None
    if ticket is None:
        raise DeskError("unknown", ticket=ticket_id)
    if ticket.status == TicketStatus.CLOSED:
        raise DeskError("closed", ticket=ticket_id)
    return ticket


def held_tickets(session: Session, volunteer: Volunteer) -> Sequence[Ticket]:
    """Tickets the volunteer holds (claimed or answered), oldest first."""
    return session.exec(
        select(Ticket)
        .join(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
        .where(TicketRouting.assignee_id == volunteer.id, col(Ticket.status).in_(HELD))
        .order_by(col(Ticket.id))
    ).all()


def claim(session: Session, volunteer: Volunteer, ticket_id: int, now: datetime) -> str:
    """AMBIL 12: take a ticket of the volunteer's region that nobody holds."""
    ticket = take(session, volunteer, ticket_id, now)
    return texts().render("duta.claimed", ticket=ticket.id)


def take(session: Session, volunteer: Volunteer, ticket_id: int, now: datetime) -> Ticket:
    ticket = find_ticket(session, ticket_id)
    routing = routing_of(session, ticket)
    if routing.assignee_id == volunteer.id:
        return ticket
    if routing.assignee_id is not None:
        raise DeskError("taken", ticket=ticket_id)
    if routing.offered_to_id != volunteer.id and not covers(volunteer, ticket):
        raise DeskError("not_yours", ticket=ticket_id)
    if len(held_tickets(session, volunteer)) >= volunteer.max_open_tickets:
        raise DeskError("limit", count=volunteer.max_open_tickets)
    session.flush()
    won = (
        session.connection()
        .execute(
            update(TicketRouting)
            .where(col(TicketRouting.ticket_id) == ticket_id, col(TicketRouting.assignee_id).is_(None))
            .values(assignee_id=volunteer.id, claimed_at=now, offered_to_id=None)
            .returning(col(TicketRouting.ticket_id))
        )
        .first()
    )
    if won is None:
        raise DeskError("taken", ticket=ticket_id)
    session.refresh(routing)
    ticket.status = TicketStatus.CLAIMED
    wait_for_answer(routing, now)
    record(session, ticket_id, EventKind.CLAIMED, volunteer.id)
    tell_teacher(session, ticket, "helpdesk.teacher.claimed", name=first_name(volunteer))
    return ticket


def wait_for_answer(routing: TicketRouting, now: datetime) -> None:
    routing.due_at, routing.due_kind = now + ANSWER_WITHIN, TimerKind.ANSWER


def answer(session: Session, volunteer: Volunteer, ticket_id: int, text: str, now: datetime, only: bool = False) -> str:
    """#12 <text>: the teacher reads it as "Duta Teknologi <first name>: …". A ticket offered to
    (or open for) the volunteer is taken on the way."""
    if not text.strip():
        raise DeskError("no_text", ticket=ticket_id)
    ticket = find_ticket(session, ticket_id)
    routing = routing_of(session, ticket)
    if routing.assignee_id not in (None, volunteer.id):
        raise DeskError("taken", ticket=ticket_id)
    take(session, volunteer, ticket_id, now)
    words = shorten(" ".join(text.split()), ANSWER_CHARACTERS)
    session.add(TicketMessage(ticket_id=ticket_id, author=Author.VOLUNTEER, text=words))
    ticket.status = TicketStatus.ANSWERED
    routing.first_answer_at = routing.first_answer_at or now
    routing.due_at = routing.due_kind = None
    record(session, ticket_id, EventKind.ANSWERED, volunteer.id)
    tell_teacher(session, ticket, "helpdesk.teacher.answer", name=first_name(volunteer), text=words)
    return texts().render("duta.sent_to_only" if only else "duta.sent", ticket=ticket_id)


def holder_ticket(session: Session, volunteer: Volunteer, ticket_id: int) -> tuple[Ticket, TicketRouting]:
    ticket = find_ticket(session, ticket_id)
    routing = routing_of(session, ticket)
    if routing.assignee_id not in (None, volunteer.id):
        raise DeskError("taken", ticket=ticket_id)
    if volunteer.id not in (routing.assignee_id, routing.offered_to_id):
        raise DeskError("not_held", ticket=ticket_id)
    return ticket, routing


def release(session: Session, volunteer: Volunteer, ticket_id: int, now: datetime) -> str:
    """LEPAS 12: the ticket goes to the next volunteer (never back to this one)."""
    ticket, routing = holder_ticket(session, volunteer, ticket_id)
    let_go(ticket, routing, now)
    record(session, ticket_id, EventKind.RELEASED, volunteer.id)
    record(session, ticket_id, EventKind.OFFERED, volunteer.id)  # counts as tried: not offered to them again
    session.flush()
    route(session, ticket, now)
    return texts().render("duta.released", ticket=ticket_id)


def close(session: Session, volunteer: Volunteer, ticket_id: int, now: datetime) -> str:
    """SELESAI 12: closed; the teacher is asked how much it helped (1–5)."""
    ticket, routing = holder_ticket(session, volunteer, ticket_id)
    if routing.assignee_id != volunteer.id:
        raise DeskError("not_held", ticket=ticket_id)
    ticket.status = TicketStatus.CLOSED
    routing.closed_at, routing.due_at, routing.due_kind = now, None, None
    record(session, ticket_id, EventKind.CLOSED, volunteer.id)
    ask_rating(session, ticket, first_name(volunteer), now)
    return texts().render("duta.closed", ticket=ticket_id)


def ask_rating(session: Session, ticket: Ticket, name: str, now: datetime) -> None:
    contact = session.get(Contact, ticket.contact_id)
    if contact is None or contact.id is None:
        return
    options = texts().choices("helpdesk.rating")
    prompt = open_prompt(
        session, contact.id, RATING_PROMPT, options, subject_id=ticket.id, expires_at=now + REOPEN_WITHIN
    )
    text = texts().render("helpdesk.teacher.closed", name=name, ticket=ticket.id)
    enqueue(session, contact, Reply(text, options, kind="helpdesk", tag=button_tag(prompt)))


def list_tickets(session: Session, volunteer: Volunteer) -> str:
    """TIKET: what the volunteer holds and what is offered to them."""
    rows = session.exec(
        select(Ticket)
        .join(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
        .where((col(TicketRouting.assignee_id) == volunteer.id) | (col(TicketRouting.offered_to_id) == volunteer.id))
        .where(col(Ticket.status).in_((TicketStatus.OFFERED, *HELD)))
        .order_by(col(Ticket.id))
    ).all()
    content = texts()
    if not rows:
        return content.render("duta.no_tickets")
    lines = [
        content.render(
            "duta.ticket_line",
            ticket=ticket.id,
            state=content.render(f"duta.state_{ticket.status}"),
            place=place_of(ticket),
            question=shorten(question_of(session, ticket), LISTED_CHARACTERS),
        )
        for ticket in rows
    ]
    return content.render("duta.ticket_list", lines="\n".join(lines))


def set_available(volunteer: Volunteer, available: bool) -> str:
    """LIBUR / AKTIF: no new offers while away; held tickets stay."""
    volunteer.available = available
    if not available:
        return texts().render("duta.away")
    hours = working_hours(volunteer)
    return texts().render(
        "duta.back", start=hours.start.strftime("%H.%M"), end=hours.end.strftime("%H.%M"), zone=zone_label(volunteer)
    )


def zone_label(volunteer: Volunteer) -> str:
    return LABEL_BY_IANA.get(volunteer.time_zone, volunteer.time_zone)
