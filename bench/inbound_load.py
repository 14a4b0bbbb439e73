"""The inbound benchmark's load and its arithmetic: open-loop sends, matching replies, one row per rate.

Open loop: request i of a step is due at `start + i / rate`, whether or not earlier ones were
answered, and every latency is counted from that due time (so a server that stalls the client is
not flattered by fewer requests, "coordinated omission"). Chats take turns, one message each, so
a chat's next message comes `chats / rate` seconds after its last.
"""

import asyncio
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

INFINITE = math.inf


@dataclass
class Sent:
    """One webhook request: to which chat, its place among that chat's messages, and what came of it."""

    chat: str
    step: int
    due: float  # time.monotonic() at which the open-loop schedule sent it
    webhook_seconds: float = INFINITE
    status: int = 0  # the HTTP status; 0 when the request failed (timeout, connection refused)
    replied_at: float | None = None  # arrival of its (last) reply at the fake provider
    pending: bool = False  # unanswered, but still waiting in the database at the end

    @property
    def end_to_end(self) -> float:
        return self.replied_at - self.due if self.replied_at is not None else INFINITE


@dataclass
class Step:
    """One offered rate held for a while, and what the processes used meanwhile."""

    number: int
    rate: float
    started: float
    ended: float = 0.0  # the offer's end
    finished: float = 0.0  # the drain's end
    sent: list[Sent] = field(default_factory=list)
    cpu_seconds: float = 0.0  # of the configuration's own processes
    database_cpu_seconds: float = 0.0  # of its PostgreSQL backends
    server_rss_mib: float = 0.0  # peak of the server process (`gurubot serve`, the echo bot)
    total_rss_mib: float = 0.0  # peak of all its processes together


BodyMaker = Callable[[str], tuple[dict[str, str], bytes]]


async def offer(
    client: aiohttp.ClientSession, url: str, step: Step, duration: float, chats: Iterator[str], make_body: BodyMaker
) -> None:
    """Send `rate × duration` webhooks on the open-loop schedule and wait for their answers."""
    count = round(step.rate * duration)
    tasks = []
    for index in range(count):
        delay = step.started + index / step.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent = Sent(next(chats), step.number, step.started + index / step.rate)
        step.sent.append(sent)
        headers, body = make_body(sent.chat)
        tasks.append(asyncio.create_task(post(client, url, sent, headers, body)))
    step.ended = step.started + count / step.rate
    await asyncio.gather(*tasks)


async def post(client: aiohttp.ClientSession, url: str, sent: Sent, headers: dict[str, str], body: bytes) -> None:
    try:
        async with client.post(url, data=body, headers=headers) as response:
            await response.read()
            sent.status = response.status
    except (aiohttp.ClientError, TimeoutError):
        sent.status = 0
    sent.webhook_seconds = time.monotonic() - sent.due


def round_robin(chats: list[str]) -> Iterator[str]:
    return itertools.cycle(chats)


def match_replies(
    sent: list[Sent], replies: dict[str, list[list[Any]]], per_message: int, pending: dict[str, int]
) -> dict[int, int]:
    """Give each request its reply: a chat's k-th group of `per_message` replies answers its k-th
    message. Marks unanswered requests that still wait in the database as pending (the latest
    ones of their chat), and returns the replies beyond what was asked, per step (doubled)."""
    by_chat: defaultdict[str, list[Sent]] = defaultdict(list)
    for request in sorted(sent, key=lambda request: request.due):
        by_chat[request.chat].append(request)
    doubled: defaultdict[int, int] = defaultdict(int)
    for chat, requests in by_chat.items():
        arrivals = sorted(arrival for arrival, _text in replies.get(chat, []))
        for index, request in enumerate(requests):
            group = arrivals[index * per_message : (index + 1) * per_message]
            request.replied_at = group[-1] if len(group) == per_message else None
        unanswered = [request for request in requests if request.replied_at is None]
        for request in unanswered[len(unanswered) - min(len(unanswered), pending.get(chat, 0)) :]:
            request.pending = True
        extra = len(arrivals) - per_message * len(requests)
        if extra > 0:
            doubled[requests[-1].step] += extra
    return dict(doubled)


