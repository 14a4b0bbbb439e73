"""Fixtures of the dashboard tests: an HTTPS client of the app, seeded staff and teachers, and for
the browser tests a live server and one headless chromium per session."""

import asyncio
import contextlib
import os
import re
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright
from sqlalchemy import Engine
from sqlmodel import Session

from bot import clock
from bot.activation.models import ActivationEvent, EventKind, Ticket
from bot.activation.walkthrough import walkthrough
from bot.app import create_app
from bot.config import Settings
from bot.staff import Staff, hash_token
from tests.conftest import ADMIN_TOKEN, settings_for_tests
from tests.factories import Harness, onboarded_contact
from tests.fakes import FakeTelegram, FakeTwilio, LoopbackServer, SignallingServer

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


def seed_activity(engine: Engine, contact_id: int) -> None:
    """A funnel with drop-off in two places of Sulawesi Selatan, and a ticket waiting 5 hours."""
    steps = list(walkthrough().steps)
    events: list[ActivationEvent] = []
    for regency, teachers in (("73.06", 12), ("73.71", 7)):
        for index in range(teachers):
            key, last = f"{regency}-{index}", index % len(steps)
            place = {"teacher_key": key, "province_code": "73", "regency_code": regency}
            events.append(ActivationEvent(kind=EventKind.STARTED, step=steps[0], **place))
            for number, step in enumerate(steps[: last + 1]):
                events.append(ActivationEvent(kind=EventKind.REACHED, step=step, **place))
                if number < last:
                    events.append(ActivationEvent(kind=EventKind.PASSED, step=step, **place))
    ticket = Ticket(
        contact_id=contact_id,
        province_code="73",
        regency_code="73.06",
        step=steps[1],
        created_at=clock.utcnow() - timedelta(hours=5),
    )
    with Session(engine) as session:
        session.add_all([*events, ticket])
        session.commit()


@pytest.fixture
def seeded(db_engine: Engine) -> Seeded:
    seed_staff(db_engine)
    contacts = seed_teachers(db_engine)
    seed_activity(db_engine, contacts[0])
    return Seeded(db_engine, contacts)


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


# --- Browser tests: Debian's chromium driven by Playwright, against the app on a loopback port ---

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = "GURUBOT_BROWSER_TESTS"  # `.ci/run` sets it to "required": no browser is then a failure
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
skipped_for_no_browser: list[str] = []


class LiveServer:
    """The app with its workers (inbound, outbox, tick) on 127.0.0.1, served by uvicorn in a thread."""

    def __init__(self, settings_for: Callable[[str], Settings], engine: Engine) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.app = create_app(settings_for(self.url), engine)
        self.server = SignallingServer(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        self.server.wait_started()
        return self

    def tick(self) -> None:
        """Run the tick now, on the server's own event loop (its scheduler's runs every 5 s)."""
        runtime = self.app.state.runtime
        asyncio.run_coroutine_threadsafe(runtime.tick(), runtime.tasks[0].get_loop()).result(timeout=30)

    @contextlib.contextmanager
    def only_ticks_run_by_the_test(self) -> Iterator[None]:
        """The server's own 5-second tick paused, so that what the page shows between two `tick()`s
        does not depend on how fast the machine is."""
        scheduler = self.app.state.runtime.scheduler
        scheduler.pause()
        try:
            yield
        finally:
            scheduler.resume()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture(scope="module")  # its workers would race other tests' settle() for the same rows
def live_server(
    database_url: str,
    db_engine: Engine,
    fake_telegram_server: tuple[FakeTelegram, LoopbackServer],
    fake_twilio_server: tuple[FakeTwilio, LoopbackServer],
) -> Iterator[LiveServer]:
    def settings_for(url: str) -> Settings:
        urls = fake_telegram_server[1].url, fake_twilio_server[1].url
        return settings_for_tests(database_url, *urls, public_url=url, inprocess_worker=True)

    server = LiveServer(settings_for, db_engine).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One chromium, with a fresh profile, for the browser tests (all in one module: Playwright's sync
    API marks its event loop as running in this thread, so async tests after it need it closed).
    Skipped, with one loud line at the end, where chromium is missing."""
    if not CHROMIUM.exists():
        reason = f"browser tests skipped: no {CHROMIUM} (apt-get install chromium)"
        if os.environ.get(REQUIRED) == "required":
            pytest.fail(f"{reason}, and {REQUIRED}=required")
        skipped_for_no_browser.append(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 800},
        )
        # Upper bounds only (a step goes on as soon as the page is ready): generous, so that a
        # loaded CI machine is slow, not failing. `expect` has its own default of 5 s.
        context.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        yield context
        context.close()


@pytest.fixture
def browser_page(browser_context: BrowserContext, live_server: LiveServer) -> Iterator[Page]:
    browser_context.clear_cookies()
    page = browser_context.new_page()
    yield page
    page.close()


def screenshots(page: Page, name: str) -> None:
    """The page at a phone's size (390×844) and a laptop's (1280×800), under artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if skipped_for_no_browser:
        terminalreporter.write_line(f"!!! {skipped_for_no_browser[0]} !!!", red=True, bold=True)
