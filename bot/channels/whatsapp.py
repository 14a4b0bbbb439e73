"""WhatsApp through Twilio: the webhooks (signature checked by twilio's `RequestValidator`
against the public URL) and the sender (twilio's client against the Messages REST API)."""

import asyncio
import logging
from datetime import timedelta
from urllib.parse import parse_qsl

import aiohttp
from fastapi import APIRouter, HTTPException, Request, Response
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot import metrics
from bot.channels.base import ChannelTraits, Incoming, Outgoing, render_text
from bot.config import Settings
from bot.delivery.templates import whatsapp_templates
from bot.errors import GiveUp, OutsideWindow, RetryLater, SendError, Unreachable

log = logging.getLogger(__name__)
router = APIRouter()
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# Twilio: 1600 characters a message; our pace 10 a second per sender unless configured.
# WhatsApp: free text only within 24 hours of the contact's last message.
TRAITS = ChannelTraits(
    "whatsapp", text_limit=1600, send_rate=10.0, reply_window=timedelta(hours=24), status_callbacks=True
)
RETRY_CODES = {20429, 63018}  # too many requests; WhatsApp's rate limit for the sender
UNREACHABLE_CODES = {21610, 63024, 21211, 21614}  # unsubscribed (STOP); invalid recipient; bad number
OUTSIDE_WINDOW_CODES = {63016}  # free text outside the 24-hour window


async def verified_form(request: Request) -> dict[str, str]:
    """The form fields of a request Twilio signed for our public URL; 403 otherwise, 400 if malformed."""
    settings: Settings = request.app.state.runtime.settings
    if not settings.whatsapp_enabled or settings.twilio_auth_token is None:
        raise HTTPException(status_code=403, detail="forbidden")
    try:
        fields = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as error:
        raise HTTPException(status_code=400, detail="malformed form") from error
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    if not validator.validate(url, fields, request.headers.get("X-Twilio-Signature", "")):
        raise HTTPException(status_code=403, detail="forbidden")
    return fields


@router.post("/webhooks/whatsapp")
async def whatsapp_webhook(request: Request) -> Response:
    fields = await verified_form(request)
    incoming = parse_message(fields)
    if incoming is None:  # an SMS, or a body without a message id: Twilio gets its empty TwiML
        metrics.IGNORED.labels(channel="whatsapp", reason="not_whatsapp").inc()
    else:
        await request.app.state.runtime.accept(incoming)
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("/webhooks/whatsapp/status")
async def whatsapp_status(request: Request) -> Response:
    fields = await verified_form(request)
    sid, status = fields.get("MessageSid", ""), fields.get("MessageStatus", "")
    if not sid or not status:  # an SMS status, or a malformed one: a 400 would be error 11200
        metrics.IGNORED.labels(channel="whatsapp", reason="status_without_sid").inc()
    else:
        await request.app.state.runtime.record_status(sid, status, fields.get("ErrorCode"))
    return Response(status_code=204)


def parse_message(fields: dict[str, str]) -> Incoming | None:
    """The WhatsApp message of a signed Twilio form; None for what this bot does not serve (an SMS
    to the same number, a form without MessageSid): a 400 would show as error 11200 to the operator."""
    sid, sender = fields.get("MessageSid", ""), fields.get("From", "")
    if not sid or not sender.startswith("whatsapp:") or not sender.removeprefix("whatsapp:").strip():
        return None
    # A quick-reply or list tap: Body is the label the teacher saw, ButtonPayload / ListId our id for it.
    text = fields.get("Body") or fields.get("ButtonText") or fields.get("ListTitle") or fields.get("ButtonPayload", "")
    has_media = fields.get("NumMedia", "0") not in ("", "0") or "Latitude" in fields
    kind = "unsupported" if has_media and not text.strip() else "text"
    return Incoming("whatsapp", sid, sender, kind=kind, text=text, profile_name=fields.get("ProfileName"))


class WhatsAppSender:
    traits = TRAITS

    def __init__(self, settings: Settings, required_templates: set[str] | None = None) -> None:
        assert settings.twilio_auth_token is not None
        self.traits = TRAITS.at_rates(settings.whatsapp_rate)
        self.settings = settings
        self.status_callback = settings.public_url.rstrip("/") + "/webhooks/whatsapp/status"
        self.templates = whatsapp_templates(required_templates)  # a missing one stops the start, not a send
        self._client: Client | None = None

    def client(self) -> Client:
        # aiohttp wants its session created inside the running event loop.
        if self._client is None:
            token = self.settings.twilio_auth_token
            assert token is not None
            client = Client(
                self.settings.twilio_account_sid, token.get_secret_value(), http_client=AsyncTwilioHttpClient()
            )
            client.api.base_url = self.settings.twilio_api_url.rstrip("/")
            self._client = client
        return self._client

    async def send(self, message: Outgoing) -> str | None:
        create = self.client().messages.create_async(
            to=message.address,
            from_=self.settings.twilio_whatsapp_from,
            status_callback=self.status_callback,
            **self.content(message),
        )
        try:
            created = await asyncio.wait_for(create, self.settings.send_timeout)
        except TwilioRestException as error:
            raise classify(error) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise RetryLater(f"twilio network: {type(error).__name__}") from error
        except (ValueError, KeyError, TypeError) as error:  # a body that is not the JSON expected
            raise RetryLater(f"twilio answered garbage: {type(error).__name__}") from error
        if not created.sid:
            raise RetryLater("twilio answered without a message sid")
        return str(created.sid)

    def content(self, message: Outgoing) -> dict[str, str]:
        """The free text, or an approved template (ContentSid + ContentVariables) outside the window."""
        if message.template is None:
            return {"body": render_text(message)[: TRAITS.text_limit]}
        template = self.templates.get(message.template)
        if template is None:
            raise GiveUp(f"unknown WhatsApp template {message.template}")
        try:
            variables = template.content_variables(message.template_variables)
        except ValueError as error:
            raise GiveUp(str(error)) from error
        return {"content_sid": template.content_sid, "content_variables": variables}

    async def close(self) -> None:
        if self._client is not None:
            http_client = self._client.http_client
            if isinstance(http_client, AsyncTwilioHttpClient):
                await http_client.close()


def classify(error: TwilioRestException) -> SendError:
    """Twilio's errors, sorted once: retry later, contact unreachable, outside the window, or give up."""
    reason = f"twilio {error.status} code {error.code}: {error.msg}"
    if error.status == 429 or error.status >= 500:
        return RetryLater(reason)
    return classify_code(error.code, reason)


def classify_code(code: int | None, reason: str) -> SendError:
    """A Twilio error code (at send time or in a status callback) → what to do about it."""
    if code in RETRY_CODES:
        return RetryLater(reason)
    if code in UNREACHABLE_CODES:
        return Unreachable(reason)
    if code in OUTSIDE_WINDOW_CODES:
        return OutsideWindow(reason)
    return GiveUp(reason)


def webhook_urls(settings: Settings) -> dict[str, str]:
    root = settings.public_url.rstrip("/")
    return {"incoming": f"{root}/webhooks/whatsapp", "status": f"{root}/webhooks/whatsapp/status"}
