"""A fast loopback fake of Telegram's Bot API and Twilio's Messages API, for load benchmarks.

    .venv/bin/python bench/fake_provider.py [--port 9480]

It answers `sendMessage`, `answerCallbackQuery`, `getMe` (and any other method with `true`) and
`POST /2010-04-01/Accounts/{sid}/Messages.json` in the shapes the real providers use (see
tests/fakes.py, which also checks every parameter against the specs; this one checks nothing, so
that it stays fast). Every message it is sent is recorded per chat with the time it arrived
(`time.monotonic()`, one clock for every process on a Linux machine), and served back as JSON:

    GET  /_bench/replies   {"telegram": {chat: [[t, text], ...]}, "whatsapp": {to: [[t, body], ...]},
                            "callback_answers": n, "requests": n}
    GET  /_bench/counts    the totals only
    POST /_bench/reset     forget everything

It is a bare ASGI callable (no router, no middleware) under uvicorn with uvloop and httptools and
no access log: `bench_inbound.py` measures its own maximum rate before every run.
"""

import argparse
import itertools
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.types import Receive, Scope, Send

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes import FakeTwilio  # the same message resource as the test suite's fake

TWILIO_PREFIX = "/2010-04-01/Accounts/"
JSON_HEADERS = [(b"content-type", b"application/json")]


class Recorder:
    """What the providers were asked to send, per chat, with arrival times."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.telegram: defaultdict[str, list[tuple[float, str]]] = defaultdict(list)
        self.whatsapp: defaultdict[str, list[tuple[float, str]]] = defaultdict(list)
        self.callback_answers = 0
        self.requests = 0

    def counts(self) -> dict[str, int]:
        return {
            "telegram": sum(len(replies) for replies in self.telegram.values()),
            "whatsapp": sum(len(replies) for replies in self.whatsapp.values()),
            "callback_answers": self.callback_answers,
            "requests": self.requests,
        }

    def everything(self) -> dict[str, Any]:
        return {
            "telegram": self.telegram,
            "whatsapp": self.whatsapp,
            "callback_answers": self.callback_answers,
            "requests": self.requests,
        }


class FakeProviders:
    """The ASGI app: Telegram under /bot{token}/{method}, Twilio under /2010-04-01/Accounts/."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.message_ids = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan is off; nothing else is served
        path: str = scope["path"]
        body = await read_body(receive)
        arrived = time.monotonic()
        if path.startswith("/bot"):
            status, answer = self.telegram(path.rsplit("/", 1)[-1], parse_params(scope, body), arrived)
        elif path.startswith(TWILIO_PREFIX) and path.endswith("/Messages.json"):
            status, answer = self.twilio(
                path[len(TWILIO_PREFIX) :].split("/", 1)[0], parse_params(scope, body), arrived
            )
        elif path.startswith("/_bench/"):
            status, answer = self.control(path, scope["method"])
        else:
            status, answer = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        await respond(send, status, answer)

    def telegram(self, method: str, params: dict[str, Any], arrived: float) -> tuple[int, dict[str, Any]]:
        self.recorder.requests += 1
        if method == "sendMessage":
            chat_id = str(params.get("chat_id", ""))
            text = str(params.get("text", ""))
            self.recorder.telegram[chat_id].append((arrived, text))
            message = {
                "message_id": next(self.message_ids),
                "date": int(time.time()),
                "chat": {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0, "type": "private"},
                "text": text,
            }
            return 200, {"ok": True, "result": message}
        if method == "answerCallbackQuery":
            self.recorder.callback_answers += 1
        if method == "getMe":
            user = {"id": 1, "is_bot": True, "first_name": "GuruBot", "username": "gurubot_bench_bot"}
            return 200, {"ok": True, "result": user}
        return 200, {"ok": True, "result": True}

    def twilio(self, account_sid: str, fields: dict[str, Any], arrived: float) -> tuple[int, dict[str, Any]]:
        self.recorder.requests += 1
        self.recorder.whatsapp[str(fields.get("To", ""))].append((arrived, str(fields.get("Body", ""))))
        return 201, FakeTwilio(account_sid, auth_token="").message_resource(fields)

    def control(self, path: str, method: str) -> tuple[int, dict[str, Any]]:
        if path == "/_bench/reset" and method == "POST":
            self.recorder.reset()
            return 200, {"ok": True}
        if path == "/_bench/counts":
            return 200, self.recorder.counts()
        if path == "/_bench/replies":
            return 200, self.recorder.everything()
        return 404, {"ok": False}


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def parse_params(scope: Scope, body: bytes) -> dict[str, Any]:
    """JSON or form fields (PTB posts a form whose values are JSON-encoded when not strings)."""
    content_type = dict(scope["headers"]).get(b"content-type", b"")
    if content_type.startswith(b"application/json"):
        data = json.loads(body or b"{}")
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(body.decode()))


async def respond(send: Send, status: int, answer: dict[str, Any]) -> None:
    payload = json.dumps(answer).encode()
    headers = [*JSON_HEADERS, (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9480)
    args = parser.parse_args()
    uvicorn.run(
        FakeProviders(),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        timeout_keep_alive=75,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
