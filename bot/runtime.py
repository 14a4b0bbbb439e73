"""The running service: intake, the inbound processor, the dispatcher and the timed tick.

`gurubot serve` runs them all in one process by default; with GURUBOT_INPROCESS_WORKER=0 it only
takes webhooks in, and `gurubot worker` processes (any number against one PostgreSQL) do the rest.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from bot import metrics
from bot.channels.base import Incoming, Sender, store_incoming
from bot.channels.simulator import SimulatorSender
from bot.config import Settings
from bot.db import session_scope
from bot.dispatcher import Dispatcher
from bot.engine import process_pending
from bot.features import required_templates, timed_jobs
from bot.status import apply_status
from bot.timed import tick

log = logging.getLogger(__name__)
TICK_SECONDS = 5
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
        self.scheduler: AsyncIOScheduler | None = None
        metrics.watch_outbox(engine)

    async def accept(self, incoming: Incoming) -> bool:
        """Store a message before answering the provider; False when it is a retry."""
        new = await asyncio.to_thread(self._store, incoming)
        if new:
            self.inbound_ready.set()
        else:
            metrics.DUPLICATES.labels(channel=incoming.channel).inc()
        return new

    def _store(self, incoming: Incoming) -> bool:
        with session_scope(self.engine) as session:
            return store_incoming(session, incoming, self.settings.max_text_chars)

    async def record_status(self, provider_message_id: str, status: str, error_code: str | None) -> None:
        await asyncio.to_thread(
            apply_status, self.engine, provider_message_id, status, error_code, self.settings.send_attempts
        )

    async def handle_pending(self) -> int:
        handled = await asyncio.to_thread(process_pending, self.engine)
        if handled:
            self.notify_outbox()
        return handled

    async def tick(self) -> int:
        done = await asyncio.to_thread(tick, self.engine, timed_jobs())
        done += await asyncio.to_thread(self.dispatcher.maintain)
        self.notify_outbox()
        return done

    def notify_outbox(self) -> None:
        for ready in self.outbox_ready.values():
            ready.set()

    async def settle(self, rounds: int = 50) -> None:
        """Handle and send everything due now (tests and the terminal chat)."""
        for _ in range(rounds):
            handled = await self.handle_pending()
            sent = await self.dispatcher.run_once()
            if not handled and not sent:
                return

    async def start(self) -> None:
        if not self.settings.inprocess_worker:
            return
        self.tasks = [asyncio.create_task(self._loop(self.inbound_ready, self.handle_pending, 1.0))]
        self.tasks += [
            asyncio.create_task(self.dispatcher.pump(channel, ready, self.stopping))
            for channel, ready in self.outbox_ready.items()
        ]
        self.scheduler = AsyncIOScheduler()
        self.scheduler.add_job(self.tick, "interval", seconds=TICK_SECONDS, max_instances=1, coalesce=True)
        self.scheduler.start()
        self.inbound_ready.set()

    async def _loop(self, ready: asyncio.Event, work: Callable[[], Awaitable[int]], idle_wait: float) -> None:
        while not self.stopping.is_set():
            try:
                while await work():
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
