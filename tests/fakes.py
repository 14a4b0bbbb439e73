"""Fake Telegram Bot API and Twilio REST servers on loopback, answering like the real ones.

Every request is checked against the published specs (required and known parameters; extracts
in tests/reference, with their source); a request the real provider would refuse fails the test.
"""

import asyncio
import base64
import json
import random
import secrets
import socket
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from sqlalchemy import Engine, Float, literal
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot import clock
from bot.channels.base import ChannelTraits, Outgoing, Sender
from bot.config import Settings
from bot.dispatcher import Dispatcher

REFERENCE = Path(__file__).resolve().parent / "reference"
TELEGRAM_SPEC = REFERENCE / "telegram-bot-api-10.0.methods.json"
TWILIO_SPEC = REFERENCE / "twilio_api_v2010.messages-create.json"
TWILIO_MESSAGES = "/2010-04-01/Accounts/{AccountSid}/Messages.json"


@lru_cache
def telegram_spec() -> dict[str, Any]:
    return json.loads(TELEGRAM_SPEC.read_text(encoding="utf-8"))  # missing: the test fails, never skips


@lru_cache
def twilio_spec() -> dict[str, Any]:
    return json.loads(TWILIO_SPEC.read_text(encoding="utf-8"))


def spec_problems_telegram(method: str, params: dict[str, Any]) -> list[str]:
    methods = telegram_spec()["methods"]
    if method not in methods:
        return [f"unknown method {method}"]
    fields = {f["name"]: f for f in methods[method].get("fields", [])}
    problems = [
        f"{method}: missing required {name}" for name, f in fields.items() if f["required"] and name not in params
    ]
    problems += [f"{method}: unknown parameter {name}" for name in params if name not in fields]
    return problems


def spec_problems_twilio(fields: dict[str, str]) -> list[str]:
    operation = twilio_spec()["paths"][TWILIO_MESSAGES]["post"]
    schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    problems = [f"missing required {name}" for name in schema.get("required", []) if name not in fields]
    problems += [f"unknown parameter {name}" for name in fields if name not in schema["properties"]]
    snake = {name: "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_") for name in fields}
    for group in operation["x-twilio"]["conditional"]:
        if not any(name in group for name in snake.values()):
            problems.append(f"needs one of {group}")
    return problems


# Faults a provider can show: a body that is not JSON, no answer at all, a connection cut in the
# middle of the answer, a success without a message id, 429 with a retry delay, a 5xx.
FAULT_KINDS = ("garbage", "hang", "reset", "no_id", "too_many", "server_error")


@dataclass
class Faults:
    """Injects faults into a share (`rate`) of message sends, chosen by a seeded random; the
    kinds take turns, so every kind shows up."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    hang_seconds: float = 1.0
    retry_after: int = 1
    seed: int = 1
    injected: list[str] = field(default_factory=list)
    chooser: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.chooser = random.Random(self.seed)

    def pick(self) -> str | None:
        if self.rate <= 0 or self.chooser.random() >= self.rate:
            return None
        kind = self.kinds[len(self.injected) % len(self.kinds)]  # each kind in turn
        self.injected.append(kind)
        return kind


class CutConnection:
    """Starts a response, sends half of it and drops the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"400")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"ok": true, "res', "more_body": True})
        raise ConnectionResetError("fault injected: connection cut")


async def common_fault(kind: str, faults: Faults) -> Response | CutConnection | None:
    """The faults that look the same at every provider; None for provider-specific ones."""
    if kind == "garbage":
        return Response("<html><body>502 Bad Gateway</body></html>", status_code=200, media_type="text/html")
    if kind == "reset":
        return CutConnection()
    if kind == "hang":
        await asyncio.sleep(faults.hang_seconds)
        return Response("too late", status_code=504)
    return None


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    answer: str = "ok"  # or the fault injected


