"""Broadcasts (announcements from staff), their per-recipient ledger and the topic opt-out; plus
the staff API's request shapes. All datetimes are aware UTC.

Broadcast: SCHEDULED → SENDING (ledger written) → DONE (nothing pending, nothing unsent), or PAUSED
(and back) and CANCELLED at any time before DONE.
Ledger row: PENDING → QUEUED (in the outbox, `outbound_id`) | SKIPPED (`skip_reason`) |
CANCELLED. A PENDING row pushed to its zone's morning by quiet hours is `deferred`.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field as TableField
from sqlmodel import SQLModel

from bot.audience import Audience
from bot.clock import utcnow

TEXT_LIMIT = 1000
POLL_PROMPT = "poll"  # the prompt kind a poll opens (bot/prompts.py)
ActivationStatus = Literal["not_started", "stuck", "done"]


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class RecipientStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class SkipReason(StrEnum):
    OPTED_OUT = "opted_out"  # BERHENTI (everything) or BERHENTI PENGUMUMAN (announcements)
    BLOCKED = "blocked"  # the provider said the contact blocked the bot or cannot receive
    ERASED = "erased"  # HAPUS DATA before the message went out
    NO_CONSENT = "no_consent"  # invited or imported, never consented (or never finished onboarding)


class Broadcast(SQLModel, table=True):
    """One announcement to an audience. `province` is the sender's (None for national admins)."""

    id: int | None = TableField(default=None, primary_key=True)
    text: str = TableField(sa_column=Column(Text, nullable=False))
    audience: dict[str, Any] = TableField(default_factory=dict, sa_column=Column(JSON, nullable=False))
    poll: dict[str, Any] | None = TableField(default=None, sa_column=Column(JSON, nullable=True))
    province: str | None = TableField(default=None, max_length=2, index=True)
    created_by: str = TableField(default="", max_length=100)
    status: str = TableField(default=BroadcastStatus.SCHEDULED, max_length=16, index=True)
    send_at: datetime
    created_at: datetime = TableField(default_factory=utcnow)
    planned_at: datetime | None = None
    finished_at: datetime | None = None


class Recipient(SQLModel, table=True):
    """The ledger: one row per (broadcast, contact), so a retried or restarted job never sends twice.

    No foreign keys, on purpose: their per-row checks were half the time of planning 100,000
    rows. Broadcasts are never deleted, and erasure (the feature's hook) clears `contact_id`
    before the contact goes. The unique key also serves the per-broadcast reports."""

    __tablename__ = "broadcast_recipient"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "contact_id"),
        Index("ix_broadcast_recipient_due", "status", "due_at"),
    )

    id: int | None = TableField(default=None, primary_key=True)
    broadcast_id: int
    contact_id: int | None = TableField(default=None, index=True)
    channel: str = TableField(max_length=16)
    province_code: str | None = TableField(default=None, max_length=2)
    status: str = TableField(default=RecipientStatus.PENDING, max_length=16)
    skip_reason: str | None = TableField(default=None, max_length=16)
    due_at: datetime
    deferred: bool = False
    outbound_id: int | None = None  # no index: reports reach the outbox from the ledger, by its key
    queued_at: datetime | None = None
    poll_choice: int | None = None
    poll_answered_at: datetime | None = None


class AnnouncementOptOut(SQLModel, table=True):
    """A teacher who said BERHENTI PENGUMUMAN: no announcements; reminders and replies still come."""

    __tablename__ = "announcement_opt_out"

    contact_id: int = TableField(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = TableField(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Who did what to which broadcast, when (no teacher's data)."""

    __tablename__ = "audit_log"

    id: int | None = TableField(default=None, primary_key=True)
    actor: str = TableField(max_length=100)
    province: str | None = TableField(default=None, max_length=2)
    action: str = TableField(max_length=32)
    subject: str = TableField(default="", max_length=64)
    detail: dict[str, Any] = TableField(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = TableField(default_factory=utcnow, index=True)


class BroadcastAudience(Audience):
    """The staff API's audience, plus the activation walkthrough's status."""

    activation: list[ActivationStatus] = Field(default_factory=list)


class Poll(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=3, max_length=300)
    options: list[str] = Field(min_length=2, max_length=5)

    @field_validator("options")
    @classmethod
    def _short_options(cls, options: list[str]) -> list[str]:
        cleaned = [option.strip() for option in options]
        if any(not 1 <= len(option) <= 60 for option in cleaned):
            raise ValueError("each option has 1 to 60 characters")
        return cleaned


class BroadcastCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    audience: BroadcastAudience = Field(default_factory=BroadcastAudience)
    send_at: AwareDatetime | None = None
    poll: Poll | None = None
    confirm_all: bool = False

    @field_validator("text")
    @classmethod
    def _within_limit(cls, text: str) -> str:
        text = text.strip()
        if len(text) > TEXT_LIMIT:
            raise ValueError(f"text has {len(text)} characters; at most {TEXT_LIMIT}")
        return text


class TeacherInvite(SQLModel, table=True):
    """A teacher imported from a school's or district's list: not consented, so only the consent
    invitation is ever sent (`invited_at`); they become recipients when they answer and consent."""

    __tablename__ = "teacher_invite"

    contact_id: int = TableField(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    npsn: str = TableField(default="", max_length=8)
    imported_at: datetime = TableField(default_factory=utcnow)
    invited_at: datetime | None = TableField(default=None, index=True)
