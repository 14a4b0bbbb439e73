"""Routing a ticket to a person: offered to an active volunteer of the teacher's kabupaten/kota,
else of the province, fairly (fewest open tickets, then longest since their last offer), inside
their working hours and under their limit; after 3 offers or 4 hours without a claim, escalated to
the province's staff. What volunteers read never carries the teacher's number, chat id or name."""

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from bot.activation.models import Ticket, TicketStatus
from bot.activation.walkthrough import walkthrough
from bot.content import texts
from bot.conversation import Reply
from bot.db import is_postgres
from bot.helpdesk.models import Author, EventKind, TicketEvent, TicketMessage, TicketRouting, TimerKind, Volunteer
from bot.helpdesk.volunteers import at_work, open_counts, working_hours, zone
from bot.local_time import WIB, AllowedHours
from bot.models import Contact
from bot.outbox import enqueue
from bot.profile import level_label
from bot.regions import TimeZone, region_name, time_zone_of, time_zones

OFFER_WINDOW = timedelta(minutes=30)  # of the volunteer's working time
ESCALATE_AFTER_OFFERS = 3
ESCALATE_AFTER = timedelta(hours=4)
RETRY_EVERY = timedelta(minutes=10)  # nobody could take it: look again
OFFICE_HOURS = AllowedHours(time(7), time(16))  # when BTIKP staff work: the hours escalation counts
OFFER_QUESTION_CHARACTERS = 600  # of the teacher's words in an offer (a ticket keeps more)


def routing_of(session: Session, ticket: Ticket) -> TicketRouting:
    """The ticket's routing row, locked (PostgreSQL) and read afresh: a volunteer's word and the
    timers (which skip locked rows) never act on the same ticket at once."""
    assert ticket.id is not None
    routing = session.get(TicketRouting, ticket.id, with_for_update=True, populate_existing=True)
    if routing is None:
        routing = TicketRouting(ticket_id=ticket.id, waiting_since=ticket.created_at)
        session.add(routing)
        record(session, ticket.id, EventKind.CREATED, at=ticket.created_at)
    return routing


def record(
    session: Session, ticket_id: int, kind: EventKind, volunteer_id: int | None = None, at: datetime | None = None
) -> None:
    """One moment of the ticket's timeline (now, unless `at` says when)."""
    event = TicketEvent(ticket_id=ticket_id, kind=kind, volunteer_id=volunteer_id)
    if at is not None:
        event.created_at = at
    session.add(event)


def tell_contact(session: Session, contact_id: int | None, text: str, ticket_id: int | None = None) -> None:
    """One message to a teacher or a volunteer; it names its ticket, so a Telegram reply to it
    is understood."""
    contact = session.get(Contact, contact_id) if contact_id is not None else None
    if contact is None:
        return
    row = enqueue(session, contact, Reply(text, kind="helpdesk"))
    if ticket_id is not None:
        row.payload = {**row.payload, "ticket": ticket_id}


def tell_teacher(session: Session, ticket: Ticket, key: str, **values: object) -> None:
    tell_contact(session, ticket.contact_id, texts().render(key, ticket=ticket.id, **values))


def tell_volunteer(session: Session, volunteer: Volunteer, text: str, ticket_id: int | None = None) -> None:
    tell_contact(session, volunteer.contact_id, text, ticket_id)


def covers(volunteer: Volunteer, ticket: Ticket) -> bool:
    """Whether the ticket is of the volunteer's region (their kabupaten/kota, or their province
    when they cover a whole province)."""
    if ticket.regency_code and ticket.regency_code in volunteer.regencies:
        return True
    return bool(ticket.province_code) and ticket.province_code in volunteer.provinces and not volunteer.regencies


def tier(volunteer: Volunteer, ticket: Ticket) -> int | None:
    """0: a volunteer of the teacher's kabupaten/kota; 1: of the province; None: neither."""
    if ticket.regency_code and ticket.regency_code in volunteer.regencies:
        return 0
    return 1 if ticket.province_code and ticket.province_code in volunteer.provinces else None


