"""Questions the bot starts on its own (an invitation's RSVP, a nudge, later polls and reflections):
each is a prompt with its own identity, so several can be open at once beside the flow a teacher
is in, a Telegram button answers exactly its own prompt, and an expired one never captures a reply.

Lifecycle: OPEN → ANSWERED | CLOSED (superseded, the flow moved on, the meeting was cancelled);
an OPEN prompt past `expires_at` counts as expired without being written.
"""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, update
from sqlmodel import Field, Session, SQLModel, col, select

from bot.clock import utcnow


class PromptStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Prompt(SQLModel, table=True):
    __table_args__ = (Index("ix_prompt_open", "contact_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    kind: str = Field(max_length=24)
    subject_id: int | None = None  # the meeting, progress row, poll… the prompt is about
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=PromptStatus.OPEN, max_length=16)
    choice: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    answered_at: datetime | None = None


def button_tag(prompt: Prompt) -> str:
    """What the prompt's buttons carry (Telegram callback_data `p12:1`)."""
    return f"p{prompt.id}"


def open_prompt(
    session: Session,
    contact_id: int,
    kind: str,
    options: list[str],
    *,
    subject_id: int | None = None,
    expires_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Prompt:
    """Open a prompt; an open one of the same kind about the same subject is superseded."""
    close_prompts(session, contact_id, kind, subject_id)
    prompt = Prompt(
        contact_id=contact_id, kind=kind, subject_id=subject_id, options=options, expires_at=expires_at, data=data or {}
    )
    session.add(prompt)
    session.flush()
    return prompt


def close_prompts(session: Session, contact_id: int | None, kind: str, subject_id: int | None = None) -> None:
    """Close the contact's open prompts of a kind (about one subject, when given)."""
    if contact_id is None:
        return
    query = update(Prompt).where(
        col(Prompt.contact_id) == contact_id, col(Prompt.kind) == kind, col(Prompt.status) == PromptStatus.OPEN
    )
    if subject_id is not None:
        query = query.where(col(Prompt.subject_id) == subject_id)
    session.execute(query.values(status=PromptStatus.CLOSED))


def close_subject(session: Session, kind: str, subject_id: int) -> None:
    """Close every open prompt about a subject (a cancelled meeting, a closed poll)."""
    session.execute(
        update(Prompt)
        .where(col(Prompt.kind) == kind, col(Prompt.subject_id) == subject_id, col(Prompt.status) == PromptStatus.OPEN)
        .values(status=PromptStatus.CLOSED)
    )


def move_expiry(session: Session, kind: str, subject_id: int, expires_at: datetime) -> None:
    """A subject's deadline moved (a meeting's new start): its open prompts follow."""
    session.execute(
        update(Prompt)
        .where(col(Prompt.kind) == kind, col(Prompt.subject_id) == subject_id, col(Prompt.status) == PromptStatus.OPEN)
        .values(expires_at=expires_at)
    )


def is_live(prompt: Prompt, now: datetime) -> bool:
    return prompt.status == PromptStatus.OPEN and (prompt.expires_at is None or prompt.expires_at > now)


def live_prompts(session: Session, contact_id: int, now: datetime) -> Sequence[Prompt]:
    """The contact's open, unexpired prompts, newest first."""
    query = (
        select(Prompt)
        .where(col(Prompt.contact_id) == contact_id, col(Prompt.status) == PromptStatus.OPEN)
        .where((col(Prompt.expires_at).is_(None)) | (col(Prompt.expires_at) > now))
        .order_by(col(Prompt.id).desc())
    )
    return session.exec(query).all()


def find_prompt(session: Session, contact_id: int, prompt_id: int) -> Prompt | None:
    prompt = session.get(Prompt, prompt_id)
    return prompt if prompt is not None and prompt.contact_id == contact_id else None


def mark_answered(prompt: Prompt, choice: int, now: datetime) -> None:
    prompt.status, prompt.choice, prompt.answered_at = PromptStatus.ANSWERED, choice, now


def still_open(session: Session, prompt_ids: set[int], now: datetime) -> set[int]:
    """Which of these prompts can still be answered (held messages of the others are dropped)."""
    if not prompt_ids:
        return set()
    rows = session.exec(select(Prompt).where(col(Prompt.id).in_(prompt_ids))).all()
    return {prompt.id for prompt in rows if prompt.id is not None and is_live(prompt, now)}
