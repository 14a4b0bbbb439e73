"""Polls in a broadcast: numbered options (Telegram buttons), one answer per teacher (the last
counts), counted per option and per province; a reply that is no option is a normal message."""

from sqlalchemy import Engine

from tests.factories import Harness, onboarded_contact, telegram_callback_update
from tests.test_broadcasts import ADMIN, MORNING, create, report
from tests.test_meetings import add_teacher, tick, travel_to
from tests.test_meetings_rsvp import sent_buttons

POLL = {"question": "Kapan waktu terbaik untuk klinik coaching?", "options": ["Pagi", "Siang", "Sore"]}


async def test_poll_answers_are_counted_per_option_and_per_province(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    for chat_id, province in ((1, "73"), (2, "73"), (3, "91"), (4, "91")):
        add_teacher(db_engine, chat_id, province)
    created = await create(harness, text="Survei singkat dari BTIKP.", poll=POLL, audience={"provinces": ["73", "91"]})
    await tick(harness)
    invitation = harness.telegram.sent_texts(1)[-1]
    assert "Kapan waktu terbaik" in invitation and "1. Pagi" in invitation
    assert "Terima kasih, jawaban Anda tercatat: Siang" in (await harness.telegram_says(1, "2"))[0]
    await harness.telegram_says(2, "pagi")
    await harness.telegram_says(3, "3")
    _, _, third = [buttons for buttons in sent_buttons(harness, 1) if buttons[0].startswith("p")][-1]
    # teacher 1 changes their mind with a button
    await harness.post_telegram(telegram_callback_update(1, third))
    await harness.settle()
    assert "tercatat: Sore" in harness.telegram.sent_texts(1)[-1]
    replies = await harness.telegram_says(4, "halo")  # no option: a normal message
    assert not any("tercatat" in reply for reply in replies)
    poll = (await report(harness, created["id"]))["poll"]
    assert poll["counts"] == [1, 0, 2] and poll["answered"] == 3
    assert poll["by_province"] == {"73": [1, 0, 1], "91": [0, 0, 1]}


async def test_a_poll_waits_for_a_closed_whatsapp_window_and_is_answered_after(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MORNING)
    onboarded_contact(db_engine, "whatsapp", "whatsapp:+6281200000003", "73")
    body = {"text": "Survei singkat.", "poll": POLL, "confirm_all": True}
    preview = await harness.client.post("/api/broadcasts/preview", json=body, headers=ADMIN)
    assert preview.json()["closed_window_delivery"] == "park"  # a template cannot carry the options
    created = await create(harness, **body)
    await tick(harness)
    assert harness.twilio.messages[-1]["ContentSid"] == "HX00000000000000000000000000000001"
    replies = await harness.whatsapp_says("+6281200000003", "ok")
    assert any("Kapan waktu terbaik" in reply and "3. Sore" in reply for reply in replies)
    assert "tercatat: Pagi" in (await harness.whatsapp_says("+6281200000003", "1"))[0]
    assert (await report(harness, created["id"]))["poll"]["by_province"] == {"73": [1, 0, 0]}


async def test_after_a_flow_a_bare_number_is_no_vote_in_an_older_poll(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    add_teacher(db_engine, 5, "73")
    created = await create(harness, text="Survei singkat dari BTIKP.", poll=POLL, audience={"provinces": ["73"]})
    await tick(harness)
    await harness.telegram_says(5, "tanya")  # a question asked after the poll, answered, and done
    await harness.telegram_says(5, "printer sekolah rusak tidak bisa print")
    replies = await harness.telegram_says(5, "2")
    assert not any("tercatat: Siang" in reply for reply in replies)
    assert (await report(harness, created["id"]))["poll"]["answered"] == 0
    assert "tercatat: Siang" in (await harness.telegram_says(5, "siang"))[0]  # its own words still answer it
