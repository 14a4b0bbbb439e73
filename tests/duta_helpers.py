"""Shared steps of the helpdesk routing tests: register and join volunteers through the API and
the webhooks, a teacher asking a question the FAQ cannot answer, and what the fakes recorded."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import clock
from bot.activation.models import Ticket
from bot.helpdesk.models import TicketRouting
from tests.conftest import ADMIN_TOKEN
from tests.factories import Harness, onboarded_contact

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MONDAY_10_WITA = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
TEACHER = 73701
TEACHER_NUMBER = "+6281370000001"
QUESTION = "printer sekolah rusak tidak bisa print"  # no FAQ entry: a ticket at once
GOWA, MAROS, SULSEL = "73.06", "73.09", "73"


def travel_to(moment: datetime) -> None:
    clock.advance(moment - clock.utcnow())


async def register(harness: Harness, chat: int | str, headers: dict[str, str] = ADMIN, **body: Any) -> dict[str, Any]:
    """A volunteer registered through the API (on Telegram unless `channel` says otherwise)."""
    channel = body.pop("channel", "telegram")
    fields = {"name": f"Duta {chat}", "channel": channel, "address": str(chat), **body}
    response = await harness.client.post("/api/volunteers", json=fields, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def volunteer(harness: Harness, chat: int, **body: Any) -> dict[str, Any]:
    """Registered and joined from their own Telegram chat."""
    created = await register(harness, chat, **body)
    replies = await harness.telegram_says(chat, f"DUTA {created['join_code']}")
    assert replies[0].startswith("Selamat bergabung"), replies
    return created


def teacher(engine: Engine, chat: int = TEACHER, regency: str = GOWA, province: str = SULSEL) -> int:
    return onboarded_contact(engine, "telegram", str(chat), province, regency_code=regency, school_level="smp")


async def ask(harness: Harness, chat: int = TEACHER, question: str = QUESTION) -> list[str]:
    await harness.telegram_says(chat, "tanya")
    return await harness.telegram_says(chat, question)


def last(harness: Harness, chat: int) -> str:
    sent = harness.telegram.sent_texts(chat)
    return sent[-1] if sent else ""


def ticket_state(engine: Engine, ticket_id: int = 1) -> tuple[str, int | None, int | None]:
    """(status, offered to, held by) of a ticket."""
    with Session(engine) as session:
        ticket = session.get(Ticket, ticket_id)
        routing = session.get(TicketRouting, ticket_id)
        assert ticket is not None and routing is not None
        return ticket.status, routing.offered_to_id, routing.assignee_id


def ticket_ids(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return [ticket_id for ticket_id in session.exec(select(Ticket.id)).all() if ticket_id is not None]
