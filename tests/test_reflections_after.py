"""What follows a reflection: the meeting's outcomes and their owners' reminders in each zone, the
two-week follow-up of the things written, badges verified in public, and erasure."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.meetings.models import Invitation, Rsvp
from bot.models import Contact
from bot.prompts import Prompt
from bot.reflections.models import Badge, Reflection
from tests.factories import Harness, onboarded_contact, telegram_callback_update
from tests.test_meetings import ADMIN, CREATED_AT, PAPUA, SULSEL, add_teacher, create_meeting, tick, travel_to
from tests.test_reflections import ENDS, prompts_to

THINGS = "1. Kuis di awal pelajaran\n2. Diskusi kelompok\n3. Jurnal refleksi siswa"


async def held_and_prompted(harness: Harness, db_engine: Engine, **body: Any) -> int:
    """Sulsel and Papua teachers invited; the meeting ended and both were asked to reflect."""
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73", name="Bu Sari")
    add_teacher(db_engine, PAPUA, "91", name="Yohanes")
    created = await create_meeting(harness, **body)
    await tick(harness)
    travel_to(ENDS + timedelta(minutes=15))
    await tick(harness)
    return int(created["id"])


def everyone_said_yes(db_engine: Engine) -> None:
    """The RSVPs, set directly (answering invitations is tested in test_meetings_rsvp)."""
    with Session(db_engine) as session:
        for invitation in session.exec(select(Invitation)).all():
            invitation.rsvp = Rsvp.YES
        session.commit()


async def reflect(harness: Harness, chat_id: int, things: str = THINGS) -> list[str]:
    for text in ("1", "4", "Kuis membuat kelas hidup"):
        await harness.telegram_says(chat_id, text)
    return await harness.telegram_says(chat_id, things)


def contact_ids(db_engine: Engine) -> dict[str, int]:
    with Session(db_engine) as session:
        return {contact.address: contact.id or 0 for contact in session.exec(select(Contact)).all()}


async def test_outcomes_reach_the_participants_and_each_owner_is_reminded_in_their_zone(
    harness: Harness, db_engine: Engine
) -> None:
    meeting_id = await held_and_prompted(harness, db_engine)
    ids = contact_ids(db_engine)
    travel_to(datetime(2026, 12, 1, 6, 0, tzinfo=UTC))
    items = [
        {"text": "Bagikan slide ke grup", "owner_contact_id": ids[str(SULSEL)], "due": "2026-12-05"},
        {"text": "Coba kuis di kelas", "owner_contact_id": ids[str(PAPUA)], "due": "2026-12-05"},
    ]
    body = {"summary": "Kuis interaktif disepakati untuk semester depan.", "items": items}
    response = await harness.client.post(f"/api/meetings/{meeting_id}/outcomes", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    await harness.settle()
    shared = harness.telegram.sent_texts(SULSEL)[-1]
    assert shared.startswith("Hasil pertemuan Klinik coaching PembaTIK:\nKuis interaktif disepakati")
    assert "Tindak lanjut: 2 tugas" in shared
    retried = await harness.client.post(f"/api/meetings/{meeting_id}/outcomes", json=body, headers=ADMIN)
    await harness.settle()
    assert retried.status_code == 409 and harness.telegram.sent_texts(SULSEL)[-1] == shared  # shared once
    assert sum(text.startswith("Hasil pertemuan") for text in harness.telegram.sent_texts(SULSEL)) == 1
    reminder = "Pengingat tindak lanjut Klinik coaching PembaTIK"
    travel_to(datetime(2026, 12, 3, 22, 59, tzinfo=UTC))  # 07.59 WIT on 4 December
    await tick(harness)
    assert not any(reminder in text for text in harness.telegram.sent_texts(PAPUA))
    travel_to(datetime(2026, 12, 3, 23, 0, 30, tzinfo=UTC))  # 08.00 WIT
    await tick(harness)
    (papua,) = [text for text in harness.telegram.sent_texts(PAPUA) if reminder in text]
    assert '"Coba kuis di kelas"' in papua and "Sabtu, 5 Desember 2026" in papua and papua.endswith("2. Belum")
    assert not any(reminder in text for text in harness.telegram.sent_texts(SULSEL))
    travel_to(datetime(2026, 12, 4, 0, 0, 30, tzinfo=UTC))  # 08.00 WITA
    await tick(harness)
    assert sum(reminder in text for text in harness.telegram.sent_texts(SULSEL)) == 1
    assert (await harness.telegram_says(PAPUA, "1")) == ["Terima kasih, tugas ini tercatat selesai."]
    await harness.telegram_says(SULSEL, "belum")
    detail = (await harness.client.get(f"/api/meetings/{meeting_id}", headers=ADMIN)).json()
    states = {item["text"]: item["state"] for item in detail["outcome"]["items"]}
    assert states == {"Bagikan slide ke grup": "not_done", "Coba kuis di kelas": "done"}


async def test_an_owner_who_is_not_a_participant_is_refused(harness: Harness, db_engine: Engine) -> None:
    meeting_id = await held_and_prompted(harness, db_engine, audience={"provinces": ["73"]})
    stranger = contact_ids(db_engine)[str(PAPUA)]
    body = {"summary": "Catatan", "items": [{"text": "Tugas", "owner_contact_id": stranger, "due": "2026-12-05"}]}
    response = await harness.client.post(f"/api/meetings/{meeting_id}/outcomes", json=body, headers=ADMIN)
    assert response.status_code == 422 and "not a participant" in response.text


async def test_two_weeks_on_the_things_come_back_and_the_summary_counts_who_applied(
    harness: Harness, db_engine: Engine
) -> None:
    meeting_id = await held_and_prompted(harness, db_engine)
    await reflect(harness, SULSEL)
    await reflect(harness, PAPUA)
    question = "Mana yang sudah Anda terapkan?"
    travel_to(ENDS + timedelta(days=13, hours=23))
    await tick(harness)
    assert not any(question in text for text in harness.telegram.sent_texts(SULSEL))
    travel_to(ENDS + timedelta(days=14, minutes=1))  # 11.31 WITA, 12.31 WIT
    await tick(harness)
    (followup,) = [text for text in harness.telegram.sent_texts(SULSEL) if question in text]
    assert "1. Kuis di awal pelajaran\n2. Diskusi kelompok\n3. Jurnal refleksi siswa" in followup
    assert (await harness.telegram_says(SULSEL, "1 dan 3")) == [
        "Terima kasih! Tercatat 2 dari 3 sudah Anda terapkan. Semangat terus!"
    ]
    assert "Semoga ada kesempatan" in (await harness.telegram_says(PAPUA, "belum"))[0]
    report = (await harness.client.get(f"/api/meetings/{meeting_id}/reflections", headers=ADMIN)).json()
    assert report["summary"]["applied_text"] == "50% applied at least one"
    assert [row["applied"] for row in report["reflections"]] == [[1, 3], []]


async def test_an_attendee_who_reflects_earns_the_badge_verified_in_public(harness: Harness, db_engine: Engine) -> None:
    meeting_id = await held_and_prompted(harness, db_engine, badge_title="Fasilitator Kuis Digital")
    # only RSVP yes earns it: Papua's teacher did not answer (asked anyway, nobody having said yes)
    await reflect(harness, PAPUA)
    assert not any("lencana" in text for text in harness.telegram.sent_texts(PAPUA)[-2:])
    everyone_said_yes(db_engine)
    done, badge = await reflect(harness, SULSEL)
    assert "tersimpan" in done
    assert badge.startswith('Selamat, Bu Sari! Anda mendapat lencana "Fasilitator Kuis Digital"')
    link = badge.rsplit(" ", 1)[1]
    code = link.rsplit("/", 1)[1]
    assert link == f"http://127.0.0.1:8000/v/{code}"
    page = await harness.client.get(f"/v/{code}")
    assert page.status_code == 200 and "Lencana ini SAH." in page.text
    assert "Pemilik: Sari" in page.text and "Klinik coaching PembaTIK, Selasa, 1 Desember 2026" in page.text
    assert str(SULSEL) not in page.text
    unknown = await harness.client.get("/v/tidakada123")
    assert unknown.status_code == 404 and "tidak dikenal" in unknown.text
    listing = await harness.telegram_says(SULSEL, "lencana")
    listed = "Lencana Anda:\n- Fasilitator Kuis Digital (Klinik coaching PembaTIK, 1 Desember 2026)"
    assert listing[0].startswith(listed)
    revoked = await harness.client.post(f"/api/badges/{code}/revoke", headers=ADMIN)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert "Lencana ini sudah DICABUT." in (await harness.client.get(f"/v/{code}")).text
    assert "[dicabut]" in (await harness.telegram_says(SULSEL, "lencana"))[0]
    badges = (await harness.client.get(f"/api/meetings/{meeting_id}/badges", headers=ADMIN)).json()
    assert [(badge["first_name"], badge["revoked"]) for badge in badges] == [("Sari", True)]


async def test_hapus_data_removes_texts_answers_and_badge_names_but_keeps_the_rating(
    harness: Harness, db_engine: Engine
) -> None:
    meeting_id = await held_and_prompted(harness, db_engine, badge_title="Fasilitator Kuis Digital")
    everyone_said_yes(db_engine)
    await reflect(harness, SULSEL)
    await harness.telegram_says(SULSEL, "hapus data")
    assert "sudah dihapus" in (await harness.telegram_says(SULSEL, "1"))[0]
    with Session(db_engine) as session:
        reflection = session.exec(select(Reflection)).all()
        badge = session.exec(select(Badge)).one()
    erased = [row for row in reflection if row.rating == 4]
    assert len(erased) == 1 and erased[0].contact_id is None and erased[0].answers == {}
    assert badge.contact_id is None and badge.first_name == ""
    report = (await harness.client.get(f"/api/meetings/{meeting_id}/reflections", headers=ADMIN)).json()
    assert report["summary"]["rating"]["count"] == 1 and report["summary"]["rating"]["average"] == 4
    assert "Kuis membuat kelas hidup" not in str(report) and "Sari" not in str(report)
    assert prompts_to(harness, PAPUA)  # the other teacher's reflection is untouched


async def test_on_whatsapp_the_reflection_and_follow_up_read_as_numbered_text(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(datetime(2026, 12, 3, 5, 0, tzinfo=UTC))  # a clinic held this morning, recorded now
    number = "+6281200000055"
    onboarded_contact(db_engine, "whatsapp", f"whatsapp:{number}", "73", name="Bu Ani")
    await harness.whatsapp_says(number, "halo")  # the 24-hour window is open
    held = {"title": "Klinik luring", "starts_at": "2026-12-03T08:00:00+07:00", "duration_minutes": 60}
    await create_meeting(harness, **held, badge_title="Peserta Klinik Luring")
    await tick(harness)
    prompt = harness.twilio.bodies(f"whatsapp:{number}")[-1]
    assert prompt.startswith("Terima kasih telah mengikuti Klinik luring")
    assert "1. Isi sekarang\n2. Nanti saja" in prompt
    for text in ("ya", "4/5", "Google Form untuk kuis", "Kuis; umpan balik; jurnal"):
        replies = await harness.whatsapp_says(number, text)
    assert replies[0].startswith("Terima kasih, refleksi Klinik luring tersimpan.")
    # held already, so no RSVP was asked: being in the audience is attending
    assert replies[1].startswith('Selamat, Bu Ani! Anda mendapat lencana "Peserta Klinik Luring"')
    travel_to(datetime(2026, 12, 17, 3, 0, tzinfo=UTC))  # two weeks after, 11.00 WITA
    await harness.whatsapp_says(number, "halo")
    await tick(harness)
    followup = harness.twilio.bodies(f"whatsapp:{number}")[-1]
    assert "Mana yang sudah Anda terapkan?" in followup and "1. Kuis\n2. umpan balik\n3. jurnal" in followup
    assert "Tercatat 3 dari 3" in (await harness.whatsapp_says(number, "semua"))[0]


async def test_a_follow_up_button_answers_with_one_thing(harness: Harness, db_engine: Engine) -> None:
    await held_and_prompted(harness, db_engine)
    await reflect(harness, SULSEL)
    travel_to(ENDS + timedelta(days=14, minutes=1))
    await tick(harness)
    with Session(db_engine) as session:
        prompt_id = session.exec(select(Prompt.id).where(Prompt.kind == "followup")).first()
    await harness.post_telegram(telegram_callback_update(SULSEL, f"p{prompt_id}:2"))
    await harness.settle()
    assert "Tercatat 1 dari 3" in harness.telegram.sent_texts(SULSEL)[-1]
    assert reflection_rows_applied(db_engine) == [[2]]


def reflection_rows_applied(db_engine: Engine) -> list[list[int] | None]:
    with Session(db_engine) as session:
        rows = session.exec(select(Reflection).where(col(Reflection.contact_id) == contact_ids(db_engine)[str(SULSEL)]))
        return [row.applied for row in rows.all()]
