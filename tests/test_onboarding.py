"""A new teacher goes from the first message to the main menu, on each channel."""

from sqlmodel import Session, select

from bot.models import Consent, Contact
from tests.factories import Harness, onboarding_script

ONBOARDING = onboarding_script()


async def test_onboarding_on_telegram_reaches_the_main_menu(harness: Harness, db_engine) -> None:
    replies = []
    for text in ONBOARDING:
        replies.append(await harness.telegram_says(555, text))
    assert "Apakah Anda setuju?" in replies[0][0]
    assert "Siapa nama Anda" in replies[1][0]
    assert "provinsi mana" in replies[2][0]
    assert "Kabupaten/kota mana di Sulawesi Selatan" in replies[3][0]
    assert replies[4][0] == "Tercatat: Kabupaten Bone, Sulawesi Selatan."  # the kabupaten is confirmed back
    assert "peran" in replies[4][1]
    assert "jenjang" in replies[5][0]
    assert "zona WITA" in replies[6][0]
    assert "Menu utama" in replies[6][1] and "1. Aktivasi akun belajar.id" in replies[6][1]
    with Session(db_engine) as session:
        contact = session.exec(select(Contact)).one()
        assert (contact.name, contact.province_code, contact.regency_code) == ("Bu Sari", "73", "73.08")
        assert (contact.role, contact.school_level, contact.time_zone) == ("guru", "sd", "Asia/Makassar")
        consent = session.exec(select(Consent)).one()
        assert consent.text_version.startswith("onboarding.privacy@")


async def test_onboarding_on_whatsapp_reaches_the_main_menu(harness: Harness) -> None:
    replies = [await harness.whatsapp_says("+6281234567890", text) for text in ONBOARDING]
    assert "Apakah Anda setuju?" in replies[0][0]
    assert "1. Setuju" in replies[0][0]
    assert "Menu utama" in replies[-1][1]
