"""Teachers answer invitations, look up `jadwal`, change their answer; staff edit and cancel meetings."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.content import texts
from bot.meetings.models import Invitation
from tests.factories import Harness, telegram_callback_update
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


async def invite_sulsel_and_papua(harness: Harness, db_engine: Engine) -> dict[str, Any]:
    """A teacher in Sulawesi Selatan and one in Papua, both invited to the standard meeting."""
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    add_teacher(db_engine, PAPUA, "91")
    created = await create_meeting(harness)
    await tick(harness)
    return created


DAY_BEFORE = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 24 hours before 09.00 WIB on 1 December
HOUR_BEFORE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


async def test_jadwal_lists_upcoming_meetings_in_local_time_and_changes_the_answer(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, PAPUA, "91")
    await create_meeting(harness)
    await create_meeting(harness, title="Penulisan konten", starts_at="2027-01-04T13:00:00+07:00")
    await tick(harness)
    listing = (await harness.telegram_says(PAPUA, "jadwal"))[0]
    assert "1. Klinik coaching PembaTIK, Selasa, 1 Desember 2026 pukul 11.00 WIT (belum menjawab)" in listing
    assert "2. Penulisan konten, Senin, 4 Januari 2027 pukul 15.00 WIT (belum menjawab)" in listing
    detail = (await harness.telegram_says(PAPUA, "2"))[0]
    assert "Tautan bergabung: https://meet.example.org/pembatik" in detail and "1. Hadir" in detail
    answered = await harness.telegram_says(PAPUA, "2")
    assert "Anda tercatat tidak hadir di Penulisan konten" in answered[0]
    listing = (await harness.telegram_says(PAPUA, "jadwal"))[0]
    assert "pukul 15.00 WIT (tidak hadir)" in listing


async def test_menu_item_2_opens_the_meeting_list(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    replies = await harness.telegram_says(SULSEL, "2")
    assert replies[0] == "Belum ada pertemuan terjadwal untuk Anda." and "Menu utama" in replies[1]
    await create_meeting(harness)
    await tick(harness)
    await harness.telegram_says(SULSEL, "menu")
    replies = await harness.telegram_says(SULSEL, "2")
    assert "pukul 10.00 WITA (belum menjawab)" in replies[0]


async def test_declining_stops_reminders_and_accepting_again_restores_the_next_one(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness)
    await tick(harness)
    await harness.telegram_says(SULSEL, "2")
    sent_before = len(harness.telegram.sent_texts(SULSEL))
    travel_to(DAY_BEFORE)
    await tick(harness)
    assert len(harness.telegram.sent_texts(SULSEL)) == sent_before
    for text in ("jadwal", "1", "1"):
        await harness.telegram_says(SULSEL, text)
    sent_before = len(harness.telegram.sent_texts(SULSEL))
    travel_to(HOUR_BEFORE)
    await tick(harness)
    new = harness.telegram.sent_texts(SULSEL)[sent_before:]
    assert len(new) == 1 and "segera dimulai, pukul 10.00 WITA (60 menit lagi)" in new[0]


async def test_an_invitation_during_another_question_is_answered_then_that_question_goes_on(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await harness.telegram_says(SULSEL, "hapus data")
    await create_meeting(harness)
    await tick(harness)
    assert last_text(harness, SULSEL).endswith("akan hadir? Balas dengan angka:\n\n1. Hadir\n2. Tidak hadir")
    replies = await harness.telegram_says(SULSEL, "2")  # the newest question is the invitation
    assert "Anda tercatat tidak hadir di Klinik coaching PembaTIK" in replies[0]
    assert replies[1] == "Kita lanjutkan konfirmasi hapus data. Balas 1–2 untuk pertanyaan tadi."
    cancelled, menu = await harness.telegram_says(SULSEL, "2")
    assert cancelled == "Baik, data Anda tidak dihapus." and menu.startswith(texts().render("menu.main"))


async def test_editing_the_time_tells_those_who_havent_declined_and_moves_reminders(
    harness: Harness, db_engine: Engine
) -> None:
    created = await invite_sulsel_and_papua(harness, db_engine)
    await harness.telegram_says(PAPUA, "2")
    papua_sent = len(harness.telegram.sent_texts(PAPUA))
    body = {"starts_at": "2026-12-02T13:00:00+07:00"}
    response = await harness.client.patch(f"/api/meetings/{created['id']}", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    await tick(harness)
    notice = last_text(harness, SULSEL)
    assert "Perubahan jadwal dari Tim GuruBot nasional: Klinik coaching PembaTIK" in notice
    assert "Waktu lama: Selasa, 1 Desember 2026 pukul 10.00 WITA\n" in notice
    assert "Waktu baru: Rabu, 2 Desember 2026 pukul 14.00 WITA (13.00 WIB, waktu penyelenggara)" in notice
    assert len(harness.telegram.sent_texts(PAPUA)) == papua_sent
    sulsel_sent = len(harness.telegram.sent_texts(SULSEL))
    travel_to(DAY_BEFORE)
    await tick(harness)
    assert len(harness.telegram.sent_texts(SULSEL)) == sulsel_sent
    travel_to(datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    await tick(harness)
    assert "Pengingat pertemuan" in last_text(harness, SULSEL) and "pukul 14.00 WITA" in last_text(harness, SULSEL)
    assert len(harness.telegram.sent_texts(PAPUA)) == papua_sent


async def test_changing_only_the_title_sends_no_notice(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    created = await create_meeting(harness)
    await tick(harness)
    sent = len(harness.telegram.sent_texts(SULSEL))
    body = {"title": "Klinik coaching PembaTIK level 2"}
    response = await harness.client.patch(f"/api/meetings/{created['id']}", json=body, headers=ADMIN)
    assert response.json()["title"] == "Klinik coaching PembaTIK level 2"
    await tick(harness)
    assert len(harness.telegram.sent_texts(SULSEL)) == sent


async def test_cancelling_tells_the_invited_and_stops_everything_else(harness: Harness, db_engine: Engine) -> None:
    created = await invite_sulsel_and_papua(harness, db_engine)
    await harness.telegram_says(PAPUA, "2")
    papua_sent = len(harness.telegram.sent_texts(PAPUA))
    response = await harness.client.post(f"/api/meetings/{created['id']}/cancel", headers=ADMIN)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    await tick(harness)
    assert "DIBATALKAN" in last_text(harness, SULSEL) and "pukul 10.00 WITA" in last_text(harness, SULSEL)
    sulsel_sent = len(harness.telegram.sent_texts(SULSEL))
    for moment in (DAY_BEFORE, HOUR_BEFORE):
        travel_to(moment)
        await tick(harness)
    assert len(harness.telegram.sent_texts(SULSEL)) == sulsel_sent
    assert len(harness.telegram.sent_texts(PAPUA)) == papua_sent
    assert (await harness.telegram_says(SULSEL, "jadwal"))[0] == "Belum ada pertemuan terjadwal untuk Anda."
    calendar = await harness.client.get(created["calendar_url"].removeprefix("https://bot.example.org"))
    assert "STATUS:CANCELLED\r\n" in calendar.text
    again = await harness.client.post(f"/api/meetings/{created['id']}/cancel", headers=ADMIN)
    assert again.status_code == 409


async def test_an_edit_before_a_quiet_hours_invitation_goes_only_shows_the_new_time(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # 22.00 WITA
    add_teacher(db_engine, SULSEL, "73")
    created = await create_meeting(harness)
    await tick(harness)
    assert harness.telegram.sent_texts(SULSEL) == []
    body = {"starts_at": "2026-12-03T09:00:00+07:00"}
    await harness.client.patch(f"/api/meetings/{created['id']}", json=body, headers=ADMIN)
    travel_to(datetime(2026, 11, 25, 22, 0, tzinfo=UTC))  # 06.00 WITA
    await tick(harness)
    sent = harness.telegram.sent_texts(SULSEL)
    assert len(sent) == 1 and sent[0].startswith("Undangan pertemuan daring")
    assert "Kamis, 3 Desember 2026 pukul 10.00 WITA" in sent[0]


async def test_a_bare_number_answers_the_newest_invitation_and_each_button_its_own(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness, title="Sesi satu")
    await create_meeting(harness, title="Sesi dua", starts_at="2026-12-08T09:00:00+07:00")
    await tick(harness)
    first_button, second_button = (buttons[1] for buttons in sent_buttons(harness, SULSEL))
    assert "Sesi dua" in (await harness.telegram_says(SULSEL, "2"))[0]  # typed: the newest
    await harness.post_telegram(telegram_callback_update(SULSEL, first_button))
    await harness.settle()
    assert "tercatat tidak hadir di Sesi satu" in last_text(harness, SULSEL)
    assert answers(db_engine) == [(1, "no"), (2, "no")]
    await harness.post_telegram(telegram_callback_update(SULSEL, second_button))  # pressed again later
    await harness.settle()
    assert last_text(harness, SULSEL) == "Tombol itu sudah tidak berlaku."
    assert answers(db_engine) == [(1, "no"), (2, "no")]


async def test_the_button_of_a_cancelled_meeting_has_expired(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    created = await create_meeting(harness)
    await tick(harness)
    (button,) = (buttons[0] for buttons in sent_buttons(harness, SULSEL))
    await harness.client.post(f"/api/meetings/{created['id']}/cancel", headers=ADMIN)
    await harness.post_telegram(telegram_callback_update(SULSEL, button))
    await harness.settle()
    assert last_text(harness, SULSEL) == "Tombol itu sudah tidak berlaku."
    assert answers(db_engine) == [(1, "none")]


def sent_buttons(harness: Harness, chat_id: int) -> list[list[str]]:
    """The callback data of each sent message's buttons, in sending order."""
    markups = [
        call.params["reply_markup"]
        for call in harness.telegram.calls
        if call.method == "sendMessage" and int(call.params["chat_id"]) == chat_id and call.params.get("reply_markup")
    ]
    return [[row[0]["callback_data"] for row in markup["inline_keyboard"]] for markup in markups]


