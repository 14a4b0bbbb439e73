"""The conversation engine: words that work anywhere, hints, resuming, and restarts."""

from datetime import timedelta

from sqlmodel import Session, select

from bot import clock
from bot.models import Contact, InboundMessage
from tests.factories import Harness


async def onboard(harness: Harness, chat_id: int) -> None:
    await harness.onboard_telegram(chat_id)


async def test_reply_that_does_not_fit_gets_a_hint_and_the_same_question(harness: Harness) -> None:
    await harness.telegram_says(20, "halo")
    await harness.telegram_says(20, "1")
    await harness.telegram_says(20, "Pak Budi")
    replies = await harness.telegram_says(20, "planet mars")
    assert "tidak saya temukan" in replies[0]
    await harness.telegram_says(20, "jabar")
    await harness.telegram_says(20, "1")
    replies = await harness.telegram_says(20, "tujuh")
    assert replies == ["Maaf, belum saya pahami. Balas dengan angka 1–5, atau ketik menu."]  # not the question again
    replies = await harness.telegram_says(20, "delapan")
    assert "belum saya pahami" in replies[0] and "peran Anda" in replies[1]  # after two misses, the question


async def test_ambiguous_province_is_resolved_with_a_numbered_choice(harness: Harness, db_engine) -> None:
    for text in ["halo", "1", "Bu Ani"]:
        await harness.telegram_says(21, text)
    replies = await harness.telegram_says(21, "sulawesi")
    assert "3. Sulawesi Selatan" in replies[0]
    replies = await harness.telegram_says(21, "3")
    assert "Kabupaten/kota mana di Sulawesi Selatan" in replies[0]


async def test_misspelled_province_and_ambiguous_regency_are_understood(harness: Harness, db_engine) -> None:
    for text in ["halo", "1", "Bu Ani", "nusa tenggara barat", "bima"]:
        replies = await harness.telegram_says(22, text)
    assert "1. Kabupaten Bima" in replies[0] and "2. Kota Bima" in replies[0]
    await harness.telegram_says(22, "2")
    with Session(db_engine) as session:
        contact = session.exec(select(Contact)).one()
    assert (contact.province_code, contact.regency_code, contact.time_zone) == ("52", "52.72", "Asia/Makassar")


async def test_declining_consent_stores_nothing_personal(harness: Harness, db_engine) -> None:
    await harness.telegram_says(23, "halo nama saya Bu Rina")
    replies = await harness.telegram_says(23, "2")
    assert "tidak ada data pribadi" in replies[0]
    with Session(db_engine) as session:
        contact = session.exec(select(Contact)).one()
        texts = session.exec(select(InboundMessage.text)).all()
    assert contact.name is None and contact.consent_given_at is None
    assert texts == ["", ""]


async def test_restart_in_the_middle_of_onboarding_resumes(settings, db_engine, fake_telegram, fake_twilio) -> None:
    async with Harness.running(settings, db_engine, fake_telegram, fake_twilio) as first:
        for text in ["halo", "1", "Bu Sari"]:
            await first.telegram_says(24, text)
    async with Harness.running(settings, db_engine, fake_telegram, fake_twilio) as second:
        replies = await second.telegram_says(24, "papua")
        assert "Kabupaten/kota mana di Papua" in replies[0]


async def test_message_accepted_before_a_crash_is_handled_after_restart(
    settings, db_engine, fake_telegram, fake_twilio
) -> None:
    from tests.factories import telegram_text_update

    async with Harness.running(settings, db_engine, fake_telegram, fake_twilio) as first:
        assert (await first.post_telegram(telegram_text_update(25, "halo"))).status_code == 200
        # the process dies before handling it
    async with Harness.running(settings, db_engine, fake_telegram, fake_twilio) as second:
        await second.settle()
        assert "Apakah Anda setuju?" in fake_telegram.sent_texts(25)[0]


async def test_flow_left_days_ago_resumes_where_it_was(harness: Harness) -> None:
    for text in ["halo", "1", "Bu Sari", "sulsel"]:
        await harness.telegram_says(26, text)
    clock.advance(timedelta(days=3))
    replies = await harness.telegram_says(26, "apa kabar?")
    assert "Selamat datang kembali" in replies[0]
    assert any("Kabupaten/kota" in reply for reply in replies)


async def test_menu_words_work_in_any_case_with_spaces(harness: Harness) -> None:
    await onboard(harness, 27)
    replies = await harness.telegram_says(27, "  BANTUAN ")
    assert "Bantuan GuruBot" in replies[0]
    replies = await harness.telegram_says(27, "Menu")
    assert "Menu utama" in replies[0]
    replies = await harness.telegram_says(27, "0")
    assert "Menu utama" in replies[0]


async def test_menu_4_before_any_meeting_says_there_is_no_reflection_yet(harness: Harness) -> None:
    await onboard(harness, 28)
    replies = await harness.telegram_says(28, "4")
    assert replies[0].startswith("Belum ada pertemuan yang bisa Anda refleksikan.")


async def test_telegram_start_command_opens_the_menu_and_unknown_commands_get_a_hint(harness: Harness) -> None:
    await onboard(harness, 29)
    replies = await harness.telegram_says(29, "/start")
    assert "Menu utama" in replies[0]
    replies = await harness.telegram_says(29, "/foo")
    assert replies == ["Maaf, belum saya pahami. Balas dengan angka 1–5, atau ketik menu."]


async def test_answer_to_a_fresh_bot_prompt_after_days_of_silence_gets_no_welcome_back(
    harness: Harness, db_engine
) -> None:
    from bot.conversation import Reply
    from bot.outbox import enqueue

    await onboard(harness, 30)
    clock.advance(timedelta(days=3))
    with Session(db_engine) as session:  # the bot opens a question itself, like an invitation or a nudge
        contact = session.exec(select(Contact)).one()
        contact.flow, contact.step = "privacy", "confirm_erase"
        enqueue(session, contact, Reply("Yakin?", ["Ya, hapus", "Batal"]))
        session.commit()
    await harness.settle()
    replies = await harness.telegram_says(30, "2")
    assert not any("Selamat datang kembali" in reply for reply in replies)
    assert "tidak dihapus" in replies[0]
