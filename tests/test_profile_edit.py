"""`UBAH DATA` (and the privacy menu): a teacher changes name, place, role or level with
onboarding's own questions and loses nothing else; the time zone follows the province; names are
kept as typed and greeted with a capital."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from bot.activation.models import ActivationEvent, ActivationProgress
from bot.meetings.models import Invitation
from bot.models import Consent, Contact
from bot.profile import greeting_name
from tests.factories import Harness
from tests.test_meetings import CREATED_AT, create_meeting, travel_to

CHAT = 7301


def teacher(engine: Engine) -> Contact:
    with Session(engine) as session:
        return session.exec(select(Contact)).one()


def kept_elsewhere(engine: Engine) -> dict[str, object]:
    """What a profile edit must leave alone: answers, activation, consent, the onboarding moment."""
    with Session(engine) as session:
        progress = session.exec(select(ActivationProgress)).one()
        return {
            "rsvp": session.exec(select(Invitation.rsvp)).one(),
            "activation": (progress.step, progress.started_at, progress.completed_at),
            "funnel events": session.exec(select(func.count()).select_from(ActivationEvent)).one(),
            "consents": session.exec(select(Consent.given_at)).all(),
            "onboarded": session.exec(select(Contact.onboarded_at)).one(),
        }


async def a_teacher_with_an_answer_and_an_activation_under_way(harness: Harness) -> None:
    travel_to(CREATED_AT)
    await harness.onboard_telegram(CHAT)  # Bu Sari, Kabupaten Bone, guru, SD
    await create_meeting(harness, title="Klinik coaching PembaTIK")
    await harness.runtime.tick()
    await harness.settle()
    await harness.telegram_says(CHAT, "hadir")
    for text in ("aktivasi", "1", "1"):  # not active yet; step 1 done: at step 2
        await harness.telegram_says(CHAT, text)


async def test_a_profile_edit_changes_each_part_and_keeps_rsvps_and_activation(
    harness: Harness, db_engine: Engine
) -> None:
    await a_teacher_with_an_answer_and_an_activation_under_way(harness)
    before = kept_elsewhere(db_engine)
    assert before["rsvp"] == "yes" and before["activation"][0] == "cek_akun"

    replies = await harness.telegram_says(CHAT, "UBAH DATA")
    assert "Nama: Bu Sari" in replies[0] and "Wilayah: Kabupaten Bone, Sulawesi Selatan (WITA)" in replies[0]
    await harness.telegram_says(CHAT, "1")
    replies = await harness.telegram_says(CHAT, "yohanes")
    assert "Nama: yohanes" in replies[0]  # kept as typed, and the profile is shown again
    await harness.telegram_says(CHAT, "wilayah")
    replies = await harness.telegram_says(CHAT, "wamena")
    assert replies[0] == "Tercatat: Kabupaten Jayawijaya, Papua Pegunungan."
    assert "Wilayah: Kabupaten Jayawijaya, Papua Pegunungan (WIT)" in replies[1]
    await harness.telegram_says(CHAT, "3")
    replies = await harness.telegram_says(CHAT, "kepsek")
    assert "Peran: Kepala sekolah" in replies[0]
    await harness.telegram_says(CHAT, "4")
    replies = await harness.telegram_says(CHAT, "smp")
    assert "Jenjang: SMP" in replies[0]
    replies = await harness.telegram_says(CHAT, "selesai")
    assert replies[0] == "Baik, data Anda tersimpan." and "Menu utama" in replies[1]

    contact = teacher(db_engine)
    assert (contact.name, contact.province_code, contact.regency_code) == ("yohanes", "95", "95.01")
    assert (contact.role, contact.school_level, contact.time_zone) == ("kepala_sekolah", "smp", "Asia/Jayapura")
    assert kept_elsewhere(db_engine) == before
    my_data = (await harness.telegram_says(CHAT, "data saya"))[0]
    assert "Zona waktu: WIT" in my_data and "pukul 11.00 WIT: hadir" in my_data  # the meeting, in the new zone


async def test_the_privacy_menu_offers_the_profile(harness: Harness) -> None:
    await harness.onboard_telegram(CHAT)
    replies = await harness.telegram_says(CHAT, "5")
    assert "1. Lihat data saya" in replies[0] and "2. Ubah data" in replies[0] and "3. Hapus data" in replies[0]
    replies = await harness.telegram_says(CHAT, "2")
    assert "Mana yang ingin diubah?" in replies[0]


async def test_a_province_alone_asks_its_kabupaten_then_returns_to_the_profile(
    harness: Harness, db_engine: Engine
) -> None:
    await harness.onboard_telegram(CHAT)
    await harness.telegram_says(CHAT, "ubah data")
    replies = await harness.telegram_says(CHAT, "2")
    assert "provinsi atau kabupaten/kota" in replies[0] and "Salam kenal" not in replies[0]
    replies = await harness.telegram_says(CHAT, "jabar")
    assert "Kabupaten/kota mana di Jawa Barat" in replies[0]
    replies = await harness.telegram_says(CHAT, "kota bogor")
    assert replies[0] == "Tercatat: Kota Bogor, Jawa Barat." and "(WIB)" in replies[1]
    assert teacher(db_engine).time_zone == "Asia/Jakarta"


async def test_ubah_data_waits_for_onboarding(harness: Harness) -> None:
    await harness.telegram_says(CHAT, "halo")
    await harness.telegram_says(CHAT, "1")
    replies = await harness.telegram_says(CHAT, "ubah data")
    assert replies[0].startswith("Selesaikan dulu pendaftaran")


async def test_a_typed_name_is_kept_and_greeted_with_a_capital(harness: Harness, db_engine: Engine) -> None:
    for text in ("halo", "1"):
        await harness.telegram_says(CHAT, text)
    replies = await harness.telegram_says(CHAT, "yohanes")
    assert replies[0].startswith("Salam kenal, Yohanes!")
    for text in ("sulsel", "bone", "1"):
        await harness.telegram_says(CHAT, text)
    replies = await harness.telegram_says(CHAT, "2")
    assert replies[0].startswith("Terima kasih, Yohanes!")
    assert teacher(db_engine).name == "yohanes"


@pytest.mark.parametrize(
    ("typed", "greeted"),
    [
        ("yohanes", "Yohanes"),
        ("bu sari", "Bu Sari"),
        ("Pak  andi", "Pak Andi"),
        ("McDonald", "McDonald"),
        ("ANI", "ANI"),
    ],
)
def test_a_name_is_greeted_with_a_capital_where_it_had_none(typed: str, greeted: str) -> None:
    assert greeting_name(typed) == greeted