def answers(db_engine: Engine) -> list[tuple[int, str]]:
    with Session(db_engine) as session:
        return sorted((row.meeting_id, row.rsvp) for row in session.exec(select(Invitation)).all())



async def test_a_meeting_set_for_tomorrow_sends_one_invitation_not_a_reminder_beside_it(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(datetime(2026, 11, 30, 6, 0, tzinfo=UTC))  # 14.00 WITA, 20 hours before the start
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness)
    await tick(harness)
    sent = harness.telegram.sent_texts(SULSEL)
    assert len(sent) == 1 and sent[0].startswith("Undangan pertemuan daring")
    travel_to(HOUR_BEFORE)
    await tick(harness)
    assert "segera dimulai" in last_text(harness, SULSEL)  # the 1-hour reminder still comes, with the link


async def test_a_meeting_set_within_the_hour_still_brings_its_join_link_at_once(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(datetime(2026, 12, 1, 1, 30, tzinfo=UTC))  # 30 minutes before the start
    add_teacher(db_engine, SULSEL, "73")
    await create_meeting(harness)
    await tick(harness)
    sent = harness.telegram.sent_texts(SULSEL)
    assert sent[0].startswith("Undangan") and "segera dimulai" in sent[1] and "https://meet.example.org" in sent[1]


async def test_a_change_notice_says_the_answer_stands_only_to_those_who_answered(
    harness: Harness, db_engine: Engine
) -> None:
    created = await invite_sulsel_and_papua(harness, db_engine)
    await harness.telegram_says(SULSEL, "1")  # hadir; Papua has not answered
    body = {"starts_at": "2026-12-02T13:00:00+07:00"}
    await harness.client.patch(f"/api/meetings/{created['id']}", json=body, headers=ADMIN)
    await tick(harness)
    assert last_text(harness, SULSEL).endswith("Jawaban kehadiran Anda tetap tercatat. Ketik jadwal untuk mengubahnya.")
    assert last_text(harness, PAPUA).endswith("Apakah Anda akan hadir? Ketik jadwal untuk menjawab.")
