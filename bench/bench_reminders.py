"""The reminder tick against 1,000,000 pending reminders in PostgreSQL (not part of the test suite).

Usage:
    createdb -h 127.0.0.1 -U postgres gurubot_bench
    .venv/bin/python bench/bench_reminders.py [postgresql+psycopg://postgres@127.0.0.1/gurubot_bench]
(or GURUBOT_BENCH_DATABASE_URL). The database's schema is dropped and rebuilt, so its name must
contain "bench". Rows are loaded with COPY: 1,000 teachers, 500 meetings, 500,000 invitations and
two reminders each. Then, per round, 1,000 reminders (one meeting's one-hour reminders) become due and:
- the claim query runs under EXPLAIN ANALYZE (execution time as PostgreSQL measures it),
- the claim query runs as the tick runs it (wall time, rolled back),
- the whole tick job runs: claim, render, 1,000 outbox rows, commit (wall and SQL time),
and the process RSS is printed before and after, to show it does not grow with what is pending.
"""

import os
import re
import resource
import statistics
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from bot.db import make_engine, migrate
from bot.meetings.jobs import claim_query, send_due_reminders

CONTACTS, MEETINGS = 1_000, 500  # × 2 reminders per invitation = 1,000,000 reminders
ROUNDS, REPEATS = 3, 7
NOW = datetime.now(UTC)


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def reset_schema(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def contact_rows() -> Iterator[tuple[Any, ...]]:
    zones = [("73", "Asia/Makassar"), ("91", "Asia/Jayapura"), ("32", "Asia/Jakarta")]
    for number in range(1, CONTACTS + 1):
        province, zone = zones[number % 3]
        yield (number, "telegram", str(100_000 + number), f"Guru {number}", province, zone, NOW, NOW, "{}", NOW)


def meeting_start(meeting: int) -> datetime:
    return NOW + timedelta(days=2, hours=meeting)


def meeting_rows() -> Iterator[tuple[Any, ...]]:
    for meeting in range(1, MEETINGS + 1):
        start = meeting_start(meeting)
        yield (meeting, f"Pertemuan {meeting}", "", "https://meet.example.org/x", start, 60, 420, "{}", "[1440, 60]")


def invitation_rows() -> Iterator[tuple[Any, ...]]:
    for meeting in range(1, MEETINGS + 1):
        for contact in range(1, CONTACTS + 1):
            yield ((meeting - 1) * CONTACTS + contact, meeting, contact, "none", NOW, NOW)


def reminder_rows() -> Iterator[tuple[Any, ...]]:
    for meeting in range(1, MEETINGS + 1):
        start = meeting_start(meeting)
        for contact in range(1, CONTACTS + 1):
            invitation = (meeting - 1) * CONTACTS + contact
            yield (invitation, meeting, "reminder", 1440, start - timedelta(days=1), "pending")
            yield (invitation, meeting, "reminder", 60, start - timedelta(hours=1), "pending")


COPIES = [
    (
        "contact (id, channel, address, name, province_code, time_zone, consent_given_at, onboarded_at,"
        " flow_data, created_at)",
        contact_rows,
    ),
    (
        "meeting (id, title, agenda, join_url, starts_at, duration_minutes, organiser_offset_minutes, audience,"
        " reminder_minutes)",
        meeting_rows,
    ),
    ("meeting_invitation (id, meeting_id, contact_id, rsvp, notified_at, created_at)", invitation_rows),
    ("meeting_reminder (invitation_id, meeting_id, kind, offset_minutes, due_at, status)", reminder_rows),
]
DEFAULTS = """
ALTER TABLE meeting ALTER created_by SET DEFAULT 'bench', ALTER short_code SET DEFAULT left(md5(random()::text), 16),
  ALTER calendar_url SET DEFAULT '', ALTER status SET DEFAULT 'scheduled', ALTER sequence SET DEFAULT 0,
  ALTER opted_out_count SET DEFAULT 0, ALTER created_at SET DEFAULT now(), ALTER updated_at SET DEFAULT now()
"""


def fill(url: str) -> None:
    """Load every row with COPY, streamed: nothing is built in memory first."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as connection:
        connection.execute(DEFAULTS)
        for target, rows in COPIES:
            started = time.perf_counter()
            with connection.cursor().copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
            print(f"  COPY {target.split()[0]:<20} {time.perf_counter() - started:6.1f} s")
        for table in ("contact", "meeting", "meeting_invitation"):
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def make_due(engine: Engine, meeting: int) -> None:
    """One meeting starts in 30 minutes: its 1,000 one-hour reminders are due (its day-before ones went)."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE meeting SET starts_at = :start WHERE id = :meeting"),
            {"start": now + timedelta(minutes=30), "meeting": meeting},
        )
        connection.execute(
            text(
                "UPDATE meeting_reminder SET due_at = CASE offset_minutes WHEN 60 THEN :due ELSE due_at END,"
                " status = CASE offset_minutes WHEN 60 THEN 'pending' ELSE 'sent' END WHERE meeting_id = :meeting"
            ),
            {"due": now - timedelta(minutes=1), "meeting": meeting},
        )


def explain_claim(engine: Engine) -> tuple[float, str]:
    """EXPLAIN ANALYZE of the claim query; returns its execution time (ms) and the plan."""
    compiled = claim_query(datetime.now(UTC), 1000, for_postgres=True).compile(dialect=engine.dialect)
    with engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params)
        lines = [row[0] for row in plan]
        connection.rollback()
    match = re.search(r"Execution Time: ([\d.]+) ms", "\n".join(lines))
    assert match, lines
    return float(match.group(1)), "\n".join(lines)


