"""Wake-ups across processes: PostgreSQL triggers NOTIFY on every new inbound message and outbox
row (migration 0007), and each process that handles or sends LISTENs, so a `gurubot worker`
starts on a message the moment `gurubot serve` stored it instead of polling. The poll stays as a
slow fallback while the listening connection is down.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
INBOUND, OUTBOX = "gurubot_inbound", "gurubot_outbox"
RECONNECT_SECONDS = 2.0
CHECK_STOP_SECONDS = 0.5  # how often a quiet listener looks whether the process is stopping


def libpq_url(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def listen(url: str, wakers: Mapping[str, Callable[[str], None]], stopping: asyncio.Event) -> None:
    """Call `wakers[channel](payload)` on each notification until `stopping`; reconnect when the
    connection drops (the database restarted, the network blinked)."""
    while not stopping.is_set():
        try:
            await listen_once(url, wakers, stopping)
        except (psycopg.Error, OSError) as error:
            log.warning("listening for wake-ups failed (%s); polling until it is back", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), RECONNECT_SECONDS)


async def listen_once(url: str, wakers: Mapping[str, Callable[[str], None]], stopping: asyncio.Event) -> None:
    async with await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True) as connection:
        for channel in wakers:
            await connection.execute(f"LISTEN {channel}")
        for waker in wakers.values():
            waker("")  # anything stored while this connection was down
        while not stopping.is_set():
            async for notification in connection.notifies(timeout=CHECK_STOP_SECONDS):
                wakers[notification.channel](notification.payload)
