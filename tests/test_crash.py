"""Crash: `gurubot serve` killed with SIGKILL in the middle of a scripted load of onboarded
teachers, then started again. Every message the webhook accepted (200) is handled and answered;
a message refused while the server was down is retried, as Telegram would. Only replies in
flight at the moment of death may arrive twice, and the test prints how many did.

The same with a separate worker: `gurubot serve` with GURUBOT_INPROCESS_WORKER=0 keeps accepting
while its one `gurubot worker` is killed with SIGKILL halfway through the replies, then started
again: every accepted message is handled, every reply sent, and only those in flight doubled."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.factories import onboarded_contact, telegram_text_update
from tests.fakes import FakeTelegram, LoopbackServer

GURUBOT = Path(sys.executable).parent / "gurubot"
TOKEN = "123456:TEST-token"
SECRET = "crash-secret"
TEACHERS, MESSAGES_EACH = 30, 4
KILL_AFTER = TEACHERS * MESSAGES_EACH // 2
POLL_SECONDS = 0.2
WAIT_SECONDS = 120  # generous bounds for a loaded 2-core machine; each wait ends as soon as it can


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    database_url: str, api_url: str, port: int, log: Path, inprocess_worker: bool = True
) -> subprocess.Popen[bytes]:
    """`gurubot serve`; without its in-process worker, only the webhooks and the API."""
    extra = {} if inprocess_worker else {"GURUBOT_INPROCESS_WORKER": "0"}
    return start_gurubot(["serve", "--port", str(port)], database_url, api_url, log, extra)


def start_worker(database_url: str, api_url: str, log: Path) -> subprocess.Popen[bytes]:
    return start_gurubot(["worker"], database_url, api_url, log)


def start_gurubot(
    arguments: list[str], database_url: str, api_url: str, log: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GURUBOT_")} | {
        "GURUBOT_DATABASE_URL": database_url,
        "GURUBOT_TELEGRAM_TOKEN": TOKEN,
        "GURUBOT_TELEGRAM_SECRET": SECRET,
        "GURUBOT_TELEGRAM_API_URL": api_url,
        "GURUBOT_TELEGRAM_RATE": "100000",
        "GURUBOT_TELEGRAM_CHAT_RATE": "100000",
        "GURUBOT_DELIVERY_LEASE_SECONDS": "3",
        "GURUBOT_SEND_TIMEOUT": "1",
        "GURUBOT_LOG_LEVEL": "WARNING",
        **(extra or {}),
    }
    command = [str(GURUBOT), *arguments]
    return subprocess.Popen(command, cwd=log.parent, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def wait_for(condition: Callable[[], bool], seconds: float = WAIT_SECONDS) -> bool:
    """Poll a real process's state until it holds. No figure is taken from the clock: the bound,
    counted in polls, only keeps a broken server from hanging the run."""
    for _ in range(int(seconds / POLL_SECONDS)):
        if condition():
            return True
        time.sleep(POLL_SECONDS)
    return condition()


def ready(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def assert_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """The server answers /readyz; else the failure says whether it still runs, and its log."""
    if not wait_for(lambda: ready(url)):
        pytest.fail(f"not ready; exit status {server.poll()} (None: still running)\n{log.read_text()}")


def post(url: str, update: dict[str, Any]) -> int:
    try:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        return httpx.post(url + "/webhooks/telegram", json=update, headers=headers, timeout=5).status_code
    except httpx.HTTPError:
        return 0  # no answer: Telegram would deliver it again


def pending(engine: Engine) -> int:
    query = text(
        "SELECT (SELECT count(*) FROM inbound_message WHERE status = 'received')"
        " + (SELECT count(*) FROM outbound_message WHERE status IN ('queued', 'sending'))"
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def scripted_load(engine: Engine, first_chat: int) -> tuple[list[int], list[dict[str, Any]]]:
    """Onboarded teachers resting in the menu, and their messages, each teacher's in turn."""
    chats = [first_chat + n for n in range(TEACHERS)]
    for chat in chats:
        onboarded_contact(engine, "telegram", str(chat))
    return chats, [telegram_text_update(chat, "menu") for _ in range(MESSAGES_EACH) for chat in chats]


