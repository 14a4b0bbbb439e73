"""Prompts beside flows: expiry, old buttons, words that work anywhere, `lanjut`, held questions
that went stale, and the button that confirms HAPUS DATA."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import clock
from bot.conversation import Reply
from bot.models import Contact, OutboundMessage, Priority
from bot.outbox import enqueue
from bot.prompts import Prompt
from tests.factories import Harness, onboarded_contact, telegram_callback_update
from tests.test_meetings import CREATED_AT, create_meeting, last_text, tick, travel_to

CHAT = 73601
NUMBER = "+6281360000001"


def latest_prompt(engine: Engine) -> Prompt:
    with Session(engine) as session:
        return session.exec(select(Prompt).order_by(col(Prompt.id).desc())).one()


def contact_of(engine: Engine) -> Contact:
    with Session(engine) as session:
        return session.exec(select(Contact)).one()


async def press(harness: Harness, data: str) -> list[str]:
    before = len(harness.telegram.sent_texts(CHAT))
    await harness.post_telegram(telegram_callback_update(CHAT, data))
    await harness.settle()
    return harness.telegram.sent_texts(CHAT)[before:]


async def test_an_invitation_no_longer_captures_a_reply_once_the_meeting_started(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    onboarded_contact(db_engine, "telegram", str(CHAT))
    await create_meeting(harness)
    await tick(harness)
    button = f"p{latest_prompt(db_engine).id}:1"
    travel_to(CREATED_AT + timedelta(days=7))  # after the 1 December start
    replies = await harness.telegram_says(CHAT, "hadir")
    assert "tercatat" not in " ".join(replies)
    assert replies[-1].startswith("Menu utama")  # a word that fits nothing open: the menu
    assert await press(harness, button) == ["Tombol itu sudah tidak berlaku."]
    assert latest_prompt(db_engine).status == "open"  # expired by time, never answered


async def test_a_nudge_button_goes_stale_once_the_walkthrough_moved_on(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    onboarded_contact(db_engine, "telegram", str(CHAT))
    await harness.telegram_says(CHAT, "aktivasi")
    await harness.telegram_says(CHAT, "1")
    clock.advance(timedelta(days=2, hours=1))
    await tick(harness)
    nudge = latest_prompt(db_engine)
    assert nudge.kind == "nudge" and last_text(harness, CHAT).endswith("1. Lanjutkan\n2. Mulai dari awal")
    await harness.telegram_says(CHAT, "aktivasi")  # the teacher came back by herself
    assert await press(harness, f"p{nudge.id}:2") == ["Tombol itu sudah tidak berlaku."]
    assert latest_prompt(db_engine).status == "closed"


async def test_feature_words_work_mid_flow_and_lanjut_returns(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    onboarded_contact(db_engine, "telegram", str(CHAT))
    await harness.telegram_says(CHAT, "aktivasi")
    step_one = (await harness.telegram_says(CHAT, "1"))[-1]
    assert (await harness.telegram_says(CHAT, "jadwal"))[0] == "Belum ada pertemuan terjadwal untuk Anda."
    assert (await harness.telegram_says(CHAT, "lanjut")) == [step_one]
    assert (contact_of(db_engine).flow, contact_of(db_engine).step) == ("activation", "step")


async def test_lanjut_with_nothing_left_says_so(harness: Harness, db_engine: Engine) -> None:
    onboarded_contact(db_engine, "telegram", str(CHAT))
    replies = await harness.telegram_says(CHAT, "lanjut")
    assert replies[0] == "Tidak ada percakapan yang tertunda." and replies[1].startswith("Menu utama")


async def test_a_feature_word_during_onboarding_asks_to_finish_it_first(harness: Harness) -> None:
    await harness.telegram_says(CHAT, "halo")
    await harness.telegram_says(CHAT, "1")
    replies = await harness.telegram_says(CHAT, "jadwal")
    assert replies[0].startswith("Selesaikan dulu pendaftaran") and "Siapa nama Anda" in replies[1]


async def test_a_held_question_that_is_no_longer_current_is_dropped_not_sent(
    harness: Harness, db_engine: Engine
) -> None:
    await harness.whatsapp_says(NUMBER, "halo")  # the consent question, asked as question 1
    clock.advance(timedelta(hours=25))  # the window closed
    with Session(db_engine) as session:
        contact = session.exec(select(Contact)).one()
        enqueue(session, contact, Reply("Siapa nama Anda? (lama)", tag="q0"))  # a question asked before
        enqueue(session, contact, Reply("Pengingat", kind="reminder", priority=Priority.REMINDER))
        session.commit()
    await harness.settle()
    replies = await harness.whatsapp_says(NUMBER, "ok")  # the reply to "there is a new message"
    assert replies == ["Pengingat"]
    with Session(db_engine) as session:
        stale = session.exec(select(OutboundMessage).where(OutboundMessage.text == "Siapa nama Anda? (lama)")).one()
    assert (stale.status, stale.error_class) == ("failed", "stale")


async def test_hapus_data_confirmed_with_a_button_answers_the_press(harness: Harness, db_engine: Engine) -> None:
    onboarded_contact(db_engine, "telegram", str(CHAT))
    await harness.telegram_says(CHAT, "hapus data")
    seq = contact_of(db_engine).question_seq
    replies = await press(harness, f"q{seq}:1")  # "Ya, hapus"
    assert replies[0].startswith("Data Anda sudah dihapus")
    answered = [call for call in harness.telegram.calls if call.method == "answerCallbackQuery"]
    assert len(answered) == 1, "the button press is answered even though the contact is gone"
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).first() is None
