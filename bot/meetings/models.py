"""Meetings, who is invited to them, and their timed messages; plus the staff API's request and
response shapes. All datetimes are aware UTC; local time exists only when a text is written."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, field_validator
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field as TableField
from sqlmodel import SQLModel

from bot.audience import Audience
from bot.clock import utcnow
from bot.reflections.questions import DEFAULT_SET, question_set_names

DEFAULT_REMINDER_MINUTES = [24 * 60, 60]
DEFAULT_REFLECTION_DELAY_MINUTES = 15
DEFAULT_FOLLOWUP_DAYS = 14


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Rsvp(StrEnum):
    YES = "yes"
    NO = "no"
    NONE = "none"


RSVP_PROMPT = "rsvp"  # the prompt kind an invitation opens (bot/prompts.py): 1 Hadir, 2 Tidak hadir


class MessageKind(StrEnum):
    """What a due row sends: the invitation, a reminder, or a notice that the meeting changed."""

    INVITATION = "invitation"
    REMINDER = "reminder"
    UPDATE = "meeting_update"
    CANCELLATION = "meeting_cancelled"


class DueStatus(StrEnum):
    """PENDING → SENT | SKIPPED (no longer fits when due) | CANCELLED (replaced or withdrawn before due)."""

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class Meeting(SQLModel, table=True):
    """An online meeting. `province` is the organiser's (None for national admins) and scopes staff access."""

    id: int | None = TableField(default=None, primary_key=True)
    title: str = TableField(max_length=200)
    agenda: str = TableField(default="", sa_column=Column(Text, nullable=False))
    join_url: str = TableField(max_length=500)
    starts_at: datetime = TableField(index=True)
    duration_minutes: int
    organiser_offset_minutes: int = 420  # the UTC offset the organiser wrote the start in
    audience: dict[str, Any] = TableField(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reminder_minutes: list[int] = TableField(default_factory=list, sa_column=Column(JSON, nullable=False))
    province: str | None = TableField(default=None, max_length=2, index=True)
    created_by: str = TableField(default="", max_length=100)
    short_code: str = TableField(max_length=16, unique=True)
    calendar_url: str = TableField(default="", max_length=300)
    status: str = TableField(default=MeetingStatus.SCHEDULED, max_length=16)
    sequence: int = 0  # bumped on every change, so calendars replace their copy
    opted_out_count: int = 0  # audience members left out because they had said BERHENTI
    created_at: datetime = TableField(default_factory=utcnow)
    updated_at: datetime = TableField(default_factory=utcnow)
    cancelled_at: datetime | None = None
    # After the meeting (bot/reflections): the reflection prompt goes this long after the end,
    # with this named question set; attendees who reflect earn the badge, when it has one.
    reflection_delay_minutes: int = DEFAULT_REFLECTION_DELAY_MINUTES
    question_set: str = TableField(default=DEFAULT_SET, max_length=40)
    badge_title: str | None = TableField(default=None, max_length=100)
    followup_days: int = DEFAULT_FOLLOWUP_DAYS
    reflections_planned_at: datetime | None = None  # when the participants' reflections were planned


class Invitation(SQLModel, table=True):
    """One contact invited to one meeting, with their answer (yes, no, or none yet)."""

    __tablename__ = "meeting_invitation"
    __table_args__ = (UniqueConstraint("meeting_id", "contact_id"),)

    id: int | None = TableField(default=None, primary_key=True)
    meeting_id: int = TableField(foreign_key="meeting.id", ondelete="CASCADE")
    contact_id: int = TableField(foreign_key="contact.id", index=True, ondelete="CASCADE")
    rsvp: str = TableField(default=Rsvp.NONE, max_length=8)
    rsvp_at: datetime | None = None
    notified_at: datetime | None = None  # when the invitation message went to the outbox
    created_at: datetime = TableField(default_factory=utcnow)


class Reminder(SQLModel, table=True):
    """A message due at a moment (UTC) for one invitation: the invitation itself, a reminder at an offset
    before the start, or a change notice. Claimed by the tick through `ix_meeting_reminder_due`."""

    __tablename__ = "meeting_reminder"
    __table_args__ = (Index("ix_meeting_reminder_due", "status", "due_at"),)

    id: int | None = TableField(default=None, primary_key=True)
    invitation_id: int = TableField(foreign_key="meeting_invitation.id", index=True, ondelete="CASCADE")
    meeting_id: int = TableField(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    kind: str = TableField(default=MessageKind.REMINDER, max_length=24)
    offset_minutes: int = 0
    due_at: datetime
    status: str = TableField(default=DueStatus.PENDING, max_length=16)
    sent_at: datetime | None = None


def within_this_century(moment: datetime) -> datetime:
    if not 2000 <= moment.year <= 2100:
        raise ValueError("starts_at must lie between the years 2000 and 2100")
    return moment


MeetingTime = Annotated[AwareDatetime, AfterValidator(within_this_century)]


def known_question_set(name: str) -> str:
    if name not in question_set_names():
        raise ValueError(f"unknown question set; known: {', '.join(sorted(question_set_names()))}")
    return name


class AfterMeeting(BaseModel):
    """What happens after the meeting: the reflection, its follow-up and the badge."""

    reflection_delay_minutes: int = Field(
        default=DEFAULT_REFLECTION_DELAY_MINUTES, ge=0, le=7 * 24 * 60, description="minutes after the end"
    )
    question_set: str = Field(default=DEFAULT_SET, max_length=40, description="a set of content/reflections.yaml")
    badge_title: str | None = Field(default=None, min_length=3, max_length=100)
    followup_days: int = Field(default=DEFAULT_FOLLOWUP_DAYS, ge=1, le=90, description="days until the follow-up")


class MeetingCreate(AfterMeeting):
    """A start in the past records a meeting held already (an offline clinic): no invitation and
    no reminders; its audience is asked for a reflection right away."""

    @field_validator("question_set")
    @classmethod
    def _known_set(cls, name: str) -> str:
        return known_question_set(name)

    title: str = Field(min_length=3, max_length=200)
    starts_at: MeetingTime
    duration_minutes: int = Field(ge=5, le=12 * 60)
    join_url: str = Field(max_length=500, pattern=r"^https?://\S+$")
    agenda: str = Field(default="", max_length=2000)
    audience: Audience = Field(default_factory=Audience)
    reminder_minutes: list[int] = Field(default_factory=lambda: list(DEFAULT_REMINDER_MINUTES), max_length=5)

    @field_validator("reminder_minutes")
    @classmethod
    def _sensible_offsets(cls, offsets: list[int]) -> list[int]:
        if any(not 1 <= offset <= 7 * 24 * 60 for offset in offsets):
            raise ValueError("each reminder is 1 minute to 7 days before the start")
        return sorted(set(offsets), reverse=True)


class MeetingUpdate(BaseModel):
    """Fields to change; a new time or link is announced to everyone invited who hasn't declined."""

    title: str | None = Field(default=None, min_length=3, max_length=200)
    starts_at: MeetingTime | None = None
    duration_minutes: int | None = Field(default=None, ge=5, le=12 * 60)
    join_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")
    agenda: str | None = Field(default=None, max_length=2000)


class MeetingPublic(AfterMeeting):
    id: int
    title: str
    starts_at: datetime  # in the organiser's offset
    local_times: dict[str, str]  # "WITA" → "Selasa, 1 Desember 2026 pukul 10.00 WITA", per zone of the audience
    duration_minutes: int
    join_url: str
    agenda: str
    audience: Audience
    reminder_minutes: list[int]
    status: str
    calendar_url: str
    created_by: str
    created_at: datetime


class RsvpCounts(BaseModel):
    yes: int = 0
    no: int = 0
    none: int = 0


class MeetingReport(MeetingPublic):
    invited: int
    opted_out: int
    rsvp: RsvpCounts
    reminders: dict[str, int]  # reminder rows by status: pending, sent, skipped, cancelled
    messages_sent: dict[str, int]  # messages that went to the outbox, by kind


class Suggestion(BaseModel):
    starts_at: datetime  # with +07:00
    local: dict[str, str]  # "WIB" → "09.00"