@dataclass
class FakeTelegram:
    token: str
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    blocked_chats: set[int] = field(default_factory=set)
    fail_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    next_message_id: int = 1
    faults: Faults = field(default_factory=Faults)

    def __post_init__(self) -> None:
        telegram_spec()  # no spec, no fake: a missing file fails every test using this fake

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [
            c.params["text"]
            for c in self.calls
            if c.method == "sendMessage" and (chat_id is None or int(c.params["chat_id"]) == chat_id)
        ]

    def accepted_texts(self) -> list[str]:
        """Texts of sendMessage calls answered with a proper message."""
        return [c.params["text"] for c in self.calls if c.method == "sendMessage" and c.answer == "ok"]

    async def endpoint(self, request: Request) -> Response | CutConnection:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        method = request.path_params["method"]
        params = await read_telegram_params(request)
        call = Call(method, params)
        self.calls.append(call)
        self.problems += spec_problems_telegram(method, params)
        if self.fail_next:
            status, body = self.fail_next.pop(0)
            return JSONResponse(body, status_code=status)
        fault = self.faults.pick() if method == "sendMessage" else None
        if fault is not None:
            call.answer = fault
            return await common_fault(fault, self.faults) or self.fault(fault, params)
        return self.answer(method, params)

    def fault(self, kind: str, params: dict[str, Any]) -> JSONResponse:
        if kind == "no_id":
            chat = {"id": int(params["chat_id"]), "type": "private"}
            message = {"date": int(clock.utcnow().timestamp()), "chat": chat}
            return JSONResponse({"ok": True, "result": message})
        if kind == "too_many":
            retry = self.faults.retry_after
            body = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry}",
                "parameters": {"retry_after": retry},
            }
            return JSONResponse(body, status_code=429)
        return JSONResponse({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status_code=502)

    def answer(self, method: str, params: dict[str, Any]) -> JSONResponse:
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            if chat_id in self.blocked_chats:
                body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
                return JSONResponse(body, status_code=403)
            self.next_message_id += 1
            message = {
                "message_id": self.next_message_id,
                "date": int(clock.utcnow().timestamp()),
                "chat": {"id": chat_id, "type": "private"},
                "text": params["text"],
            }
            return JSONResponse({"ok": True, "result": message})
        if method == "getMe":
            user = {"id": 1, "is_bot": True, "first_name": "GuruBot", "username": "gurubot_test_bot"}
            return JSONResponse({"ok": True, "result": user})
        if method == "getWebhookInfo":
            info = {
                "url": "https://bot.example.org/webhooks/telegram",
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
            return JSONResponse({"ok": True, "result": info})
        return JSONResponse({"ok": True, "result": True})


async def read_telegram_params(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        data: dict[str, Any] = await request.json()
        return data
    form = await request.form()
    params: dict[str, Any] = {}
    for key, value in form.items():
        try:
            params[key] = json.loads(str(value))
        except ValueError:
            params[key] = value
    return params


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    messages: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)
    fail_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    answers: dict[int, str] = field(default_factory=dict)  # id(message) → "ok" or the fault injected
    outside_window: set[str] = field(default_factory=set)  # numbers whose free text gets 63016
    next_sids: list[str] = field(default_factory=list)  # sids to hand out first (to race callbacks)

    def __post_init__(self) -> None:
        twilio_spec()  # no spec, no fake: a missing file fails every test using this fake

    def bodies(self, to: str | None = None) -> list[str]:
        return [m.get("Body", "") for m in self.messages if to is None or m["To"] == to]

    def accepted_bodies(self) -> list[str]:
        """Bodies of the messages answered with a proper message resource."""
        return [m.get("Body", "") for m in self.messages if self.answers.get(id(m)) == "ok"]

    async def create_message(self, request: Request) -> Response | CutConnection:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != expected or request.path_params["sid"] != self.account_sid:
            return twilio_error(401, 20003, "Authenticate")
        fields = dict(parse_qsl((await request.body()).decode()))
        self.messages.append(fields)
        self.answers[id(fields)] = "ok"
        self.problems += spec_problems_twilio(fields)
        if self.fail_next:
            self.answers[id(fields)] = "failed"
            status, body = self.fail_next.pop(0)
            return JSONResponse(body, status_code=status)
        fault = self.faults.pick()
        if fault is not None:
            self.answers[id(fields)] = fault
            return await common_fault(fault, self.faults) or self.fault(fault, fields)
        return self.answer(fields)

    def answer(self, fields: dict[str, str]) -> JSONResponse:
        if fields.get("To") in self.unsubscribed:
            self.answers[id(fields)] = "unsubscribed"
            return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
        if fields.get("To") in self.outside_window and "Body" in fields:
            self.answers[id(fields)] = "outside_window"
            return twilio_error(400, 63016, "Failed to send freeform message because you are outside the window")
        return JSONResponse(self.message_resource(fields), status_code=201)

    def fault(self, kind: str, fields: dict[str, str]) -> JSONResponse:
        if kind == "no_id":
            return JSONResponse({**self.message_resource(fields), "sid": None}, status_code=201)
        if kind == "too_many":
            return twilio_error(429, 20429, "Too Many Requests")
        return twilio_error(503, 20503, "Service Unavailable")

    def message_resource(self, fields: dict[str, str]) -> dict[str, Any]:
        sid = self.next_sids.pop(0) if self.next_sids else "SM" + secrets.token_hex(16)
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": fields.get("To"),
            "from": fields.get("From"),
            "body": fields.get("Body"),
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "num_media": "0",
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "messaging_service_sid": None,
            "date_created": "Tue, 24 Nov 2026 10:00:00 +0000",
            "date_updated": "Tue, 24 Nov 2026 10:00:00 +0000",
            "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
        }


def reset_faults(telegram: FakeTelegram, twilio: FakeTwilio) -> None:
    """Back to providers that answer every request well."""
    telegram.faults = Faults()
    twilio.faults = Faults()
    twilio.outside_window.clear()
    twilio.answers.clear()


def twilio_error(status: int, code: int, message: str) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status)


