"""The privacy words on both channels: BERHENTI/STOP, MULAI, DATA SAYA, HAPUS DATA."""

from sqlmodel import Session, select

from bot.models import Consent, Contact, InboundMessage, OutboundMessage
from tests.factories import Harness


async def onboard_whatsapp(harness: Harness, number: str) -> None:
    await harness.onboard_whatsapp(number)


async def test_data_saya_shows_what_is_stored(harness: Harness) -> None:
    await onboard_whatsapp(harness, "+6281200000001")
    replies = await harness.whatsapp_says("+6281200000001", "data saya")
    assert "Nama: Bu Sari" in replies[0]
    assert "Wilayah: Kabupaten Bone, Sulawesi Selatan" in replies[0]
    assert "Zona waktu: WITA" in replies[0]


async def test_berhenti_and_mulai_switch_announcements(harness: Harness, db_engine) -> None:
    await onboard_whatsapp(harness, "+6281200000002")
    replies = await harness.whatsapp_says("+6281200000002", "BERHENTI")
    assert "tidak akan menerima pengumuman" in replies[0]
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).one().opted_out_at is not None
    replies = await harness.whatsapp_says("+6281200000002", " stop ")
    replies = await harness.whatsapp_says("+6281200000002", "Mulai")
    assert "aktif kembali" in replies[0]
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).one().opted_out_at is None


async def test_hapus_data_erases_after_confirmation(harness: Harness, db_engine) -> None:
    number = "+6281200000003"
    await onboard_whatsapp(harness, number)
    replies = await harness.whatsapp_says(number, "HAPUS DATA")
    assert "Yakin menghapus" in replies[0]
    replies = await harness.whatsapp_says(number, "1")
    assert "sudah dihapus" in replies[0]
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).all() == []
        assert session.exec(select(Consent)).all() == []
        inbound = session.exec(select(InboundMessage)).all()
        assert inbound and all(m.text == "" and m.address == "" for m in inbound)
        outbound = session.exec(select(OutboundMessage)).all()
        assert all(m.address == "" and m.text == "" for m in outbound)


async def test_hapus_data_can_be_cancelled_and_returns_to_where_the_teacher_was(harness: Harness, db_engine) -> None:
    number = "+6281200000004"
    for text in ["halo", "1", "Bu Sari"]:
        await harness.whatsapp_says(number, text)
    await harness.whatsapp_says(number, "hapus data")
    replies = await harness.whatsapp_says(number, "2")
    assert "tidak dihapus" in replies[0] and "provinsi mana" in replies[1]
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).one().name == "Bu Sari"


async def test_a_provider_retry_after_erasure_is_not_handled_again(harness: Harness, db_engine) -> None:
    from tests.factories import whatsapp_form

    number = "+6281200000005"
    first = whatsapp_form(number, "halo", sid="SM" + "b" * 32)
    await harness.post_whatsapp(first)
    await harness.settle()
    await harness.whatsapp_says(number, "hapus data")
    await harness.post_whatsapp(first)
    await harness.settle()
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).all() == []


async def test_a_teacher_who_never_consents_is_forgotten_after_30_silent_days(harness: Harness, db_engine) -> None:
    from datetime import timedelta

    from bot import clock

    await harness.whatsapp_says("+6281200000006", "halo")
    await harness.whatsapp_says("+6281200000006", "2")  # declines
    await onboard_whatsapp(harness, "+6281200000007")
    clock.advance(timedelta(days=31))
    await harness.runtime.tick()
    with Session(db_engine) as session:
        addresses = [contact.address for contact in session.exec(select(Contact)).all()]
        inbound_addresses = set(session.exec(select(InboundMessage.address)).all())
    assert addresses == ["whatsapp:+6281200000007"]
    assert "whatsapp:+6281200000006" not in inbound_addresses


async def test_message_texts_are_blanked_after_90_days(harness: Harness, db_engine) -> None:
    from datetime import timedelta

    from bot import clock

    await onboard_whatsapp(harness, "+6281200000008")
    clock.advance(timedelta(days=91))
    await harness.runtime.tick()
    with Session(db_engine) as session:
        assert set(session.exec(select(InboundMessage.text)).all()) == {""}
        assert set(session.exec(select(OutboundMessage.text)).all()) == {""}
        assert session.exec(select(Contact)).one().name == "Bu Sari"
