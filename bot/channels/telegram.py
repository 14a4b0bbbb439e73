"""Telegram: the webhook (secret-token check, the fields the bot needs read from the update) and
the sender (PTB's `Bot`)."""

import functools
import hmac
import json
import logging
import ssl
import warnings
from datetime import timedelta
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request, Response
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot import metrics
from bot.channels.base import ChannelTraits, Incoming, Outgoing, render_text
from bot.config import Settings
from bot.errors import GiveUp, RetryLater, SendError, Unreachable

log = logging.getLogger(__name__)
router = APIRouter()
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
# Bot API limits: 4096 characters a message, about 30 messages a second, 1 a second per chat.
TRAITS = ChannelTraits("telegram", text_limit=4096, send_rate=30.0, chat_rate=1.0)


def secret_matches(request: Request, settings: Settings) -> bool:
    expected = settings.telegram_secret.get_secret_value() if settings.telegram_secret else ""
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@router.post("/webhooks/telegram")
async def telegram_webhook(request: Request) -> Response:
    """Every update that passed the secret check and is a JSON object is answered 200 (Telegram
    retries anything else and then drops it); the bot reads only the fields it needs."""
    runtime = request.app.state.runtime
    if not runtime.settings.telegram_enabled or not secret_matches(request, runtime.settings):
        raise HTTPException(status_code=403, detail="forbidden")
    try:
        data = json.loads(await request.body())
    except (ValueError, RecursionError) as error:  # RecursionError: JSON nested thousands deep
        raise HTTPException(status_code=400, detail="malformed update") from error
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise HTTPException(status_code=400, detail="malformed update")
    incoming = parse_update(data)
    if incoming is not None:
        await runtime.accept(incoming)
    else:
        metrics.IGNORED.labels(channel="telegram", reason=update_kind(data)).inc()
    return Response(status_code=200)


def parse_update(update: dict[str, Any]) -> Incoming | None:
    """One `Incoming` per update a person sent the bot in a private chat; None for the kinds the
    bot ignores (edited messages, channel posts, groups, reactions, polls…).

    Read from the raw JSON rather than PTB's `Update.de_json`: PTB 22 refuses a whole update when a
    nested object lacks a field newer Bot APIs made required (`User.is_bot`, `file_unique_id`…),
    even a field the bot never reads, and Telegram would then drop the teacher's message."""
    provider_id = f"u{update['update_id']}"
    if isinstance(query := update.get("callback_query"), dict):
        return button_press(provider_id, query)
    if isinstance(member := update.get("my_chat_member"), dict):
        chat = member.get("chat") or {}
        if field(chat, "type") != "private":
            return None  # the bot added to or removed from a group: not a teacher
        status = field(member.get("new_chat_member") or {}, "status")
        kind = "blocked" if status in ("kicked", "left") else "unblocked"
        address = chat_id(chat)
        return None if address is None else Incoming("telegram", provider_id, address, kind=kind)
    message = update.get("message")
    if not isinstance(message, dict) or field(message.get("chat") or {}, "type") != "private":
        return None
    address = chat_id(message["chat"])
    if address is None:
        return None
    text = field(message, "text")
    text = field(message, "caption") if text is None else text
    profile = field(message.get("from") or {}, "first_name") or None
    if not isinstance(text, str):
        return Incoming("telegram", provider_id, address, kind="unsupported", profile_name=profile)
    replied = message.get("reply_to_message")
    reply_to = field(replied, "message_id") if isinstance(replied, dict) else None
    payload = {"reply_to": str(reply_to)} if reply_to else {}
    return Incoming("telegram", provider_id, address, text=text, profile_name=profile, payload=payload)


def button_press(provider_id: str, query: dict[str, Any]) -> Incoming | None:
    """A button press is answered always; one on an inline message (no chat of ours) only that."""
    message = query.get("message")
    chat = message.get("chat") if isinstance(message, dict) else None
    sender = chat_id(query.get("from") or {})
    payload = {"callback_query_id": str(field(query, "id"))}
    if not isinstance(chat, dict):
        return (
            None if sender is None else Incoming("telegram", provider_id, sender, kind="inline_button", payload=payload)
        )
    address = chat_id(chat)
    if field(chat, "type") != "private" or address is None:
        return None
    data = field(query, "data")
    text = data if isinstance(data, str) else ""
    return Incoming("telegram", provider_id, address, text=text, payload=payload)