def timed_claim(engine: Engine) -> tuple[float, int]:
    """The claim query as the tick runs it, rolled back; returns wall time (ms) and rows found."""
    with engine.connect() as connection:
        started = time.perf_counter()
        rows = connection.execute(claim_query(datetime.now(UTC), 1000, for_postgres=True)).all()
        elapsed = (time.perf_counter() - started) * 1000
        connection.rollback()
    return elapsed, len(rows)


class StatementLog:
    """Every statement the tick sends, for replay, and the time spent inside cursor.execute."""

    def __init__(self, engine: Engine) -> None:
        self.entries: list[tuple[str, Any, bool]] = []
        self.client_seconds, self.started = 0.0, 0.0
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, *_args: Any) -> None:
        self.started = time.perf_counter()

    def after(self, _connection: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        self.client_seconds += time.perf_counter() - self.started
        self.entries.append((statement, parameters, many))

    def clear(self) -> None:
        self.entries, self.client_seconds = [], 0.0


def server_milliseconds(engine: Engine, entries: list[tuple[str, Any, bool]]) -> dict[str, float]:
    """Replay the tick's statements under EXPLAIN ANALYZE (rolled back): the database's own time, per statement."""
    times: dict[str, float] = {}
    with engine.connect() as connection:
        driver = connection.connection.driver_connection  # psycopg: takes the statements exactly as captured
        assert driver is not None
        for statement, parameters, many in entries:
            for values in parameters if many and not isinstance(parameters, Mapping) else [parameters]:
                plan = "\n".join(row[0] for row in driver.execute("EXPLAIN ANALYZE " + statement, values))
                spent = sum(float(ms) for ms in re.findall(r"(?:Planning|Execution) Time: ([\d.]+) ms", plan))
                name = " ".join(statement.split()[:3])
                times[name] = times.get(name, 0.0) + spent
        connection.rollback()
    return times


def tick_and_replay(engine: Engine, meeting: int, log: StatementLog) -> str:
    """Run the real tick, then put its rows back as they were and replay its statements explained."""
    with engine.connect() as connection:
        last_outbox_id = connection.execute(text("SELECT coalesce(max(id), 0) FROM outbound_message")).one()[0]
    rss_before = rss_mib()
    log.clear()
    started = time.perf_counter()
    claimed = send_due_reminders(engine)
    wall = (time.perf_counter() - started) * 1000
    client, statements, rss_after = log.client_seconds * 1000, list(log.entries), rss_mib()
    log.clear()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM outbound_message WHERE id > :last"), {"last": last_outbox_id})
    make_due(engine, meeting)
    server = server_milliseconds(engine, statements)
    with engine.begin() as connection:
        connection.execute(text("UPDATE meeting_reminder SET status = 'sent' WHERE meeting_id = :m"), {"m": meeting})
    parts = ", ".join(f"{name[:40]} {spent:.1f}" for name, spent in sorted(server.items(), key=lambda i: -i[1]))
    return (
        f"full tick, {claimed} sent: wall {wall:.0f} ms; in cursor.execute {client:.0f} ms;"
        f" database time (replayed under EXPLAIN ANALYZE) {sum(server.values()):.1f} ms in {len(statements)}"
        f" statements; RSS {rss_before:.1f} → {rss_after:.1f} MiB\n    by statement (ms): {parts}"
    )


def bench_round(engine: Engine, meeting: int, log: StatementLog) -> None:
    make_due(engine, meeting)
    explained = [explain_claim(engine)[0] for _ in range(REPEATS)]
    claims = [timed_claim(engine) for _ in range(REPEATS)]
    assert all(found == 1000 for _, found in claims), claims
    print(
        f"round {meeting}: claim of 1,000 due: EXPLAIN ANALYZE median {statistics.median(explained):.2f} ms"
        f" (min {min(explained):.2f}); wall median {statistics.median(c for c, _ in claims):.2f} ms"
    )
    print("  " + tick_and_replay(engine, meeting, log))


def main(url: str) -> None:
    if make_url(url).get_backend_name() != "postgresql" or "bench" not in (make_url(url).database or ""):
        sys.exit("give a PostgreSQL URL of a database whose name contains 'bench' (its schema is dropped)")
    engine = make_engine(url)
    print(f"RSS at start {rss_mib():.1f} MiB")
    reset_schema(engine)
    migrate(url)
    started = time.perf_counter()
    fill(url)
    with engine.connect() as connection:
        pending = connection.execute(text("SELECT count(*) FROM meeting_reminder WHERE status = 'pending'")).one()[0]
    print(f"filled {pending:,} pending reminders in {time.perf_counter() - started:.0f} s; RSS {rss_mib():.1f} MiB")
    log = StatementLog(engine)
    for meeting in range(1, ROUNDS + 1):
        bench_round(engine, meeting, log)
    make_due(engine, ROUNDS + 1)
    print("plan of the claim query with 1,000 due:\n  " + explain_claim(engine)[1].replace("\n", "\n  "))
    print(f"peak RSS of this process: {rss_peak_mib():.1f} MiB")


def rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    database_url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GURUBOT_BENCH_DATABASE_URL", "")
    main(database_url)
