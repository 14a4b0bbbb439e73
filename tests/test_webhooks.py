"""The webhooks as providers call them: signatures, retries, malformed and odd input."""

import json
import logging

import pytest
from sqlmodel import Session, func, select

from bot.models import Contact, InboundMessage, OutboundMessage
from tests.factories import Harness, telegram_callback_update, telegram_text_update, whatsapp_form


def count(db_engine, model) -> int:
    with Session(db_engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


async def test_telegram_wrong_or_missing_secret_is_refused_and_nothing_stored(harness: Harness, db_engine) -> None:
    wrong = await harness.post_telegram(telegram_text_update(1, "halo"), secret="not-the-secret")
    missing = await harness.client.post("/webhooks/telegram", json=telegram_text_update(1, "halo"))
    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert count(db_engine, InboundMessage) == 0


async def test_whatsapp_bad_signature_is_refused_and_nothing_stored(harness: Harness, db_engine) -> None:
    response = await harness.post_whatsapp(whatsapp_form("+628111", "halo"), signature="AAAA")
    assert response.status_code == 403
    assert count(db_engine, InboundMessage) == 0


async def test_whatsapp_signature_is_checked_against_the_public_url_not_the_listening_address(
    harness: Harness,
) -> None:
    response = await harness.post_whatsapp(whatsapp_form("+628111", "halo"))
    assert response.status_code == 200
    assert response.text.endswith("<Response/>")
    assert response.headers["content-type"].startswith("application/xml")


async def test_duplicate_telegram_update_is_processed_once(harness: Harness) -> None:
    update = telegram_text_update(42, "halo", update_id=777)
    for _ in range(3):
        assert (await harness.post_telegram(update)).status_code == 200
    await harness.settle()
    assert len(harness.telegram.sent_texts(42)) == 1


async def test_duplicate_whatsapp_message_is_processed_once(harness: Harness) -> None:
    form = whatsapp_form("+628222", "halo", sid="SM" + "a" * 32)
    for _ in range(3):
        assert (await harness.post_whatsapp(form)).status_code == 200
    await harness.settle()
    assert len(harness.twilio.bodies("whatsapp:+628222")) == 1


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"no_update_id": true}', b"\xff\xfe"])
async def test_malformed_telegram_body_is_answered_400(harness: Harness, body: bytes) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "telegram-webhook-secret", "Content-Type": "application/json"}
    response = await harness.client.post("/webhooks/telegram", content=body, headers=headers)
    assert response.status_code == 400


async def test_whatsapp_form_without_a_whatsapp_sender_gets_empty_twiml_and_is_ignored(harness: Harness) -> None:
    form = whatsapp_form("+628333", "halo")
    del form["From"]
    response = await harness.post_whatsapp(form)
    assert response.status_code == 200 and "<Response" in response.text  # a 400 would be Twilio error 11200
    sms = {**whatsapp_form("+628334", "halo"), "From": "+628334"}  # an SMS to the same number
    assert (await harness.post_whatsapp(sms)).status_code == 200
    await harness.settle()
    assert harness.twilio.messages == []


async def test_body_over_64_kb_is_refused_413(harness: Harness) -> None:
    big = json.dumps(telegram_text_update(1, "x" * 70_000))
    headers = {"X-Telegram-Bot-Api-Secret-Token": "telegram-webhook-secret", "Content-Type": "application/json"}
    response = await harness.client.post("/webhooks/telegram", content=big, headers=headers)
    assert response.status_code == 413


async def test_edited_message_is_acknowledged_without_reply(harness: Harness, db_engine) -> None:
    update = telegram_text_update(7, "halo")
    update["edited_message"] = update.pop("message")
    assert (await harness.post_telegram(update)).status_code == 200
    await harness.settle()
    assert harness.telegram.sent_texts(7) == []


@pytest.mark.parametrize(
    "extra",
    [
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "u",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"location": {"latitude": -5.1, "longitude": 119.4}},
        {"contact": {"phone_number": "+62811", "first_name": "Ani"}},
        {"photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]},
    ],
)
async def test_non_text_telegram_message_gets_a_polite_answer(harness: Harness, extra: dict) -> None:
    update = telegram_text_update(8, "")
    del update["message"]["text"]
    update["message"].update(extra)
    assert (await harness.post_telegram(update)).status_code == 200
    await harness.settle()
    replies = harness.telegram.sent_texts(8)
    assert replies and "hanya bisa membaca pesan teks" in replies[0]


