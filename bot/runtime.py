"""The running service: intake, the inbound processor, the dispatcher and the timed tick."""

import asyncio
import contextlib
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from bot import metrics
from bot.channels.base import Incoming, Sender, store_incoming
from bot.channels.simulator import SimulatorSender
from bot.config import Settings
from bot.db import session_scope
from bot.dispatcher import Dispatcher
from bot.engine import process_pending
from bot.status import apply_status
from bot.timed import tick

log = logging.getLogger(__name__)
TICK_SECONDS = 5


def build_senders(settings: Settings) -> dict[str, Sender]:
    from bot.channels.telegram import TelegramSender
    from bot.channels.whatsapp import WhatsAppSender

    senders: dict[str, Sender] = {"simulator": SimulatorSender()}
    if settings.telegram_enabled:
        senders["telegram"] = TelegramSender(settings)
    if settings.whatsapp_enabled:
        senders["whatsapp"] = WhatsAppSender(settings)
    return senders


class Runtime:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.senders = build_senders(settings)
        self.dispatcher = Dispatcher(engine, self.senders, settings)
        self.inbound_ready = asyncio.Event()
        self.outbox_ready = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.scheduler: AsyncIOScheduler | None = None

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
        await asyncio.to_thread(apply_status, self.engine, provider_message_id, status, error_code)

    async def handle_pending(self) -> int:
        handled = await asyncio.to_thread(process_pending, self.engine)
        if handled:
            self.outbox_ready.set()
        return handled

    async def tick(self) -> int:
        done = await asyncio.to_thread(tick, self.engine)
        self.outbox_ready.set()
        return done

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
        self.tasks = [
            asyncio.create_task(self._loop(self.inbound_ready, self.handle_pending, 1.0)),
            asyncio.create_task(self._loop(self.outbox_ready, self.dispatcher.run_once, 0.5)),
        ]
        self.scheduler = AsyncIOScheduler()
        self.scheduler.add_job(self.tick, "interval", seconds=TICK_SECONDS, max_instances=1, coalesce=True)
        self.scheduler.start()
        self.inbound_ready.set()

    async def _loop(self, ready: asyncio.Event, work, idle_wait: float) -> None:  # type: ignore[no-untyped-def]
        while True:
            try:
                while await work():
                    pass
            except Exception:
                log.exception("background work failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), idle_wait)
            ready.clear()

    async def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for sender in self.senders.values():
            await sender.close()
