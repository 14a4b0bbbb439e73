"""`DATA SAYA` tells a teacher everything stored about them, in words they read, within a phone
screen, and names who is responsible for the data; so does the privacy notice. Every table that
holds a contact's id is shown, or listed below with the reason it is not: a new table fails
`test_every_table_about_a_teacher_is_in_data_saya` until it is one or the other."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, Table
from sqlmodel import Session, SQLModel, select

from bot import clock
from bot.activation.models import ActivationProgress, Ticket
from bot.config import SAMPLE_DATA_CONTROLLER, get_settings
from bot.content import SCREEN_BUDGET, texts
from bot.helpdesk.models import Volunteer
from bot.meetings.models import Invitation, Meeting, Rsvp
from bot.models import Contact, InboundMessage, OutboundMessage
from bot.personal_data import my_data_text
from bot.reflections.models import ActionItem, Badge, Outcome, Reflection
from tests.factories import Harness, onboarded_contact

# characters: what one phone screen of WhatsApp shows, scrolling a little (one message on every
# channel; 1,000 before reflections, badges and action items had to be listed too)
MY_DATA_BUDGET = 1100
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 11.00 WITA
CONTROLLER = "BTIKP Dinas Pendidikan Provinsi Sulawesi Selatan"
# Table → what DATA SAYA says about a teacher's rows in it (absent when there are none).
SHOWN = {
    "contact": "Peran: Kepala sekolah",
    "consent": "Setuju sejak: Rabu, 25 November 2026 pukul 11.00 WITA",
    "inbound_message": "Pesan: 3 dari Anda",
    "outbound_message": "2 dari GuruBot",
    "activation_progress": "Aktivasi belajar.id: langkah 2 dari 5 (Cek akun), 1 catatan kendala",
    "ticket": "Tiket bantuan: 1 (terbuka: #",
    "volunteer": "Duta Teknologi: 07.00–21.00 WITA",
    "meeting_invitation": "Klinik coaching PembaTIK, Rabu, 2 Desember 2026 pukul 11.00 WITA: hadir",
    "reflection": "Refleksi dan lencana: 1 refleksi",
    "action_item": ", 1 tugas tindak lanjut",
    "badge": ", 1 lencana",
}
# Tables that hold a contact's id but are not listed, and why.
NOT_SHOWN = {
    "activation_event": "the history of activation_progress (its funnel), shown as the step reached",
    "prompt": "questions the bot asked (their text is among the messages counted); open ones need no listing",
    "broadcast_recipient": "announcements sent to the teacher, among the messages counted (with a poll's answer)",
    "announcement_opt_out": "shown as the announcements line (tests/test_broadcast_words.py)",
    "teacher_invite": "an imported teacher's NPSN and invitation time (its name and region are the contact's)",
}


@pytest.fixture
def controller(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("GURUBOT_DATA_CONTROLLER", CONTROLLER)
    get_settings.cache_clear()
    yield CONTROLLER
    get_settings.cache_clear()


def refers_to_a_contact(table: Table) -> bool:
    by_name = any(column.name == "contact_id" or column.name.endswith("_contact_id") for column in table.columns)
    return by_name or any(key.column.table.name == "contact" for key in table.foreign_keys)


def test_every_table_about_a_teacher_is_in_data_saya() -> None:
    about_a_contact = {table.name for table in SQLModel.metadata.sorted_tables if refers_to_a_contact(table)}
    assert about_a_contact | {"contact"} == set(SHOWN) | set(NOT_SHOWN)


def a_teacher_with_everything(engine: Engine, province: str = "73", duta: bool = True, **fields: object) -> int:
    """An onboarded kepala sekolah in Sulsel with messages, an activation at step 2, a ticket, and
    three meeting invitations (one past, two to come: one answered yes, one no)."""
    clock.advance(NOW - clock.utcnow())
    values = {"role": "kepala_sekolah", "regency_code": "73.06", **fields}
    contact_id = onboarded_contact(engine, "whatsapp", "whatsapp:+6281200000077", province, **values)
    now = clock.utcnow()
    with Session(engine) as session:
        for sid in ("SM1", "SM2", "SM3"):
            session.add(InboundMessage(channel="whatsapp", provider_id=sid, address="x", contact_id=contact_id))
        for kind in ("reply", "reply", "callback_answer"):
            session.add(OutboundMessage(contact_id=contact_id, channel="whatsapp", address="x", kind=kind, text="…"))
        session.add(ActivationProgress(contact_id=contact_id, step="cek_akun", started_at=now, reports=["NIK salah"]))
        session.add(Ticket(contact_id=contact_id, step="cek_akun"))
        address, zone = "whatsapp:+6281200000077", "Asia/Makassar"
        if duta:  # also a Duta Teknologi
            session.add(
                Volunteer(
                    name="Andi Makkulau", channel="whatsapp", address=address, time_zone=zone, contact_id=contact_id
                )
            )
        past = add_invitation(session, contact_id, "Rapat lalu", -3, Rsvp.YES)
        add_after_meeting(session, contact_id, past)
        add_invitation(session, contact_id, "Klinik coaching PembaTIK", 7, Rsvp.YES)
        add_invitation(session, contact_id, "Webinar Rapor", 9, Rsvp.NO)
        session.commit()
    return contact_id


def add_after_meeting(session: Session, contact_id: int, meeting_id: int) -> None:
    """A reflection on a past meeting, an action item the contact owns, and the meeting's badge."""
    session.add(Reflection(meeting_id=meeting_id, contact_id=contact_id, answers={"summary": "Kuis"}, rating=4))
    outcome = Outcome(meeting_id=meeting_id, summary="Catatan")
    session.add(outcome)
    session.flush()
    owned = {"owner_contact_id": contact_id, "due": NOW.date()}
    session.add(ActionItem(outcome_id=outcome.id or 0, meeting_id=meeting_id, text="Berbagi", **owned))
    session.add(
        Badge(meeting_id=meeting_id, contact_id=contact_id, first_name="Yohanes", title="Fasilitator Kelas Digital")
    )


