"""Workers in other processes are woken by PostgreSQL notifications, not by polling."""

import asyncio

import pytest
from sqlalchemy import Engine

from bot.channels.base import Incoming, store_incoming
from bot.conversation import Reply
from bot.db import session_scope
from bot.outbox import enqueue
from bot.wakeup import INBOUND, OUTBOX, listen


async def test_a_stored_message_and_a_new_outbox_row_wake_the_listeners(db_engine: Engine) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one process; it is woken in memory")
    heard: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    wakers = {
        name: (lambda payload, name=name: heard.put_nowait((name, payload))) for name in (INBOUND, OUTBOX)
    }
    stopping = asyncio.Event()
    listener = asyncio.create_task(listen(db_engine.url.render_as_string(hide_password=False), wakers, stopping))
    assert {await heard.get(), await heard.get()} == {(INBOUND, ""), (OUTBOX, "")}  # on connecting
    with session_scope(db_engine) as session:
        store_incoming(session, Incoming("telegram", "w1", "801", text="halo"), 4000)
    assert await asyncio.wait_for(heard.get(), 5) == (INBOUND, "")
    with session_scope(db_engine) as session:
        enqueue(session, None, Reply("halo"), channel="telegram", address="801")
    assert await asyncio.wait_for(heard.get(), 5) == (OUTBOX, "telegram")
    stopping.set()
    listener.cancel()