async def test_whatsapp_media_without_text_gets_a_polite_answer(harness: Harness) -> None:
    form = whatsapp_form(
        "+628444", "", NumMedia="1", MediaUrl0="https://api.twilio.com/x", MediaContentType0="image/jpeg"
    )
    assert (await harness.post_whatsapp(form)).status_code == 200
    await harness.settle()
    assert "hanya bisa membaca pesan teks" in harness.twilio.bodies("whatsapp:+628444")[0]


async def test_teacher_blocking_the_bot_marks_the_contact_unreachable(harness: Harness, db_engine) -> None:
    await harness.telegram_says(9, "halo")
    user = {"id": 9, "is_bot": False, "first_name": "Sari"}
    bot_user = {"id": 1, "is_bot": True, "first_name": "GuruBot"}
    update = {
        "update_id": 99_001,
        "my_chat_member": {
            "chat": {"id": 9, "type": "private"},
            "from": user,
            "date": 1,
            "old_chat_member": {"status": "member", "user": bot_user},
            "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
        },
    }
    assert (await harness.post_telegram(update)).status_code == 200
    await harness.settle()
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).one().unreachable_since is not None


async def test_button_press_is_answered_and_read_as_its_own_question(harness: Harness) -> None:
    await harness.telegram_says(10, "halo")
    send = next(c for c in harness.telegram.calls if c.method == "sendMessage")
    pressed = send.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert pressed == "q1:1"  # the first question asked, its option 1
    assert (await harness.post_telegram(telegram_callback_update(10, pressed))).status_code == 200
    await harness.settle()
    assert "answerCallbackQuery" in [call.method for call in harness.telegram.calls]
    assert "Siapa nama Anda" in harness.telegram.sent_texts(10)[-1]


async def test_an_old_flow_button_changes_nothing(harness: Harness) -> None:
    await harness.telegram_says(10, "halo")
    await harness.post_telegram(telegram_callback_update(10, "q1:1"))
    await harness.settle()
    await harness.post_telegram(telegram_callback_update(10, "q1:2"))  # "Tidak setuju", pressed too late
    await harness.settle()
    assert harness.telegram.sent_texts(10)[-1] == "Tombol itu sudah tidak berlaku."
    assert "Bu Sari" in (await harness.telegram_says(10, "Bu Sari"))[0]  # still asked for the name


async def test_message_over_4000_characters_is_read_in_part_with_a_note(harness: Harness) -> None:
    replies = await harness.telegram_says(11, "halo " * 2000)
    assert "4.000 karakter pertama" in replies[0]
    assert "Apakah Anda setuju?" in replies[1]


@pytest.mark.parametrize("text", ["", "   ", "😀🙏", "abc\x00def", "مرحبا بالعالم", "\u202eterbalik"])
async def test_odd_text_never_crashes(harness: Harness, db_engine, text: str) -> None:
    await harness.telegram_says(12, "halo")
    replies = await harness.telegram_says(12, text)
    assert replies, "every message gets an answer"
    with Session(db_engine) as session:
        statuses = session.exec(select(InboundMessage.status)).all()
    assert set(statuses) == {"processed"}


async def test_logs_do_not_carry_full_phone_numbers_or_secrets(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await harness.whatsapp_says("+6281234567890", "halo")
    assert "6281234567890" not in caplog.text
    assert "twilio-test-auth-token" not in caplog.text and "TEST-token" not in caplog.text


async def test_health_readiness_and_metrics(harness: Harness) -> None:
    await harness.telegram_says(13, "halo")
    assert (await harness.client.get("/healthz")).status_code == 200
    assert (await harness.client.get("/readyz")).status_code == 200
    metrics = (await harness.client.get("/metrics")).text
    assert 'gurubot_messages_in_total{channel="telegram"}' in metrics
    assert "gurubot_handling_seconds_count" in metrics


async def test_every_reply_is_stored_in_the_outbox_before_it_is_sent(harness: Harness, db_engine) -> None:
    await harness.post_telegram(telegram_text_update(14, "halo"))
    await harness.runtime.handle_pending()
    with Session(db_engine) as session:
        queued = session.exec(select(OutboundMessage.status)).all()
    assert queued == ["queued"] and harness.telegram.sent_texts(14) == []
    await harness.settle()
    assert len(harness.telegram.sent_texts(14)) == 1
