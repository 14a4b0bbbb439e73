"""Builders of provider requests (Telegram updates, signed Twilio forms) and the test harness."""

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session
from twilio.request_validator import RequestValidator

from bot import clock
from bot.app import create_app
from bot.config import Settings
from bot.models import Consent, Contact
from bot.regions import time_zone_of
from bot.runtime import Runtime
from tests.fakes import FakeTelegram, FakeTwilio

_update_ids = itertools.count(1000)
_message_sids = itertools.count(1)


def telegram_text_update(chat_id: int, text: str, update_id: int | None = None) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Sari"}
    message = {
        "message_id": next(_update_ids),
        "date": int(clock.utcnow().timestamp()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Sari"},
        "from": user,
        "text": text,
    }
    return {"update_id": update_id if update_id is not None else next(_update_ids), "message": message}


def telegram_callback_update(chat_id: int, data: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Sari"}
    chat = {"id": chat_id, "type": "private"}
    message = {"message_id": 1, "date": int(clock.utcnow().timestamp()), "chat": chat, "text": "…"}
    query = {"id": f"cb{next(_update_ids)}", "from": user, "chat_instance": "ci", "message": message, "data": data}
    return {"update_id": next(_update_ids), "callback_query": query}


def whatsapp_form(number: str, text: str, sid: str | None = None, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{next(_message_sids):032x}",
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{number}",
        "To": "whatsapp:+14155238886",
        "Body": text,
        "NumMedia": "0",
        "ProfileName": "Bu Sari",
        "WaId": number.lstrip("+"),
        **extra,
    }


def twilio_signature(auth_token: str, url: str, form: dict[str, str]) -> str:
    return str(RequestValidator(auth_token).compute_signature(url, form))


def onboarding_script(province: str = "sulsel", regency: str = "bone") -> list[str]:
    """What a teacher types from the first message to the main menu (consent, name, region, guru, SD)."""
    return ["halo", "1", "Bu Sari", province, regency, "1", "2"]


def onboarded_contact(engine: Engine, channel: str, address: str, province: str = "73", **fields: Any) -> int:
    """A contact who consented and finished onboarding, resting in the main menu (for tests that
    are not about onboarding); returns its id. `address` as the channel stores it: the chat id, or "whatsapp:+62…"."""
    now = clock.utcnow()
    values: dict[str, Any] = {
        "name": f"Guru {address[-4:]}",
        "role": "guru",
        "school_level": "sd",
        "flow": "menu",
        "step": "main",
        "consent_given_at": now,
        "onboarded_at": now,
        **fields,
    }
    contact = Contact(
        channel=channel, address=address, province_code=province, time_zone=time_zone_of(province).iana, **values
    )
    with Session(engine) as session:
        session.add(contact)
        session.flush()
        assert contact.id is not None
        session.add(Consent(contact_id=contact.id, text_version="onboarding.privacy@test"))
        session.commit()
        return contact.id


class Harness:
    """The app under test with its fakes: post like a provider, then let the bot work."""

    def __init__(
        self, app: FastAPI, client: httpx.AsyncClient, settings: Settings, telegram: FakeTelegram, twilio: FakeTwilio
    ) -> None:
        self.app, self.client, self.settings = app, client, settings
        self.telegram, self.twilio = telegram, twilio

    @classmethod
    @asynccontextmanager
    async def running(
        cls, settings: Settings, engine: Engine, telegram: FakeTelegram, twilio: FakeTwilio
    ) -> AsyncIterator["Harness"]:
        app = create_app(settings, engine)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield cls(app, client, settings, telegram, twilio)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def settle(self) -> None:
        await self.runtime.settle()

    async def post_telegram(self, update: dict[str, Any], secret: str | None = None) -> httpx.Response:
        token = self.settings.telegram_secret.get_secret_value() if self.settings.telegram_secret else ""
        headers = {"X-Telegram-Bot-Api-Secret-Token": token if secret is None else secret}
        return await self.client.post("/webhooks/telegram", json=update, headers=headers)

    async def telegram_says(self, chat_id: int, text: str) -> list[str]:
        """Send a text as a Telegram user; returns the texts the bot sent back."""
        before = len(self.telegram.sent_texts(chat_id))
        response = await self.post_telegram(telegram_text_update(chat_id, text))
        assert response.status_code == 200, response.text
        await self.settle()
        return self.telegram.sent_texts(chat_id)[before:]

    async def post_whatsapp(
        self, form: dict[str, str], path: str = "/webhooks/whatsapp", signature: str | None = None
    ) -> httpx.Response:
        token = self.settings.twilio_auth_token.get_secret_value() if self.settings.twilio_auth_token else ""
        url = self.settings.public_url + path
        headers = {
            "X-Twilio-Signature": signature if signature is not None else twilio_signature(token, url, form),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return await self.client.post(path, content=urlencode(form), headers=headers)

    async def whatsapp_says(self, number: str, text: str) -> list[str]:
        """Send a text as a WhatsApp user; returns the bodies the bot sent back."""
        before = len(self.twilio.bodies(f"whatsapp:{number}"))
        response = await self.post_whatsapp(whatsapp_form(number, text))
        assert response.status_code == 200, response.text
        await self.settle()
        return self.twilio.bodies(f"whatsapp:{number}")[before:]

    async def onboard_telegram(self, chat_id: int, province: str = "sulsel", regency: str = "bone") -> list[str]:
        """Onboard a Telegram teacher to the main menu; returns the last replies."""
        replies: list[str] = []
        for text in onboarding_script(province, regency):
            replies = await self.telegram_says(chat_id, text)
        return replies

    async def onboard_whatsapp(self, number: str, province: str = "sulsel", regency: str = "bone") -> list[str]:
        """Onboard a WhatsApp teacher to the main menu; returns the last replies."""
        replies: list[str] = []
        for text in onboarding_script(province, regency):
            replies = await self.whatsapp_says(number, text)
        return replies
