"""Real payloads from Telegram's documentation and other projects' test data: an update that
passed the secret check is stored and answered 200 even when a nested object lacks a field newer
Bot APIs require; kinds the bot does not serve are acknowledged and ignored, never a 400 or 500."""

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.models import Contact, InboundMessage
from tests.factories import Harness, onboarded_contact, whatsapp_form


def update(update_id: int, **body: Any) -> dict[str, Any]:
    return {"update_id": update_id, **body}


LEGACY_MESSAGE = {  # Telegram's documented webhook example of 2016: no `is_bot`, no `language_code`
    "message": {
        "date": 1441645532,
        "chat": {
            "last_name": "Test Lastname",
            "id": 1111111,
            "first_name": "Test",
            "username": "Test",
            "type": "private",
        },
        "message_id": 1365,
        "from": {"last_name": "Test Lastname", "id": 1111111, "first_name": "Test", "username": "Test"},
        "text": "/start",
    }
}
PHOTO_WITHOUT_UNIQUE_ID = {
    "message": {
        "message_id": 7,
        "date": 1441645532,
        "chat": {"id": 1111112, "type": "private", "first_name": "Sari"},
        "from": {"id": 1111112, "first_name": "Sari"},
        "photo": [{"file_id": "AgAD", "width": 90, "height": 90}],
    }
}
GROUP_JOIN = {
    "my_chat_member": {
        "chat": {"id": -100123, "title": "Guru SD", "type": "supergroup"},
        "from": {"id": 5, "first_name": "Admin"},
        "date": 1,
        "old_chat_member": {"status": "left", "user": {"id": 9, "first_name": "GuruBot"}},
        "new_chat_member": {"status": "member", "user": {"id": 9, "first_name": "GuruBot"}},
    }
}
INLINE_BUTTON = {
    "callback_query": {
        "id": "4382",
        "from": {"id": 1111113, "first_name": "Sari"},
        "inline_message_id": "AAA",
        "data": "1",
    }
}
IGNORED_KINDS = [
    {"edited_message": {"message_id": 1, "date": 1, "edit_date": 2, "chat": {"id": 1, "type": "private"}, "text": "x"}},
    {"channel_post": {"message_id": 1, "date": 1, "chat": {"id": -1001, "type": "channel"}, "text": "x"}},
    {"message": {"message_id": 1, "date": 1, "chat": {"id": -5, "type": "group"}, "text": "halo semua"}},
    {"message_reaction": {"chat": {"id": 1, "type": "private"}, "message_id": 1, "date": 1}},
    {"poll_answer": {"poll_id": "1", "option_ids": [0]}},
    {"business_message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "x"}},
    {},
]


async def post(harness: Harness, body: dict[str, Any]) -> int:
    return (await harness.post_telegram(body)).status_code


async def test_a_legacy_update_without_is_bot_is_answered(harness: Harness) -> None:
    assert await post(harness, update(9001, **LEGACY_MESSAGE)) == 200
    await harness.settle()
    assert "Apakah Anda setuju?" in harness.telegram.sent_texts(1111111)[-1]


async def test_a_photo_without_file_unique_id_gets_the_text_only_answer(harness: Harness) -> None:
    assert await post(harness, update(9002, **PHOTO_WITHOUT_UNIQUE_ID)) == 200
    await harness.settle()
    assert "hanya bisa membaca pesan teks" in harness.telegram.sent_texts(1111112)[0]


async def test_the_bot_added_to_a_group_creates_no_contact(harness: Harness, db_engine: Engine) -> None:
    assert await post(harness, update(9003, **GROUP_JOIN)) == 200
    await harness.settle()
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).first() is None and session.exec(select(InboundMessage)).first() is None


async def test_a_button_on_an_inline_message_is_answered_without_a_private_message(harness: Harness) -> None:
    assert await post(harness, update(9004, **INLINE_BUTTON)) == 200
    await harness.settle()
    assert [call.method for call in harness.telegram.calls] == ["answerCallbackQuery"]


@pytest.mark.parametrize("body", IGNORED_KINDS, ids=lambda body: next(iter(body), "empty"))
async def test_kinds_the_bot_does_not_serve_are_acknowledged_and_ignored(
    harness: Harness, db_engine: Engine, body: dict[str, Any]
) -> None:
    assert await post(harness, update(9100 + len(str(body)), **body)) == 200
    await harness.settle()
    assert harness.telegram.calls == []
    with Session(db_engine) as session:
        assert session.exec(select(InboundMessage)).first() is None


@pytest.mark.parametrize("body", ["[]", "\"text\"", "{\"update_id\": \"7\"}", "{not json"])
async def test_json_that_is_not_an_update_is_refused_400(harness: Harness, body: str) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "telegram-webhook-secret", "Content-Type": "application/json"}
    assert (await harness.client.post("/webhooks/telegram", content=body, headers=headers)).status_code == 400


async def test_start_with_a_deep_link_payload_opens_the_menu(harness: Harness, db_engine: Engine) -> None:
    onboarded_contact(db_engine, "telegram", "1111114")
    replies = await harness.telegram_says(1111114, "/start duta_abc123")
    assert replies[0].startswith("Menu utama")


async def test_a_whatsapp_quick_reply_is_read_as_the_label_the_teacher_saw(harness: Harness) -> None:
    await harness.whatsapp_says("+6281300000777", "halo")
    form = whatsapp_form("+6281300000777", "Setuju", ButtonPayload="consent-yes-4f2a")
    assert (await harness.post_whatsapp(form)).status_code == 200
    await harness.settle()
    assert "Siapa nama Anda" in harness.twilio.bodies("whatsapp:+6281300000777")[-1]
