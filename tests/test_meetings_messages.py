"""Meeting messages that look trustworthy: who invites, a Google Calendar link beside the .ics, the
old and the new time in a change notice; staff warned of starts in invitees' quiet hours."""

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine

from tests.factories import Harness
from tests.test_meetings import (
    ADMIN,
    CREATED_AT,
    JABAR,
    PAPUA,
    SULSEL,
    add_teacher,
    create_meeting,
    last_text,
    staff_token,
    tick,
    travel_to,
)


async def test_the_invitation_names_the_organising_btikp(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness, headers=await staff_token(harness, "73"))
    await tick(harness)
    assert last_text(harness, SULSEL).startswith(
        "Undangan pertemuan daring dari BTIKP Sulawesi Selatan: Klinik coaching PembaTIK"
    )


async def test_the_invitation_offers_a_google_calendar_link_beside_the_ics(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    created = await create_meeting(harness)
    await tick(harness)
    invitation = last_text(harness, SULSEL)
    assert f"Simpan ke kalender HP: {created['calendar_url']}" in invitation
    found = re.search(r"Google Kalender \(akun belajar\.id\): (\S+)", invitation)
    assert found is not None
    link = urlsplit(found.group(1))
    assert (link.scheme, link.netloc, link.path) == ("https", "calendar.google.com", "/calendar/render")
    query = parse_qs(link.query)
    assert query["action"] == ["TEMPLATE"] and query["text"] == ["Klinik coaching PembaTIK"]
    assert query["dates"] == ["20261201T020000Z/20261201T033000Z"]  # 09.00–10.30 WIB, in UTC
    assert query["details"] == ["https://meet.example.org/pembatik"]


async def test_a_change_notice_gives_the_old_and_the_new_time(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    created = await create_meeting(harness)
    await tick(harness)
    path = f"/api/meetings/{created['id']}"
    # Two changes before the notice goes: the old time is the one the teacher heard, 10.00 WITA.
    await harness.client.patch(path, json={"starts_at": "2026-12-01T13:00:00+07:00"}, headers=ADMIN)
    await harness.client.patch(path, json={"starts_at": "2026-12-02T08:00:00+07:00"}, headers=ADMIN)
    await tick(harness)
    notice = last_text(harness, SULSEL)
    old, new = "Selasa, 1 Desember 2026 pukul 10.00 WITA", "Rabu, 2 Desember 2026 pukul 09.00 WITA"
    assert f"Waktu lama: {old}\nWaktu baru: {new}" in notice
    assert sum("Perubahan jadwal" in text for text in harness.telegram.sent_texts(SULSEL)) == 1


async def test_a_new_link_at_the_same_time_shows_that_time_once(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    created = await create_meeting(harness)
    await tick(harness)
    body = {"join_url": "https://meet.example.org/baru"}
    await harness.client.patch(f"/api/meetings/{created['id']}", json=body, headers=ADMIN)
    await tick(harness)
    notice = last_text(harness, SULSEL)
    assert "Waktu: Selasa, 1 Desember 2026 pukul 10.00 WITA" in notice and "Waktu lama" not in notice
    assert "https://meet.example.org/baru" in notice


async def test_staff_are_warned_of_a_start_in_some_invitees_quiet_hours(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    add_teacher(db_engine, PAPUA, "91")
    add_teacher(db_engine, PAPUA + 1, "91")
    add_teacher(db_engine, JABAR, "32")
    evening = await create_meeting(harness, starts_at="2026-12-01T20:00:00+07:00")  # 21.00 WITA, 22.00 WIT
    assert [(w["zone"], w["local_start"], w["invitees"]) for w in evening["warnings"]] == [
        ("WIT", "22.00", 2),
        ("WITA", "21.00", 1),
    ]
    assert evening["warnings"][0]["message"] == (
        "Pertemuan mulai pukul 22.00 WIT, di jam tenang (21.00–06.00) bagi 2 undangan di zona WIT."
    )
    daytime = await create_meeting(harness)
    assert daytime["warnings"] == []
