"""Sends what the outbox holds, channel by channel: claims due messages (`bot.delivery.claiming`),
waits for each one's rate-limit slot, sends it through its channel and records the result
(`bot.delivery.recording`). `pump` keeps one channel sending in the background; `run_once` sends
one batch of every channel and waits for the results (tests, the terminal chat)."""

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import col

from bot import metrics
from bot.channels.base import ChannelTraits, Outgoing, Sender
from bot.clock import utcnow
from bot.config import Settings
from bot.db import session_scope
from bot.delivery.claiming import Claimed, Claimer, release_expired_leases
from bot.delivery.rate_limit import SharedNow, SharedRateLimiter
from bot.delivery.recording import Outcome, Recorder
from bot.delivery.window import expire_parked
from bot.errors import RetryLater, SendError
from bot.models import OutboundMessage, OutboundStatus

__all__ = ["Dispatcher", "release_expired_leases", "to_outgoing"]
log = logging.getLogger(__name__)
# A batch holds about one second of a limited channel's sends: enough to keep the pace, short
# enough that a new reply does not queue behind many already-reserved broadcast slots.
LOOKAHEAD_SECONDS = 1.0
IDLE_SECONDS = 0.5
Sleep = Callable[[float], Awaitable[None]]


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        senders: Mapping[str, Sender],
        settings: Settings,
        *,
        sleep: Sleep = asyncio.sleep,
        wall_clock: Callable[[], float] = time.time,
        shared_now: SharedNow | None = None,
    ) -> None:
        """`sleep`, `wall_clock` and `shared_now` (the clock all workers share, by default the
        database's) are the dispatcher's time; tests give a virtual one."""
        self.engine = engine
        self.senders = senders
        self.settings = settings
        self.traits: dict[str, ChannelTraits] = {channel: sender.traits for channel, sender in senders.items()}
        rates = {channel: traits.send_rate for channel, traits in self.traits.items() if traits.send_rate is not None}
        self.claimer = Claimer(engine, settings, SharedRateLimiter(rates, wall_clock, shared_now), self.traits)
        reporting = {channel for channel, traits in self.traits.items() if traits.status_callbacks}
        self.recorder = Recorder(engine, settings.send_attempts, reporting)
        self.sleep = sleep
        self.wall_clock = wall_clock

    def batch_size(self, channel: str) -> int:
        rate = self.traits[channel].send_rate
        if rate is None:
            return self.settings.delivery_batch
        return max(1, min(self.settings.delivery_batch, math.ceil(rate * LOOKAHEAD_SECONDS)))

    async def run_once(self) -> int:
        """Send one batch of every channel; returns how many messages were claimed."""
        counts = await asyncio.gather(*(self.run_channel(channel) for channel in self.senders))
        return sum(counts)

    async def run_channel(self, channel: str) -> int:
        ready, touched = await self.claim(channel)
        await asyncio.gather(*(self.deliver(item) for item in ready))
        return touched

    async def claim(self, channel: str) -> tuple[list[Claimed], int]:
        """(messages to send with their slots, rows claimed)."""
        return await asyncio.to_thread(self.claimer.claim, channel, self.batch_size(channel))

    async def pump(self, channel: str, wake: asyncio.Event, stopping: asyncio.Event) -> None:
        """Keep a channel sending until `stopping`; the next claim overlaps the last sends."""
        in_flight: set[asyncio.Task[None]] = set()
        limit = 2 * self.batch_size(channel)
        while not stopping.is_set():
            touched = await self.pump_batch(channel, in_flight)
            if touched < self.batch_size(channel):  # the due ones are all claimed: wait for new ones
                await wait_for_event(wake, IDLE_SECONDS)
                wake.clear()
            while len(in_flight) >= limit:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.gather(*in_flight, return_exceptions=True)

    async def pump_batch(self, channel: str, in_flight: set[asyncio.Task[None]]) -> int:
        """Claim a batch, start its sends, and wait until its last rate-limit slot has come."""
        try:
            ready, touched = await self.claim(channel)
        except Exception:
            log.exception("claiming %s messages failed; trying again", channel)
            await self.sleep(IDLE_SECONDS)
            return 0
        for item in ready:
            task = asyncio.create_task(self.deliver(item))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        await self.sleep_until(max((item.send_at for item in ready), default=0.0))
        return touched

    async def deliver(self, item: Claimed) -> None:
        await self.sleep_until(item.send_at)
        if self.wall_clock() + self.settings.send_timeout >= item.lease_ends:
            # Another worker may take the message once the lease ends; sending now could make two.
            log.warning("message %s: its lease would end during the send; left to the next claim", item.message.id)
            metrics.MESSAGES_OUT.labels(channel=item.message.channel, result="lease_ran_out").inc()
            return
        outcome = await self.send(item)
        try:
            await self.recorder.record(outcome)
        except Exception:
            log.exception("recording message %s failed; its lease will bring it back", item.message.id)

    async def sleep_until(self, moment: float) -> None:
        wait = moment - self.wall_clock()
        if wait > 0:
            await self.sleep(wait)

    async def send(self, item: Claimed) -> Outcome:
        """One provider call; every failure comes back classified, none escapes."""
        message = item.message
        started = time.perf_counter()
        try:
            provider_id = await self.senders[message.channel].send(message)
        except SendError as error:
            return Outcome(item, error=error)
        except Exception as error:  # an unclassified fault is retried, never lost
            log.exception("send %s failed unexpectedly", message.id)
            return Outcome(item, error=RetryLater(f"{type(error).__name__}: {error}"))
        finally:
            metrics.SEND_SECONDS.labels(channel=message.channel).observe(time.perf_counter() - started)
        return Outcome(item, provider_id=provider_id)

    def maintain(self) -> int:
        """Timed upkeep: leases of dead workers, parked messages too old, channels switched off."""
        done = release_expired_leases(self.engine, self.settings.send_attempts)
        done += expire_parked(self.engine, timedelta(days=self.settings.parked_max_days))
        return done + fail_channels_without_sender(self.engine, set(self.senders))


async def wait_for_event(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)


def fail_channels_without_sender(engine: Engine, channels: set[str]) -> int:
    """Messages for a channel that is switched off fail instead of waiting forever."""
    with session_scope(engine) as session:
        result = session.execute(
            update(OutboundMessage)
            .where(col(OutboundMessage.status) == OutboundStatus.QUEUED, col(OutboundMessage.channel).not_in(channels))
            .values(
                status=OutboundStatus.FAILED,
                status_at=utcnow(),
                error_class="give_up",
                last_error="the channel is switched off",
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def to_outgoing(row: OutboundMessage) -> Outgoing:
    assert row.id is not None
    return Outgoing(row.id, row.channel, row.address, row.kind, row.text, list(row.options), dict(row.payload))