def ready_volunteers(session: Session, now: datetime, escalations: bool = False) -> list[Volunteer]:
    """Joined, on the roster, not away, reachable, and at work now: the volunteers who take
    offers, or (`escalations`) the staff who read escalated tickets in their chat, at any hour
    (escalation by time happens in office hours)."""
    rows = session.exec(
        select(Volunteer, Contact)
        .join(Contact, col(Contact.id) == col(Volunteer.contact_id))
        .where(col(Volunteer.removed_at).is_(None), col(Volunteer.available).is_(True))
        .where(col(Volunteer.escalations).is_(escalations), col(Contact.unreachable_since).is_(None))
    ).all()
    return [volunteer for volunteer, _ in rows if escalations or at_work(volunteer, now)]


def offered_before(session: Session, ticket_id: int) -> set[int]:
    rows = session.exec(
        select(TicketEvent.volunteer_id).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.OFFERED
        )
    ).all()
    return {volunteer_id for volunteer_id in rows if volunteer_id is not None}


def pick_volunteer(session: Session, ticket: Ticket, now: datetime, skip: set[int]) -> Volunteer | None:
    """The fairest volunteer for the ticket: nearest region first, then fewest open tickets, then
    the longest since their last offer."""
    ready = [
        volunteer
        for volunteer in ready_volunteers(session, now)
        if volunteer.id not in skip and volunteer.contact_id != ticket.contact_id  # not their own question
    ]
    tiers = {volunteer.id: tier(volunteer, ticket) for volunteer in ready}
    near = [volunteer for volunteer in ready if tiers[volunteer.id] is not None]
    counts = open_counts(session, [volunteer.id for volunteer in near if volunteer.id is not None])
    free = [volunteer for volunteer in near if counts.get(volunteer.id or 0, 0) < volunteer.max_open_tickets]
    if not free:
        return None
    never = datetime.min.replace(tzinfo=now.tzinfo)
    return min(
        free,
        key=lambda v: (tiers[v.id], counts.get(v.id or 0, 0), v.last_offered_at or never, v.id or 0),
    )


def route(session: Session, ticket: Ticket, now: datetime) -> Volunteer | None:
    """Offer a ticket nobody holds to the next volunteer; escalate when it has waited too long;
    otherwise look again shortly. Returns the volunteer offered to."""
    routing = routing_of(session, ticket)
    assert ticket.id is not None
    if should_escalate(ticket, routing, now):
        escalate(session, ticket, routing, now)
        return None
    if routing.escalated_at is not None:  # with the staff now; a volunteer may still take it
        ticket.status, routing.offered_to_id = TicketStatus.ESCALATED, None
        return None
    volunteer = pick_volunteer(session, ticket, now, offered_before(session, ticket.id))
    if volunteer is None:
        ticket.status, routing.offered_to_id = TicketStatus.OPEN, None
        routing.due_at, routing.due_kind = now + RETRY_EVERY, TimerKind.ROUTE
        return None
    offer(session, ticket, routing, volunteer, now)
    return volunteer


def should_escalate(ticket: Ticket, routing: TicketRouting, now: datetime) -> bool:
    """3 offers, or 4 office hours (07.00–16.00 in the teacher's province) without anyone
    holding it, since it opened or since its last holder let go."""
    if routing.escalated_at is not None:
        return False
    waiting_since = routing.waiting_since or ticket.created_at
    place = time_zone_of(ticket.province_code) if ticket.province_code in time_zones() else WIB
    return routing.offers >= ESCALATE_AFTER_OFFERS or now >= working_deadline(
        OFFICE_HOURS, place, waiting_since, ESCALATE_AFTER
    )


def escalate(session: Session, ticket: Ticket, routing: TicketRouting, now: datetime) -> None:
    """To the province's staff (the staff API lists escalated tickets); the teacher is told. A
    volunteer of the region may still take it (AMBIL)."""
    assert ticket.id is not None
    ticket.status = TicketStatus.ESCALATED
    routing.escalated_at, routing.offered_to_id = now, None
    routing.due_at = routing.due_kind = None
    record(session, ticket.id, EventKind.ESCALATED)
    province = region_name(ticket.province_code) or texts().render("duta.unknown_place")
    tell_teacher(session, ticket, "helpdesk.teacher.escalated", province=province)
    staff = [person for person in ready_volunteers(session, now, escalations=True) if tier(person, ticket) is not None]
    for person in staff:  # BTIKP staff who joined from their chat read it there (AMBIL works for them)
        tell_volunteer(session, person, f"{texts().render('duta.escalated')}\n{offer_text(session, ticket)}", ticket.id)


