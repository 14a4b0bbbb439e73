"""Inbound, end to end: onboarded Telegram teachers write through the webhook at fixed offered
rates (open loop), and every reply is caught by a fake provider on loopback; against a bare
python-telegram-bot echo bot on the same fake, in the same run.

    .venv/bin/python bench/bench_inbound.py [--rates 20,40,80,160,240,320,640] [--duration 10]
        [--configs echo,serve,serve2,inprocess,worker1,worker2] [--teachers 2000] [--channel telegram|whatsapp]
        [--database URL] [--profile-rate RATE] [--json FILE]

Configurations, each a fresh database and fresh processes started as in production:
- echo:    bench/echo_bot.py (PTB `Application` with `updater=None` behind Starlette, no database)
- serve:   `gurubot serve` alone, as deployed: webhooks in the server, handling and sending in
           the one worker process it starts (GURUBOT_WORKER_PROCESSES=1, the default)
- serve2:  the same with GURUBOT_WORKER_PROCESSES=2
- inprocess: `gurubot serve` with GURUBOT_WORKER_PROCESSES=0 (everything in one process)
- worker1: `gurubot serve` with GURUBOT_INPROCESS_WORKER=0 plus one `gurubot worker`
- worker2: the same with two `gurubot worker` processes
gurubot runs on PostgreSQL (`gurubot migrate` first), with the Telegram API URL pointing at the
fake and Telegram's global send limit lifted (the fake has none: the engine is measured, not the
rate limiter; the per-chat limit stays, and each chat writes only every `teachers / rate` s).
Each teacher, onboarded and resting in the main menu, types "menu"; a warm-up from other chats
first counts how many replies that gets (the echo bot: one, the same text).

`--channel whatsapp` sends signed Twilio forms to `POST /webhooks/whatsapp` instead, gurubot
sending through the fake's Messages API (WhatsApp's send limit lifted likewise); the echo bot,
Telegram only, is left out then, and the fake sends no status callbacks.

The load client is aiohttp: httpx's client costs about ten times its CPU per request here, CPU
the servers under test need on two cores. The fake provider's own rate is measured first.

Per rate: webhook p50/p99 (from the request's due time); replies per second, from when the
first requests' replies are due (their p99 lag, at most half the offer) to the offer's end, so
that a server keeping up shows the offered rate and one falling behind its steady rate;
webhook-to-reply p50/p99 (∞ where the rank falls on a request never answered); errors (non-200
or failed requests); pending (unanswered, still waiting in the database at the end); lost
(unanswered, not waiting); doubled (replies beyond those asked); CPU per reply of the bot's
processes and of its PostgreSQL backends over the offer and its drain; the server's peak RSS. A
rate is sustained when replies keep up (≥ --keep-up of its requests answered by the offer's end
plus --p99-limit: "in time"), the end-to-end p99 is under --p99-limit and nothing is lost,
doubled, pending or refused. Between rates the backlog may drain for --drain s; what is still
queued then carries into the next rate.

The database (default postgresql+psycopg://postgres@127.0.0.1/bench_inbound, or
GURUBOT_BENCH_INBOUND_URL) is emptied: its name must contain "bench".
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import inbound_processes as processes
from bench.inbound_channels import CHANNELS, TELEGRAM_SECRET, TELEGRAM_TOKEN, Channel, Messages
from bench.inbound_load import Row, Sent, Step, judge, match_replies, offer, round_robin, summarise
from bench.inbound_report import measure_fake, print_rows, print_summary
from bench.inbound_setup import (
    DEFAULT_DATABASE,
    TEACHER_CHAT,
    WARM_UP_CHAT,
    DatabaseCpu,
    fresh_database,
    gurubot_environment,
    pending_per_chat,
    seed_teachers,
)

WARM_UP_CHATS = 20
# `gurubot serve` stops its worker processes after its own shutdown, and each finishes its sends
# first (up to 10 s): killed sooner, an orphaned worker would still hold the next run's tables.
STOP_GRACE_SECONDS = 60.0
CONFIGURATIONS = {
    "echo": "echo bot (PTB webhook, no database)",
    "serve": "gurubot serve (handling in its one worker process)",
    "serve2": "gurubot serve, GURUBOT_WORKER_PROCESSES=2",
    "inprocess": "gurubot serve, GURUBOT_WORKER_PROCESSES=0 (handling in the server process)",
    "worker1": "gurubot serve + 1 worker",
    "worker2": "gurubot serve + 2 workers",
}
# `gurubot worker` processes started beside `serve` (GURUBOT_INPROCESS_WORKER=0), and, for the
# others, the worker processes `serve` starts itself.
WORKERS = {"serve": 0, "serve2": 0, "inprocess": 0, "worker1": 1, "worker2": 2}
WORKER_PROCESSES = {"serve": 1, "serve2": 2, "inprocess": 0}


@dataclass
class Result:
    """What one configuration did: its rows and its footprint."""

    name: str
    description: str
    ready_seconds: float
    idle_rss_mib: float
    replies_per_message: int
    reply_sample: str
    rows: list[Row] = field(default_factory=list)
    load_average: str = ""


@dataclass
class Bench:
    """The run's fixed parts: options, the fake provider, the load client, the log folder."""

    args: argparse.Namespace
    fake_url: str
    client: aiohttp.ClientSession
    log_dir: Path
    channel: Channel
    messages: Messages
    database: DatabaseCpu | None = None  # while a configuration on PostgreSQL runs

    async def fake(self, what: str) -> Any:
        method = "POST" if what == "reset" else "GET"
        async with self.client.request(method, f"{self.fake_url}/_bench/{what}") as response:
            return await response.json()

    async def reply_count(self) -> int:
        counts = await self.fake("counts")
        return int(counts[self.channel.name])

    async def replies(self) -> dict[str, list[list[Any]]]:
        """Every reply the fake received on the channel, per chat: [[arrival, text], ...]."""
        everything = await self.fake("replies")
        replies: dict[str, list[list[Any]]] = everything[self.channel.name]
        return replies


