"""Delivery against providers that misbehave: garbage, hangs, cut connections, 200 without an id,
429 and 5xx at a set rate; and contacts that disappear while their messages wait."""

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import clock
from bot.config import Settings
from bot.conversation import Reply
from bot.erasure import erase_contact
from bot.features import registry
from bot.models import Contact, OutboundMessage, Priority
from bot.outbox import enqueue
from tests.factories import Harness
from tests.fakes import FAULT_KINDS, FakeTelegram, FakeTwilio, Faults, reset_faults


@pytest.fixture(autouse=True)
def healthy_providers_afterwards(fake_telegram: FakeTelegram, fake_twilio: FakeTwilio) -> Iterator[None]:
    yield
    reset_faults(fake_telegram, fake_twilio)


def queue_announcements(engine: Engine, channel: str, count: int) -> list[str]:
    """One announcement each to `count` new contacts who wrote an hour ago; returns the texts."""
    texts = []
    with Session(engine) as session:
        for number in range(count):
            address = f"whatsapp:+6281{number:07d}" if channel == "whatsapp" else str(9000 + number)
            contact = Contact(channel=channel, address=address, last_inbound_at=clock.utcnow() - timedelta(hours=1))
            session.add(contact)
            session.flush()
            texts.append(f"Pengumuman {channel} nomor {number}")
            enqueue(session, contact, Reply(texts[-1], kind="broadcast", priority=Priority.BROADCAST))
        session.commit()
    return texts


def open_messages(engine: Engine) -> int:
    with Session(engine) as session:
        rows = session.exec(select(OutboundMessage).where(col(OutboundMessage.status).in_(["queued", "sending"])))
        return len(rows.all())


async def send_until_done(harness: Harness, engine: Engine, rounds: int = 30) -> None:
    for _ in range(rounds):
        await harness.settle()
        if not open_messages(engine):
            return
        clock.advance(timedelta(minutes=6))  # past any backoff


def late_answers(caplog: pytest.LogCaptureFixture, faults: Faults, reason: str) -> int:
    """Timeouts that were not injected hangs: good answers that came too late (a loaded machine)."""
    timeouts = sum(reason in record.getMessage() for record in caplog.records)
    return timeouts - faults.injected.count("hang")


async def test_every_message_is_sent_exactly_once_although_providers_fail_at_a_set_rate(
    settings: Settings,
    db_engine: Engine,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A hang outlasts any stall of a busy machine many times over, so it always ends in the
    # client's timeout (0.25 s) and never in a late answer that would upset the count below.
    fake_telegram.faults = Faults(rate=0.4, hang_seconds=3.0, seed=3)
    fake_twilio.faults = Faults(rate=0.4, hang_seconds=3.0, seed=4)
    impatient = settings.model_copy(update={"send_timeout": 0.25, "send_attempts": 15})
    async with Harness.running(impatient, db_engine, fake_telegram, fake_twilio) as harness:
        telegram_texts = queue_announcements(db_engine, "telegram", 40)
        whatsapp_texts = queue_announcements(db_engine, "whatsapp", 40)
        await send_until_done(harness, db_engine)
    with Session(db_engine) as session:
        rows = session.exec(select(OutboundMessage)).all()
    assert {row.status for row in rows} == {"sent"}
    assert len({row.provider_message_id for row in rows}) == 80
    for accepted, texts, late in [
        (fake_telegram.accepted_texts(), telegram_texts, late_answers(caplog, fake_telegram.faults, "Timed out")),
        (fake_twilio.accepted_bodies(), whatsapp_texts, late_answers(caplog, fake_twilio.faults, "TimeoutError")),
    ]:
        assert set(accepted) == set(texts)
        assert len(accepted) - len(texts) <= late  # exactly once, unless an answer came after the timeout
    assert set(fake_telegram.faults.injected) == set(FAULT_KINDS) == set(fake_twilio.faults.injected)
    assert fake_telegram.problems == [] and fake_twilio.problems == []


async def test_a_provider_that_always_fails_leaves_nothing_pending_forever(harness: Harness, db_engine: Engine) -> None:
    harness.twilio.faults = Faults(rate=1.0, kinds=("garbage", "no_id", "server_error"))
    queue_announcements(db_engine, "whatsapp", 5)
    await send_until_done(harness, db_engine)
    with Session(db_engine) as session:
        rows = session.exec(select(OutboundMessage)).all()
    assert [(row.status, row.attempts) for row in rows] == [("failed", 5)] * 5
    assert all(row.last_error and row.last_error.startswith("twilio") for row in rows)


async def test_messages_of_a_contact_erased_while_they_wait_are_never_sent(harness: Harness, db_engine: Engine) -> None:
    queue_announcements(db_engine, "telegram", 1)
    with Session(db_engine) as session:
        contact = session.exec(select(Contact)).one()
        enqueue(session, contact, Reply("Pengingat kedua", priority=Priority.REMINDER))
        session.commit()
    claimed, _ = await asyncio.to_thread(harness.runtime.dispatcher.claimer.claim, "telegram", 10)
    with Session(db_engine) as session:  # HAPUS DATA while the first message is on its way
        erase_contact(session, session.exec(select(Contact)).one(), registry().erasure_hooks)
        session.commit()
    await harness.runtime.dispatcher.deliver(claimed[0])
    await harness.settle()
    assert harness.telegram.sent_texts() == ["Pengumuman telegram nomor 0"]  # the one on the wire only
    with Session(db_engine) as session:
        assert session.exec(select(OutboundMessage)).all() == []
