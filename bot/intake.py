"""Intake with group commit: every delivery is stored before its webhook is answered, and the
deliveries that arrive while one write is running are stored together by the next one (one
statement, one commit), so intake keeps pace with a burst instead of queueing one commit per
message. One writer thread with its own connection: writes never wait behind handling."""

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from bot.channels.base import Incoming, store_incoming_batch
from bot.db import is_database_outage, session_scope

MAX_BATCH = 200  # deliveries stored by one write at most


class IntakeWriter:
    def __init__(self, engine: Engine, text_limit: int) -> None:
        self.engine = engine
        self.text_limit = text_limit
        self.pending: list[tuple[Incoming, asyncio.Future[bool]]] = []
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="intake")
        self.arrived: asyncio.Event | None = None
        self.writer: asyncio.Task[None] | None = None
        self.closed = False

    async def store(self, incoming: Incoming) -> bool:
        """Store one delivery; True when new, False for a repeat. Raises what the database raised."""
        if self.closed:
            raise RuntimeError("intake is closed")
        stored: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.pending.append((incoming, stored))
        if self.writer is None or self.writer.done():  # first use, or (a bug) the writer ended
            self.arrived = asyncio.Event()
            self.writer = asyncio.create_task(self.write_forever(self.arrived))
            self.writer.add_done_callback(self.fail_pending)
        assert self.arrived is not None
        self.arrived.set()
        return await stored

    async def write_forever(self, arrived: asyncio.Event) -> None:
        while True:
            await arrived.wait()
            arrived.clear()
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                await self.write(batch)

    async def write(self, batch: list[tuple[Incoming, asyncio.Future[bool]]]) -> None:
        loop = asyncio.get_running_loop()
        incomings = [incoming for incoming, _ in batch]
        try:
            answers = await loop.run_in_executor(self.thread, self.store_batch, incomings)
        except Exception as error:
            if len(batch) > 1 and not is_database_outage(error):  # one bad delivery: the others still go in
                for single in batch:
                    await self.write([single])
                return
            for _, stored in batch:  # each webhook answers for itself (503 while the database is away)
                if not stored.done():
                    stored.set_exception(error)
            return
        for (_, stored), answer in zip(batch, answers, strict=True):
            if not stored.done():  # a webhook whose client went away no longer waits
                stored.set_result(answer)

    def fail_pending(self, _writer: "asyncio.Task[None]") -> None:
        """The writer ended (closed, or a bug): no webhook may wait for it forever."""
        pending, self.pending = self.pending, []
        for _, stored in pending:
            if not stored.done():
                stored.set_exception(RuntimeError("intake stopped before storing the delivery"))

    def store_batch(self, batch: list[Incoming]) -> list[bool]:
        with session_scope(self.engine) as session:
            return store_incoming_batch(session, batch, self.text_limit)

    async def close(self) -> None:
        """After the last webhook (the server answers those before it stops)."""
        self.closed = True
        if self.writer is not None:
            self.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.writer
        self.thread.shutdown(wait=True)