class SignallingServer(uvicorn.Server):
    """uvicorn that says when it has started (its lifespan done, listening) with an event, so a
    test waits for that moment instead of polling a flag against the wall clock."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()

    def wait_started(self) -> None:
        # The bound only keeps a broken start from hanging the run; a start ends the wait at once.
        assert self.ready.wait(timeout=120) and self.started, "the loopback server did not start"


class LoopbackServer:
    """Runs an ASGI app with uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: Starlette) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = SignallingServer(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LoopbackServer":
        self.thread.start()
        self.server.wait_started()
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def telegram_app(fake: FakeTelegram) -> Starlette:
    return Starlette(routes=[Route("/bot{token}/{method}", fake.endpoint, methods=["POST", "GET"])])


def twilio_app(fake: FakeTwilio) -> Starlette:
    return Starlette(routes=[Route("/2010-04-01/Accounts/{sid}/Messages.json", fake.create_message, methods=["POST"])])


class VirtualTime:
    """The dispatcher's time in tests, exact however busy the machine. Every asyncio task keeps
    its own moment (a context variable, which the tasks and threads it starts inherit), and
    sleeping moves only the sleeper's moment, at once. So a send that waits for its rate-limit
    slot starts exactly at that slot; the slots come from the table the workers share, with this
    clock as their common time base."""

    def __init__(self, start: float = 1000.0) -> None:
        self.moment: ContextVar[float] = ContextVar("virtual_moment", default=start)

    def now(self) -> float:
        return self.moment.get()

    async def sleep(self, seconds: float) -> None:
        self.moment.set(self.now() + max(seconds, 0.0))
        await asyncio.sleep(0)

    def shared_now(self, session: Session) -> ColumnElement[float]:
        return literal(self.now(), Float)

    def dispatcher(self, engine: Engine, senders: Mapping[str, Sender], settings: Settings) -> Dispatcher:
        return Dispatcher(engine, senders, settings, sleep=self.sleep, wall_clock=self.now, shared_now=self.shared_now)


@dataclass(frozen=True)
class Arrival:
    moment: float
    address: str
    text: str


class NotingProvider:
    """A sender that answers every send at once and notes, in virtual time, when each came."""

    def __init__(self, traits: ChannelTraits, virtual_time: VirtualTime) -> None:
        self.traits = traits
        self.virtual_time = virtual_time
        self.arrivals: list[Arrival] = []

    async def send(self, message: Outgoing) -> str | None:
        self.arrivals.append(Arrival(self.virtual_time.now(), message.address, message.text))
        return f"stub-{message.id}"

    async def close(self) -> None:
        return None
