"""Operating the outbox: `gurubot outbox`, the metrics, and messages whose worker died."""

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import clock
from bot.conversation import Reply
from bot.db import make_engine, migrate
from bot.models import Contact, OutboundMessage, Priority
from bot.outbox import enqueue
from tests.factories import Harness
from tests.test_cli import run


def queue(engine: Engine, count: int, priority: int) -> None:
    with Session(engine) as session:
        for number in range(count):
            contact = Contact(channel="telegram", address=f"{priority}{number:05d}")
            session.add(contact)
            session.flush()
            enqueue(session, contact, Reply("Pengumuman", kind="broadcast", priority=priority))
        session.commit()


def test_outbox_command_shows_the_queue_per_status_and_priority(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    migrate(url)
    engine = make_engine(url)
    queue(engine, 3, Priority.BROADCAST)
    queue(engine, 1, Priority.REPLY)
    engine.dispose()
    result = run(["outbox"], cwd=tmp_path, env_extra={"GURUBOT_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["queued", "0", "reply", "1"] in lines and ["queued", "9", "broadcast", "3"] in lines
    assert "Oldest pending:" in result.stdout


async def test_metrics_show_queue_depth_results_and_oldest_pending_age(harness: Harness, db_engine: Engine) -> None:
    queue(db_engine, 2, Priority.BROADCAST)
    clock.advance(timedelta(minutes=2))
    before = (await harness.client.get("/metrics")).text
    assert 'gurubot_outbox_messages{priority="9",status="queued"} 2.0' in before
    age = next(line for line in before.splitlines() if line.startswith("gurubot_outbox_oldest_pending_seconds"))
    assert float(age.split()[1]) >= 120
    await harness.settle()
    after = (await harness.client.get("/metrics")).text
    assert 'gurubot_outbox_messages{priority="9",status="queued"}' not in after
    assert 'gurubot_messages_out_total{channel="telegram",result="sent"}' in after


async def test_a_message_whose_worker_keeps_dying_fails_in_the_end(harness: Harness, db_engine: Engine) -> None:
    queue(db_engine, 1, Priority.REMINDER)
    for _ in range(5):  # claimed, then the worker dies before sending, five times
        claimed, _ = await asyncio.to_thread(harness.runtime.dispatcher.claimer.claim, "telegram", 10)
        assert len(claimed) == 1
        clock.advance(timedelta(minutes=3))
        await harness.runtime.tick()
    with Session(db_engine) as session:
        message = session.exec(select(OutboundMessage)).one()
    assert (message.status, message.attempts, message.error_class) == ("failed", 5, "give_up")
    assert harness.telegram.sent_texts() == []