@dataclass(frozen=True)
class Site:
    """Where a crash test runs: the database, the fake Telegram, the server's port, the logs' folder."""

    database_url: str
    engine: Engine
    telegram: FakeTelegram
    api_url: str
    port: int
    logs: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, inprocess_worker: bool = True) -> subprocess.Popen[bytes]:
        return start_server(self.database_url, self.api_url, self.port, self.logs / "serve.log", inprocess_worker)

    def work(self) -> subprocess.Popen[bytes]:
        return start_worker(self.database_url, self.api_url, self.logs / "worker.log")

    def ready(self, server: subprocess.Popen[bytes]) -> None:
        assert_ready(self.url, server, self.logs / "serve.log")

    def all_done(self) -> None:
        assert wait_for(lambda: pending(self.engine) == 0), f"still pending: {pending(self.engine)}"


@pytest.fixture
def site(
    database_url: str,
    db_engine: Engine,
    fake_telegram: FakeTelegram,
    fake_telegram_server: tuple[FakeTelegram, LoopbackServer],
    tmp_path: Path,
) -> Site:
    return Site(database_url, db_engine, fake_telegram, fake_telegram_server[1].url, free_port(), tmp_path)


@pytest.mark.slow
def test_a_killed_server_loses_no_accepted_message(site: Site) -> None:
    chats, updates = scripted_load(site.engine, 4400001)
    server = site.serve()
    try:
        site.ready(server)
        statuses: dict[int, int] = {}
        killer = threading.Thread(target=kill_when, args=(server, lambda: len(statuses) >= KILL_AFTER))
        killer.start()
        for update in updates:
            statuses[update["update_id"]] = post(site.url, update)
        killer.join()
        server.wait()
        in_flight = sending(site.engine)
        server = site.serve()
        site.ready(server)
        for update in updates:  # the provider retries what got no 200
            if statuses[update["update_id"]] != 200:
                assert post(site.url, update) == 200
        site.all_done()
    finally:
        stop(server)
    answered_once_but_in_flight(site, chats, len(updates), in_flight, f"serve killed -9 after {KILL_AFTER} webhooks")


@pytest.mark.slow
def test_a_killed_worker_loses_no_accepted_message(site: Site) -> None:
    chats, updates = scripted_load(site.engine, 4500001)
    server, worker = site.serve(inprocess_worker=False), site.work()
    try:
        site.ready(server)
        halfway = threading.Thread(
            target=kill_when, args=(worker, lambda: len(site.telegram.sent_texts()) >= KILL_AFTER)
        )
        halfway.start()
        statuses = [post(site.url, update) for update in updates]  # the server stays up: it accepts them all
        halfway.join()
        worker.wait()
        in_flight, left = sending(site.engine), pending(site.engine)
        print(f"\nworker killed with {left} messages and replies still to go")
        assert statuses == [200] * len(updates) and worker.returncode == -signal.SIGKILL
        worker = site.work()
        site.all_done()
    finally:
        stop(worker)
        stop(server)
    answered_once_but_in_flight(site, chats, len(updates), in_flight, f"worker killed -9 after {KILL_AFTER} replies")


def kill_when(process: subprocess.Popen[bytes], condition: Callable[[], bool]) -> None:
    """SIGKILL the process once the condition holds, while the load goes on."""
    wait_for(condition)
    process.send_signal(signal.SIGKILL)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def answered_once_but_in_flight(site: Site, chats: list[int], messages: int, in_flight: int, killed: str) -> None:
    """Every teacher got a reply to each message; only the replies in flight at the kill came twice."""
    replies = {chat: len(site.telegram.sent_texts(chat)) for chat in chats}
    doubled = sum(replies.values()) - messages
    print(f"\ncrash: {messages} messages, {killed}; in flight {in_flight}, doubled {doubled}")
    assert all(count >= MESSAGES_EACH for count in replies.values()), replies
    assert 0 <= doubled <= in_flight


def sending(engine: Engine) -> int:
    with engine.connect() as connection:
        query = text("SELECT count(*) FROM outbound_message WHERE status = 'sending'")
        return int(connection.execute(query).scalar_one())
