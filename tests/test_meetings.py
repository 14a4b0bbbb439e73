"""Staff create meetings; each teacher is invited in their own time zone (helpers shared by test_meetings_*)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import clock
from bot.meetings.models import Invitation, Reminder
from tests.conftest import ADMIN_TOKEN
from tests.factories import Harness, onboarded_contact

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NINE_WIB = "2026-12-01T09:00:00+07:00"  # Tuesday 1 December 2026, 02.00 UTC
CREATED_AT = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 10.00 WIB, a week before
SULSEL, PAPUA, KALBAR, JABAR = 73001, 91001, 61001, 32001


def travel_to(moment: datetime) -> None:
    clock.advance(moment - clock.utcnow())


def add_teacher(engine: Engine, chat_id: int, province: str, **fields: Any) -> int:
    """An onboarded teacher on Telegram, resting in the main menu."""
    return onboarded_contact(engine, "telegram", str(chat_id), province, **fields)


def meeting_body(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Klinik coaching PembaTIK",
        "starts_at": NINE_WIB,
        "duration_minutes": 90,
        "join_url": "https://meet.example.org/pembatik",
        "agenda": "Berbagi praktik baik pemanfaatan akun belajar.id di kelas.",
        "audience": {},
        **overrides,
    }


async def create_meeting(harness: Harness, headers: dict[str, str] = ADMIN, **overrides: Any) -> dict[str, Any]:
    response = await harness.client.post("/api/meetings", json=meeting_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def tick(harness: Harness) -> None:
    await harness.runtime.tick()
    await harness.settle()


async def staff_token(harness: Harness, province: str) -> dict[str, str]:
    body = {"name": "BTIKP", "role": "staff", "province": province}
    response = await harness.client.post("/api/staff", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def last_text(harness: Harness, chat_id: int) -> str:
    return harness.telegram.sent_texts(chat_id)[-1]


async def test_invitation_shows_each_teacher_their_own_zone_and_the_organiser_time(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    for chat_id, province in ((SULSEL, "73"), (PAPUA, "91"), (KALBAR, "61")):
        add_teacher(db_engine, chat_id, province)
    await create_meeting(harness, audience={"provinces": ["73", "91", "61"]})
    await tick(harness)
    sulsel, papua, kalbar = (last_text(harness, chat_id) for chat_id in (SULSEL, PAPUA, KALBAR))
    assert "Selasa, 1 Desember 2026 pukul 10.00 WITA (09.00 WIB, waktu penyelenggara)" in sulsel
    assert "Selasa, 1 Desember 2026 pukul 11.00 WIT (09.00 WIB, waktu penyelenggara)" in papua
    assert "Selasa, 1 Desember 2026 pukul 09.00 WIB\n" in kalbar and "penyelenggara" not in kalbar
    for text in (sulsel, papua, kalbar):
        assert "Klinik coaching PembaTIK" in text and "Agenda: Berbagi praktik baik" in text
        assert text.endswith("Apakah Anda akan hadir? Balas dengan angka:\n\n1. Hadir\n2. Tidak hadir")


async def test_single_zone_audience_is_not_told_the_organiser_time(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness, starts_at="2026-12-01T10:00:00+08:00", audience={"provinces": ["73"]})
    await tick(harness)
    text = last_text(harness, SULSEL)
    assert "pukul 10.00 WITA\n" in text and "penyelenggara" not in text


async def test_onboarded_teacher_in_sulsel_answers_the_invitation_with_1(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    for text in ["halo", "1", "Bu Sari", "sulsel", "bone", "1", "2"]:
        await harness.telegram_says(555, text)
    created = await create_meeting(harness, audience={"regencies": ["73.08"], "roles": ["guru"]})
    await tick(harness)
    assert "pukul 10.00 WITA" in last_text(harness, 555)
    replies = await harness.telegram_says(555, "1")
    assert len(replies) == 1 and "Anda tercatat hadir di Klinik coaching PembaTIK" in replies[0]
    report = (await harness.client.get(f"/api/meetings/{created['id']}", headers=ADMIN)).json()
    assert report["invited"] == 1 and report["rsvp"] == {"yes": 1, "no": 0, "none": 0}


async def test_audience_filters_by_role_and_level_and_skips_teachers_not_onboarded(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, 1, "73")
    add_teacher(db_engine, 2, "73", role="operator")
    add_teacher(db_engine, 3, "73", school_level="smp")
    add_teacher(db_engine, 4, "73", onboarded_at=None, flow="onboarding", step="role")
    created = await create_meeting(harness, audience={"roles": ["guru"], "school_levels": ["sd"]})
    assert created["invited"] == 1
    await tick(harness)
    assert [bool(harness.telegram.sent_texts(chat_id)) for chat_id in (1, 2, 3, 4)] == [True, False, False, False]


async def test_opted_out_teachers_get_no_invitation_and_are_counted(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    add_teacher(db_engine, PAPUA, "91", opted_out_at=clock.utcnow())
    created = await create_meeting(harness)
    await tick(harness)
    assert created["invited"] == 1 and created["opted_out"] == 1
    assert harness.telegram.sent_texts(PAPUA) == []


async def test_staff_invite_only_inside_their_province(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    add_teacher(db_engine, PAPUA, "91")
    sulsel_staff = await staff_token(harness, "73")
    created = await create_meeting(harness, headers=sulsel_staff)
    assert created["audience"]["provinces"] == ["73"] and created["invited"] == 1
    outside = await harness.client.post(
        "/api/meetings", json=meeting_body(audience={"provinces": ["91"]}), headers=sulsel_staff
    )
    other_regency = await harness.client.post(
        "/api/meetings", json=meeting_body(audience={"regencies": ["91.03"]}), headers=sulsel_staff
    )
    assert (outside.status_code, other_regency.status_code) == (403, 403)
    papua_staff = await staff_token(harness, "91")
    seen = await harness.client.get(f"/api/meetings/{created['id']}", headers=papua_staff)
    assert seen.status_code == 403


async def test_bad_meetings_are_refused(harness: Harness) -> None:
    travel_to(CREATED_AT)
    cases = [
        meeting_body(starts_at="2026-12-01T09:00:00"),  # no offset
        meeting_body(audience={"provinces": ["99"]}),
        meeting_body(audience={"regencies": ["73.99"]}),  # a kabupaten/kota code that does not exist
        meeting_body(audience={"regencies": ["73"]}),  # a province code where a kabupaten/kota is asked
        meeting_body(audience={"roles": ["murid"]}),
        meeting_body(join_url="not a link"),
    ]
    for body in cases:
        response = await harness.client.post("/api/meetings", json=body, headers=ADMIN)
        assert response.status_code == 422, body
    unknown = await harness.client.post("/api/meetings", json=cases[2], headers=ADMIN)
    assert "73.99" in unknown.text  # the answer names the unknown code
    # a meeting held already is recorded (tests/test_reflections.py), but not one from long ago
    past = await harness.client.post(
        "/api/meetings", json=meeting_body(starts_at="2026-10-01T09:00:00+07:00"), headers=ADMIN
    )
    assert past.status_code == 400
    assert (await harness.client.post("/api/meetings", json=meeting_body())).status_code == 401


async def test_meeting_report_shows_local_times_rsvps_and_reminders_sent(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    add_teacher(db_engine, PAPUA, "91")
    created = await create_meeting(harness, audience={"provinces": ["73", "91"]})
    await tick(harness)
    await harness.telegram_says(SULSEL, "2")
    travel_to(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    await tick(harness)
    report = (await harness.client.get(f"/api/meetings/{created['id']}", headers=ADMIN)).json()
    assert report["starts_at"] == NINE_WIB
    assert report["local_times"] == {
        "WITA": "Selasa, 1 Desember 2026 pukul 10.00 WITA",
        "WIT": "Selasa, 1 Desember 2026 pukul 11.00 WIT",
    }
    assert report["rsvp"] == {"yes": 0, "no": 1, "none": 1}
    assert report["messages_sent"]["invitation"] == 2 and report["messages_sent"]["reminder"] == 1
    assert report["reminders"]["sent"] == 1 and report["reminders"]["pending"] == 1


async def test_calendar_link_in_the_invitation_serves_the_meeting_in_utc(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    created = await create_meeting(harness)
    await tick(harness)
    assert created["calendar_url"] in last_text(harness, SULSEL)
    assert created["calendar_url"].startswith("https://bot.example.org/m/")
    path = created["calendar_url"].removeprefix("https://bot.example.org")
    response = await harness.client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert "DTSTART:20261201T020000Z\r\n" in response.text
    assert (await harness.client.get("/m/nothing-here.ics")).status_code == 404


async def test_erasing_a_teacher_removes_their_invitations(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness)
    await tick(harness)
    await harness.telegram_says(SULSEL, "hapus data")
    await harness.telegram_says(SULSEL, "1")
    with Session(db_engine) as session:
        assert session.exec(select(Invitation)).all() == []
        assert session.exec(select(Reminder)).all() == []


async def test_suggested_times_fit_working_hours_in_every_zone(harness: Harness) -> None:
    travel_to(CREATED_AT)
    params = {"audience": '{"provinces": ["32", "91"]}', "duration_minutes": 60, "date": "2026-12-01"}
    response = await harness.client.get("/api/meetings/suggest", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    best = response.json()[0]
    assert best == {"starts_at": "2026-12-01T10:30:00+07:00", "local": {"WIB": "10.30", "WIT": "12.30"}}
    staff = await staff_token(harness, "73")
    refused = await harness.client.get("/api/meetings/suggest", params=params, headers=staff)
    assert refused.status_code == 403
    broken = await harness.client.get("/api/meetings/suggest", params={**params, "audience": "{"}, headers=ADMIN)
    assert broken.status_code == 422
