"""Tables after a meeting: each participant's reflection, the meeting's outcome and its action
items, and badges. All datetimes are aware UTC (see `bot.clock`).

A reflection: WAITING (planned, its prompt not sent yet) → ASKED (prompt sent) → ANSWERING
(started) → DONE; `due_at` is the next timed step (the prompt, then the one reminder), None after.
An action item: OPEN → DONE | NOT_DONE (its owner's answer to the reminder).
"""

import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow

REFLECTION_PROMPT = "reflection"  # 1 Isi sekarang, 2 Nanti saja
FOLLOWUP_PROMPT = "followup"  # which of the three things were applied (several numbers)
OUTCOME_PROMPT = "outcome_item"  # 1 Selesai, 2 Belum


def new_badge_code() -> str:
    return secrets.token_urlsafe(9)


class ReflectionStatus(StrEnum):
    WAITING = "waiting"
    ASKED = "asked"
    ANSWERING = "answering"
    DONE = "done"


class Reflection(SQLModel, table=True):
    """One participant's reflection on one meeting. After erasure `contact_id` and the texts are
    gone; the rating stays, anonymous, in the meeting's figures."""

    __table_args__ = (UniqueConstraint("meeting_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    status: str = Field(default=ReflectionStatus.WAITING, max_length=16)
    due_at: datetime | None = Field(default=None, index=True)
    question: int = 0  # the question being answered (0-based)
    rating: int | None = None
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prompted_at: datetime | None = None
    reminded_at: datetime | None = None
    completed_at: datetime | None = None
    followup_due_at: datetime | None = Field(default=None, index=True)
    followup_sent_at: datetime | None = None
    applied: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # 1-based, answered
    created_at: datetime = Field(default_factory=utcnow)


class Outcome(SQLModel, table=True):
    """The facilitator's notes of a meeting, shared with its participants."""

    __tablename__ = "meeting_outcome"

    id: int | None = Field(default=None, primary_key=True)
    # One per meeting: a retried POST must not share the summary and set the reminders twice.
    meeting_id: int = Field(foreign_key="meeting.id", unique=True, index=True, ondelete="CASCADE")
    summary: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class ItemState(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_DONE = "not_done"


class ActionItem(SQLModel, table=True):
    """One action item of an outcome; its owner is reminded the day before `due` at 08.00 local."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    outcome_id: int = Field(foreign_key="meeting_outcome.id", index=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    text: str = Field(max_length=500)
    owner_contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    due: date
    state: str = Field(default=ItemState.OPEN, max_length=16)
    remind_at: datetime | None = Field(default=None, index=True)
    reminded_at: datetime | None = None
    answered_at: datetime | None = None


class Badge(SQLModel, table=True):
    """A badge earned at a meeting; `code` is the public verification key (`GET /v/{code}`)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(default_factory=new_badge_code, max_length=16, unique=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    first_name: str = Field(default="", max_length=60)
    title: str = Field(max_length=100)
    issued_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
