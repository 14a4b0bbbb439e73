"""Broadcasts at scale on PostgreSQL: 100,000 recipients.

    .venv/bin/python bench/bench_broadcast.py [--teachers 100000] [--sample 3000] [--json FILE] [--planning-only]

1. Compose: `POST /api/broadcasts` for everyone (the count of the audience), through the app.
2. Planning: the tick's `plan_due` writes the ledger in one INSERT … SELECT, while a client asks
   `GET /api/broadcasts/{id}` and `/healthz` every 20 ms over HTTP (the app on loopback):
   planning time and the API's latency meanwhile (target ≤ 5 s and < 100 ms).
3. Feeding: the ledger into the outbox with the rate limits lifted (messages per second).
4. Sending to an unthrottled fake provider (in process) at dispatcher speed, for `--sample`.
5. Estimate vs real: with Telegram's 30/s configured, `--sample` recipients; the preview's
   `estimated_finish` against the moment the last one is sent, in the dispatcher's virtual time
   (tests.fakes.VirtualTime: the rate limiter's slots are exact however loaded the machine is).

The database (GURUBOT_BENCH_BROADCAST_URL, default postgresql+psycopg://postgres@127.0.0.1/bench_broadcast)
is emptied: its name must contain "bench". Every moment is taken from the time this machine
really spends, except in 5.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import uvicorn
from sqlalchemy import Engine, create_engine, text

import bot.features  # noqa: F401  (every table on the metadata)
from bot import clock
from bot.app import create_app
from bot.broadcasts import jobs
from bot.channels import telegram
from bot.config import Settings
from bot.db import make_engine, migrate
from tests.fakes import NotingProvider, VirtualTime

URL = os.environ.get("GURUBOT_BENCH_BROADCAST_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_broadcast")
TOKEN = "bench-admin-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
PORT = 8765
MIDDAY = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 11.00 WIB, 12.00 WITA, 13.00 WIT: nobody in quiet hours
UNLIMITED = {"telegram": 1e9, "whatsapp": 1e9, "simulator": 1e9}


def fresh_database() -> Engine:
    assert "bench" in URL.rsplit("/", 1)[-1], "the bench database's name must contain 'bench'"
    admin = create_engine(URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        name = URL.rsplit("/", 1)[-1]
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate(URL)
    return engine


def add_teachers(engine: Engine, count: int, first: int = 0, channel_mix: bool = True) -> None:
    """Onboarded teachers in Jawa Barat (WIB), Sulawesi Selatan (WITA) and Papua (WIT); 1 in 5 on
    WhatsApp (half of them inside the 24-hour window), 1% opted out, 2% without consent."""
    at = "CAST(:now AS timestamptz)"
    with engine.begin() as connection:
        connection.execute(
            text(
                """
                INSERT INTO contact (channel, address, province_code, time_zone, role, school_level,
                    consent_given_at, onboarded_at, opted_out_at, last_inbound_at, flow_data, question_seq,
                    question_choices, created_at)
                SELECT CASE WHEN CAST(:mix AS boolean) AND n % 5 = 0 THEN 'whatsapp' ELSE 'telegram' END,
                       CASE WHEN CAST(:mix AS boolean) AND n % 5 = 0 THEN 'whatsapp:+62812' || lpad(n::text, 8, '0')
                            ELSE (1000000 + n)::text END,
                       (ARRAY['32', '73', '91'])[n % 3 + 1],
                       (ARRAY['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'])[n % 3 + 1],
                       'guru', 'sd',
                       CASE WHEN n % 50 = 1 THEN NULL ELSE :now_at END, :now_at,
                       CASE WHEN n % 100 = 7 THEN :now_at ELSE NULL END,
                       CASE WHEN n % 10 = 0 THEN NULL ELSE :now_at END, '{}', 0, 0, :now_at
                FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n
                """.replace(":now_at", at)
            ),
            {"first": first, "last": first + count - 1, "now": clock.utcnow(), "mix": channel_mix},
        )
        connection.execute(text("ANALYZE contact"))


def settings_for(rates: dict[str, float] | None = None) -> Settings:
    extra = {"telegram_rate": rates["telegram"], "whatsapp_rate": rates["whatsapp"]} if rates else {}
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=URL,
        admin_token=TOKEN,
        inprocess_worker=False,
        telegram_token="123:bench",
        telegram_secret="bench-secret",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="bench",
        twilio_whatsapp_from="whatsapp:+14155238886",
        **extra,
    )


@contextmanager
def serving(settings: Settings, engine: Engine) -> Iterator[str]:
    """The app on loopback in a thread (its own event loop), as clients reach it."""
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), port=PORT, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{PORT}"
    finally:
        server.should_exit = True
        thread.join(10)


def measure_latency(base: str, path: str, stop: threading.Event, found: list[float]) -> None:
    with httpx.Client(base_url=base, headers=HEADERS, timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(path).raise_for_status()
            found.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def plan_under_load(engine: Engine, base: str, broadcast_id: int) -> dict[str, Any]:
    stop, report_ms, health_ms = threading.Event(), list[float](), list[float]()
    clients = [
        threading.Thread(target=measure_latency, args=(base, f"/api/broadcasts/{broadcast_id}", stop, report_ms)),
        threading.Thread(target=measure_latency, args=(base, "/healthz", stop, health_ms)),
    ]
    for client in clients:
        client.start()
    time.sleep(0.3)  # the clients are asking before planning starts
    started = time.perf_counter()
    rows = jobs.plan_due(engine)
    planning = time.perf_counter() - started
    stop.set()
    for client in clients:
        client.join()
    return {
        "ledger_rows": rows,
        "planning_s": planning,
        "report_p50_ms": statistics.median(report_ms),
        "report_max_ms": max(report_ms),
        "health_p50_ms": statistics.median(health_ms),
        "health_max_ms": max(health_ms),
        "requests": len(report_ms) + len(health_ms),
    }


def feed_all(engine: Engine) -> tuple[int, float]:
    started, fed = time.perf_counter(), 0
    while True:
        done = jobs.feed_outbox(engine, UNLIMITED)
        fed += done
        if not done:
            return fed, time.perf_counter() - started


async def drain(dispatcher: Any) -> int:
    sent = 0
    while count := await dispatcher.run_once():
        sent += count
    return sent


def unthrottled_send(engine: Engine, sample: int) -> dict[str, Any]:
    """The dispatcher against an in-process provider that answers at once, rate limits lifted."""
    with engine.begin() as connection:  # keep `sample` Telegram messages queued, drop the rest
        connection.execute(
            text(
                "DELETE FROM outbound_message WHERE id NOT IN (SELECT id FROM outbound_message"
                " WHERE channel = 'telegram' ORDER BY id LIMIT :n)"
            ),
            {"n": sample},
        )
    virtual_time = VirtualTime(1000.0)
    provider = NotingProvider(telegram.TRAITS.at_rates(1e9, 1e9), virtual_time)
    settings = settings_for({"telegram": 1e9, "whatsapp": 1e9})
    dispatcher = virtual_time.dispatcher(engine, {"telegram": provider}, settings)
    started = time.perf_counter()
    sent = asyncio.run(drain(dispatcher))
    return {"sent": sent, "seconds": time.perf_counter() - started}


def estimate_vs_real(engine: Engine, sample: int) -> dict[str, Any]:
    """Telegram 30/s: the preview's estimate against the last send in virtual time."""
    with engine.begin() as connection:
        connection.execute(
            text("TRUNCATE broadcast, broadcast_recipient, outbound_message, delivery_rate_slot CASCADE")
        )
        connection.execute(text("DELETE FROM contact"))
    add_teachers(engine, sample, channel_mix=False)
    settings = settings_for({"telegram": 30.0, "whatsapp": 10.0})
    body = {"text": "Pengumuman uji.", "confirm_all": True}
    with serving(settings, engine) as base, httpx.Client(base_url=base, headers=HEADERS, timeout=30) as client:
        preview = client.post("/api/broadcasts/preview", json=body).json()
        client.post("/api/broadcasts", json=body).raise_for_status()
    estimated = (datetime.fromisoformat(preview["estimated_finish"]) - clock.utcnow()).total_seconds()
    virtual_time = VirtualTime(1000.0)
    provider = NotingProvider(telegram.TRAITS.at_rates(30.0), virtual_time)
    dispatcher = virtual_time.dispatcher(engine, {"telegram": provider}, settings)
    rates = {"telegram": 30.0 * 0.97, "whatsapp": 9.7}
    jobs.plan_due(engine)
    while jobs.feed_outbox(engine, rates):  # the tick feeds 30 s ahead; the dispatcher drains
        asyncio.run(drain(dispatcher))
    real = max(arrival.moment for arrival in provider.arrivals) - 1000.0
    return {
        "recipients": preview["recipient_count"],
        "sent": len(provider.arrivals),
        "estimated_s": estimated,
        "real_s": real,
        "error_pct": 100 * (estimated - real) / real,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=3000)
    parser.add_argument("--json")
    parser.add_argument("--planning-only", action="store_true", help="stop after step 2")
    args = parser.parse_args()
    clock.advance(MIDDAY - clock.utcnow())
    clock.freeze()
    engine = fresh_database()
    started = time.perf_counter()
    add_teachers(engine, args.teachers)
    results: dict[str, Any] = {"teachers": args.teachers, "seed_s": time.perf_counter() - started}
    settings = settings_for()
    with serving(settings, engine) as base, httpx.Client(base_url=base, headers=HEADERS, timeout=60) as client:
        started = time.perf_counter()
        created = client.post("/api/broadcasts", json={"text": "Pengumuman uji.", "confirm_all": True})
        created.raise_for_status()
        results["compose_ms"] = (time.perf_counter() - started) * 1000
        results["recipient_count"] = created.json()["recipient_count"]
        results["planning"] = plan_under_load(engine, base, created.json()["id"])
    if args.planning_only:
        print(json.dumps(results, indent=2))
        return
    fed, seconds = feed_all(engine)
    results["feeding"] = {"queued": fed, "seconds": seconds, "per_second": fed / seconds}
    results["unthrottled"] = unthrottled_send(engine, args.sample)
    results["estimate"] = estimate_vs_real(engine, args.sample)
    print_table(results)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=2)


