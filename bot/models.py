"""Database tables of the core: contacts, consent, inbound messages and the outbox.

All datetimes are aware UTC (see `bot.clock`).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow


class ChannelName(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    SIMULATOR = "simulator"


class Contact(SQLModel, table=True):
    """A person on one channel, keyed by (channel, address).

    `person_id` groups the contacts of one teacher who linked a second channel; it starts
    equal to nothing and is set when channels are linked.
    """

    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    person_id: int | None = Field(default=None, index=True)
    name: str | None = Field(default=None, max_length=100)
    province_code: str | None = Field(default=None, max_length=2, index=True)
    regency_code: str | None = Field(default=None, max_length=5, index=True)
    role: str | None = Field(default=None, max_length=20)
    school_level: str | None = Field(default=None, max_length=20)
    time_zone: str | None = Field(default=None, max_length=32)
    consent_given_at: datetime | None = None
    onboarded_at: datetime | None = None
    opted_out_at: datetime | None = None
    unreachable_since: datetime | None = None
    flow: str | None = Field(default=None, max_length=32)
    step: str | None = Field(default=None, max_length=48)
    flow_data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The flow question last asked: its number (buttons carry it), when, and how many choices it had.
    question_seq: int = 0
    question_asked_at: datetime | None = None
    question_choices: int = 0
    # A flow left for another feature, to be resumed with `lanjut`: {"flow", "step", "data"}.
    paused: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    last_inbound_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Consent(SQLModel, table=True):
    """Consent given in the chat, with the exact text version shown (UU PDP)."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    text_version: str = Field(max_length=64)
    given_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None


class InboundStatus(StrEnum):
    """RECEIVED → PROCESSED | FAILED. A row is stored before it is handled, once per provider id."""

    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"


class InboundMessage(SQLModel, table=True):
    __tablename__ = "inbound_message"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index("ix_inbound_pending", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    provider_id: str = Field(max_length=64)
    address: str = Field(max_length=64)
    contact_id: int | None = Field(default=None, index=True)
    kind: str = Field(default="text", max_length=24)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    truncated: bool = False
    profile_name: str | None = Field(default=None, max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=InboundStatus.RECEIVED, max_length=16)
    error: str | None = Field(default=None, max_length=500)
    received_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None


class OutboundStatus(StrEnum):
    """QUEUED → SENDING → SENT → DELIVERED → READ, or → FAILED | UNDELIVERED.

    SENDING carries a lease: a worker that dies leaves it to be claimed again when it expires.
    SENDING → QUEUED again after a retryable error (with a later `next_attempt_at`).
    QUEUED/SENDING → PARKED: WhatsApp free text outside the 24-hour window; an approved template
    tells the teacher instead, and the teacher's next message puts PARKED back to QUEUED, in order.
    PARKED → FAILED when the teacher does not write back within `parked_max_days`.
    """

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    PARKED = "parked"


STATUS_RANK = {
    "queued": 0,
    "parked": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "read": 4,
}


class Priority:
    """Lower leaves first: replies before reminders before broadcasts."""

    REPLY = 0
    REMINDER = 5
    BROADCAST = 9


class OutboundMessage(SQLModel, table=True):
    __tablename__ = "outbound_message"
    __table_args__ = (
        Index("ix_outbound_due", "status", "priority", "next_attempt_at"),
        Index("ix_outbound_contact_order", "contact_id", "id"),
        Index("ix_outbound_claim", "status", "channel", "priority", "id"),
        Index("ix_outbound_contact_open", "contact_id", "status", "id"),
        Index("ix_outbound_contact_sent", "contact_id", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="SET NULL")
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    kind: str = Field(default="reply", max_length=24)
    priority: int = Field(default=Priority.REPLY)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboundStatus.QUEUED, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    provider_message_id: str | None = Field(default=None, max_length=64, index=True)
    last_error: str | None = Field(default=None, max_length=500)
    error_class: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    status_at: datetime | None = None


class EarlyStatus(SQLModel, table=True):
    """A provider status that arrived before the send result was recorded (a race of a few ms):
    kept here and applied as soon as the message's provider id is known; dropped after a day."""

    __tablename__ = "early_status"

    provider_message_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=16)
    error_code: str | None = Field(default=None, max_length=16)
    received_at: datetime = Field(default_factory=utcnow, index=True)
