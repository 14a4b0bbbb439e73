"""A teacher who declines consent still reads the activation guide and the FAQ, and nothing is
stored beyond the chat address; asking for a person brings the consent question back."""

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, func, select

from bot.models import Contact, InboundMessage
from tests.factories import Harness

# Tables a declined teacher's reading may touch: the chat address and its place in the guide.
ALLOWED = {"contact", "inbound_message", "outbound_message", "timed_job_run", "delivery_rate_slot"}


def rows_per_table(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        counts = {
            table.name: session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
        }
    return {name: count for name, count in counts.items() if count}


async def says(harness: Harness, chat_id: int, *messages: str) -> list[str]:
    replies: list[str] = []
    for text in messages:
        replies = await harness.telegram_says(chat_id, text)
    return replies


async def test_a_declined_teacher_reads_the_guide_and_the_faq_and_nothing_is_kept(
    harness: Harness, db_engine: Engine
) -> None:
    declined = await says(harness, 70, "halo", "2")
    assert "ketik aktivasi" in declined[0] and "ketik tanya" in declined[0]
    intro = await harness.telegram_says(70, "aktivasi")
    assert "Aktivasi akun belajar.id dalam 5 langkah" in intro[0]
    step = await harness.telegram_says(70, "1")
    assert step[0].startswith("Langkah 1 dari 5: Data Dapodik")
    branch = await harness.telegram_says(70, "akun tidak ditemukan")
    assert branch[0].startswith("Akun tidak ditemukan")
    walked = await says(harness, 70, "1", "sudah", "sudah", "sudah")
    assert walked[0].startswith("Langkah 5 dari 5")
    done = await harness.telegram_says(70, "sudah bisa masuk")
    assert "tidak tercatat" in done[0]
    answer = await says(harness, 70, "tanya", "lupa password akun belajar.id")
    assert "Reset Password" in answer[0] and "1. Terjawab" in answer[0]
    assert rows_per_table(db_engine).keys() <= ALLOWED, rows_per_table(db_engine)
    with Session(db_engine) as session:
        contact = session.exec(select(Contact)).one()
        assert contact.name is None and contact.consent_given_at is None
        assert "question" not in contact.flow_data
        assert set(session.exec(select(InboundMessage.text)).all()) == {""}  # blanked once handled


async def test_asking_for_a_person_without_consent_asks_for_consent(harness: Harness, db_engine: Engine) -> None:
    await says(harness, 71, "halo", "2", "aktivasi", "1")
    replies = await harness.telegram_says(71, "3")  # Hubungi Duta Teknologi
    assert "minta izin menyimpan data" in replies[0] and "Apakah Anda setuju?" in replies[1]
    await says(harness, 72, "halo", "2", "tanya", "lupa password akun belajar.id")
    replies = await harness.telegram_says(72, "2")  # Masih perlu bantuan
    assert "minta izin menyimpan data" in replies[0] and "Apakah Anda setuju?" in replies[1]
    assert "ticket" not in rows_per_table(db_engine) and "helpdesk_ticket" not in rows_per_table(db_engine)
    menu = await says(harness, 73, "halo", "2", "menu")
    assert "Apakah Anda setuju?" in menu[-1]  # a personal feature: the consent question again
