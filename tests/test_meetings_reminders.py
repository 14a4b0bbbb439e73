"""Reminders as due rows: local time, quiet hours, late meetings, restarts and two workers at once."""

import asyncio
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot import timed
from bot.features import timed_jobs
from bot.meetings.jobs import claim_query, send_due_reminders
from bot.meetings.models import Reminder
from bot.models import OutboundMessage, Priority
from tests.factories import Harness
from tests.test_meetings import (
    ADMIN,
    CREATED_AT,
    PAPUA,
    SULSEL,
    add_teacher,
    create_meeting,
    last_text,
    tick,
    travel_to,
)

DAY_BEFORE = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
HOUR_BEFORE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def reminder_count(engine: Engine, **where: object) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(OutboundMessage).where(OutboundMessage.kind == "reminder")
        for name, value in where.items():
            query = query.where(getattr(OutboundMessage, name) == value)
        return session.exec(query).one()


async def test_reminders_arrive_a_day_and_an_hour_before_in_each_teachers_time(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    add_teacher(db_engine, PAPUA, "91")
    await create_meeting(harness, audience={"provinces": ["73", "91"]})
    await tick(harness)
    travel_to(DAY_BEFORE - MINUTE)
    await tick(harness)
    assert last_text(harness, SULSEL).startswith("Undangan")
    travel_to(DAY_BEFORE)
    await tick(harness)
    assert last_text(harness, SULSEL).startswith("Pengingat pertemuan: Klinik coaching PembaTIK")
    assert "Waktu: Selasa, 1 Desember 2026 pukul 10.00 WITA" in last_text(harness, SULSEL)
    assert "pukul 11.00 WIT" in last_text(harness, PAPUA)
    assert "Tautan bergabung: https://meet.example.org/pembatik" in last_text(harness, PAPUA)
    travel_to(HOUR_BEFORE)
    await tick(harness)
    assert "segera dimulai, pukul 10.00 WITA (60 menit lagi)" in last_text(harness, SULSEL)
    assert "segera dimulai, pukul 11.00 WIT (60 menit lagi)" in last_text(harness, PAPUA)
    assert reminder_count(db_engine, priority=Priority.REMINDER) == 4


async def test_day_before_reminder_in_quiet_hours_goes_just_before_they_start(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness, starts_at="2026-12-01T23:00:00+08:00")  # the day before at 23.00 is quiet
    await tick(harness)
    evening_before = datetime(2026, 11, 30, 12, 59, tzinfo=UTC)  # 20.59 WITA
    travel_to(evening_before - MINUTE)
    await tick(harness)
    assert reminder_count(db_engine) == 0
    travel_to(evening_before)
    await tick(harness)
    assert "Pengingat pertemuan" in last_text(harness, SULSEL) and "pukul 23.00 WITA" in last_text(harness, SULSEL)
    travel_to(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # 22.00 WITA: the one-hour reminder is on time
    await tick(harness)
    assert "segera dimulai, pukul 23.00 WITA" in last_text(harness, SULSEL)


async def test_invitation_created_in_quiet_hours_waits_until_six_local(harness: Harness, db_engine: Engine) -> None:
    travel_to(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # 22.00 WITA, 23.00 WIT
    add_teacher(db_engine, SULSEL, "73")
    add_teacher(db_engine, PAPUA, "91")
    await create_meeting(harness)
    await tick(harness)
    assert harness.telegram.sent_texts() == []
    travel_to(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))  # 06.00 WIT, 05.00 WITA
    await tick(harness)
    assert last_text(harness, PAPUA).startswith("Undangan") and harness.telegram.sent_texts(SULSEL) == []
    travel_to(datetime(2026, 11, 25, 22, 0, tzinfo=UTC))  # 06.00 WITA
    await tick(harness)
    assert last_text(harness, SULSEL).startswith("Undangan")


async def test_meeting_set_40_minutes_ahead_gets_one_reminder_right_away(harness: Harness, db_engine: Engine) -> None:
    travel_to(datetime(2026, 12, 1, 1, 20, tzinfo=UTC))  # 09.20 WITA
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness)  # 10.00 WITA
    await tick(harness)
    sent = harness.telegram.sent_texts(SULSEL)
    assert len(sent) == 2 and sent[0].startswith("Undangan")
    assert "segera dimulai, pukul 10.00 WITA (40 menit lagi)" in sent[1] and "meet.example.org" in sent[1]
    travel_to(datetime(2026, 12, 1, 1, 50, tzinfo=UTC))
    await tick(harness)
    assert len(harness.telegram.sent_texts(SULSEL)) == 2


async def test_after_a_restart_missed_reminders_go_late_once_with_starting_soon_wording(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    created = await create_meeting(harness)
    await tick(harness)
    travel_to(datetime(2026, 12, 1, 1, 35, tzinfo=UTC))  # down since before both reminders were due
    await asyncio.to_thread(timed.tick, db_engine, timed_jobs())  # the first tick of a freshly started process
    await harness.settle()
    sent = harness.telegram.sent_texts(SULSEL)
    assert len(sent) == 2 and "segera dimulai, pukul 10.00 WITA (25 menit lagi)" in sent[1]
    report = (await harness.client.get(f"/api/meetings/{created['id']}", headers=ADMIN)).json()
    assert report["reminders"] == {"pending": 0, "sent": 1, "skipped": 1, "cancelled": 0}


async def test_a_late_day_before_reminder_keeps_its_ordinary_wording(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness)
    await tick(harness)
    travel_to(DAY_BEFORE + timedelta(hours=5))
    await tick(harness)
    assert last_text(harness, SULSEL).startswith("Pengingat pertemuan")


async def test_nothing_is_sent_once_the_meeting_has_started(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness)
    await tick(harness)
    travel_to(datetime(2026, 12, 1, 2, 1, tzinfo=UTC))
    await tick(harness)
    assert len(harness.telegram.sent_texts(SULSEL)) == 1
    with Session(db_engine) as session:
        statuses = session.exec(select(Reminder.status).where(Reminder.kind == "reminder")).all()
    assert statuses == ["skipped", "skipped"]


async def test_teacher_who_says_berhenti_gets_no_more_reminders(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness)
    await tick(harness)
    await harness.telegram_says(SULSEL, "BERHENTI")
    travel_to(DAY_BEFORE)
    await tick(harness)
    assert reminder_count(db_engine) == 0


def test_claim_query_locks_rows_with_skip_locked_on_postgresql() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    on_postgres = str(claim_query(now, 1000, for_postgres=True).compile(dialect=postgresql.dialect()))
    on_sqlite = str(claim_query(now, 1000, for_postgres=False).compile(dialect=sqlite.dialect()))
    assert on_postgres.rstrip().endswith("FOR UPDATE SKIP LOCKED")
    assert "ORDER BY meeting_reminder.due_at, meeting_reminder.id" in on_postgres
    assert "FOR UPDATE" not in on_sqlite


async def test_two_workers_ticking_at_once_never_send_one_reminder_twice(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    teachers = [add_teacher(db_engine, 9000 + number, "73") for number in range(40)]
    await create_meeting(harness)
    for moment in (None, DAY_BEFORE, HOUR_BEFORE):  # the invitations right away, then both reminders
        if moment is not None:
            travel_to(moment)
        claimed = run_two_workers(db_engine)
        assert sum(claimed) == len(teachers)
    with Session(db_engine) as session:
        rows = session.exec(
            select(OutboundMessage.contact_id, OutboundMessage.kind, func.count()).group_by(
                col(OutboundMessage.contact_id), col(OutboundMessage.kind)
            )
        ).all()
    assert len(rows) == 2 * len(teachers)
    assert {(kind, count) for _, kind, count in rows} == {("invitation", 1), ("reminder", 2)}


def run_two_workers(engine: Engine) -> list[int]:
    """Both workers start their tick at the same moment; returns how many rows each claimed."""
    start = threading.Barrier(2)
    claimed = [0, 0]

    def worker(index: int) -> None:
        start.wait()
        claimed[index] = send_due_reminders(engine)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return claimed


async def test_reminders_carry_the_whatsapp_template_with_the_teachers_local_time(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, PAPUA, "91")
    await create_meeting(harness)
    travel_to(DAY_BEFORE)
    await tick(harness)
    with Session(db_engine) as session:
        reminder = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "reminder")).one()
    assert reminder.payload["template"] == "meeting_reminder"
    assert reminder.payload["template_variables"] == {
        "title": "Klinik coaching PembaTIK",
        "local_time": "Selasa, 1 Desember 2026 pukul 11.00 WIT",
    }