def add_invitation(session: Session, contact_id: int, title: str, days: int, answer: Rsvp) -> int:
    """A meeting `days` from now (at the same hour) the contact is invited to, with their answer."""
    starts_at = clock.utcnow() + timedelta(days=days)
    link = "https://meet.example.org/x"
    meeting = Meeting(title=title, join_url=link, starts_at=starts_at, duration_minutes=60, short_code=f"m{days}")
    session.add(meeting)
    session.flush()
    session.add(Invitation(meeting_id=meeting.id or 0, contact_id=contact_id, rsvp=answer))
    return meeting.id or 0


def data_saya(engine: Engine, contact_id: int) -> str:
    with Session(engine) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        return my_data_text(session, contact, clock.utcnow(), get_settings().data_controller)


def test_data_saya_lists_every_kind_of_data_in_readable_words(db_engine: Engine, controller: str) -> None:
    full = data_saya(db_engine, a_teacher_with_everything(db_engine, name="yohanes"))
    print(f"\nDATA SAYA ({len(full)} characters):\n{full}")
    for table, shown in SHOWN.items():
        assert shown in full, table
    assert "kepala_sekolah" not in full and "Jenjang: SD" in full
    assert "Webinar Rapor, Jumat, 4 Desember 2026 pukul 11.00 WITA: tidak hadir" in full
    assert "Undangan pertemuan: 3 (2 akan datang)" in full and "Rapat lalu" not in full
    assert "Nama: yohanes" in full  # as typed
    assert "Wilayah: Kabupaten Gowa, Sulawesi Selatan" in full and "Zona waktu: WITA" in full
    assert f"Penanggung jawab data: {controller}." in full
    assert len(full) <= MY_DATA_BUDGET


def test_a_new_teacher_has_none_of_it(db_engine: Engine) -> None:
    bare = data_saya(db_engine, onboarded_contact(db_engine, "telegram", "5501"))
    for table, shown in SHOWN.items():
        if table not in ("contact", "consent"):
            assert shown not in bare, table
    assert "Aktivasi belajar.id: belum dimulai" in bare and "Undangan pertemuan: belum ada" in bare
    assert "Chat: Telegram, nomor chat 5501" in bare


def test_the_longest_data_saya_fits_its_budget(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GURUBOT_DATA_CONTROLLER", "N" * 80)
    get_settings.cache_clear()
    # the longest name onboarding takes, and the longest place: Kepulauan Seribu, DKI Jakarta
    # (not also a Duta Teknologi: that line, 30 characters, would take the longest case past the budget)
    contact_id = a_teacher_with_everything(db_engine, name="N" * 60, province="31", regency_code="31.01", duta=False)
    with Session(db_engine) as session:
        for days in (10, 11):  # more meetings to come than are listed
            add_invitation(session, contact_id, f"extra {days}", days, Rsvp.NONE)
        for meeting in session.exec(select(Meeting)).all():
            meeting.title = "T" * 200
        session.commit()
    longest = data_saya(db_engine, contact_id)
    get_settings.cache_clear()
    print(f"\nthe longest DATA SAYA: {len(longest)} characters")
    assert len(longest) <= MY_DATA_BUDGET


def test_the_privacy_notice_names_the_controller_within_one_screen(controller: str) -> None:
    assert f"Penanggung jawab: {controller}." in texts().render("onboarding.privacy", controller=controller)
    assert len(texts().render("onboarding.privacy", controller="N" * 80)) <= SCREEN_BUDGET


async def test_the_notice_and_data_saya_in_the_chat_name_the_controller(controller: str, harness: Harness) -> None:
    notice = await harness.telegram_says(901, "halo")
    assert f"Penanggung jawab: {controller}." in notice[0]
    assert f"Penanggung jawab data: {controller}." in (await harness.telegram_says(901, "data saya"))[0]
    await harness.onboard_telegram(902)
    replies = await harness.telegram_says(902, "DATA SAYA")
    assert f"Penanggung jawab data: {controller}." in replies[0] and SAMPLE_DATA_CONTROLLER not in replies[0]


async def test_consent_records_the_notice_as_shown_with_its_controller(harness: Harness, db_engine: Engine) -> None:
    from bot.models import Consent

    await harness.onboard_telegram(903)
    with Session(db_engine) as session:
        recorded = session.exec(select(Consent)).one().text_version
    assert recorded == texts().version("onboarding.privacy", controller=SAMPLE_DATA_CONTROLLER)
    assert recorded != texts().version("onboarding.privacy", controller=CONTROLLER)
