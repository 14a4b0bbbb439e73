"""Providers retry: every update delivered three times, concurrently and out of order, is stored
once, handled once and answered once; Twilio's status callbacks, retried the same way, leave
each message at its furthest status."""

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from bot.models import InboundMessage, OutboundMessage
from tests.factories import Harness, onboarded_contact, telegram_text_update, whatsapp_form

TEACHERS = 8
WORDS = ("menu", "0", " MENU ")  # each answered with exactly one message: the main menu
DELIVERIES = 3
STATUS_PATH = "/webhooks/whatsapp/status"


def handled(engine: Engine, channel: str) -> list[str]:
    with Session(engine) as session:
        query = select(InboundMessage.provider_id, InboundMessage.status).where(InboundMessage.channel == channel)
        return [f"{provider_id}:{status}" for provider_id, status in session.exec(query)]


async def deliver_shuffled(posts: Sequence[Callable[[], Awaitable[httpx.Response]]]) -> list[int]:
    """Every post three times, in a shuffled order, all at once."""
    copies = [post for post in posts for _ in range(DELIVERIES)]
    random.Random(14).shuffle(copies)
    responses = await asyncio.gather(*(post() for post in copies))
    return [response.status_code for response in responses]


async def test_telegram_updates_delivered_three_times_at_once_are_answered_once(
    harness: Harness, db_engine: Engine
) -> None:
    chats = [8800001 + n for n in range(TEACHERS)]
    for chat in chats:
        onboarded_contact(db_engine, "telegram", str(chat))
    updates = [telegram_text_update(chat, word) for chat in chats for word in WORDS]
    posts = [lambda update=update: harness.post_telegram(update) for update in updates]
    assert set(await deliver_shuffled(posts)) == {200}
    await asyncio.gather(harness.runtime.handle_pending(), harness.runtime.handle_pending())  # two workers
    await harness.settle()
    assert sorted(handled(db_engine, "telegram")) == sorted(f"u{u['update_id']}:processed" for u in updates)
    for chat in chats:
        assert len(harness.telegram.sent_texts(chat)) == len(WORDS), chat


async def test_whatsapp_messages_and_status_callbacks_delivered_three_times_at_once(
    harness: Harness, db_engine: Engine
) -> None:
    numbers = [f"+62813880000{n:02d}" for n in range(TEACHERS)]
    for number in numbers:
        onboarded_contact(db_engine, "whatsapp", f"whatsapp:{number}")
    forms = [whatsapp_form(number, word) for number in numbers for word in WORDS]
    posts = [lambda form=form: harness.post_whatsapp(form) for form in forms]
    assert set(await deliver_shuffled(posts)) == {200}
    await harness.settle()
    assert sorted(handled(db_engine, "whatsapp")) == sorted(f"{form['MessageSid']}:processed" for form in forms)
    for number in numbers:
        assert len(harness.twilio.bodies(f"whatsapp:{number}")) == len(WORDS), number

    sids = sent_sids(db_engine)
    assert len(sids) == TEACHERS * len(WORDS)
    callbacks = [
        {"MessageSid": sid, "MessageStatus": status} for sid in sids for status in ("sent", "delivered", "read")
    ]
    status_posts = [
        lambda form=form: harness.post_whatsapp(form, path="/webhooks/whatsapp/status") for form in callbacks
    ]
    assert set(await deliver_shuffled(status_posts)) == {204}
    with Session(db_engine) as session:
        counts = session.exec(select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)).all()
    assert dict(counts) == {"read": len(sids)}


def sent_sids(engine: Engine) -> list[str]:
    with Session(engine) as session:
        query = select(OutboundMessage.provider_message_id).where(col(OutboundMessage.provider_message_id).is_not(None))
        return [sid for sid in session.exec(query) if sid]
