"""The helpdesk's table: what was said on a ticket, in order. The ticket itself is the one table
every request for a person shares (`bot.activation.models.Ticket`), so a teacher has one ticket
number whether the walkthrough or a question opened it.

All datetimes are aware UTC (see `bot.clock`).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from bot.clock import utcnow


class Author(StrEnum):
    """Who wrote a ticket message (volunteers and staff come with routing)."""

    TEACHER = "teacher"


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