def percentile(values: list[float], share: float) -> float:
    """Nearest rank; INFINITE when the rank falls on a request that got no answer."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * share) - 1)]


def replies_between(replies: dict[str, list[list[Any]]], start: float, end: float) -> int:
    return sum(1 for chat_replies in replies.values() for arrival, _text in chat_replies if start <= arrival < end)


@dataclass
class Row:
    """One line of the table: what one offered rate did."""

    rate: float
    sent: int
    webhook_p50_ms: float
    webhook_p99_ms: float
    errors: int
    replies_per_second: float
    answered_in_time: float  # share of the requests answered by the offer's end plus the grace
    end_to_end_p50_ms: float
    end_to_end_p99_ms: float
    pending: int
    lost: int
    doubled: int
    cpu_ms_per_message: float
    database_cpu_ms_per_message: float
    server_rss_mib: float
    total_rss_mib: float
    sustained: bool = False


def summarise(step: Step, replies: dict[str, list[list[Any]]], per_message: int, doubled: int, grace: float) -> Row:
    """The step's row; `grace`: how long after the offer's end a reply still counts as keeping up."""
    duration = step.ended - step.started
    webhook = [request.webhook_seconds * 1000 for request in step.sent]
    end_to_end = [request.end_to_end * 1000 for request in step.sent]
    unanswered = [request for request in step.sent if request.replied_at is None]
    pending = sum(1 for request in unanswered if request.pending)
    # Replies lag their requests: counted from the start of the offer, a server that keeps up
    # would look slower by lag/duration. Counted once the first requests' replies are due (their
    # p99 lag, at most half the offer) up to the offer's end, the rate is the steady one.
    settle = min(percentile(end_to_end, 0.99) / 1000, duration / 2)
    handled = replies_between(replies, step.started + settle, step.ended) / per_message
    # CPU over the offer and its drain, per reply that arrived meanwhile (of this rate or an earlier one)
    replied_meanwhile = replies_between(replies, step.started, step.finished) / per_message
    return Row(
        rate=step.rate,
        sent=len(step.sent),
        webhook_p50_ms=percentile(webhook, 0.50),
        webhook_p99_ms=percentile(webhook, 0.99),
        errors=sum(1 for request in step.sent if request.status != 200),
        replies_per_second=handled / (duration - settle) if duration > settle else 0.0,
        answered_in_time=sum(1 for request in step.sent if (request.replied_at or INFINITE) < step.ended + grace)
        / max(len(step.sent), 1),
        end_to_end_p50_ms=percentile(end_to_end, 0.50),
        end_to_end_p99_ms=percentile(end_to_end, 0.99),
        pending=pending,
        lost=len(unanswered) - pending,
        doubled=doubled,
        cpu_ms_per_message=step.cpu_seconds * 1000 / replied_meanwhile if replied_meanwhile else math.nan,
        database_cpu_ms_per_message=step.database_cpu_seconds * 1000 / replied_meanwhile
        if replied_meanwhile
        else math.nan,
        server_rss_mib=step.server_rss_mib,
        total_rss_mib=step.total_rss_mib,
    )


def judge(row: Row, keep_up: float, p99_limit_ms: float) -> bool:
    """Sustained: replies keep up with the offer, the end-to-end p99 is bounded, nothing went wrong.
    Keeping up is judged on the share answered in time, not on replies/s: a worker that polls
    once a second answers in bursts, and a window of the offer holds one burst more or less."""
    return (
        row.answered_in_time >= keep_up
        and row.end_to_end_p99_ms < p99_limit_ms
        and row.errors == 0
        and row.lost == 0
        and row.doubled == 0
        and row.pending == 0
    )
