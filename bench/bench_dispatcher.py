"""Dispatcher overhead: 20,000 messages to a provider that never throttles, one worker.

    .venv/bin/python bench/bench_dispatcher.py [--database sqlite|postgres] [--messages 20000]
                                               [--sender stub|http]

The provider is an in-process stub by default: what is measured is the dispatcher's own cost
(claiming, rate-limit slots, the per-chat pace check, sending through the `Sender` interface,
recording the results), not an HTTP client and a fake server fighting for the same two cores.
`--sender http` sends through the real Telegram client to the loopback fake server instead.
The baseline, in the same run and database, is the bare claim + record loop with no sending.
PostgreSQL uses its own database (GURUBOT_BENCH_POSTGRES_URL, default gurubot_bench_delivery).
"""

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, text

from bench.delivery_setup import count_by_status, fresh_engine, queue_messages
from bot.channels import telegram
from bot.channels.base import Outgoing, Sender
from bot.clock import utcnow
from bot.config import Settings
from bot.db import session_scope
from bot.delivery.claiming import take_due
from bot.delivery.recording import Outcome, record_sent
from bot.dispatcher import Dispatcher

BATCH = 100
TIMEOUT_SECONDS = 300
UNLIMITED = 1_000_000.0


class StubSender:
    """Answers every send at once with an id, like a provider with no limits and no latency."""

    traits = telegram.TRAITS.at_rates(UNLIMITED, UNLIMITED)

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, message: Outgoing) -> str | None:
        self.sent += 1
        return f"stub-{message.id}"

    async def close(self) -> None:
        return None


def baseline(engine: Engine, count: int) -> float:
    """Sends/s of the bare loop: claim a batch, record it sent, nothing else."""
    started = time.perf_counter()
    done = 0
    while done < count:
        with session_scope(engine) as session:
            rows = take_due(session, "telegram", BATCH, utcnow())
        with session_scope(engine) as session:
            record_sent(session, [outcome_of(row) for row in rows])
        done += len(rows)
        if not rows:
            break
    return done / (time.perf_counter() - started)


def outcome_of(row: object) -> Outcome:
    from bot.delivery.claiming import claimed

    item = claimed(row, template=False)
    return Outcome(item, provider_id=f"stub-{item.message.id}")


async def dispatch(engine: Engine, settings: Settings, sender: Sender, count: int) -> float:
    """Sends/s of the real dispatcher, pumping one channel as a worker does."""
    dispatcher = Dispatcher(engine, {"telegram": sender}, settings)
    wake, stopping = asyncio.Event(), asyncio.Event()
    started = time.perf_counter()
    pump = asyncio.create_task(dispatcher.pump("telegram", wake, stopping))
    while count_by_status(engine).get("sent", 0) < count:
        if time.perf_counter() - started > TIMEOUT_SECONDS:
            raise SystemExit(f"not done after {TIMEOUT_SECONDS} s: {count_by_status(engine)}")
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    stopping.set()
    await pump
    return count / elapsed


def requeue(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE outbound_message SET status = 'queued', sent_at = NULL, provider_message_id = NULL")
        )


async def http_sender(settings: Settings) -> tuple[Sender, object]:
    from bot.channels.telegram import TelegramSender
    from tests.fakes import FakeTelegram, LoopbackServer, telegram_app

    fake = FakeTelegram("1:bench")
    server = LoopbackServer(telegram_app(fake)).start()
    settings = settings.model_copy(update={"telegram_api_url": server.url})
    return TelegramSender(settings), server


async def main(arguments: argparse.Namespace) -> None:
    url, engine = fresh_engine(arguments.database)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        telegram_token="1:bench",
        telegram_secret="bench",
        telegram_rate=UNLIMITED,
        telegram_chat_rate=UNLIMITED,
        delivery_batch=BATCH,
    )
    queue_messages(engine, arguments.messages)
    floor = baseline(engine, arguments.messages)
    requeue(engine)
    sender, server = (StubSender(), None) if arguments.sender == "stub" else await http_sender(settings)
    rate = await dispatch(engine, settings, sender, arguments.messages)
    await sender.close()
    if server is not None:
        server.stop()  # type: ignore[attr-defined]
    print(f"{arguments.database}, {arguments.messages} messages, sender {arguments.sender}:")
    print(f"  baseline claim+record loop: {floor:8.0f} messages/s")
    print(f"  dispatcher (one worker):    {rate:8.0f} sends/s ({rate / floor:.0%} of the baseline)")
    print(f"  outbox afterwards: {count_by_status(engine)}")
    engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--sender", choices=["stub", "http"], default="stub")
    asyncio.run(main(parser.parse_args()))
