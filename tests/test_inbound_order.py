"""One sender's messages are handled in arrival order, even by several workers (PostgreSQL), and a
message whose handling fails is marked failed and answered with an apology, never lost."""

from typing import Any

import pytest
from psycopg.errors import DeadlockDetected
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from bot import engine as engine_module
from bot.channels.base import Incoming, store_incoming
from bot.config import get_settings
from bot.db import session_scope
from bot.engine import process_pending
from bot.models import InboundMessage, OutboundMessage


def store(engine: Engine, provider_id: str, address: str, words: str) -> None:
    with session_scope(engine) as session:
        store_incoming(session, Incoming("telegram", provider_id, address, text=words), 4000)


def statuses(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.exec(select(InboundMessage).order_by(col(InboundMessage.id))).all()
        return {row.provider_id: row.status for row in rows}


def test_a_second_worker_waits_for_the_senders_older_message(db_engine: Engine) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one worker; the lock is PostgreSQL's")
    store(db_engine, "u1", "501", "halo")
    store(db_engine, "u2", "501", "1")
    store(db_engine, "u3", "502", "halo")
    with Session(db_engine) as first_worker:  # holds u1 as a worker handling it would
        first_worker.exec(select(InboundMessage).where(InboundMessage.provider_id == "u1").with_for_update())
        handled = process_pending(db_engine, get_settings())
        first_worker.rollback()
    assert handled == 1
    assert statuses(db_engine) == {"u1": "received", "u2": "received", "u3": "processed"}
    assert process_pending(db_engine, get_settings()) == 2
    assert set(statuses(db_engine).values()) == {"processed"}


def test_a_failing_handler_marks_the_message_failed_and_apologises(db_engine: Engine, monkeypatch) -> None:
    def broken(turn: object, kind: str) -> None:
        raise RuntimeError("a bug")

    store(db_engine, "u1", "601", "halo")
    monkeypatch.setattr(engine_module, "respond", broken)
    assert process_pending(db_engine, get_settings()) == 1
    monkeypatch.undo()
    store(db_engine, "u2", "601", "halo")
    assert process_pending(db_engine, get_settings()) == 1
    assert statuses(db_engine) == {"u1": "failed", "u2": "processed"}
    with Session(db_engine) as session:
        failed = session.exec(select(InboundMessage).where(InboundMessage.provider_id == "u1")).one()
        texts = [row.text for row in session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))).all()]
    assert failed.error == "RuntimeError: a bug"
    assert texts[0].startswith("Maaf, ada gangguan") and texts[1].startswith("Halo! Saya GuruBot")


def test_a_failing_message_in_a_batch_fails_alone(db_engine: Engine, monkeypatch) -> None:
    """Messages of different senders are handled together; one whose handling fails takes none of
    the others with it (they are handled again one at a time)."""
    real_respond = engine_module.respond

    def broken_for_one(turn: Any, kind: str) -> None:
        if turn.text == "rusak":
            raise RuntimeError("a bug")
        real_respond(turn, kind)

    store(db_engine, "u1", "701", "halo")
    store(db_engine, "u2", "702", "rusak")
    store(db_engine, "u3", "703", "halo")
    monkeypatch.setattr(engine_module, "respond", broken_for_one)
    assert process_pending(db_engine, get_settings()) == 3
    assert statuses(db_engine) == {"u1": "processed", "u2": "failed", "u3": "processed"}
    with Session(db_engine) as session:
        replies = session.exec(select(OutboundMessage.address, OutboundMessage.text)).all()
    assert sorted(address for address, _ in replies) == ["701", "702", "703"]  # one each, none twice
    assert next(text for address, text in replies if address == "702").startswith("Maaf, ada gangguan")


def test_a_batch_that_meets_a_deadlock_is_handled_again_one_at_a_time(db_engine: Engine, monkeypatch) -> None:
    """PostgreSQL breaks a deadlock by ending one transaction: its messages are not lost, failed
    or answered twice, but handled again one at a time."""
    real_respond = engine_module.respond
    deadlocked: list[str] = []

    def deadlock_once(turn: Any, kind: str) -> None:
        if not deadlocked:
            deadlocked.append(turn.text)
            raise OperationalError("UPDATE contact …", None, DeadlockDetected())
        real_respond(turn, kind)

    store(db_engine, "u1", "801", "halo")
    store(db_engine, "u2", "802", "halo")
    monkeypatch.setattr(engine_module, "respond", deadlock_once)
    assert process_pending(db_engine, get_settings()) == 2
    assert statuses(db_engine) == {"u1": "processed", "u2": "processed"}
    with Session(db_engine) as session:
        addresses = sorted(session.exec(select(OutboundMessage.address)).all())
    assert addresses == ["801", "802"]  # one reply each, no apology
