"""Pace and order: provider rate limits shared by every worker, 1 message/s per Telegram chat,
replies before a broadcast backlog, long texts split under the provider's limit, and no sends
to a contact that blocked the bot."""

import asyncio
import time
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import clock
from bot.channels import telegram
from bot.channels.base import Outgoing
from bot.config import Settings
from bot.conversation import Reply
from bot.delivery.splitting import split_reply, split_text, units
from bot.dispatcher import Dispatcher
from bot.models import Contact, OutboundMessage, Priority
from bot.outbox import enqueue
from tests.factories import Harness
from tests.fakes import FakeTelegram, FakeTwilio


class StopwatchSender:
    """A provider that never throttles and notes when each message reached it."""

    traits = telegram.TRAITS.at_rates(100.0)

    def __init__(self) -> None:
        self.arrivals: list[float] = []

    async def send(self, message: Outgoing) -> str | None:
        self.arrivals.append(time.monotonic())
        return f"stub-{message.id}"

    async def close(self) -> None:
        return None


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
    limited = settings.model_copy(update={"delivery_batch": 10})
    provider = StopwatchSender()
    workers = [Dispatcher(db_engine, {"telegram": provider}, limited) for _ in range(2)]
    contacts_with_messages(db_engine, 60)
    while waiting(db_engine):
        await asyncio.gather(*(worker.run_once() for worker in workers))
    arrivals = sorted(provider.arrivals)
    assert len(arrivals) == 60
    # any 11 consecutive sends span at least 10 intervals of 1/100 s (less a little scheduling jitter)
    assert min(later - earlier for earlier, later in zip(arrivals, arrivals[10:], strict=False)) >= 0.095
    assert arrivals[-1] - arrivals[0] < 59 / 100 * 1.3  # and the pace is close to the limit


async def test_a_reply_overtakes_a_broadcast_backlog(settings: Settings, db_engine: Engine, harness: Harness) -> None:
    contacts_with_messages(db_engine, 100, kind="broadcast", priority=Priority.BROADCAST)
    harness.runtime.dispatcher.settings = settings.model_copy(update={"delivery_batch": 20})
    await harness.runtime.dispatcher.run_once()  # the backlog is being sent…
    await harness.post_telegram(__import__("tests.factories", fromlist=["x"]).telegram_text_update(77, "halo"))
    await harness.runtime.handle_pending()  # …when a teacher writes
    await harness.runtime.dispatcher.run_once()
    chats = [int(call.params["chat_id"]) for call in harness.telegram.calls]
    assert 20 <= chats.index(77) < 23 and waiting(db_engine) == 61  # heads the next batch; the rest waits


async def test_a_telegram_chat_gets_at_most_one_message_per_second(
    settings: Settings, db_engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> None:
    paced = settings.model_copy(update={"telegram_chat_rate": 1.0})
    async with Harness.running(paced, db_engine, fake_telegram, fake_twilio) as harness:
        await two_messages_a_second_apart(harness, db_engine)


async def two_messages_a_second_apart(harness: Harness, db_engine: Engine) -> None:
    with Session(db_engine) as session:
        contact = Contact(channel="telegram", address="78", last_inbound_at=clock.utcnow())
        session.add(contact)
        session.flush()
        for text in ["Satu", "Dua"]:
            enqueue(session, contact, Reply(text))
        session.commit()
    await harness.settle()
    assert harness.telegram.sent_texts(78) == ["Satu"]
    clock.advance(timedelta(seconds=1))
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
