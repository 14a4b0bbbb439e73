"""The running service: intake, the inbound processor, the dispatcher and the timed tick.

A Runtime with `inprocess_worker` runs them all; without, it only takes webhooks in, and `gurubot
worker` processes (any number against one PostgreSQL, each a Runtime of its own) do the rest,
woken by PostgreSQL notifications (bot/wakeup.py), not by polling. `gurubot serve` on PostgreSQL
starts such workers itself (bot/worker_processes.py); on SQLite it runs everything in one process.

Intake never waits behind handling: it has its own thread and, on PostgreSQL, its own connection,
so a webhook is answered after one INSERT (shared with the deliveries that came meanwhile,
bot/intake.py) however busy the handlers are.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from bot import metrics
from bot.channels.base import Incoming, Sender
from bot.channels.simulator import SimulatorSender
from bot.config import Settings
from bot.db import make_engine
from bot.dispatcher import Dispatcher
from bot.engine import process_pending
from bot.features import required_templates, timed_jobs
from bot.intake import IntakeWriter
from bot.outbox import channels_with_due_messages
from bot.status import apply_status
from bot.timed import tick
from bot.wakeup import INBOUND, OUTBOX, listen

log = logging.getLogger(__name__)
TICK_SECONDS = 5
HANDLING_ROUND = 100  # messages handled before the loop looks at its wake-up again
# Without notifications (SQLite, or while the listening connection is down) workers look this often.
POLL_SECONDS = 1.0
# On stop, sends already started may finish and be recorded for this long.
DRAIN_SECONDS = 10.0


def build_senders(settings: Settings) -> dict[str, Sender]:
    """A sender per channel that is switched on; WhatsApp refuses to start without its templates."""
    from bot.channels.telegram import TelegramSender
    from bot.channels.whatsapp import WhatsAppSender

    senders: dict[str, Sender] = {"simulator": SimulatorSender()}
    if settings.telegram_enabled:
        senders["telegram"] = TelegramSender(settings)
    if settings.whatsapp_enabled:
        senders["whatsapp"] = WhatsAppSender(settings, required_templates())
    return senders


class Runtime:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.senders = build_senders(settings)
        self.dispatcher = Dispatcher(engine, self.senders, settings)
        self.inbound_ready = asyncio.Event()
        self.outbox_ready = {channel: asyncio.Event() for channel in self.senders}
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.listener: asyncio.Task[None] | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.postgres = engine.dialect.name == "postgresql"
        # SQLite keeps one engine: a second pool on one file only adds lock waits.
        self.intake_engine = make_engine(engine.url.render_as_string(hide_password=False)) if self.postgres else engine
        self.intake = IntakeWriter(self.intake_engine, settings.max_text_chars)
        metrics.watch_outbox(engine)

    async def accept(self, incoming: Incoming) -> bool:
        """Store a message before answering the provider; False when it is a retry."""
        new = await self.intake.store(incoming)
        if new:
            self.inbound_ready.set()
        else:
            metrics.DUPLICATES.labels(channel=incoming.channel).inc()
        return new

    async def record_status(self, provider_message_id: str, status: str, error_code: str | None) -> None:
        await asyncio.to_thread(
            apply_status, self.engine, provider_message_id, status, error_code, self.settings.send_attempts
        )

    async def handle_pending(self) -> int:
        handled = await asyncio.to_thread(process_pending, self.engine, self.settings, HANDLING_ROUND)
        if handled:
            self.notify_outbox()
        return handled

    async def tick(self) -> int:
        done = await asyncio.to_thread(tick, self.engine, timed_jobs())
        done += await asyncio.to_thread(self.dispatcher.maintain)
        self.notify_outbox()
        return done

    def wake_sender(self, channel: str) -> None:
        """A notification named the channel of a new outbox row (or none: wake them all)."""
        if channel in self.outbox_ready:
            self.outbox_ready[channel].set()
        elif not channel:
            self.notify_outbox()

    def notify_outbox(self) -> None:
        for ready in self.outbox_ready.values():
            ready.set()

    async def settle(self, rounds: int = 50) -> None:
        """Handle and send everything due now (tests and the terminal chat)."""
        for _ in range(rounds):
            handled = await self.handle_pending()
            sent = await self.send_due()
            if not handled and not sent:
                return

    async def send_due(self) -> int:
        """One batch of each channel with messages due (claiming the others finds nothing, at
        the cost of a transaction each); returns how many messages were claimed."""
        due = await asyncio.to_thread(channels_with_due_messages, self.engine)
        channels = [channel for channel in self.dispatcher.senders if channel in due]
        return sum(await asyncio.gather(*(self.dispatcher.run_channel(channel) for channel in channels)))

    async def start(self) -> None:
        if not self.settings.inprocess_worker:
            return
        self.tasks = [asyncio.create_task(self._loop(self.inbound_ready, self.handle_pending, POLL_SECONDS))]
        self.tasks += [
            asyncio.create_task(self.dispatcher.pump(channel, ready, self.stopping))
            for channel, ready in self.outbox_ready.items()
        ]
        if self.postgres:
            wakers = {INBOUND: lambda _payload: self.inbound_ready.set(), OUTBOX: self.wake_sender}
            url = self.engine.url.render_as_string(hide_password=False)
            self.listener = asyncio.create_task(listen(url, wakers, self.stopping))
        self.scheduler = AsyncIOScheduler()
        self.scheduler.add_job(self.tick, "interval", seconds=TICK_SECONDS, max_instances=1, coalesce=True)
        self.scheduler.start()
        self.inbound_ready.set()

    async def _loop(self, ready: asyncio.Event, work: Callable[[], Awaitable[int]], idle_wait: float) -> None:
        """Work while a round finds a full load; after a partial one (the queue was emptied) wait
        for the next wake-up instead of asking the database again."""
        while not self.stopping.is_set():
            try:
                while await work() >= HANDLING_ROUND and not self.stopping.is_set():
                    pass
            except Exception:
                log.exception("background work failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), idle_wait)
            ready.clear()

    async def stop(self) -> None:
        """Stop claiming, let sends in progress finish (briefly), then close the senders."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self.stopping.set()
        if self.listener is not None:
            self.listener.cancel()  # nothing to finish: it only wakes the others
            with contextlib.suppress(asyncio.CancelledError):
                await self.listener
        self.notify_outbox()
        self.inbound_ready.set()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=DRAIN_SECONDS)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for sender in self.senders.values():
            await sender.close()
        await self.intake.close()
        if self.intake_engine is not self.engine:
            self.intake_engine.dispose()
