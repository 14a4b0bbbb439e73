"""`gurubot serve` on PostgreSQL takes webhooks itself and handles and sends in a child `gurubot
worker`: the child answers the teachers, is started again when it dies, and stops by itself when
the server is killed. Waits poll real processes' state and take no figure from the clock."""

import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bench.inbound_processes import children_of
from bot.config import Settings
from bot.worker_processes import worker_count
from tests.factories import onboarded_contact, telegram_text_update
from tests.fakes import FakeTelegram, LoopbackServer
from tests.test_crash import free_port, post, ready, start_server, wait_for


def alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


def test_only_postgresql_with_the_inprocess_worker_on_gets_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GURUBOT_WORKER_PROCESSES", "GURUBOT_INPROCESS_WORKER"):
        monkeypatch.delenv(name, raising=False)

    def settings(url: str, **values: object) -> Settings:
        return Settings(_env_file=None, database_url=url, **values)  # type: ignore[call-arg]

    assert worker_count(settings("postgresql+psycopg://db/gurubot")) == 1
    assert worker_count(settings("postgresql+psycopg://db/gurubot", worker_processes=3)) == 3
    assert worker_count(settings("postgresql+psycopg://db/gurubot", worker_processes=0)) == 0
    assert worker_count(settings("postgresql+psycopg://db/gurubot", inprocess_worker=False)) == 0
    assert worker_count(settings("sqlite:///./data/gurubot.db")) == 0


@pytest.mark.slow
def test_the_worker_process_answers_comes_back_after_dying_and_leaves_with_the_server(
    database_url: str,
    db_engine: Engine,
    fake_telegram: FakeTelegram,
    fake_telegram_server: tuple[FakeTelegram, LoopbackServer],
    tmp_path: Path,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("worker processes are started on PostgreSQL only")
    chat = 4500001
    onboarded_contact(db_engine, "telegram", str(chat))
    port, log = free_port(), tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"
    server = start_server(database_url, fake_telegram_server[1].url, port, log)
    try:
        assert wait_for(lambda: ready(url) and len(children_of(server.pid)) == 1), log.read_text()
        [first_worker] = children_of(server.pid)
        assert post(url, telegram_text_update(chat, "menu")) == 200
        assert wait_for(lambda: len(fake_telegram.sent_texts(chat)) == 1), log.read_text()

        os.kill(first_worker, signal.SIGKILL)
        assert wait_for(lambda: children_of(server.pid) not in ([], [first_worker])), log.read_text()
        assert post(url, telegram_text_update(chat, "menu")) == 200
        assert wait_for(lambda: len(fake_telegram.sent_texts(chat)) == 2), log.read_text()

        [second_worker] = children_of(server.pid)
        server.send_signal(signal.SIGKILL)
        server.wait()
        assert wait_for(lambda: not alive(second_worker)), "the orphaned worker kept running"
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


@pytest.mark.slow
def test_a_stopped_server_stops_its_worker_processes_first(
    database_url: str, fake_telegram_server: tuple[FakeTelegram, LoopbackServer], tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("worker processes are started on PostgreSQL only")
    port, log = free_port(), tmp_path / "serve.log"
    server = start_server(database_url, fake_telegram_server[1].url, port, log)
    try:
        started = wait_for(lambda: ready(f"http://127.0.0.1:{port}") and len(children_of(server.pid)) == 1)
        assert started, log.read_text()
        [worker] = children_of(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(timeout=60)
    assert status == 0, log.read_text()
    assert not alive(worker), "the server ended before its worker process"
