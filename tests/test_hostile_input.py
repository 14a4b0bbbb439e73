"""Hostile and odd input, one test per case: every kind of Telegram update, legacy and broken
payloads, Twilio forms of every shape, bodies that are not what they claim. Zero 5xx: each case
has its defined reaction (the status, and what the teacher gets, or that nothing is sent).

Shapes follow the Bot API (shared/reference/telegram-bot-api-10.0.min.json), Twilio's webhook
documentation and tests/reference. The teacher (Telegram chat 7700001, WhatsApp +6281277000001)
is onboarded and resting in the main menu, so a reply shows what the bot made of the input."""

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.factories import Harness, onboarded_contact, twilio_signature, whatsapp_form

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
CHAT = 7700001
NUMBER = "+6281277000001"
SECRET = {"X-Telegram-Bot-Api-Secret-Token": "telegram-webhook-secret"}
MENU = "Menu utama"
TEXT_ONLY = "hanya bisa membaca pesan teks"
EMPTY = "Pesan Anda kosong"
TOO_LONG = "Pesan Anda panjang sekali"
NOTHING = ""  # no request to the provider at all
ANY = "*"  # some reply, whatever it says
CALLBACK_ONLY = "callback"


@dataclass(frozen=True)
class Case:
    name: str
    status: int
    reaction: str  # a text the teacher's last reply contains, or NOTHING / ANY / CALLBACK_ONLY
    update: dict[str, Any] | None = None  # a Telegram update (JSON)
    raw: bytes | None = None  # or the raw Telegram body
    content_type: str = "application/json"


def sender() -> dict[str, Any]:
    return {"id": CHAT, "is_bot": False, "first_name": "Sari", "language_code": "id"}


def private_chat() -> dict[str, Any]:
    return {"id": CHAT, "type": "private", "first_name": "Sari"}


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 501, "date": 1764547200, "chat": private_chat(), "from": sender(), **fields}


def group_message(kind: str, **fields: Any) -> dict[str, Any]:
    chat = {"id": -1001234567890, "type": kind, "title": "Guru SD Bone"}
    return {"message_id": 9, "date": 1764547200, "chat": chat, "from": sender(), **fields}


PHOTO = [{"file_id": "AgACAgUAAx0", "file_unique_id": "AQADmK8x", "width": 90, "height": 67, "file_size": 1254}]
DOCUMENT = {
    "file_id": "BQACAgUAAx0",
    "file_unique_id": "AgADpA8A",
    "file_name": "SK.pdf",
    "mime_type": "application/pdf",
}
STICKER = {
    "file_id": "CAACAgIAAxk",
    "file_unique_id": "AgADsQ0A",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "emoji": "👍",
}
VOICE = {"file_id": "AwACAgUAAx0", "file_unique_id": "AgADZQ4A", "duration": 3, "mime_type": "audio/ogg"}
LOCATION = {"latitude": -5.1477, "longitude": 119.4327}
VENUE = {"location": LOCATION, "title": "SD Negeri 1 Bone", "address": "Jl. Pendidikan 1"}
CONTACT = {"phone_number": "+6281200000000", "first_name": "Budi", "user_id": 42}
POLL = {
    "id": "5301",
    "question": "Hadir?",
    "options": [{"text": "Ya", "voter_count": 1}, {"text": "Tidak", "voter_count": 0}],
    "total_voter_count": 1,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}
FORWARD_ORIGIN = {"type": "user", "date": 1764540000, "sender_user": {"id": 99, "is_bot": False, "first_name": "Ani"}}
MEMBER_OLD = {"status": "member", "user": {"id": 9, "is_bot": True, "first_name": "GuruBot"}}
MEMBER_KICKED = {"status": "kicked", "user": {"id": 9, "is_bot": True, "first_name": "GuruBot"}, "until_date": 0}
REACTION = {
    "chat": private_chat(),
    "message_id": 501,
    "user": sender(),
    "date": 1764547200,
    "old_reaction": [],
    "new_reaction": [{"type": "emoji", "emoji": "👍"}],
}
BUSINESS = {"business_connection_id": "bc1", **message(text="halo")}


GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Guru SD Bone"}


def member_change(chat: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {"chat": chat, "from": sender(), "date": 1, "old_chat_member": old, "new_chat_member": new}


def press(query_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": query_id, "from": sender(), "chat_instance": "c", "message": message(text="Menu utama"), **fields}


def case(name: str, status: int, reaction: str, **update: Any) -> Case:
    return Case(name, status, reaction, update=update)


def raw(name: str, status: int, body: bytes, content_type: str = "application/json") -> Case:
    return Case(name, status, NOTHING, raw=body, content_type=content_type)


TELEGRAM_CASES = [
    case("private text", 200, MENU, message=message(text="menu")),
    case("edited message", 200, NOTHING, edited_message={**message(text="menu"), "edit_date": 1764547260}),
    case("channel post", 200, NOTHING, channel_post=group_message("channel", text="Pengumuman")),
    case("edited channel post", 200, NOTHING, edited_channel_post=group_message("channel", text="x", edit_date=2)),
    case("group message", 200, NOTHING, message=group_message("group", text="menu")),
    case("supergroup message", 200, NOTHING, message=group_message("supergroup", text="halo semua")),
    case("group command to the bot", 200, NOTHING, message=group_message("group", text="/start@GuruBot")),
    case("members joining a group", 200, NOTHING, message=group_message("group", new_chat_members=[sender()])),
    case("chat_member", 200, NOTHING, chat_member=member_change(GROUP, MEMBER_OLD, {**MEMBER_OLD, "status": "left"})),
    case(
        "teacher blocks the bot", 200, NOTHING, my_chat_member=member_change(private_chat(), MEMBER_OLD, MEMBER_KICKED)
    ),
    case(
        "teacher unblocks the bot",
        200,
        NOTHING,
        my_chat_member=member_change(private_chat(), MEMBER_KICKED, MEMBER_OLD),
    ),
    case("message_reaction", 200, NOTHING, message_reaction=REACTION),
    case(
        "message_reaction_count",
        200,
        NOTHING,
        message_reaction_count={"chat": private_chat(), "message_id": 501, "date": 1, "reactions": []},
    ),
    case("poll state", 200, NOTHING, poll=POLL),
    case("poll answer", 200, NOTHING, poll_answer={"poll_id": "5301", "user": sender(), "option_ids": [0]}),
    case("poll answer of an old API (no option_persistent_ids)", 200, NOTHING, poll_answer={"poll_id": "1"}),
    case(
        "business connection",
        200,
        NOTHING,
        business_connection={"id": "bc1", "user": sender(), "user_chat_id": CHAT, "date": 1, "is_enabled": True},
    ),
    case("business message", 200, NOTHING, business_message=BUSINESS),
    case("edited business message", 200, NOTHING, edited_business_message={**BUSINESS, "edit_date": 2}),
    case(
        "deleted business messages",
        200,
        NOTHING,
        deleted_business_messages={"business_connection_id": "bc1", "chat": private_chat(), "message_ids": [1]},
    ),
    case("inline query", 200, NOTHING, inline_query={"id": "1", "from": sender(), "query": "menu", "offset": ""}),
    case("chosen inline result", 200, NOTHING, chosen_inline_result={"result_id": "1", "from": sender(), "query": ""}),
    case(
        "chat join request",
        200,
        NOTHING,
        chat_join_request={
            "chat": group_message("supergroup")["chat"],
            "from": sender(),
            "user_chat_id": CHAT,
            "date": 1,
        },
    ),
    case("pre-checkout query", 200, NOTHING, pre_checkout_query={"id": "1", "from": sender(), "currency": "IDR"}),
    case("a kind from a future Bot API", 200, NOTHING, guest_message={"text": "menu"}),
    case("forwarded message", 200, MENU, message=message(text="menu", forward_origin=FORWARD_ORIGIN)),
    case(
        "reply to the bot's message",
        200,
        MENU,
        message=message(text="menu", reply_to_message=message(text="Menu utama", **{"from": MEMBER_OLD["user"]})),
    ),
    case("sticker", 200, TEXT_ONLY, message=message(sticker=STICKER)),
    case("voice note", 200, TEXT_ONLY, message=message(voice=VOICE)),
    case("video note", 200, TEXT_ONLY, message=message(video_note={**VOICE, "length": 240})),
    case("audio", 200, TEXT_ONLY, message=message(audio={**VOICE, "mime_type": "audio/mpeg"})),
    case("document without caption", 200, TEXT_ONLY, message=message(document=DOCUMENT)),
    case("document with a caption", 200, MENU, message=message(document=DOCUMENT, caption="menu")),
    case("photo with a caption", 200, MENU, message=message(photo=PHOTO, caption="menu")),
    case("contact", 200, TEXT_ONLY, message=message(contact=CONTACT)),
    case("location", 200, TEXT_ONLY, message=message(location=LOCATION)),
    case("venue", 200, TEXT_ONLY, message=message(venue=VENUE, location=LOCATION)),
    case("dice", 200, TEXT_ONLY, message=message(dice={"emoji": "🎲", "value": 4})),
    case("poll sent to the bot", 200, TEXT_ONLY, message=message(poll=POLL)),
    case(
        "legacy sender without is_bot",
        200,
        MENU,
        message=message(text="menu", **{"from": {"id": CHAT, "first_name": "S"}}),
    ),
    case("message without a sender", 200, MENU, message={k: v for k, v in message(text="menu").items() if k != "from"}),
    case(
        "legacy photo without file_unique_id",
        200,
        TEXT_ONLY,
        message=message(photo=[{"file_id": "A", "width": 1, "height": 1}]),
    ),
    case("message without a chat", 200, NOTHING, message={"message_id": 1, "date": 1, "text": "menu"}),
    case("chat that is a list", 200, NOTHING, message={**message(text="menu"), "chat": [CHAT]}),
    case("message that is a string", 200, NOTHING, message="menu"),
    case("text that is a number", 200, TEXT_ONLY, message=message(text=12345)),
    case("text that is null", 200, TEXT_ONLY, message=message(text=None)),
    case("empty text", 200, EMPTY, message=message(text="")),
    case("only spaces", 200, EMPTY, message=message(text="   \n\t ")),
    case("10,000 characters", 200, TOO_LONG, message=message(text="aku guru " * 1111 + "x")),
    case("null bytes", 200, MENU, message=message(text="me\u0000nu\u0000")),
    case("emoji only", 200, ANY, message=message(text="👍🙏🏽😊")),
    case("right-to-left text", 200, ANY, message=message(text="مرحبا بالعالم")),
    case("right-to-left override around a word", 200, ANY, message=message(text="\u202emenu\u202c")),
    case("zero-width characters only", 200, ANY, message=message(text="\u200b\u200d\ufeff")),
    case("a lone surrogate", 200, ANY, message=message(text="halo \ud83d")),
    case(
        "chat id as a string",
        200,
        NOTHING,
        message={**message(text="menu"), "chat": {**private_chat(), "id": str(CHAT)}},
    ),
    case(
        "chat id as a boolean", 200, NOTHING, message={**message(text="menu"), "chat": {**private_chat(), "id": True}}
    ),
    case(
        "a lone surrogate in the name",
        200,
        MENU,
        message=message(text="menu", **{"from": {**sender(), "first_name": "\udc00"}}),
    ),
    case("button press with a lone surrogate", 200, ANY, callback_query=press("cb\ud800", data="\ud800")),
    case("button press", 200, ANY, callback_query=press("cb1", data="1")),
    case(
        "button press without data (a game)",
        200,
        CALLBACK_ONLY,
        callback_query={
            "id": "cb2",
            "from": sender(),
            "chat_instance": "c",
            "game_short_name": "g",
            "inline_message_id": "AB",
        },
    ),
    raw("invalid JSON", 400, b'{"update_id": 1, "message": '),
    raw("a JSON array", 400, b"[1, 2, 3]"),
    raw("a JSON string", 400, b'"update"'),
    raw("update_id that is a float", 400, b'{"update_id": 1.5}'),
    raw("update_id that is a string", 400, b'{"update_id": "1"}'),
    raw("not UTF-8", 400, b'{"update_id": 1, "message": "\xff\xfe"}'),
    raw("empty body", 400, b""),
    raw("JSON nested 30,000 deep", 400, b"[" * 30_000 + b"]" * 30_000),
    raw("huge body", 413, json.dumps({"update_id": 1, "message": message(text="x" * 100_000)}).encode()),
    raw("huge body without content-length", 413, b"x"),  # sent in chunks below
]
TELEGRAM_CASES += [
    Case("JSON sent as text/plain", 200, MENU, update={"message": message(text="menu")}, content_type="text/plain"),
    Case(
        "JSON sent as a form",
        200,
        MENU,
        update={"message": message(text="menu")},
        content_type="application/x-www-form-urlencoded",
    ),
    Case(
        "JSON sent as multipart",
        200,
        MENU,
        update={"message": message(text="menu")},
        content_type="multipart/form-data; boundary=x",
    ),
]


def body_of(item: Case, update_id: int) -> bytes:
    if item.raw is not None:
        return item.raw
    return json.dumps({"update_id": update_id, **(item.update or {})}).encode()


async def chunks(data: bytes, size: int, count: int) -> Any:
    for _ in range(count):
        yield data * size


@MODULE_LOOP
@pytest.mark.parametrize("item", TELEGRAM_CASES, ids=lambda item: item.name)
async def test_telegram(module_harness: Harness, item: Case) -> None:
    """Each case as its own teacher: the case's chat id stands in for CHAT in the payload."""
    harness, number = module_harness, TELEGRAM_CASES.index(item)
    chat = CHAT + 1000 * (number + 1)
    onboarded_contact(harness.runtime.engine, "telegram", str(chat))
    headers = {**SECRET, "Content-Type": item.content_type}
    if item.name == "huge body without content-length":
        content: Any = chunks(b"x", 16 * 1024, 8)
    else:
        content = body_of(item, 99_000_000 + number).replace(str(CHAT).encode(), str(chat).encode())
    response = await harness.client.post("/webhooks/telegram", content=content, headers=headers)
    assert response.status_code == item.status, response.text
    await harness.settle()
    assert_reaction(harness.telegram.calls, harness.telegram.sent_texts(chat), item.reaction)


def assert_reaction(calls: list[Any], replies: list[str], reaction: str) -> None:
    if reaction == NOTHING:
        assert calls == [], calls
    elif reaction == CALLBACK_ONLY:
        assert [call.method for call in calls] == ["answerCallbackQuery"]
    elif reaction == ANY:
        assert replies, "the teacher got no reply"
    else:
        assert replies and reaction in replies[0], replies


PUBLIC = "https://bot.example.org"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Form:
    name: str
    status: int
    reaction: str
    fields: dict[str, str]
    path: str = "/webhooks/whatsapp"
    signed_url: str | None = None  # default: the public URL + the path
    signature: str | None = None  # default: Twilio's signature of the fields
    headers: dict[str, str] | None = None
    content: bytes | None = None  # default: the fields, form-encoded
    content_type: str = FORM
    to: str = f"whatsapp:{NUMBER}"  # whose replies show the reaction


def inbound(text: str = "menu", **extra: str) -> dict[str, str]:
    return whatsapp_form(NUMBER, text, sid="SM" + "7" * 32, **extra)


def without(fields: dict[str, str], *names: str) -> dict[str, str]:
    return {key: value for key, value in fields.items() if key not in names}


def media(content_type: str, body: str = "") -> dict[str, str]:
    url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/SM7/Media/ME1"
    return inbound(body, NumMedia="1", MediaUrl0=url, MediaContentType0=content_type)


def status(**fields: str) -> dict[str, str]:
    base = {"AccountSid": "AC" + "0" * 32, "MessageSid": "SM" + "8" * 32, "MessageStatus": "delivered"}
    return {**base, **fields}


LOCATION_FIELDS = {"Latitude": "-5.1477", "Longitude": "119.4327"}
REFERRAL = {
    "ReferralBody": "Belajar akun belajar.id",
    "ReferralHeadline": "Guru Hebat",
    "ReferralSourceId": "120208",
    "ReferralSourceType": "ad",
    "ReferralSourceUrl": "https://fb.me/abc",
    "ReferralCtwaClid": "ARAkLkA8rmlFeiCktEJQ",
    "ReferralMediaId": "1",
    "ReferralNumMedia": "0",
}
USERNAME = "whatsapp:@bu.sari"
STATUS = "/webhooks/whatsapp/status"
WHATSAPP_CASES = [
    Form("text", 200, MENU, inbound()),
    Form("image without a body", 200, TEXT_ONLY, media("image/jpeg")),
    Form("image with a caption", 200, MENU, media("image/jpeg", "menu")),
    Form("voice note", 200, TEXT_ONLY, media("audio/ogg")),
    Form("document", 200, TEXT_ONLY, media("application/pdf")),
    Form("sticker", 200, TEXT_ONLY, media("image/webp")),
    Form("contact card", 200, TEXT_ONLY, media("text/vcard")),
    Form("location", 200, TEXT_ONLY, inbound("", **LOCATION_FIELDS)),
    Form("location with an address", 200, TEXT_ONLY, inbound("", **LOCATION_FIELDS, Address="Jl. A", Label="SDN 1")),
    Form("quick-reply button", 200, MENU, inbound("menu", ButtonText="menu", ButtonPayload="btn-menu-1")),
    Form("button text without a body", 200, MENU, without(inbound(ButtonText="menu"), "Body")),
    Form("button payload alone", 200, MENU, without(inbound(ButtonPayload="menu"), "Body")),
    Form("list reply", 200, MENU, inbound("menu", ListId="row-menu", ListTitle="menu")),
    Form("list reply without a body", 200, MENU, without(inbound(ListId="row-menu", ListTitle="menu"), "Body")),
    Form("click-to-WhatsApp referral", 200, MENU, inbound("menu", **REFERRAL)),
    Form("referral with an empty body", 200, EMPTY, inbound("", **REFERRAL)),
    Form("reply to the bot's message", 200, MENU, inbound("menu", OriginalRepliedMessageSid="SM" + "1" * 32)),
    Form("forwarded message", 200, MENU, inbound("menu", Forwarded="true", FrequentlyForwarded="true")),
    Form("empty body", 200, EMPTY, inbound("")),
    Form("no Body field at all", 200, EMPTY, without(inbound(), "Body")),
    Form("only spaces", 200, EMPTY, inbound("  \n ")),
    Form("10,000 characters", 200, TOO_LONG, inbound("aku guru " * 1111 + "x")),
    Form("null bytes", 200, MENU, inbound("me\x00nu")),
    Form("emoji", 200, ANY, inbound("🙏🏽👍")),
    Form("right-to-left text", 200, ANY, inbound("مرحبا بالعالم")),
    Form("profile name with control characters", 200, MENU, inbound(ProfileName="\x00\x1b[31mSari")),
    Form("NumMedia that is not a number", 200, MENU, inbound(NumMedia="lots")),
    Form("no WaId", 200, MENU, without(inbound(), "WaId")),
    Form("a username instead of a number", 200, MENU, {**inbound(), "From": USERNAME}, to=USERNAME),
    Form("an empty WhatsApp address", 200, NOTHING, {**inbound(), "From": "whatsapp:"}),
    Form("missing MessageSid (SmsSid only)", 200, NOTHING, {**without(inbound(), "MessageSid"), "SmsSid": "SM1"}),
    Form("an SMS to the same number", 200, NOTHING, {**inbound(), "From": NUMBER}),
    Form("empty form", 200, NOTHING, {}),
    Form(
        "signed for the public URL, behind a proxy",
        200,
        MENU,
        inbound(),
        headers={"Host": "10.0.0.5:8000", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "internal"},
    ),
    Form("signed with a query string", 200, MENU, inbound(), path="/webhooks/whatsapp?src=twilio"),
    Form("signed for the listening address", 403, NOTHING, inbound(), signed_url="http://testserver/webhooks/whatsapp"),
    Form("signed for another path", 403, NOTHING, inbound(), signed_url=PUBLIC + "/webhooks/telegram"),
    Form("no signature", 403, NOTHING, inbound(), signature=""),
    Form("a wrong signature", 403, NOTHING, inbound(), signature="bm90IGEgc2lnbmF0dXJl"),
    Form(
        "JSON instead of a form",
        403,
        NOTHING,
        inbound(),
        content=json.dumps(inbound()).encode(),
        content_type="application/json",
    ),
    Form("not UTF-8", 400, NOTHING, {}, content=b"Body=\xff\xfe&From=whatsapp%3A%2B62"),
    Form("huge form", 413, NOTHING, {}, content=b"Body=" + b"x" * 100_000),
    Form("status: delivered for an unknown message", 204, NOTHING, status(), path=STATUS),
    Form("status: an unknown status", 204, NOTHING, status(MessageStatus="exploded"), path=STATUS),
    Form(
        "status: failed with a code that is not a number",
        204,
        NOTHING,
        status(MessageStatus="failed", ErrorCode="abc"),
        path=STATUS,
    ),
    Form("status: missing MessageSid", 204, NOTHING, without(status(), "MessageSid"), path=STATUS),
    Form("status: missing MessageStatus", 204, NOTHING, without(status(), "MessageStatus"), path=STATUS),
    Form(
        "status: an SMS status only",
        204,
        NOTHING,
        {**without(status(), "MessageStatus"), "SmsStatus": "sent"},
        path=STATUS,
    ),
    Form("status: wrong signature", 403, NOTHING, status(), path=STATUS, signature="AAAA"),
]


@MODULE_LOOP
@pytest.mark.parametrize("item", WHATSAPP_CASES, ids=lambda item: item.name)
async def test_whatsapp(module_harness: Harness, item: Form) -> None:
    """Each case as its own teacher: the case's number and message id stand in for the common ones."""
    harness, case_number = module_harness, WHATSAPP_CASES.index(item)
    item = as_teacher(item, f"+62812{case_number:07d}", f"SM{case_number:032x}")
    onboarded_contact(harness.runtime.engine, "whatsapp", item.to)
    token = harness.settings.twilio_auth_token.get_secret_value() if harness.settings.twilio_auth_token else ""
    signature = item.signature
    if signature is None:
        signature = twilio_signature(token, item.signed_url or PUBLIC + item.path, item.fields)
    headers = {"X-Twilio-Signature": signature, "Content-Type": item.content_type, **(item.headers or {})}
    content = item.content if item.content is not None else urlencode(item.fields).encode()
    response = await harness.client.post(item.path, content=content, headers=headers)
    assert response.status_code == item.status, response.text
    await harness.settle()
    calls = harness.twilio.messages
    assert_reaction(calls, harness.twilio.bodies(item.to), item.reaction)


def as_teacher(item: Form, number: str, sid: str) -> Form:
    """The case with its own sender and message id, so cases sharing one app never meet."""

    def swap(value: str) -> str:
        return value.replace(NUMBER, number).replace("SM" + "7" * 32, sid).replace(USERNAME, f"whatsapp:@{sid}")

    fields = {key: swap(value) for key, value in item.fields.items()}
    return replace(item, fields=fields, to=swap(item.to))


def test_the_catalogue_has_at_least_sixty_cases() -> None:
    assert len(TELEGRAM_CASES) + len(WHATSAPP_CASES) >= 60
