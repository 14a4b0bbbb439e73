"""CPU per message of each stage of the inbound path, in one process, on PostgreSQL.

    .venv/bin/python bench/bench_stages.py [--messages 2000] [--rounds 3]

Onboarded Telegram teachers each write `menu` once; the stages run one after the other, each
over all messages, so the CPU each one costs is its own (the process's CPU time, not the
clock: the figure holds on a busy machine; PostgreSQL's own CPU is not included):

- intake: the webhook's work after parsing, one stored message per transaction, as in
  `Runtime.accept` (one `Incoming` per message, from `parse_update` of a real update);
- handling: `process_pending` over the backlog (batches of messages of different senders);
- delivery: the dispatcher pumping Telegram to a stub sender (no HTTP), with claims of one
  message (as at low rates) and of 100 (as under load), recording every result.

The database is GURUBOT_BENCH_INBOUND_URL (default bench_inbound), emptied on every round.
"""

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_dispatcher import StubSender
from bench.delivery_setup import count_by_status
from bench.inbound_setup import DEFAULT_DATABASE, TEACHER_CHAT, fresh_database, seed_teachers
from bot.channels.base import store_incoming
from bot.channels.telegram import parse_update
from bot.config import Settings
from bot.db import make_engine, migrate, session_scope
from bot.dispatcher import Dispatcher
from bot.engine import process_pending


def update(number: int) -> dict[str, Any]:
    chat = TEACHER_CHAT + number
    sender = {"id": chat, "is_bot": False, "first_name": "Guru"}
    message = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "from": sender, "text": "menu"}
    return {"update_id": 1_000_000 + number, "message": message}


def cpu_ms_per_message(work: Callable[[], None], count: int) -> float:
    started = time.process_time()
    work()
    return (time.process_time() - started) * 1000 / count


def intake(engine: Any, settings: Settings, count: int) -> None:
    for number in range(count):
        incoming = parse_update(update(number))
        assert incoming is not None
        with session_scope(engine) as session:
            store_incoming(session, incoming, settings.max_text_chars)


def handling(engine: Any, settings: Settings, count: int) -> None:
    done = 0
    while done < count:
        handled = process_pending(engine, settings)
        if not handled:
            raise SystemExit(f"only {done} of {count} handled")
        done += handled


def delivery(engine: Any, settings: Settings, count: int) -> None:
    asyncio.run(pump_until_sent(engine, settings, count))


async def pump_until_sent(engine: Any, settings: Settings, count: int) -> None:
    dispatcher = Dispatcher(engine, {"telegram": StubSender()}, settings)
    wake, stopping = asyncio.Event(), asyncio.Event()
    pump = asyncio.create_task(dispatcher.pump("telegram", wake, stopping))
    while count_by_status(engine).get("sent", 0) < count:
        await asyncio.sleep(0.1)
    stopping.set()
    await pump


def settings_for(url: str, batch: int) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        telegram_token="1:bench",
        telegram_secret="bench",
        telegram_rate=1_000_000.0,
        delivery_batch=batch,
    )


def one_round(url: str, count: int, batch: int) -> dict[str, float]:
    fresh_database(url)
    migrate(url)
    seed_teachers(url, "telegram", [str(TEACHER_CHAT + number) for number in range(count)])
    engine = make_engine(url)
    settings = settings_for(url, batch)
    figures = {
        "intake": cpu_ms_per_message(lambda: intake(engine, settings, count), count),
        "handling": cpu_ms_per_message(lambda: handling(engine, settings, count), count),
        f"delivery, claims of {batch}": cpu_ms_per_message(lambda: delivery(engine, settings, count), count),
    }
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    args = parser.parse_args()
    print(f"{args.messages} messages, {args.rounds} rounds; CPU ms per message (min / max over the rounds)")
    results: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for batch in (1, 100):
            for stage, figure in one_round(args.database, args.messages, batch).items():
                if stage.startswith("delivery") or batch == 1:
                    results.setdefault(stage, []).append(figure)
    for stage, figures in results.items():
        print(f"  {stage:28} {min(figures):6.2f} / {max(figures):6.2f}")
    print(f"  load average: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
