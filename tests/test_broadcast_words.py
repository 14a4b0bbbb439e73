"""The topic opt-out, typed by teachers: BERHENTI PENGUMUMAN stops announcements only, BERHENTI
stops announcements and reminders, MULAI resumes both, DATA SAYA says which."""

from sqlalchemy import Engine

from tests.factories import Harness, onboarded_contact
from tests.test_broadcasts import MORNING, create, got_it, report
from tests.test_meetings import add_teacher, create_meeting, tick, travel_to


async def test_berhenti_pengumuman_stops_announcements_but_not_reminders(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    add_teacher(db_engine, 555, "73")
    replies = await harness.telegram_says(555, "BERHENTI PENGUMUMAN")
    assert "tidak akan menerima pengumuman lagi" in replies[0] and "Pengingat pertemuan" in replies[0]
    assert "pengumuman berhenti, pengingat tetap aktif" in (await harness.telegram_says(555, "data saya"))[0]
    created = await create(harness, confirm_all=True)
    await create_meeting(harness, audience={"provinces": ["73"]})
    await tick(harness)
    await tick(harness)
    assert not got_it(harness, 555)
    assert any("Undangan pertemuan daring" in text for text in harness.telegram.sent_texts(555))
    assert (await report(harness, created["id"]))["skipped"] == {"opted_out": 1}
    await harness.telegram_says(555, "mulai")
    assert "Pengumuman dan pengingat: aktif" in (await harness.telegram_says(555, "DATA SAYA"))[0]
    await create(harness, confirm_all=True)
    await tick(harness)
    assert got_it(harness, 555)


async def test_berhenti_stops_announcements_too(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    add_teacher(db_engine, 556, "73")
    await harness.telegram_says(556, "berhenti")
    assert "Pengumuman dan pengingat: berhenti" in (await harness.telegram_says(556, "data saya"))[0]
    created = await create(harness, confirm_all=True)
    await tick(harness)
    assert not got_it(harness, 556)
    assert (await report(harness, created["id"]))["skipped"] == {"opted_out": 1}


async def test_an_announcement_waiting_for_the_whatsapp_window_is_dropped_on_berhenti_pengumuman(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MORNING)
    onboarded_contact(db_engine, "whatsapp", "whatsapp:+6281200000002", "73")
    created = await create(harness, confirm_all=True, text="Dua baris:\nyang tidak bisa jadi template")
    await tick(harness)
    replies = await harness.whatsapp_says("+6281200000002", "berhenti pengumuman")
    assert all("Dua baris" not in reply for reply in replies) and "tidak akan menerima pengumuman" in replies[0]
    found = await report(harness, created["id"])
    assert found["failed"] == {"opted_out": 1}
