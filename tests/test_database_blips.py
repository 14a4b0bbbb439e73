"""The database goes away and comes back (PostgreSQL only): connections terminated in the middle
of a transaction (`pg_terminate_backend`, only this test's own connections) and the database
unreachable for a while (the app talks to it through a loopback proxy that is cut, so the
machine's shared server is never stopped). While it is away webhooks answer 503, so providers
retry, and /readyz says so; afterwards the same process goes on, nothing lost, nothing doubled."""

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.db import make_engine
from bot.models import InboundMessage
from tests.conftest import settings_for_tests
from tests.factories import Harness, onboarded_contact, telegram_text_update, whatsapp_form
from tests.fakes import FakeTelegram, FakeTwilio, LoopbackServer

APPLICATION = "gurubot_fault_suite"
CHAT = 5500001


class CuttableProxy:
    """A TCP proxy on loopback to the database; `cut()` drops every connection, `down` refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            for end in self.open:
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
            self.open.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("database blips are tested on PostgreSQL (GURUBOT_TEST_DATABASE_URL)")
    return database_url


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[CuttableProxy]:
    url = make_url(postgres_url)
    running = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    yield running
    running.close()


@pytest.fixture
async def blip_harness(
    postgres_url: str,
    db_engine: Engine,
    proxy: CuttableProxy,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    fake_telegram_server: tuple[FakeTelegram, LoopbackServer],
    fake_twilio_server: tuple[FakeTwilio, LoopbackServer],
) -> AsyncIterator[Harness]:
    """The app reaching the database through the proxy, its connections named APPLICATION."""
    url = make_url(postgres_url).set(port=proxy.port, query={"application_name": APPLICATION})
    through_proxy = url.render_as_string(hide_password=False)
    settings = settings_for_tests(through_proxy, fake_telegram_server[1].url, fake_twilio_server[1].url)
    engine = make_engine(through_proxy)
    async with Harness.running(settings, engine, fake_telegram, fake_twilio) as running:
        yield running
    engine.dispose()


def terminate_app_connections(direct: Engine) -> int:
    """Ends this test's app connections only: its own database, its own application name."""
    query = text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = :name AND pid <> pg_backend_pid()"
    )
    with direct.begin() as connection:
        return int(connection.execute(query, {"name": APPLICATION}).scalar_one())


def inbound_statuses(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [str(status) for status in session.exec(select(InboundMessage.status))]


async def test_connections_terminated_mid_transaction_are_survived(
    blip_harness: Harness, db_engine: Engine
) -> None:
    harness = blip_harness
    onboarded_contact(db_engine, "telegram", str(CHAT))
    assert (await harness.post_telegram(telegram_text_update(CHAT, "menu"))).status_code == 200

    terminated: list[int] = []

    def terminate_once(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not terminated and statement.lstrip().upper().startswith("UPDATE CONTACT"):
            terminated.append(terminate_app_connections(db_engine))

    event.listen(harness.runtime.engine, "before_cursor_execute", terminate_once)
    try:
        for _ in range(3):  # the loop of a worker: a failed round is tried again
            with suppress(Exception):
                await harness.settle()
    finally:
        event.remove(harness.runtime.engine, "before_cursor_execute", terminate_once)
    assert terminated and terminated[0] >= 1, "the blip never happened"
    assert inbound_statuses(db_engine) == ["processed"]
    replies = harness.telegram.sent_texts(CHAT)
    assert len(replies) == 1 and replies[0].startswith("Menu utama"), replies

    assert terminate_app_connections(db_engine) >= 1  # idle pooled connections, this time
    assert (await harness.client.get("/readyz")).status_code == 200
    assert await harness.telegram_says(CHAT, "0") != []


async def test_while_the_database_is_unreachable_webhooks_answer_503_and_it_recovers(
    blip_harness: Harness, db_engine: Engine, proxy: CuttableProxy
) -> None:
    harness = blip_harness
    onboarded_contact(db_engine, "telegram", str(CHAT))
    onboarded_contact(db_engine, "whatsapp", "whatsapp:+6281355000001")
    assert (await harness.client.get("/readyz")).status_code == 200

    proxy.down = True
    proxy.cut()
    update = telegram_text_update(CHAT, "menu")
    form = whatsapp_form("+6281355000001", "menu")
    outage = [
        await harness.post_telegram(update),
        await harness.post_whatsapp(form),
        await harness.client.get("/readyz"),
        await harness.client.get("/api/meetings", headers={"Authorization": "Bearer admin-test-token"}),
    ]
    assert [response.status_code for response in outage] == [503, 503, 503, 503], [r.text for r in outage]
    assert outage[2].json() == {"database": "down"}
    assert (await harness.client.get("/healthz")).status_code == 200  # the process itself is fine

    proxy.down = False  # the database is back; the providers retry
    assert (await harness.post_telegram(update)).status_code == 200
    assert (await harness.post_whatsapp(form)).status_code == 200
    assert (await harness.client.get("/readyz")).status_code == 200
    await harness.settle()
    assert len(harness.telegram.sent_texts(CHAT)) == 1
    assert len(harness.twilio.bodies("whatsapp:+6281355000001")) == 1
    assert inbound_statuses(db_engine) == ["processed", "processed"]