def field(container: dict[str, Any], name: str) -> Any:
    """A scalar field; a string without lone surrogates (valid JSON, not valid UTF-8)."""
    value = container.get(name) if isinstance(container, dict) else None
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value if isinstance(value, int | bool) else None


def chat_id(container: dict[str, Any]) -> str | None:
    """A chat or user id as the bot stores it; None unless an integer, as Telegram sends them."""
    value = container.get("id") if isinstance(container, dict) else None
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def update_kind(update: dict[str, Any]) -> str:
    """The kind of an ignored update, for the metrics (never its content)."""
    kinds = sorted(key for key in update if key != "update_id")
    return kinds[0][:32] if kinds else "empty"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process. Building one loads the CA bundle (30 ms idle, several times
    that under load), and PTB would build two per Bot: at every start and in every test."""
    return httpx.create_ssl_context()


class TelegramSender:
    traits = TRAITS

    def __init__(self, settings: Settings) -> None:
        self.traits = TRAITS.at_rates(settings.telegram_rate, settings.telegram_chat_rate)
        token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
        root = settings.telegram_api_url.rstrip("/")
        timeout = settings.send_timeout
        request = HTTPXRequest(
            connection_pool_size=32,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=min(timeout, 10.0),
            pool_timeout=timeout,
            httpx_kwargs={"verify": tls_context()},
        )
        unused_updates_request = HTTPXRequest(connection_pool_size=1, httpx_kwargs={"verify": tls_context()})
        self.bot = Bot(token, base_url=f"{root}/bot", request=request, get_updates_request=unused_updates_request)

    async def send(self, message: Outgoing) -> str | None:
        try:
            return await self._send(message)
        except TelegramError as error:
            raise classify(error) from error
        except (KeyError, TypeError, ValueError, AttributeError) as error:  # a 200 PTB could not read
            raise RetryLater(f"telegram answered something unreadable: {type(error).__name__}") from error

    async def _send(self, message: Outgoing) -> str | None:
        if message.kind == "callback_answer":
            await self.bot.answer_callback_query(str(message.payload["callback_query_id"]))
            return None
        sent = await self.bot.send_message(
            chat_id=int(message.address),
            text=render_text(message)[: TRAITS.text_limit],  # the outbox splits long texts; this is a last guard
            reply_markup=buttons(message.options, str(message.payload.get("question_tag") or "")),
        )
        if not sent.message_id:
            raise RetryLater("telegram answered without a message id")
        return str(sent.message_id)

    async def close(self) -> None:
        await self.bot.shutdown()


def buttons(options: list[str], tag: str = "") -> InlineKeyboardMarkup | None:
    """One button per option; with a tag ("p12", "q7") each names the question it answers."""
    if not options:
        return None
    rows: list[list[InlineKeyboardButton]] = [
        [InlineKeyboardButton(f"{number}. {label}"[:64], callback_data=f"{tag}:{number}" if tag else str(number))]
        for number, label in enumerate(options, start=1)
    ]
    return InlineKeyboardMarkup(rows)


def classify(error: TelegramError) -> SendError:
    """Telegram's errors, sorted once: retry later, contact unreachable, or give up."""
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # PTB warns that the type will become timedelta; take either
            warnings.simplefilter("ignore")
            seconds = error.retry_after
        wait = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
        return RetryLater(f"telegram 429: {error.message}", retry_after=wait)
    if isinstance(error, Forbidden):
        return Unreachable(f"telegram 403: {error.message}")
    if isinstance(error, BadRequest):
        if "chat not found" in error.message.lower():
            return Unreachable(f"telegram 400: {error.message}")
        return GiveUp(f"telegram 400: {error.message}")
    if isinstance(error, (TimedOut, NetworkError)):
        return RetryLater(f"telegram network: {error.message}")
    return RetryLater(f"telegram: {error.message}")


async def set_webhook(settings: Settings) -> dict[str, Any]:
    """Register the webhook with the secret and the updates the bot handles."""
    sender = TelegramSender(settings)
    secret = settings.telegram_secret.get_secret_value() if settings.telegram_secret else None
    url = settings.public_url.rstrip("/") + "/webhooks/telegram"
    async with sender.bot:
        await sender.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        info = await sender.bot.get_webhook_info()
    return {"url": info.url, "pending_update_count": info.pending_update_count}
