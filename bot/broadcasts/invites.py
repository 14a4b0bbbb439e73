"""Invitation links that start onboarding with the region known: a Telegram deep link
(`t.me/<bot>?start=r7308`) and a WhatsApp click-to-chat link (`wa.me/<number>?text=DAFTAR 7308`),
each also as a QR code (PNG and SVG, with segno) for the slide of a coaching clinic."""

import io
import re
from typing import Literal
from urllib.parse import quote

import segno
from pydantic import BaseModel

from bot import regions
from bot.config import Settings

TELEGRAM_START = re.compile(r"^/start r(\d{2})(\d{2})$", re.IGNORECASE)
WHATSAPP_START = re.compile(r"^daftar (\d{2})\.?(\d{2})$", re.IGNORECASE)
QrFormat = Literal["png", "svg"]
Channel = Literal["telegram", "whatsapp"]


class InviteLinks(BaseModel):
    regency: str
    name: str
    telegram: str | None  # None while GURUBOT_TELEGRAM_BOT_USERNAME is not set
    whatsapp: str | None  # None while WhatsApp is off
    qr: dict[str, dict[str, str]]  # channel → format → the API path of the image


def regency_code_of(text: str) -> str | None:
    """The kabupaten/kota an invitation's first message names ("/start r7308", "DAFTAR 7308")."""
    words = " ".join(text.split())
    found = TELEGRAM_START.match(words) or WHATSAPP_START.match(words)
    if found is None:
        return None
    code = f"{found.group(1)}.{found.group(2)}"
    return code if code in regions.regencies() else None


def compact(code: str) -> str:
    return code.replace(".", "")


def telegram_link(settings: Settings, code: str) -> str | None:
    if not settings.telegram_bot_username:
        return None
    return f"https://t.me/{settings.telegram_bot_username}?start=r{compact(code)}"


def whatsapp_link(settings: Settings, code: str) -> str | None:
    if not settings.twilio_whatsapp_from:
        return None
    number = settings.twilio_whatsapp_from.removeprefix("whatsapp:").lstrip("+")
    return f"https://wa.me/{number}?text={quote(f'DAFTAR {compact(code)}')}"


def invite_links(settings: Settings, code: str) -> InviteLinks:
    links = {"telegram": telegram_link(settings, code), "whatsapp": whatsapp_link(settings, code)}
    qr = {
        channel: {kind: f"/api/invite-links/qr.{kind}?regency={code}&channel={channel}" for kind in ("png", "svg")}
        for channel, link in links.items()
        if link
    }
    return InviteLinks(regency=code, name=regions.region_name(code) or code, qr=qr, **links)


def qr_image(link: str, kind: QrFormat) -> bytes:
    """The link as a QR code, large enough to scan from the back of a room."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind=kind, scale=10, border=4)
    return buffer.getvalue()
