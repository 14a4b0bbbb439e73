"""Pace and order: provider rate limits shared by every worker, 1 message/s per Telegram chat,
replies before a broadcast backlog, long texts split under the provider's limit, and no sends
to a contact that blocked the bot. Time is virtual (`tests.fakes.VirtualTime`, `clock.freeze`):
what is asserted are exact moments, never how fast the machine is."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import clock
from bot.channels import telegram
from bot.config import Settings
from bot.conversation import Reply
from bot.delivery.rate_limit import HEADROOM
from bot.delivery.splitting import split_reply, split_text, units
from bot.models import Contact, OutboundMessage, Priority
from bot.outbox import enqueue
from tests.factories import Harness, telegram_text_update
from tests.fakes import FakeTelegram, FakeTwilio, NotingProvider, VirtualTime

START = 1000.0  # the virtual clock's first moment, in seconds


def contacts_with_messages(engine: Engine, count: int, channel: str = "telegram", **reply: object) -> list[int]:
    ids = []
    with Session(engine) as session:
        for number in range(count):
            address = str(5000 + number) if channel == "telegram" else f"whatsapp:+6282{number:07d}"
            contact = Contact(channel=channel, address=address, last_inbound_at=clock.utcnow())
            session.add(contact)
            session.flush()
            enqueue(session, contact, Reply(f"Pesan {number}", **reply))  # type: ignore[arg-type]
            assert contact.id is not None
            ids.append(contact.id)
        session.commit()
    return ids


def waiting(engine: Engine) -> int:
    with Session(engine) as session:
        query = select(OutboundMessage).where(col(OutboundMessage.status).in_(["queued", "sending"]))
        return len(session.exec(query).all())


async def test_the_rate_limit_holds_across_two_dispatchers_sharing_one_database(
    settings: Settings, db_engine: Engine
) -> None:
    virtual_time = VirtualTime(START)
    limited = settings.model_copy(update={"delivery_batch": 10})
    providers = [NotingProvider(telegram.TRAITS.at_rates(100.0), virtual_time) for _ in range(2)]
    workers = [virtual_time.dispatcher(db_engine, {"telegram": provider}, limited) for provider in providers]
    contacts_with_messages(db_engine, 60)
    while waiting(db_engine):
        await asyncio.gather(*(worker.run_once() for worker in workers))
    arrivals = sorted(arrival.moment for provider in providers for arrival in provider.arrivals)
    interval = 1 / (100.0 * HEADROOM)  # 1/100 s, a little wider
    assert arrivals == pytest.approx([START + number * interval for number in range(60)], abs=1e-9)
    assert [len(provider.arrivals) for provider in providers] == [30, 30]  # both workers sent, in turns


async def test_a_reply_overtakes_a_broadcast_backlog(settings: Settings, db_engine: Engine, harness: Harness) -> None:
    virtual_time = VirtualTime(START)
    provider = NotingProvider(telegram.TRAITS, virtual_time)
    batch_of_20 = settings.model_copy(update={"delivery_batch": 20})
    harness.runtime.dispatcher = virtual_time.dispatcher(db_engine, {"telegram": provider}, batch_of_20)
    contacts_with_messages(db_engine, 100, kind="broadcast", priority=Priority.BROADCAST)
    await harness.runtime.dispatcher.run_once()  # the backlog is being sent…
    await harness.post_telegram(telegram_text_update(77, "halo"))
    await harness.runtime.handle_pending()  # …when a teacher writes
    await harness.runtime.dispatcher.run_once()
    chats = [arrival.address for arrival in sorted(provider.arrivals, key=lambda arrival: arrival.moment)]
    assert len(chats) == 40 and chats.index("77") == 20  # the reply heads the next batch
    assert waiting(db_engine) == 61  # the rest of the backlog waits


async def test_a_telegram_chat_gets_at_most_one_message_per_second(
    settings: Settings, db_engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> None:
    clock.freeze()
    paced = settings.model_copy(update={"telegram_chat_rate": 1.0})
    async with Harness.running(paced, db_engine, fake_telegram, fake_twilio) as harness:
        with Session(db_engine) as session:
            contact = Contact(channel="telegram", address="78", last_inbound_at=clock.utcnow())
            session.add(contact)
            session.flush()
            for text in ["Satu", "Dua"]:
                enqueue(session, contact, Reply(text))
            session.commit()
        await harness.settle()
        assert harness.telegram.sent_texts(78) == ["Satu"]
        clock.advance(timedelta(milliseconds=999))
        await harness.settle()
        assert harness.telegram.sent_texts(78) == ["Satu"]
        clock.advance(timedelta(milliseconds=1))  # a second after "Satu" went
        await harness.settle()
        assert harness.telegram.sent_texts(78) == ["Satu", "Dua"]


async def test_a_long_text_arrives_in_order_in_parts_under_each_providers_limit(
    harness: Harness, db_engine: Engine
) -> None:
    paragraphs = [f"Paragraf {n}. " + "Kalimat panjang tentang jadwal pertemuan guru. " * 30 for n in range(12)]
    text = "\n\n".join(paragraphs)
    with Session(db_engine) as session:
        for channel, address in [("telegram", "79"), ("whatsapp", "whatsapp:+628790001")]:
            contact = Contact(channel=channel, address=address, last_inbound_at=clock.utcnow())
            session.add(contact)
            session.flush()
            enqueue(session, contact, Reply(text, ["Ya", "Tidak"]))
        session.commit()
    await harness.settle()
    telegram_parts = [call.params for call in harness.telegram.calls if call.method == "sendMessage"]
    whatsapp_parts = harness.twilio.bodies("whatsapp:+628790001")
    assert len(telegram_parts) == 6 and len(whatsapp_parts) == 12  # two paragraphs a part; one
    assert all(units(part["text"]) <= 4096 for part in telegram_parts)
    assert all(units(body) <= 1600 for body in whatsapp_parts)
    assert [("reply_markup" in part) for part in telegram_parts] == [False] * 5 + [True]
    assert all(part["text"].endswith(".") for part in telegram_parts[:-1])
    assert whatsapp_parts[-1].endswith("1. Ya\n2. Tidak")
    joined = " ".join(body.removesuffix("\n\n1. Ya\n2. Tidak") for body in whatsapp_parts)
    assert joined.split() == text.split()


def test_splitting_prefers_paragraphs_then_lines_then_sentences_then_words() -> None:
    assert split_text("Satu.\n\nDua tiga.", 12) == ["Satu.", "Dua tiga."]
    assert split_text("Satu dua.\nTiga empat.", 15) == ["Satu dua.", "Tiga empat."]
    assert split_text("Satu dua. Tiga empat lima.", 20) == ["Satu dua.", "Tiga empat lima."]
    assert split_text("satu dua tiga empat", 10) == ["satu dua", "tiga empat"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert [units(part) for part in split_text("🙂" * 10, 6)] == [6, 6, 6, 2]  # an emoji counts two
    assert split_reply("Pilih", ["A", "B"], "simulator") == [("Pilih", ["A", "B"])]


async def test_waiting_messages_to_a_contact_that_blocked_the_bot_fail_without_a_send(
    harness: Harness, db_engine: Engine
) -> None:
    harness.telegram.blocked_chats.add(80)
    with Session(db_engine) as session:
        contact = Contact(channel="telegram", address="80", last_inbound_at=clock.utcnow())
        session.add(contact)
        session.flush()
        for text in ["Satu", "Dua", "Tiga"]:
            enqueue(session, contact, Reply(text, priority=Priority.REMINDER))
        session.commit()
    await harness.settle()
    assert harness.telegram.sent_texts(80) == ["Satu"]
    with Session(db_engine) as session:
        rows = session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))).all()
    assert [(row.status, row.error_class) for row in rows] == [("failed", "unreachable")] * 3
    assert [row.last_error for row in rows[1:]] == ["contact unreachable"] * 2
