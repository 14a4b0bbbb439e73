"""What the inbound benchmark's teachers send, per channel: a Telegram update with the secret
header, or a Twilio WhatsApp form signed for the public URL; and how each chat is addressed."""

import itertools
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

WORD = "menu"  # an onboarded teacher in the main menu gets one reply: the menu
TELEGRAM_TOKEN = "1:bench"
TELEGRAM_SECRET = "bench-secret"
TWILIO_ACCOUNT_SID = "AC" + "0" * 32
TWILIO_AUTH_TOKEN = "bench-twilio-token"
TWILIO_FROM = "whatsapp:+14155238886"
PUBLIC_URL = "https://bot.example.org"  # what the signatures are computed against, as behind a proxy


@dataclass(frozen=True)
class Channel:
    """A provider's side of the load: the webhook path, the address of chat n (as gurubot stores it
    and as the fake provider records replies to it), and the request a teacher's message makes."""

    name: str
    webhook_path: str

    def address(self, number: int) -> str:
        return str(number) if self.name == "telegram" else f"whatsapp:+62{number}"

    def settings(self, fake_url: str) -> dict[str, str]:
        """The GURUBOT_* settings that switch the channel on, sending to the fake without a global limit."""
        if self.name == "telegram":
            return {
                "GURUBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
                "GURUBOT_TELEGRAM_SECRET": TELEGRAM_SECRET,
                "GURUBOT_TELEGRAM_API_URL": fake_url,
                "GURUBOT_TELEGRAM_RATE": "100000",
            }
        return {
            "GURUBOT_TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
            "GURUBOT_TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
            "GURUBOT_TWILIO_WHATSAPP_FROM": TWILIO_FROM,
            "GURUBOT_TWILIO_API_URL": fake_url,
            "GURUBOT_WHATSAPP_RATE": "100000",
            "GURUBOT_PUBLIC_URL": PUBLIC_URL,
        }


TELEGRAM = Channel("telegram", "/webhooks/telegram")
WHATSAPP = Channel("whatsapp", "/webhooks/whatsapp")
CHANNELS = {channel.name: channel for channel in (TELEGRAM, WHATSAPP)}


class Messages:
    """A teacher typing WORD, as the channel's provider would deliver it: each with a fresh id."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.ids = itertools.count(1)
        self.validator = RequestValidator(TWILIO_AUTH_TOKEN)

    def __call__(self, chat: str) -> tuple[dict[str, str], bytes]:
        return self.telegram(chat) if self.channel is TELEGRAM else self.whatsapp(chat)

    def telegram(self, chat: str) -> tuple[dict[str, str], bytes]:
        number = next(self.ids)
        message = {
            "message_id": number,
            "date": int(time.time()),
            "chat": {"id": int(chat), "type": "private", "first_name": "Sari"},
            "from": {"id": int(chat), "is_bot": False, "first_name": "Sari"},
            "text": WORD,
        }
        headers = {"content-type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        return headers, json.dumps({"update_id": number, "message": message}).encode()

    def whatsapp(self, chat: str) -> tuple[dict[str, str], bytes]:
        fields = {
            "MessageSid": f"SM{next(self.ids):032x}",
            "AccountSid": TWILIO_ACCOUNT_SID,
            "From": chat,
            "To": TWILIO_FROM,
            "Body": WORD,
            "NumMedia": "0",
            "ProfileName": "Bu Sari",
            "WaId": chat.removeprefix("whatsapp:+"),
        }
        signature = self.validator.compute_signature(PUBLIC_URL + WHATSAPP.webhook_path, fields)
        headers = {"content-type": "application/x-www-form-urlencoded", "X-Twilio-Signature": str(signature)}
        return headers, urlencode(fields).encode()
