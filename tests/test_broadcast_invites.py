"""Bringing teachers in with a link: the links and QR codes of a kabupaten/kota, and a teacher who
arrives through one is not asked for the province and kabupaten/kota (shown to confirm instead)."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.models import Contact
from tests.factories import Harness
from tests.fakes import FakeTelegram, FakeTwilio
from tests.test_broadcasts import ADMIN
from tests.test_meetings import staff_token


@pytest.fixture
async def named(
    settings: Settings, db_engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> AsyncIterator[Harness]:
    with_name = settings.model_copy(update={"telegram_bot_username": "GuruBTIKPBot"})
    async with Harness.running(with_name, db_engine, fake_telegram, fake_twilio) as running:
        yield running


async def test_invite_links_and_their_qr_codes(named: Harness) -> None:
    links = (await named.client.get("/api/invite-links?regency=73.08", headers=ADMIN)).json()
    assert links["telegram"] == "https://t.me/GuruBTIKPBot?start=r7308"
    assert links["whatsapp"] == "https://wa.me/14155238886?text=DAFTAR%207308"
    assert links["name"] == "Kabupaten Bone"
    png = await named.client.get(links["qr"]["telegram"]["png"], headers=ADMIN)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    svg = await named.client.get(links["qr"]["whatsapp"]["svg"], headers=ADMIN)
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content


async def test_invite_links_are_scoped_and_checked(named: Harness) -> None:
    unknown = await named.client.get("/api/invite-links?regency=73.99", headers=ADMIN)
    assert unknown.status_code == 422 and "73.99" in unknown.text
    papua = await staff_token(named, "91")
    assert (await named.client.get("/api/invite-links?regency=73.08", headers=papua)).status_code == 403


async def test_a_teacher_from_a_telegram_link_is_not_asked_for_the_region(named: Harness, db_engine: Engine) -> None:
    assert "Kami minta izin menyimpan data Anda" in (await named.telegram_says(601, "/start r7308"))[0]
    await named.telegram_says(601, "1")
    replies = await named.telegram_says(601, "Bu Sari")
    assert replies[0] == "Tercatat: Kabupaten Bone, Sulawesi Selatan."
    assert "provinsi" not in " ".join(replies).lower()
    for text in ("1", "2"):
        await named.telegram_says(601, text)
    with Session(db_engine) as session:
        contact = session.exec(select(Contact).where(Contact.address == "601")).one()
    assert (contact.province_code, contact.regency_code, contact.time_zone) == ("73", "73.08", "Asia/Makassar")
    assert contact.onboarded_at is not None


async def test_a_teacher_from_a_whatsapp_link_is_not_asked_for_the_region(named: Harness) -> None:
    await named.whatsapp_says("+6281200000601", "DAFTAR 7308")
    await named.whatsapp_says("+6281200000601", "1")
    replies = await named.whatsapp_says("+6281200000601", "Pak Andi")
    assert replies[0] == "Tercatat: Kabupaten Bone, Sulawesi Selatan."
