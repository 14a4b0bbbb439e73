"""The inbound benchmark's output: the fake provider's own rate, a table per configuration, the summary."""

import asyncio
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp

from bench.inbound_load import Row

if TYPE_CHECKING:
    from bench.bench_inbound import Result

COLUMNS = (
    f"{'offered/s':>9} {'sent':>5} {'webhook p50/p99 ms':>19} {'errors':>6} {'replies/s':>9} {'in time':>7} "
    f"{'e2e p50/p99 ms':>16} {'pending':>7} {'lost':>4} {'doubled':>7} {'CPU ms/msg':>10} {'PG ms/msg':>9} "
    f"{'RSS MiB':>7}  sustained"
)


async def measure_fake(client: aiohttp.ClientSession, url: str, fake_cpu: Callable[[], float]) -> str:
    """How fast the fake answers sendMessage (PTB's form body), closed loop, 32 calls at once, for
    3 s; and its CPU per call, whose inverse is its rate on one free core. Then it is reset."""
    body = b"chat_id=1&text=" + b"x" * 200
    headers = {"content-type": "application/x-www-form-urlencoded"}
    deadline = time.monotonic() + 3.0
    done = 0

    async def caller() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            async with client.post(f"{url}/bot1:bench/sendMessage", data=body, headers=headers) as response:
                await response.read()
            done += 1

    started, cpu_before = time.monotonic(), fake_cpu()
    await asyncio.gather(*(caller() for _ in range(32)))
    rate, cpu_ms = done / (time.monotonic() - started), (fake_cpu() - cpu_before) * 1000 / max(done, 1)
    async with client.post(f"{url}/_bench/reset") as response:
        await response.read()
    return (
        f"fake provider: {rate:.0f} sendMessage/s closed loop (the load client shares the machine),"
        f" {cpu_ms:.2f} ms CPU per call (≈ {1000 / cpu_ms:.0f}/s on one core)"
    )


def milliseconds(value: float) -> str:
    if math.isnan(value):
        return "—"
    return "∞" if math.isinf(value) else f"{value:.0f}"


def pair(first: float, second: float) -> str:
    return f"{milliseconds(first)}/{milliseconds(second)}"


def format_row(row: Row) -> str:
    cells = (
        f"{row.rate:>9g} {row.sent:>5} {pair(row.webhook_p50_ms, row.webhook_p99_ms):>19} {row.errors:>6}",
        f"{row.replies_per_second:>9.1f} {row.answered_in_time:>7.0%}",
        f"{pair(row.end_to_end_p50_ms, row.end_to_end_p99_ms):>16}",
        f"{row.pending:>7} {row.lost:>4} {row.doubled:>7}",
        f"{milliseconds(row.cpu_ms_per_message):>10} {milliseconds(row.database_cpu_ms_per_message):>9}",
        f"{row.server_rss_mib:>7.0f}  {'yes' if row.sustained else 'no'}",
    )
    return " ".join(cells)


def print_rows(result: "Result") -> None:
    print(
        f"\n{result.description}: ready in {result.ready_seconds:.2f} s, RSS idle {result.idle_rss_mib:.0f} MiB,"
        f" {result.replies_per_message} reply per message ({result.reply_sample!r}); load {result.load_average}"
    )
    print(COLUMNS)
    for row in result.rows:
        print(format_row(row))
    print(flush=True)


def sustained_rate(result: "Result") -> float:
    return max((row.rate for row in result.rows if row.sustained), default=0.0)


def row_at(result: "Result", rate: float) -> Row | None:
    return next((row for row in result.rows if row.rate == rate), None)


def half_rate_row(result: "Result") -> Row | None:
    """The row nearest half the sustained rate, not above it."""
    half = sustained_rate(result) / 2
    below = [row for row in result.rows if row.rate <= half]
    return max(below, key=lambda row: row.rate) if below else None


def ratio(ours: float, theirs: float) -> str:
    if not theirs or math.isnan(ours) or math.isnan(theirs) or math.isinf(ours) or math.isinf(theirs):
        return "—"
    return f"{ours / theirs:.2f}"


def best_rate(result: "Result") -> float:
    return max(row.replies_per_second for row in result.rows)


def summary_line(result: "Result", echo: "Result | None") -> str:
    sustained, best = sustained_rate(result), best_rate(result)
    top = result.rows[-1].replies_per_second
    half = half_rate_row(result)
    echo_half = row_at(echo, half.rate) if echo and half else None
    at_sustained = row_at(result, sustained)
    echo_at = row_at(echo, sustained) if echo else None
    cpu = at_sustained.cpu_ms_per_message if at_sustained else math.nan
    half_p50 = f"{half.rate:g}: {milliseconds(half.end_to_end_p50_ms)}" if half else "—"
    half_ratio = ratio(half.end_to_end_p50_ms, echo_half.end_to_end_p50_ms) if half and echo_half else "—"
    peak_rss = max(row.server_rss_mib for row in result.rows)
    cells = (
        f"{result.name:<8} {sustained:>9g} {ratio(sustained, sustained_rate(echo) if echo else math.nan):>6}",
        f"{best:>8.1f} {ratio(best, best_rate(echo) if echo else math.nan):>6} {top:>8.1f} {ratio(top, best):>8}",
        f"{max(row.webhook_p99_ms for row in result.rows):>13.0f}",
        f"{half_p50:>12} {half_ratio:>6}",
        f"{milliseconds(cpu):>7} {ratio(cpu, echo_at.cpu_ms_per_message) if echo_at else '—':>6}",
        f"{result.ready_seconds:>7.2f} {result.idle_rss_mib:>8.0f} {peak_rss:>8.0f}",
    )
    return " ".join(cells)


def print_summary(results: list["Result"]) -> None:
    """One line per configuration; ratios are to the echo bot run last before it (or first)."""
    print("Summary (× echo: ratio to the echo bot run nearest before; sustained: highest offered rate sustained)")
    print(
        f"{'config':<8} {'sustained':>9} {'× echo':>6} {'best r/s':>8} {'× echo':>6} {'top r/s':>8} {'top/best':>8} "
        f"{'max wh p99 ms':>13} {'e2e p50 @½':>12} {'× echo':>6} {'CPU ms':>7} {'× echo':>6} "
        f"{'ready s':>7} {'RSS idle':>8} {'RSS peak':>8}"
    )
    echo = next((result for result in results if result.name == "echo"), None)
    for result in results:
        echo = result if result.name == "echo" else echo
        print(summary_line(result, echo))
    print(
        "best r/s: the most replies/s at any rate; top r/s: at the highest offered rate (no collapse: close to best);"
        " e2e p50 @½: at the rate nearest half the sustained one; CPU ms: per message at the sustained rate,"
        " of the bot's processes (PostgreSQL's not included: see PG ms/msg); RSS: of the server process."
    )
