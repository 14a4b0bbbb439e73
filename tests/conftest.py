"""Fixtures: a migrated database (PostgreSQL when GURUBOT_TEST_DATABASE_URL is set, else SQLite),
fake providers on loopback, the app, and a guard that fails any attempt to reach the internet."""

import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import Engine, make_url, text
from sqlmodel import SQLModel

import bot.features  # noqa: F401  (every feature, so every table, on SQLModel.metadata)
from bot import clock
from bot.app import create_app
from bot.config import Settings
from bot.db import make_engine, migrate
from tests.factories import Harness
from tests.fakes import (
    REFERENCE,
    TELEGRAM_SPEC,
    TWILIO_SPEC,
    FakeTelegram,
    FakeTwilio,
    Faults,
    LoopbackServer,
    telegram_app,
    twilio_app,
)

TELEGRAM_TOKEN = "123456:TEST-token"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-test-auth-token"
ADMIN_TOKEN = "admin-test-token"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _allowed(address: Any) -> bool:
    if isinstance(address, (str, bytes)):
        return True  # a unix socket
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _allowed(address):
        raise AssertionError(f"test tried to reach the network: {address}")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _allowed(address):
        raise AssertionError(f"test tried to reach the network: {address}")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


# Modules whose tests mostly wait (on a browser, a killed server's restart, subprocesses) or run
# long: they start first, so that the other test process works meanwhile and neither ends on them.
LONG_MODULES = ("tests/web/test_browser.py", "tests/test_crash.py", "tests/test_cli.py", "tests/test_api_schema.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long modules first, each kept whole (their module fixtures start once); the rest as collected."""
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in LONG_MODULES)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    url = os.environ.get("GURUBOT_TEST_DATABASE_URL")
    if url:
        url = database_of_worker(url, worker_id)
        reset_postgres_schema(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"  # per worker already
    migrate(url)
    return url


def database_of_worker(url: str, worker_id: str) -> str:
    """Each pytest-xdist worker gets its own PostgreSQL database (`test` → `test_gw0`), created
    on first use; a run without xdist (worker "master") uses the database as given."""
    if worker_id == "master":
        return url
    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    server = make_engine(base.set(database="postgres").render_as_string(hide_password=False))
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        known = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if known.first() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def reset_postgres_schema(url: str) -> None:
    """An empty schema, and commits that do not wait for the disk (only a crash of PostgreSQL
    itself, which no test causes, could lose them): a test commits dozens of times."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        connection.execute(text(f'ALTER DATABASE "{make_url(url).database}" SET synchronous_commit = off'))
    engine.dispose()


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    clock.reset()
    if "db_engine" in request.fixturenames:
        empty_tables(request.getfixturevalue("db_engine"))
    yield
    clock.reset()


# Sequences that handed out a number since they were last reset start again at 1, as after
# TRUNCATE … RESTART IDENTITY.
RESTART_USED_SEQUENCES = text(
    "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false)"
    " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def empty_tables(engine: Engine) -> None:
    """Every table emptied, children first. DELETE, not TRUNCATE: a test leaves a few rows in a
    few tables, and TRUNCATE makes new files for all 31 tables and their indexes (about 0.15 s
    a test on PostgreSQL), where DELETE of an empty table costs next to nothing."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # one round trip; SQLite takes one statement a call
            connection.execute(text("".join(f"DELETE FROM {table};" for table in tables)))
            connection.execute(RESTART_USED_SEQUENCES)
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(scope="session")
def fake_telegram_server() -> Iterator[tuple[FakeTelegram, LoopbackServer]]:
    fake = FakeTelegram(TELEGRAM_TOKEN)
    server = LoopbackServer(telegram_app(fake)).start()
    yield fake, server
    server.stop()


@pytest.fixture(scope="session")
def fake_twilio_server() -> Iterator[tuple[FakeTwilio, LoopbackServer]]:
    fake = FakeTwilio(TWILIO_SID, TWILIO_TOKEN)
    server = LoopbackServer(twilio_app(fake)).start()
    yield fake, server
    server.stop()


@pytest.fixture
def fake_telegram(fake_telegram_server: tuple[FakeTelegram, LoopbackServer]) -> FakeTelegram:
    fake = fake_telegram_server[0]
    fake.calls.clear(), fake.problems.clear(), fake.blocked_chats.clear(), fake.fail_next.clear()
    fake.faults = Faults()
    return fake


@pytest.fixture
def fake_twilio(fake_twilio_server: tuple[FakeTwilio, LoopbackServer]) -> FakeTwilio:
    fake = fake_twilio_server[0]
    fake.messages.clear(), fake.problems.clear(), fake.unsubscribed.clear(), fake.fail_next.clear()
    fake.faults = Faults()
    fake.outside_window.clear(), fake.answers.clear(), fake.next_sids.clear()
    return fake


def settings_for_tests(database_url: str, telegram_url: str, twilio_url: str, **overrides: Any) -> Settings:
    """The app's settings in tests: the fake providers, demo mode, no in-process workers (by default)."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "public_url": "https://bot.example.org",
        "demo": True,
        "telegram_token": TELEGRAM_TOKEN,
        "telegram_secret": "telegram-webhook-secret",
        "telegram_api_url": telegram_url,
        "twilio_account_sid": TWILIO_SID,
        "twilio_auth_token": TWILIO_TOKEN,
        "twilio_whatsapp_from": "whatsapp:+14155238886",
        "twilio_api_url": twilio_url,
        "admin_token": ADMIN_TOKEN,
        "inprocess_worker": False,
        "telegram_chat_rate": 1000,
        "telegram_rate": 1000,
        "whatsapp_rate": 1000,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(
    database_url: str,
    fake_telegram_server: tuple[FakeTelegram, LoopbackServer],
    fake_twilio_server: tuple[FakeTwilio, LoopbackServer],
) -> Settings:
    """Built again only when the environment changed (a test set a GURUBOT_ variable): building
    one reads and validates the whole environment, and nearly every test asks for it."""
    environment = tuple(sorted((key, value) for key, value in os.environ.items() if key.upper().startswith("GURUBOT_")))
    return cached_settings(database_url, fake_telegram_server[1].url, fake_twilio_server[1].url, environment)


@lru_cache(maxsize=8)
def cached_settings(
    database_url: str, telegram_url: str, twilio_url: str, _environment: tuple[tuple[str, str], ...]
) -> Settings:
    return settings_for_tests(database_url, telegram_url, twilio_url)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_app(
    database_url: str,
    fake_telegram_server: tuple[FakeTelegram, LoopbackServer],
    fake_twilio_server: tuple[FakeTwilio, LoopbackServer],
) -> AsyncIterator[Harness]:
    """One running app for a module of many small cases (async tests with loop_scope="module"),
    on tables emptied once: each case writes as a contact of its own (`harness.runtime.engine`)."""
    settings = settings_for_tests(database_url, fake_telegram_server[1].url, fake_twilio_server[1].url)
    engine = make_engine(database_url)
    empty_tables(engine)
    async with Harness.running(settings, engine, fake_telegram_server[0], fake_twilio_server[0]) as running:
        yield running
    engine.dispose()


@pytest.fixture
def module_harness(module_app: Harness, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio) -> Iterator[Harness]:
    """The module's app with the fakes cleared (the tables are not emptied between its tests)."""
    yield module_app
    assert fake_telegram.problems == [], "requests the real Telegram would refuse"
    assert fake_twilio.problems == [], "requests the real Twilio would refuse"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared_app(
    database_url: str,
    db_engine: Engine,
    fake_telegram_server: tuple[FakeTelegram, LoopbackServer],
    fake_twilio_server: tuple[FakeTwilio, LoopbackServer],
) -> AsyncIterator[Harness]:
    """One running app per test process, started once: building one (routes, dependency models,
    senders, runtime) and its first request cost about 0.1 s of CPU, paid before by every test."""
    settings = settings_for_tests(database_url, fake_telegram_server[1].url, fake_twilio_server[1].url)
    async with Harness.running(settings, db_engine, fake_telegram_server[0], fake_twilio_server[0]) as running:
        yield running


@pytest.fixture
async def harness(
    shared_app: Harness, settings: Settings, db_engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> AsyncIterator[Harness]:
    """The app on emptied tables (`clean_state`) with the fakes cleared: the shared one, which
    keeps no state between requests but in the database, unless the test's settings differ."""
    async with app_for(settings, shared_app, db_engine, fake_telegram, fake_twilio) as running:
        yield running
    assert fake_telegram.problems == [], "requests the real Telegram would refuse"
    assert fake_twilio.problems == [], "requests the real Twilio would refuse"


@asynccontextmanager
async def app_for(
    settings: Settings, shared: Harness, engine: Engine, telegram: FakeTelegram, twilio: FakeTwilio
) -> AsyncIterator[Harness]:
    """The shared app, with what the test replaced on its runtime (a dispatcher on virtual time)
    put back after it; an app of its own for a test that set the environment first."""
    if settings != shared.settings:
        async with Harness.running(settings, engine, telegram, twilio) as own:
            yield own
        return
    parts = dict(vars(shared.runtime))
    try:
        yield shared
    finally:
        vars(shared.runtime).update(parts)


@pytest.fixture
def reference_dir() -> Path:
    """The provider specs in the repository; the fakes check every request against them."""
    assert TELEGRAM_SPEC.is_file() and TWILIO_SPEC.is_file(), f"provider specs missing in {REFERENCE}"
    return REFERENCE


__all__ = ["create_app", "httpx"]
