"""Tables of the activation walkthrough: each teacher's progress, the funnel events, and tickets.

All datetimes are aware UTC (see `bot.clock`).
"""

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from bot.clock import utcnow


def new_teacher_key() -> str:
    return secrets.token_hex(16)


NUDGE_PROMPT = "nudge"  # the prompt kind a nudge opens (bot/prompts.py): 1 Lanjutkan, 2 Mulai dari awal


class ActivationProgress(SQLModel, table=True):
    """Where one teacher is in the walkthrough, kept across chats, restarts and days.

    `step` is the current step (None before the first), `branch` the troubleshooting branch open
    at it. `nudge_due_at` is when the next gentle reminder may go (None: none planned);
    `nudges_sent` counts reminders in the current silence and restarts at 0 on every answer.
    """

    __tablename__ = "activation_progress"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True, ondelete="CASCADE")
    teacher_key: str = Field(default_factory=new_teacher_key, max_length=32)
    step: str | None = Field(default=None, max_length=32)
    branch: str | None = Field(default=None, max_length=32)
    failures: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reports: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    nudge_due_at: datetime | None = Field(default=None, index=True)
    nudges_sent: int = 0


class EventKind(StrEnum):
    """What a funnel event records about one teacher at one step."""

    STARTED = "started"  # began the walkthrough here
    REACHED = "reached"  # was shown this step
    STUCK = "stuck"  # said there is a problem here (with the branch, when one was taken)
    PASSED = "passed"  # said this step worked
    HANDED_OVER = "handed_over"  # a ticket was opened for a Duta Teknologi
    FINISHED = "finished"  # completed the whole walkthrough


class ActivationEvent(SQLModel, table=True):
    """One moment of the funnel. Erasure blanks `contact_id`; the random `teacher_key` keeps
    distinct-teacher counts right without pointing to anyone once the progress row is gone."""

    __tablename__ = "activation_event"
    __table_args__ = (Index("ix_activation_event_region", "province_code", "regency_code"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    teacher_key: str = Field(max_length=32)
    province_code: str | None = Field(default=None, max_length=2)
    regency_code: str | None = Field(default=None, max_length=5)
    kind: str = Field(max_length=16)
    step: str = Field(max_length=32)
    branch: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class TicketStatus(StrEnum):
    """OPEN → OFFERED → CLAIMED ⇄ ANSWERED → CLOSED, or → ESCALATED (the lifecycle is described
    in `bot.helpdesk.models`, which routes tickets)."""

    OPEN = "open"
    OFFERED = "offered"
    CLAIMED = "claimed"
    ANSWERED = "answered"
    ESCALATED = "escalated"
    CLOSED = "closed"


class Ticket(SQLModel, table=True):
    """A teacher's request for a human, with what the volunteer needs to know. No phone number:
    `summary` holds only what the teacher reported, with long digit runs masked."""

    __table_args__ = (Index("ix_ticket_status_province", "status", "province_code"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    province_code: str | None = Field(default=None, max_length=2)
    regency_code: str | None = Field(default=None, max_length=5)
    topic: str = Field(default="activation", max_length=24)
    step: str | None = Field(default=None, max_length=32)
    branch: str | None = Field(default=None, max_length=32)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default=TicketStatus.OPEN, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