def let_go(ticket: Ticket, routing: TicketRouting, now: datetime) -> None:
    """Nobody holds the ticket any more: it waits again, from now."""
    routing.assignee_id = routing.offered_to_id = None
    routing.offers, routing.waiting_since = 0, now  # a new round: 3 offers or 4 office hours from here
    ticket.status = TicketStatus.OPEN


def offer(session: Session, ticket: Ticket, routing: TicketRouting, volunteer: Volunteer, now: datetime) -> None:
    assert ticket.id is not None
    ticket.status = TicketStatus.OFFERED
    routing.offered_to_id, routing.offered_at, routing.offers = volunteer.id, now, routing.offers + 1
    deadline = working_deadline(working_hours(volunteer), zone(volunteer), now, OFFER_WINDOW)
    routing.due_at, routing.due_kind = deadline, TimerKind.OFFER
    volunteer.last_offered_at = now
    record(session, ticket.id, EventKind.OFFERED, volunteer.id)
    tell_volunteer(session, volunteer, offer_text(session, ticket), ticket.id)


def working_deadline(hours: AllowedHours, place: TimeZone, start: datetime, span: timedelta) -> datetime:
    """`span` of working time after `start` (an offer made at 15.50 with work ending at 16.00 runs
    on 20 minutes into the next morning)."""
    moment, left = hours.next_allowed(start, place), span
    for _ in range(14):  # a fortnight of days is far more than any span we use
        closing = closing_after(hours, place, moment)
        if moment + left <= closing:
            return moment + left
        left -= closing - moment
        moment = hours.next_allowed(closing, place)
    return moment + left


def closing_after(hours: AllowedHours, place: TimeZone, moment: datetime) -> datetime:
    """When the working window holding `moment` (a moment inside it) closes."""
    start_minutes, end_minutes = (value.hour * 60 + value.minute for value in (hours.start, hours.end))
    length = (end_minutes - start_minutes) % (24 * 60) or 24 * 60
    return hours.last_opened(moment, place) + timedelta(minutes=length)


def teacher_words(session: Session, ticket_id: int) -> list[str]:
    rows = session.exec(
        select(TicketMessage.text)
        .where(TicketMessage.ticket_id == ticket_id, TicketMessage.author == Author.TEACHER)
        .order_by(col(TicketMessage.id))
    ).all()
    return [text for text in rows if text]


def question_of(session: Session, ticket: Ticket) -> str:
    """What the teacher asked (or, for a walkthrough ticket, what they reported)."""
    assert ticket.id is not None
    words = " / ".join(teacher_words(session, ticket.id)) or ticket.summary
    return shorten(words, OFFER_QUESTION_CHARACTERS)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def place_of(ticket: Ticket) -> str:
    names = [region_name(ticket.regency_code), region_name(ticket.province_code)]
    return ", ".join(name for name in names if name) or texts().render("duta.unknown_place")


def context_of(ticket: Ticket) -> str:
    """The walkthrough's step and branch, when the teacher was part-way through it."""
    walk = walkthrough()
    step = walk.steps.get(ticket.step or "")
    if step is None or ticket.topic == "activation":
        return ""  # an activation ticket's summary already says where
    branch = walk.branches.get(ticket.branch or "")
    extra = texts().render("duta.context_branch", branch=branch.label) if branch else ""
    return texts().render("duta.context", number=step.number, step=step.title, branch=extra)


def level_of(session: Session, ticket: Ticket) -> str:
    contact = session.get(Contact, ticket.contact_id)
    return level_label(contact.school_level if contact else None) or texts().render("duta.unknown_level")


def offer_text(session: Session, ticket: Ticket) -> str:
    content = texts()
    head = content.render("duta.offer_head", ticket=ticket.id, place=place_of(ticket), level=level_of(session, ticket))
    parts = [head, question_of(session, ticket), context_of(ticket), content.render("duta.offer_how", ticket=ticket.id)]
    return "\n".join(part for part in parts if part)


def tickets_waiting(session: Session) -> Sequence[Ticket]:
    """Tickets nobody has looked at yet (the walkthrough opens tickets without routing them),
    locked for this worker on PostgreSQL so two ticks never route one twice."""
    query = (
        select(Ticket)
        .outerjoin(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
        .where(col(TicketRouting.ticket_id).is_(None), col(Ticket.status) == TicketStatus.OPEN)
        .order_by(col(Ticket.id))
        .limit(100)
    )
    return session.exec(query.with_for_update(skip_locked=True, of=Ticket) if is_postgres(session) else query).all()