def print_table(results: dict[str, Any]) -> None:
    planning, feeding = results["planning"], results["feeding"]
    unthrottled, estimate = results["unthrottled"], results["estimate"]
    rows = [
        ("teachers (seeded in)", f"{results['teachers']:,} ({results['seed_s']:.1f} s)"),
        (
            "POST /api/broadcasts (count of the audience)",
            f"{results['compose_ms']:.0f} ms, {results['recipient_count']:,} recipients",
        ),
        (
            "planning: ledger rows, one INSERT … SELECT",
            f"{planning['ledger_rows']:,} in {planning['planning_s']:.2f} s",
        ),
        (
            "  GET /api/broadcasts/{id} meanwhile p50 / max",
            f"{planning['report_p50_ms']:.1f} / {planning['report_max_ms']:.1f} ms",
        ),
        ("  GET /healthz meanwhile p50 / max", f"{planning['health_p50_ms']:.1f} / {planning['health_max_ms']:.1f} ms"),
        (
            "feeding the outbox (limits lifted)",
            f"{feeding['queued']:,} in {feeding['seconds']:.1f} s ({feeding['per_second']:,.0f}/s)",
        ),
        (
            "dispatcher to an unthrottled fake",
            f"{unthrottled['sent']:,} in {unthrottled['seconds']:.1f} s"
            f" ({unthrottled['sent'] / unthrottled['seconds']:,.0f}/s)",
        ),
        (
            "Telegram 30/s: estimated vs real finish",
            f"{estimate['estimated_s']:.1f} s vs {estimate['real_s']:.1f} s ({estimate['error_pct']:+.2f}%)",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
