"""Rate-limit accuracy: two `gurubot worker` processes share Telegram's 30 messages/s.

    .venv/bin/python bench/bench_rate_limit.py [--database postgres|sqlite] [--seconds 60]
                                               [--rate 30] [--workers 2]

The fake Telegram server (loopback, in this process) notes when each message arrives; the
result is the busiest 1-second window (must not exceed the rate) and the achieved rate over the
measured period (must be ≥ 95% of the rate).
"""

import argparse
import bisect
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.requests import Request
from starlette.responses import Response

from bench.delivery_setup import count_by_status, fresh_engine, queue_messages
from tests.fakes import CutConnection, FakeTelegram, LoopbackServer, telegram_app

TOKEN = "1:bench"
METRICS_PORT = 9461
GURUBOT = Path(sys.executable).parent / "gurubot"


class StopwatchTelegram(FakeTelegram):
    """The fake Telegram server, noting the arrival time of every sendMessage."""

    arrivals: list[float]

    async def endpoint(self, request: Request) -> Response | CutConnection:
        if request.path_params["method"] == "sendMessage":
            self.arrivals.append(time.time())
        return await super().endpoint(request)


def start_workers(count: int, url: str, api_url: str, rate: float, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GURUBOT_")} | {
        "GURUBOT_DATABASE_URL": url,
        "GURUBOT_TELEGRAM_TOKEN": TOKEN,
        "GURUBOT_TELEGRAM_SECRET": "bench-secret",
        "GURUBOT_TELEGRAM_API_URL": api_url,
        "GURUBOT_TELEGRAM_RATE": str(rate),
        "GURUBOT_LOG_LEVEL": "WARNING",
    }
    return [
        subprocess.Popen(
            [str(GURUBOT), "worker"],
            cwd=log_dir,
            env=env | {"GURUBOT_WORKER_METRICS_PORT": str(METRICS_PORT + n)},
            stdout=(log_dir / f"worker{n}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for n in range(count)
    ]


def sent_by_worker(count: int) -> list[float]:
    """Each worker's own count of messages sent, from its /metrics."""
    totals = []
    for n in range(count):
        text = urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT + n}/metrics", timeout=5).read().decode()
        lines = [line for line in text.splitlines() if line.startswith("gurubot_messages_out_total") and "sent" in line]
        totals.append(sum(float(line.split()[-1]) for line in lines))
    return totals


def busiest_second(arrivals: list[float]) -> int:
    """The most arrivals in any 1-second window [t, t + 1)."""
    return max((bisect.bisect_left(arrivals, start + 1.0) - index for index, start in enumerate(arrivals)), default=0)


def main(arguments: argparse.Namespace) -> None:
    url, engine = fresh_engine(arguments.database)
    queue_messages(engine, int(arguments.rate * (arguments.seconds + 30)))
    fake = StopwatchTelegram(TOKEN)
    fake.arrivals = []
    server = LoopbackServer(telegram_app(fake)).start()
    log_dir = Path(tempfile.mkdtemp(prefix="gurubot-bench-workers-"))
    workers = start_workers(arguments.workers, url, server.url, arguments.rate, log_dir)
    try:
        while not fake.arrivals:
            time.sleep(0.05)
        first = fake.arrivals[0]
        time.sleep(max(0.0, first + arguments.seconds + 1 - time.time()))
        shares = sent_by_worker(len(workers))
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        exits = [worker.wait(timeout=30) for worker in workers]
        server.stop()
    arrivals = sorted(fake.arrivals)
    measured = [moment for moment in arrivals if moment < first + arguments.seconds]
    achieved = len(measured) / arguments.seconds
    print(f"{arguments.database}, {arguments.workers} workers, limit {arguments.rate:g}/s, {arguments.seconds} s:")
    print(f"  sent per worker: {shares}")
    print(f"  busiest 1-s window: {busiest_second(arrivals)} messages (limit {arguments.rate:g})")
    print(f"  achieved: {achieved:.2f}/s = {achieved / arguments.rate:.1%} of the limit")
    print(f"  worker exit codes after SIGTERM: {exits}; outbox: {count_by_status(engine)}; logs in {log_dir}")
    engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    main(parser.parse_args())
