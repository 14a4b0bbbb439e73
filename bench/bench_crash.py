"""Crash safety: kill -9 a worker in the middle of a 10,000-message run, start it again, and
count what the (loopback, fake) Telegram server received: no message may be lost, and only
messages that were claimed but not yet recorded at the moment of death may arrive twice.

    .venv/bin/python bench/bench_crash.py [--database postgres|sqlite] [--messages 10000]
                                          [--kill-at 3000]
"""

import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, text

from bench.delivery_setup import count_by_status, fresh_engine, queue_messages
from tests.fakes import FakeTelegram, LoopbackServer, telegram_app

TOKEN = "1:bench"
GURUBOT = Path(sys.executable).parent / "gurubot"
LEASE_SECONDS = 9


def start_worker(url: str, api_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GURUBOT_")} | {
        "GURUBOT_DATABASE_URL": url,
        "GURUBOT_TELEGRAM_TOKEN": TOKEN,
        "GURUBOT_TELEGRAM_SECRET": "bench-secret",
        "GURUBOT_TELEGRAM_API_URL": api_url,
        "GURUBOT_TELEGRAM_RATE": "100000",
        "GURUBOT_TELEGRAM_CHAT_RATE": "100000",
        "GURUBOT_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        "GURUBOT_SEND_TIMEOUT": str(LEASE_SECONDS / 3),
        "GURUBOT_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [str(GURUBOT), "worker"], cwd=log.parent, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def received(fake: FakeTelegram) -> collections.Counter[str]:
    return collections.Counter(call.params["text"] for call in list(fake.calls) if call.method == "sendMessage")


def texts_in_flight(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(text("SELECT text FROM outbound_message WHERE status = 'sending'")).scalars())


def wait_until_done(engine: Engine, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        statuses = count_by_status(engine)
        if not statuses.get("queued") and not statuses.get("sending"):
            return
        time.sleep(0.5)


def main(arguments: argparse.Namespace) -> None:
    url, engine = fresh_engine(arguments.database)
    queue_messages(engine, arguments.messages)
    fake = FakeTelegram(TOKEN)
    server = LoopbackServer(telegram_app(fake)).start()
    log = Path(tempfile.mkdtemp(prefix="gurubot-bench-crash-")) / "worker.log"
    started = time.time()
    worker = start_worker(url, server.url, log)
    try:
        while sum(received(fake).values()) < arguments.kill_at:
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        at_death = sum(received(fake).values())
        in_flight = texts_in_flight(engine)
        worker = start_worker(url, server.url, log)
        wait_until_done(engine, timeout=300)
        elapsed = time.time() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        server.stop()
    counts = received(fake)
    expected = {f"bench message {number}" for number in range(arguments.messages)}
    duplicated = {message for message, count in counts.items() if count > 1}
    print(f"{arguments.database}, {arguments.messages} messages, kill -9 after {at_death} had arrived:")
    print(f"  claimed but not recorded at death (in flight): {len(in_flight)}")
    print(f"  lost: {len(expected - counts.keys())}; outbox afterwards: {count_by_status(engine)}")
    print(f"  duplicates: {sum(counts.values()) - len(counts)} (all among those in flight: {duplicated <= in_flight})")
    print(f"  whole run incl. restart and lease expiry ({LEASE_SECONDS} s): {elapsed:.1f} s; log {log}")
    engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--kill-at", type=int, default=3_000)
    main(parser.parse_args())
