"""Shared by the delivery benchmarks (bench_dispatcher, bench_rate_limit, bench_crash): a fresh database and a queue."""

import os
import tempfile
from pathlib import Path

from sqlalchemy import Engine, insert, text

import bot.features  # noqa: F401  (every feature, so every table, on SQLModel.metadata)
from bot.clock import utcnow
from bot.db import make_engine, migrate
from bot.models import Contact, OutboundMessage, Priority

POSTGRES_URL = os.environ.get(
    "GURUBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/gurubot_bench_delivery"
)


def database_url(kind: str) -> str:
    """A fresh database: a new SQLite file, or the bench PostgreSQL database emptied."""
    if kind == "sqlite":
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='gurubot-bench-')) / 'bench.db'}"
    engine = make_engine(POSTGRES_URL)
    empty_schema(engine)
    engine.dispose()
    return POSTGRES_URL


def empty_schema(engine: Engine) -> None:
    """Drop every table of a PostgreSQL database (its public schema) and start again."""
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def fresh_engine(kind: str) -> tuple[str, Engine]:
    url = database_url(kind)
    migrate(url)
    return url, make_engine(url)


def queue_messages(engine: Engine, count: int, channel: str = "telegram", first_chat: int = 100_000) -> None:
    """`count` contacts with one broadcast each; the text names the message (for counting)."""
    now = utcnow()
    contacts = [
        {
            "channel": channel,
            "address": str(first_chat + number),
            "flow_data": {},
            "created_at": now,
            "last_inbound_at": now,
        }
        for number in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Contact), contacts)
        ids = connection.execute(
            text("SELECT id FROM contact WHERE channel = :channel ORDER BY id"), {"channel": channel}
        ).scalars()
        messages = [
            {
                "contact_id": contact_id,
                "channel": channel,
                "address": str(first_chat + number),
                "kind": "broadcast",
                "priority": Priority.BROADCAST,
                "text": f"bench message {number}",
                "options": [],
                "payload": {},
                "status": "queued",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for number, contact_id in enumerate(ids)
        ]
        connection.execute(insert(OutboundMessage), messages)


def count_by_status(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT status, count(*) FROM outbound_message GROUP BY status"))
        return {status: count for status, count in rows}
