"""The helpdesk's tables: what was said on a ticket, the Duta Teknologi volunteers, each ticket's
routing (who it is offered to, who holds it, its next timer) and its timeline. The ticket itself is
the one table every request for a person shares (`bot.activation.models.Ticket`), so a teacher has
one ticket number whether the walkthrough or a question opened it.

A ticket's status (`Ticket.status`): OPEN (nobody has it) → OFFERED (one volunteer asked to take
it) → CLAIMED (a volunteer holds it, the teacher waits) ⇄ ANSWERED (the volunteer wrote, the
teacher's turn) → CLOSED; OFFERED → OPEN when an offer runs out or is given back; OPEN/OFFERED →
ESCALATED (to the province's staff) after 3 offers or 4 hours; CLOSED → CLAIMED when the teacher
writes again within 3 days.

All datetimes are aware UTC (see `bot.clock`).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from bot.clock import utcnow


class Author(StrEnum):
    """Who wrote a ticket message."""

    TEACHER = "teacher"
    VOLUNTEER = "volunteer"


class TicketMessage(SQLModel, table=True):
    """One message on a ticket: the teacher's question (long digit runs masked), and `faq_id`, the
    FAQ entry the teacher had already been shown when it did not help."""

    __tablename__ = "ticket_message"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    author: str = Field(max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    faq_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class Volunteer(SQLModel, table=True):
    """A Duta Teknologi registered by staff. Gets tickets only once `contact_id` is set, by the
    one-time join code sent from the registered address (`join_code_hash` is cleared then).
    Working hours are local times in `time_zone` (the zone of the first province)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    provinces: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    regencies: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    time_zone: str = Field(max_length=32)
    work_start: str = Field(default="07:00", max_length=5)
    work_end: str = Field(default="21:00", max_length=5)
    max_open_tickets: int = 3
    escalations: bool = False  # BTIKP staff in their chat: gets escalated tickets, not routine offers
    join_code_hash: str | None = Field(default=None, max_length=64, index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    joined_at: datetime | None = None
    available: bool = True
    last_offered_at: datetime | None = None
    created_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None


class TimerKind(StrEnum):
    """What happens when a ticket's `due_at` passes."""

    OFFER = "offer"  # the offer ran out: the next volunteer
    ROUTE = "route"  # nobody could take it: try again
    ANSWER = "answer"  # held without an answer for a day: offered again


class TicketRouting(SQLModel, table=True):
    """Where a ticket is on its way to a person: who it is offered to, who holds it, what comes next."""

    __tablename__ = "ticket_routing"

    ticket_id: int = Field(primary_key=True, foreign_key="ticket.id", ondelete="CASCADE")
    offered_to_id: int | None = Field(default=None, foreign_key="volunteer.id", ondelete="SET NULL")
    assignee_id: int | None = Field(default=None, foreign_key="volunteer.id", index=True, ondelete="SET NULL")
    offers: int = 0
    waiting_since: datetime | None = None  # since nobody holds it (escalation counts from here)
    offered_at: datetime | None = None
    claimed_at: datetime | None = None
    first_answer_at: datetime | None = None
    escalated_at: datetime | None = None
    closed_at: datetime | None = None
    rating: int | None = None
    due_at: datetime | None = Field(default=None, index=True)
    due_kind: str | None = Field(default=None, max_length=16)


class EventKind(StrEnum):
    CREATED = "created"
    OFFERED = "offered"
    OFFER_EXPIRED = "offer_expired"
    CLAIMED = "claimed"
    ANSWERED = "answered"
    RELEASED = "released"
    UNANSWERED = "unanswered"
    ESCALATED = "escalated"
    CLOSED = "closed"
    REOPENED = "reopened"
    RATED = "rated"


class TicketEvent(SQLModel, table=True):
    """One moment of a ticket's timeline (no texts: they are in `ticket_message`)."""

    __tablename__ = "ticket_event"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    volunteer_id: int | None = Field(default=None, foreign_key="volunteer.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class FaqOutcome(SQLModel, table=True):
    """An FAQ answer a teacher marked "Terjawab" (self-service), counted per province; nothing
    points to the teacher."""

    __tablename__ = "faq_outcome"

    id: int | None = Field(default=None, primary_key=True)
    faq_id: str = Field(max_length=40)
    province_code: str | None = Field(default=None, max_length=2, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class TicketFigure(SQLModel, table=True):
    """What stays of a ticket whose teacher erased their data: its figures, without the texts or
    anything pointing to the teacher (the staff figures count it still)."""

    __tablename__ = "ticket_figure"

    id: int | None = Field(default=None, primary_key=True)
    province_code: str | None = Field(default=None, max_length=2, index=True)
    regency_code: str | None = Field(default=None, max_length=5)
    topic: str = Field(max_length=24)
    status: str = Field(max_length=16)
    rating: int | None = None
    created_at: datetime
    first_answer_at: datetime | None = None
    closed_at: datetime | None = None