def start_servers(bench: Bench, name: str, port: int) -> list[processes.Process]:
    """The server first (its readiness is timed), then the workers."""
    args = bench.args
    if name == "echo":
        command = [processes.PYTHON, str(processes.BENCH / "echo_bot.py"), "--port", str(port)]
        command += ["--api-url", bench.fake_url, "--token", TELEGRAM_TOKEN, "--secret", TELEGRAM_SECRET]
        return [processes.start("echo_bot", command, processes.clean_environment({}), bench.log_dir)]
    workers = WORKERS[name]
    environment = gurubot_environment(
        args.database, bench.channel.settings(bench.fake_url), args.log_level, workers == 0
    )
    environment["GURUBOT_WORKER_PROCESSES"] = str(WORKER_PROCESSES.get(name, 0))
    server = processes.start(
        f"{name}-server", [processes.GURUBOT, "serve", "--port", str(port)], environment, bench.log_dir
    )
    started = [server]
    for number in range(workers):
        started.append(
            processes.start(f"{name}-worker{number + 1}", [processes.GURUBOT, "worker"], environment, bench.log_dir)
        )
    return started


async def warm_up(bench: Bench, webhook: str) -> tuple[int, str]:
    """Every warm-up chat writes once; returns how many replies one message gets, and the first's start."""
    chats = [bench.channel.address(WARM_UP_CHAT + number) for number in range(WARM_UP_CHATS)]
    step = Step(0, 10.0, time.monotonic())
    await offer(bench.client, webhook, step, WARM_UP_CHATS / 10.0, iter(chats), bench.messages)
    if any(request.status != 200 for request in step.sent):
        raise RuntimeError(f"warm-up refused: {[request.status for request in step.sent]}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        replies = await bench.replies()
        if all(chat in replies for chat in chats):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(2.0)  # a second or third reply of the same message (the per-chat pace is 1/s)
    replies = await bench.replies()
    counts = {len(replies.get(chat, [])) for chat in chats}
    if len(counts) != 1 or 0 in counts:
        raise RuntimeError(f"warm-up chats got different numbers of replies: {sorted(counts)}")
    sample = replies[chats[0]][0][1].splitlines()[0][:60]
    return counts.pop(), sample


async def watch(servers: list[processes.Process], step: Step, stop: asyncio.Event) -> None:
    """Peak RSS of all processes together while the step runs."""
    while not stop.is_set():
        step.server_rss_mib = max(step.server_rss_mib, servers[0].rss_mib())
        step.total_rss_mib = max(step.total_rss_mib, sum(process.family_rss_mib() for process in servers))
        await asyncio.sleep(0.5)


async def drain(bench: Bench, expected: int, seconds: float) -> None:
    """Wait until the fake has `expected` replies, for `seconds` at most."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and await bench.reply_count() < expected:
        await asyncio.sleep(0.25)


async def run_step(
    bench: Bench, servers: list[processes.Process], webhook: str, step: Step, chats: Any, expected: int
) -> None:
    cpu_before = sum(process.cpu_seconds() for process in servers)
    backends_before = bench.database.backends() if bench.database else {}
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch(servers, step, stop))
    profilers = start_profilers(bench, servers, step)
    await offer(bench.client, webhook, step, bench.args.duration, chats, bench.messages)
    await drain(bench, expected, bench.args.drain)
    step.finished = time.monotonic()
    stop.set()
    await watcher
    for profiler in profilers:
        profiler.stop()
    step.cpu_seconds = sum(process.cpu_seconds() for process in servers) - cpu_before
    step.database_cpu_seconds = bench.database.since(backends_before) if bench.database else 0.0


def start_profilers(bench: Bench, servers: list[processes.Process], step: Step) -> list[processes.Process]:
    """py-spy on each server process (intake and handling) during the step at --profile-rate."""
    if bench.args.profile_rate != step.rate:
        return []
    family = [
        (f"{server.name}-{number}" if number else server.name, pid)
        for server in servers
        for number, pid in enumerate(server.family())
    ]
    return [start_profiler(bench, name, pid, step) for name, pid in family]


def start_profiler(bench: Bench, name: str, pid: int, step: Step) -> processes.Process:
    output = bench.log_dir / f"profile-{name}-{step.rate:g}.txt"
    # --gil: only the thread holding the interpreter is sampled, so the shares are of what keeps
    # the process's one GIL busy (waits on sockets and the idle event loop are left out).
    command = [str(Path(processes.PYTHON).parent / "py-spy"), "record", "--nonblocking", "--gil", "--rate", "50"]
    command += ["--format", "raw", "-o", str(output)]
    command += ["--duration", str(round(bench.args.duration)), "--pid", str(pid)]
    print(f"  profiling {name} at {step.rate:g}/s into {output}", flush=True)
    return processes.start(f"py-spy-{name}", command, processes.clean_environment({}), bench.log_dir)


async def run_configuration(bench: Bench, name: str) -> Result:
    args = bench.args
    if name != "echo":
        fresh_database(args.database)
        environment = gurubot_environment(args.database, bench.channel.settings(bench.fake_url), args.log_level, True)
        processes.run_to_end([processes.GURUBOT, "migrate"], environment, bench.log_dir, f"{name}-migrate")
        chats = [TEACHER_CHAT + number for number in range(args.teachers)]
        chats += [WARM_UP_CHAT + number for number in range(WARM_UP_CHATS)]
        seed_teachers(args.database, bench.channel.name, [bench.channel.address(chat) for chat in chats])
        bench.database = DatabaseCpu(args.database)
    await bench.fake("reset")
    port = processes.free_port()
    servers = start_servers(bench, name, port)
    try:
        ready = processes.wait_ready(servers[0], f"http://127.0.0.1:{port}/readyz")
        webhook = f"http://127.0.0.1:{port}{bench.channel.webhook_path}"
        per_message, sample = await warm_up(bench, webhook)
        await asyncio.sleep(2.0)
        result = Result(name, CONFIGURATIONS[name], ready, servers[0].rss_mib(), per_message, sample)
        await bench.fake("reset")
        steps = await run_steps(bench, servers, webhook, per_message)
        await drain(bench, per_message * sum(len(step.sent) for step in steps), args.final_drain)
        pending = pending_per_chat(args.database, per_message) if name != "echo" else {}
        replies = await bench.replies()
        result.rows = score(steps, replies, per_message, pending, args.p99_limit / 1000)
        result.load_average = Path("/proc/loadavg").read_text().strip()
        return result
    finally:
        for server in reversed(servers):
            server.stop(STOP_GRACE_SECONDS)
        if bench.database is not None:
            bench.database.close()
            bench.database = None


async def run_steps(bench: Bench, servers: list[processes.Process], webhook: str, per_message: int) -> list[Step]:
    chats = round_robin([bench.channel.address(TEACHER_CHAT + number) for number in range(bench.args.teachers)])
    steps: list[Step] = []
    for number, rate in enumerate(bench.args.rates, start=1):
        step = Step(number, rate, time.monotonic() + 0.05)
        steps.append(step)
        expected = per_message * sum(len(earlier.sent) for earlier in steps) + per_message * round(
            rate * bench.args.duration
        )
        await run_step(bench, servers, webhook, step, chats, expected)
        print(f"  {rate:g}/s done ({len(step.sent)} sent)", flush=True)
    return steps


def score(
    steps: list[Step], replies: dict[str, list[list[Any]]], per_message: int, pending: dict[str, int], grace: float
) -> list[Row]:
    sent: list[Sent] = [request for step in steps for request in step.sent]
    doubled = match_replies(sent, replies, per_message, pending)
    return [summarise(step, replies, per_message, doubled.get(step.number, 0), grace) for step in steps]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="20,40,80,160,240,320,640", help="offered messages/s, comma-separated")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds each rate is offered")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds the backlog may drain after each rate")
    parser.add_argument("--final-drain", type=float, default=15.0, help="seconds after the last rate")
    parser.add_argument("--configs", default=None, help="which configurations, in order (default: all it can run)")
    parser.add_argument("--teachers", type=int, default=2000, help="distinct onboarded chats")
    parser.add_argument("--channel", choices=sorted(CHANNELS), default="telegram", help="whose webhook the load uses")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--connections", type=int, default=100, help="the load client's connections (Telegram: ≤ 100)")
    parser.add_argument("--keep-up", type=float, default=0.95, help="share of requests answered in time")
    parser.add_argument("--p99-limit", type=float, default=2000.0, help="end-to-end p99 bound of a sustained rate, ms")
    parser.add_argument("--log-level", default="INFO", help="GURUBOT_LOG_LEVEL of the servers (production: INFO)")
    parser.add_argument("--profile-rate", type=float, default=None, help="py-spy every server process at this rate")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    try:
        args.rates = [float(rate) for rate in args.rates.split(",")]
    except ValueError:
        parser.error("--rates: numbers separated by commas")
    everything = ",".join(name for name in CONFIGURATIONS if args.channel == "telegram" or name != "echo")
    args.configs = [name for name in (args.configs or everything).split(",") if name]
    unknown = set(args.configs) - set(CONFIGURATIONS)
    if unknown:
        parser.error(f"unknown configurations {sorted(unknown)}; choose from {list(CONFIGURATIONS)}")
    if args.channel != "telegram" and "echo" in args.configs:
        parser.error("the echo bot speaks Telegram only: leave it out of --configs with --channel whatsapp")
    if "bench" not in args.database.rsplit("/", 1)[-1]:
        parser.error("the database is emptied: its name must contain 'bench'")
    return args


async def main(args: argparse.Namespace) -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="gurubot-bench-inbound-"))
    print(f"logs in {log_dir}; load average at start: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    fake, fake_url = processes.start_fake_provider(log_dir)
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends them, or a request sent on
    # a connection the server is closing would count as an error of the server.
    connector = aiohttp.TCPConnector(limit=args.connections, keepalive_timeout=3.0)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:
            channel = CHANNELS[args.channel]
            bench = Bench(args, fake_url, client, log_dir, channel, Messages(channel))

            print(await measure_fake(client, fake_url, fake.cpu_seconds), flush=True)
            results = []
            for name in args.configs:
                print(f"{CONFIGURATIONS[name]} ...", flush=True)
                result = await run_configuration(bench, name)
                for row in result.rows:
                    row.sustained = judge(row, args.keep_up, args.p99_limit)
                print_rows(result)
                results.append(result)
            print_summary(results)
    finally:
        fake.stop()
    print(f"load average at end: {Path('/proc/loadavg').read_text().strip()}")
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(result) for result in results], indent=1, default=str))


if __name__ == "__main__":
    asyncio.run(main(parse_arguments()))
