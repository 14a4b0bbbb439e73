"""Property-based tests: the webhook parsers take any JSON or form without raising (and the
webhooks answer it without a 5xx), and random sequences of words, numbers, buttons, commands and
free text never crash a conversation nor leave a contact in a state the engine does not know.

Examples are bounded so the suite stays fast; with CI set they are derandomized (the same
examples every run)."""

import itertools
import json
import os
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from bot.channels.base import Incoming
from bot.channels.telegram import parse_update
from bot.channels.whatsapp import parse_message
from bot.content import texts
from bot.features import registry
from bot.models import Contact, InboundMessage, OutboundMessage
from tests.factories import Harness, twilio_signature

settings.register_profile(
    "gurubot",
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
settings.load_profile("gurubot")
MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
SECRET = {"X-Telegram-Bot-Api-Secret-Token": "telegram-webhook-secret", "Content-Type": "application/json"}
_chats = itertools.count(6_600_000)

scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False) | st.text(max_size=20)
any_json = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=16,
)
chat_types = st.sampled_from(["private", "group", "supergroup", "channel", "sender"])
chats = st.fixed_dictionaries({"id": st.integers(-(2**40), 2**40) | any_json, "type": chat_types | any_json})
people = st.fixed_dictionaries({"id": st.integers(1, 2**40) | any_json}, optional={"first_name": any_json})
messages = st.fixed_dictionaries(
    {"chat": chats | any_json},
    optional={"text": st.text() | any_json, "caption": any_json, "from": people | any_json, "photo": any_json},
)
queries = st.fixed_dictionaries(
    {"id": any_json, "from": people | any_json}, optional={"message": messages | any_json, "data": any_json}
)
members = st.fixed_dictionaries(
    {"chat": chats | any_json, "new_chat_member": st.fixed_dictionaries({"status": any_json}) | any_json}
)
update_bodies = st.one_of(
    st.fixed_dictionaries({"message": messages}),
    st.fixed_dictionaries({"callback_query": queries}),
    st.fixed_dictionaries({"my_chat_member": members}),
    st.dictionaries(st.text(max_size=24), any_json, max_size=3),
)
updates = st.builds(lambda update_id, body: {"update_id": update_id, **body}, st.integers(0, 2**62), update_bodies)
TWILIO_FIELDS = [
    "MessageSid", "SmsSid", "From", "To", "Body", "NumMedia", "ProfileName", "WaId", "ButtonText", "ButtonPayload",
    "ListTitle", "ListId", "Latitude", "Longitude", "MediaUrl0", "ReferralCtwaClid", "MessageStatus", "ErrorCode",
]  # fmt: skip
field_values = st.text(max_size=40) | st.sampled_from(["whatsapp:+6281200000001", "whatsapp:", "+62812", "0", "1"])
forms = st.dictionaries(st.sampled_from(TWILIO_FIELDS) | st.text(max_size=12), field_values, max_size=10)


@settings(max_examples=200)
@given(updates)
def test_the_telegram_parser_takes_any_update(update: dict[str, Any]) -> None:
    incoming = parse_update(update)
    assert incoming is None or (incoming.address.lstrip("-").isdigit() and isinstance(incoming.text, str))


@settings(max_examples=200)
@given(forms)
def test_the_twilio_parser_takes_any_form(fields: dict[str, str]) -> None:
    incoming = parse_message(fields)
    assert incoming is None or (incoming.address.startswith("whatsapp:") and isinstance(incoming.text, str))


@MODULE_LOOP
@settings(max_examples=30)
@given(st.one_of(updates.map(json.dumps), any_json.map(json.dumps), st.binary(max_size=200).map(repr)))
async def test_the_telegram_webhook_answers_any_json_without_a_5xx(module_harness: Harness, body: str) -> None:
    response = await module_harness.client.post("/webhooks/telegram", content=body.encode(), headers=SECRET)
    assert response.status_code in (200, 400), response.text
    await module_harness.runtime.handle_pending()
    assert failed_inbound(module_harness) == []


@MODULE_LOOP
@settings(max_examples=30)
@given(forms, st.sampled_from(["/webhooks/whatsapp", "/webhooks/whatsapp/status"]))
async def test_the_twilio_webhooks_answer_any_signed_form_without_a_5xx(
    module_harness: Harness, fields: dict[str, str], path: str
) -> None:
    token = "twilio-test-auth-token"
    headers = {
        "X-Twilio-Signature": twilio_signature(token, "https://bot.example.org" + path, fields),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response = await module_harness.client.post(path, content=urlencode(fields), headers=headers)
    assert response.status_code in (200, 204), response.text
    await module_harness.runtime.handle_pending()
    assert failed_inbound(module_harness) == []


def failed_inbound(harness: Harness) -> list[str | None]:
    with Session(harness.runtime.engine) as session:
        query = select(InboundMessage.error).where(InboundMessage.status == "failed")
        return list(session.exec(query))


WORDS = [
    "menu", "0", "bantuan", "tanya", "jadwal", "aktivasi", "belajar.id", "lanjut", "UBAH DATA", "DATA SAYA",
    "HAPUS DATA", "BERHENTI", "STOP", "MULAI", "refleksi", "lencana", "BERHENTI PENGUMUMAN", "/start",
    "/start duta_abc", "/menu@GuruBot", "sulsel", "makassar", "Bu Sari", "setuju", "ya", "tidak", "sudah", "belum",
    "akun tidak ditemukan", "hadir", "ok", "makasih", "DUTA 1234", "TIKET", "AMBIL 1",
]  # fmt: skip
inputs = st.one_of(
    st.sampled_from(WORDS),
    st.integers(0, 12).map(str),
    st.builds(
        lambda kind, number, choice: f"{kind}{number}:{choice}",
        st.sampled_from("pq"),
        st.integers(0, 40),
        st.integers(0, 9),
    ),
    st.text(max_size=30),
)


@MODULE_LOOP
@settings(max_examples=25)
@given(st.lists(inputs, min_size=1, max_size=10))
async def test_random_conversations_never_crash_nor_lose_state(module_harness: Harness, said: list[str]) -> None:
    runtime, chat = module_harness.runtime, str(next(_chats))
    for number, text in enumerate([*said, "menu"]):
        await runtime.accept(Incoming("telegram", f"fuzz-{chat}-{number}", chat, text=text))
        await runtime.handle_pending()
    with Session(runtime.engine) as session:
        inbound = session.exec(select(InboundMessage).where(InboundMessage.address == chat)).all()
        assert {row.status for row in inbound} == {"processed"}, [row.error for row in inbound]
        sent = session.exec(select(OutboundMessage.text).where(OutboundMessage.address == chat)).all()
        assert texts().render("common.error") not in sent
        assert state_problems(session.exec(select(Contact).where(col(Contact.address) == chat)).first()) == []
        last = session.exec(
            select(OutboundMessage).where(OutboundMessage.address == chat).order_by(col(OutboundMessage.id).desc())
        ).first()
    assert last is not None, "the closing 'menu' got no answer"


def state_problems(contact: Contact | None) -> list[str]:
    """A contact the engine can go on with: a known flow and, in it, a known step."""
    if contact is None or contact.flow is None:
        return []
    flows = registry().flows
    if contact.flow not in flows:
        return [f"unknown flow {contact.flow}"]
    steps = flows[contact.flow].steps
    return [] if contact.step is None or contact.step in steps else [f"unknown step {contact.flow}.{contact.step}"]
