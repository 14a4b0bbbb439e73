"""Crash: `gurubot serve` killed with SIGKILL in the middle of a scripted load of onboarded
teachers, then started again. Every message the webhook accepted (200) is handled and answered;
a message refused while the server was down is retried, as Telegram would. Only replies in
flight at the moment of death may arrive twice, and the test prints how many did."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
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


def start_server(database_url: str, api_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
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
    }
    command = [str(GURUBOT), "serve", "--port", str(port)]
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


@pytest.mark.slow
def test_a_killed_server_loses_no_accepted_message(
    database_url: str,
    db_engine: Engine,
    fake_telegram: FakeTelegram,
    fake_telegram_server: tuple[FakeTelegram, LoopbackServer],
    tmp_path: Path,
) -> None:
    chats = [4400001 + n for n in range(TEACHERS)]
    for chat in chats:
        onboarded_contact(db_engine, "telegram", str(chat))
    updates = [telegram_text_update(chat, "menu") for _ in range(MESSAGES_EACH) for chat in chats]
    port, api_url = free_port(), fake_telegram_server[1].url
    url, log = f"http://127.0.0.1:{port}", tmp_path / "serve.log"
    server = start_server(database_url, api_url, port, log)
    try:
        assert wait_for(lambda: ready(url)), log.read_text()
        statuses: dict[int, int] = {}
        killer = threading.Thread(target=kill_when, args=(server, statuses, KILL_AFTER))
        killer.start()
        for update in updates:
            statuses[update["update_id"]] = post(url, update)
        killer.join()
        server.wait()
        in_flight = sending(db_engine)
        server = start_server(database_url, api_url, port, log)
        assert wait_for(lambda: ready(url)), log.read_text()
        for update in updates:  # the provider retries what got no 200
            if statuses[update["update_id"]] != 200:
                assert post(url, update) == 200
        assert wait_for(lambda: pending(db_engine) == 0), f"still pending: {pending(db_engine)}"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    replies = {chat: len(fake_telegram.sent_texts(chat)) for chat in chats}
    doubled = sum(replies.values()) - len(updates)
    print(f"\ncrash: {len(updates)} messages, kill -9 after {KILL_AFTER}; in flight {in_flight}, doubled {doubled}")
    assert all(count >= MESSAGES_EACH for count in replies.values()), replies
    assert 0 <= doubled <= in_flight


def kill_when(server: subprocess.Popen[bytes], statuses: dict[int, int], after: int) -> None:
    """SIGKILL the server once `after` webhooks have been answered, while the rest are coming."""
    wait_for(lambda: len(statuses) >= after)
    server.send_signal(signal.SIGKILL)


def sending(engine: Engine) -> int:
    with engine.connect() as connection:
        query = text("SELECT count(*) FROM outbound_message WHERE status = 'sending'")
        return int(connection.execute(query).scalar_one())
