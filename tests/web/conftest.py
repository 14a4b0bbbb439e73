"""Fixtures of the dashboard tests: an HTTPS client of the app, seeded staff and teachers."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.staff import Staff, hash_token
from tests.conftest import ADMIN_TOKEN
from tests.factories import Harness, onboarded_contact

SULSEL_TOKEN = "gbs_sulsel-test-token"
JABAR_TOKEN = "gbs_jabar-test-token"
# Seeded teachers' addresses: no page may ever show them.
TELEGRAM_IDS = ("987654321", "987650001")
WHATSAPP_NUMBERS = ("+6281234567890", "+6285298765432")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Seeded:
    engine: Engine
    contact_ids: list[int]


def seed_staff(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Staff(name="BTIKP Sulsel", role="staff", province="73", token_hash=hash_token(SULSEL_TOKEN)))
        session.add(Staff(name="BTIKP Jabar", role="staff", province="32", token_hash=hash_token(JABAR_TOKEN)))
        session.commit()


def seed_teachers(engine: Engine) -> list[int]:
    """Four teachers in Sulawesi Selatan (Gowa, Makassar) and one in Jawa Barat, on both channels."""
    return [
        onboarded_contact(engine, "telegram", TELEGRAM_IDS[0], "73", name="Sari Dewi", regency_code="73.06"),
        onboarded_contact(
            engine, "telegram", TELEGRAM_IDS[1], "73", name="Budi", regency_code="73.71", role="operator"
        ),
        onboarded_contact(
            engine,
            "whatsapp",
            f"whatsapp:{WHATSAPP_NUMBERS[0]}",
            "73",
            name="Ani Lestari",
            regency_code="73.06",
            school_level="smp",
        ),
        onboarded_contact(
            engine, "whatsapp", f"whatsapp:{WHATSAPP_NUMBERS[1]}", "32", name="Rina", regency_code="32.73"
        ),
    ]


@pytest.fixture
def seeded(db_engine: Engine) -> Seeded:
    seed_staff(db_engine)
    return Seeded(db_engine, seed_teachers(db_engine))


@pytest.fixture
async def staff_client(harness: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app over HTTPS (the session cookie is Secure: the public URL is https)."""
    transport = httpx.ASGITransport(app=harness.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client


async def sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    page = await client.get("/staff/masuk")
    return await client.post("/staff/masuk", data={"token": token, "csrf": csrf_of(page.text)})


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


__all__ = ["ADMIN_TOKEN"]
