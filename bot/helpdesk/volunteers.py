"""Duta Teknologi volunteers: staff register them, they join from their own chat with a one-time
code, and say when they are away. Who counts as an active volunteer is decided here only."""

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import ColumnElement, exists
from sqlmodel import Session, col, func, select

from bot.activation.models import Ticket, TicketStatus
from bot.helpdesk.models import TicketRouting, Volunteer
from bot.local_time import AllowedHours
from bot.models import Contact
from bot.regions import TimeZone, time_zone_of

HOLDING = (TicketStatus.OFFERED, TicketStatus.CLAIMED, TicketStatus.ANSWERED)  # count against the limit
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from a phone
CODE_LENGTH = 8
CLOCK_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
# What `address` looks like on each channel (the simulator's, for trying the helpdesk in demo mode).
ADDRESSES = {
    "telegram": re.compile(r"^-?\d{1,20}$"),
    "whatsapp": re.compile(r"^whatsapp:\+\d{8,15}$"),
    "simulator": re.compile(r"^[A-Za-z0-9_-]{3,40}$"),
}


class VolunteerCreate(BaseModel):
    name: str = Field(min_length=2, max_length=100)
    channel: str = Field(pattern="^(telegram|whatsapp|simulator)$")
    address: str = Field(max_length=64)
    provinces: list[str] = Field(default_factory=list, max_length=40)
    regencies: list[str] = Field(default_factory=list, max_length=200)
    work_start: str = Field(default="07:00", pattern=CLOCK_TIME, description="local time in the volunteer's zone")
    work_end: str = Field(default="21:00", pattern=CLOCK_TIME)
    max_open_tickets: int = Field(default=3, ge=1, le=50)
    escalations: bool = Field(default=False, description="BTIKP staff: escalated tickets come to this chat")

    @model_validator(mode="after")
    def address_fits_the_channel(self) -> "VolunteerCreate":
        self.address = self.address.strip()
        if not ADDRESSES[self.channel].match(self.address):
            raise ValueError("address: a Telegram chat id, or whatsapp:+62…")
        return self


class VolunteerPublic(BaseModel):
    id: int
    name: str
    channel: str
    address: str
    provinces: list[str]
    regencies: list[str]
    time_zone: str
    work_start: str
    work_end: str
    max_open_tickets: int
    escalations: bool
    status: str  # waiting_to_join | active | away | removed
    open_tickets: int
    joined_at: datetime | None
    created_at: datetime


class VolunteerCreated(VolunteerPublic):
    join_code: str


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def register(session: Session, body: VolunteerCreate, provinces: list[str], created_by: str) -> tuple[Volunteer, str]:
    """A new volunteer and its one-time join code (only its hash is kept). `provinces` are all the
    provinces the volunteer covers (those named and those of the regencies named)."""
    code = new_join_code()
    volunteer = Volunteer(
        name=" ".join(body.name.split()),
        channel=body.channel,
        address=body.address,
        provinces=provinces,
        regencies=body.regencies,
        time_zone=time_zone_of(provinces[0]).iana,
        work_start=body.work_start,
        work_end=body.work_end,
        max_open_tickets=body.max_open_tickets,
        escalations=body.escalations,
        join_code_hash=hash_code(code),
        created_by=created_by,
    )
    session.add(volunteer)
    session.flush()
    return volunteer, code


def join(session: Session, contact: Contact, code: str, now: datetime) -> Volunteer | None:
    """`DUTA <code>` from the registered address activates the volunteer; any other chat, or a code
    already used, gets nothing (the code proves the chat is the volunteer's own)."""
    wanted = hash_code(code)
    volunteer = session.exec(
        select(Volunteer).where(Volunteer.join_code_hash == wanted, col(Volunteer.removed_at).is_(None))
    ).first()
    if volunteer is None or not hmac.compare_digest(volunteer.address, contact.address):
        return None
    if volunteer.channel != contact.channel:
        return None
    volunteer.contact_id, volunteer.joined_at, volunteer.join_code_hash = contact.id, now, None
    volunteer.available = True
    return volunteer


def active_volunteer(session: Session, contact: Contact) -> Volunteer | None:
    """The volunteer whose chat this is, once joined and while on the roster: only then do the
    volunteer's words apply (the chat keeps working as a teacher's otherwise)."""
    if contact.id is None:
        return None
    query = select(Volunteer).where(Volunteer.contact_id == contact.id, col(Volunteer.removed_at).is_(None))
    return session.exec(query).first()


def working_hours(volunteer: Volunteer) -> AllowedHours:
    start, end = (datetime.strptime(value, "%H:%M").time() for value in (volunteer.work_start, volunteer.work_end))
    return AllowedHours(start, end)


def zone(volunteer: Volunteer) -> TimeZone:
    return TimeZone(volunteer.time_zone, volunteer.time_zone)


def at_work(volunteer: Volunteer, now: datetime) -> bool:
    return working_hours(volunteer).allows(now, zone(volunteer))


def open_counts(session: Session, volunteer_ids: Sequence[int]) -> dict[int, int]:
    """Tickets offered to or held by each volunteer (what counts against their limit)."""
    if not volunteer_ids:
        return {}
    holder = func.coalesce(TicketRouting.assignee_id, TicketRouting.offered_to_id)
    rows = session.exec(
        select(holder, func.count())
        .select_from(TicketRouting)
        .join(Ticket, col(Ticket.id) == col(TicketRouting.ticket_id))
        .where(col(Ticket.status).in_(HOLDING), holder.in_(volunteer_ids))
        .group_by(holder)
    ).all()
    return {int(volunteer_id): int(count) for volunteer_id, count in rows}


def status_of(volunteer: Volunteer) -> str:
    if volunteer.removed_at is not None:
        return "removed"
    if volunteer.contact_id is None:
        return "waiting_to_join"
    return "active" if volunteer.available else "away"


def to_public(volunteer: Volunteer, open_tickets: int) -> VolunteerPublic:
    assert volunteer.id is not None
    return VolunteerPublic(
        **volunteer.model_dump(include=set(VolunteerPublic.model_fields) - {"status", "open_tickets"}),
        status=status_of(volunteer),
        open_tickets=open_tickets,
    )


def roster(session: Session, province: str | None) -> list[VolunteerPublic]:
    """Volunteers on the roster (of one province, when given), oldest first."""
    volunteers = session.exec(
        select(Volunteer).where(col(Volunteer.removed_at).is_(None)).order_by(col(Volunteer.id))
    ).all()
    if province is not None:
        volunteers = [volunteer for volunteer in volunteers if province in volunteer.provinces]
    counts = open_counts(session, [volunteer.id for volunteer in volunteers if volunteer.id is not None])
    return [to_public(volunteer, counts.get(volunteer.id or 0, 0)) for volunteer in volunteers]


def is_a_volunteers_chat() -> ColumnElement[bool]:
    """A condition on `Contact`: the chat of a volunteer on the roster (retention keeps it)."""
    return exists().where(col(Volunteer.contact_id) == col(Contact.id), col(Volunteer.removed_at).is_(None))
