"""Tanya Duta Teknologi through the webhooks: the FAQ answers first (a confident match, or the
closest titles to choose from), and a question it cannot answer, or an answer that did not help,
becomes a ticket with the question and its context."""

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.activation.models import Ticket
from bot.helpdesk.faq import Certainty, faq
from bot.helpdesk.models import TicketMessage
from bot.models import Contact
from tests.factories import Harness, onboarded_contact

CHAT, NUMBER = 73701, "+6281370000001"
ASK = "Apa kendala Anda?"
ANSWERED_OPTIONS = "1. Terjawab\n2. Masih perlu bantuan"
CONFIDENT_QUESTION = "pak sy lupa password akun belajar id gmn cara resetnya"  # → lupa_password
WEAK_QUESTION = "akun ga ada waktu dicek"  # → akun tidak ditemukan, or cek akun?
UNPLACED_QUESTION = "printer sekolah rusak tidak bisa print"
SOLVED = "Senang bisa membantu! Ketik tanya jika ada kendala lain."
RECORDED = "Pertanyaan Anda sudah tercatat"


def teacher(engine: Engine, channel: str = "telegram") -> None:
    address = str(CHAT) if channel == "telegram" else f"whatsapp:{NUMBER}"
    onboarded_contact(engine, channel, address, regency_code="73.08", school_level="smp")


async def says(harness: Harness, *texts: str) -> list[str]:
    """Send several Telegram messages; the replies to the last one."""
    replies: list[str] = []
    for text in texts:
        replies = await harness.telegram_says(CHAT, text)
    return replies


def tickets(engine: Engine) -> list[Ticket]:
    with Session(engine) as session:
        return list(session.exec(select(Ticket).order_by(col(Ticket.id))).all())


def messages(engine: Engine) -> list[TicketMessage]:
    with Session(engine) as session:
        return list(session.exec(select(TicketMessage).order_by(col(TicketMessage.id))).all())


def resting_place(engine: Engine) -> tuple[str | None, str | None]:
    with Session(engine) as session:
        contact = session.exec(select(Contact)).one()
        return contact.flow, contact.step


async def test_menu_3_asks_and_a_confident_match_is_answered(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    assert (await says(harness, "3"))[0].startswith(ASK)
    answer = (await says(harness, CONFIDENT_QUESTION))[0]
    assert answer.startswith("Lupa password akun belajar.id\nAtur ulang sendiri")
    assert answer.endswith(f"Apakah ini menjawab pertanyaan Anda?\n\n{ANSWERED_OPTIONS}")
    solved = await says(harness, "sudah")
    assert solved == [f"{SOLVED} Ketik menu untuk kembali ke menu utama."]
    assert tickets(db_engine) == [] and resting_place(db_engine) == (None, None)


async def test_the_answer_reads_the_same_on_whatsapp(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine, "whatsapp")
    assert (await harness.whatsapp_says(NUMBER, "tanya"))[0].startswith(ASK)
    answer = (await harness.whatsapp_says(NUMBER, "gk bisa login belajar.id, pasword salah terus"))[0]
    assert answer.startswith("Tidak bisa login / password salah\n") and answer.endswith(ANSWERED_OPTIONS)
    assert (await harness.whatsapp_says(NUMBER, "1"))[0].startswith(SOLVED)


async def test_masih_perlu_bantuan_opens_a_ticket_that_names_the_answer_shown(
    harness: Harness, db_engine: Engine
) -> None:
    teacher(db_engine)
    await says(harness, "tanya", CONFIDENT_QUESTION)
    reply = (await says(harness, "2"))[0]
    assert reply.startswith(f"{RECORDED} (nomor 1). Seorang Duta Teknologi akan membalas di chat ini.")
    assert reply.endswith("Ketik menu untuk kembali ke menu utama.")
    [ticket] = tickets(db_engine)
    assert (ticket.topic, ticket.status) == ("question", "open")
    assert (ticket.province_code, ticket.regency_code) == ("73", "73.08")
    [message] = messages(db_engine)
    assert (message.author, message.text, message.faq_id) == ("teacher", CONFIDENT_QUESTION, "lupa_password")


async def test_belum_is_a_no_to_the_answer(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    await says(harness, "tanya", CONFIDENT_QUESTION)
    assert (await says(harness, "belum"))[0].startswith(RECORDED)


async def test_a_weak_match_offers_the_closest_titles_and_answers_the_one_chosen(
    harness: Harness, db_engine: Engine
) -> None:
    verdict = faq().match(WEAK_QUESTION)
    assert verdict.certainty == Certainty.WEAK and 2 <= len(verdict.candidates) <= 3
    titles = [candidate.entry.title for candidate in verdict.candidates]
    teacher(db_engine)
    offer = (await says(harness, "tanya", WEAK_QUESTION))[0]
    numbered = "\n".join(f"{number}. {title}" for number, title in enumerate(titles, start=1))
    none_fit = f"{len(titles) + 1}. Tidak ada yang cocok"
    assert offer == f"Mungkin maksud Anda salah satu ini? Pilih nomornya:\n\n{numbered}\n{none_fit}"
    answer = (await says(harness, "1"))[0]
    assert answer.startswith(titles[0] + "\n") and answer.endswith(ANSWERED_OPTIONS)
    assert tickets(db_engine) == []


async def test_none_of_the_closest_titles_opens_a_ticket(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    await says(harness, "tanya", WEAK_QUESTION)
    assert (await says(harness, "tidak ada yang cocok"))[0].startswith(f"{RECORDED} (nomor 1)")
    [message] = messages(db_engine)
    assert (message.text, message.faq_id) == (WEAK_QUESTION, None)


async def test_a_question_the_faq_cannot_place_becomes_a_ticket_at_once(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    reply = (await says(harness, "tanya", UNPLACED_QUESTION))[0]
    assert "Seorang Duta Teknologi akan membalas di chat ini" in reply
    assert "pusatinformasi.belajar.id" in reply  # the official helpdesk, for what cannot wait
    [message] = messages(db_engine)
    assert message.text == UNPLACED_QUESTION and resting_place(db_engine) == (None, None)


async def test_a_question_too_short_to_place_is_asked_for_detail_once(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    assert (await says(harness, "tanya", "tolong pak"))[0].startswith("Boleh diceritakan sedikit lebih rinci?")
    await says(harness, "proyektor di kelas mati")
    [message] = messages(db_engine)
    assert message.text == "tolong pak proyektor di kelas mati"


async def test_phone_numbers_in_a_question_never_reach_the_ticket(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    await says(harness, "tanya", f"{UNPLACED_QUESTION}, hubungi saya di 0812-3456-7890")
    [message] = messages(db_engine)
    assert "3456" not in message.text and "[angka disembunyikan]" in message.text


async def test_a_second_question_goes_on_the_open_ticket(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    await says(harness, "tanya", UNPLACED_QUESTION)
    reply = (await says(harness, "tanya", "wifi sekolah lemot sekali"))[0]
    assert reply.startswith("Anda sudah punya permintaan bantuan yang terbuka (nomor 1).")
    assert len(tickets(db_engine)) == 1 and [m.text for m in messages(db_engine)][1] == "wifi sekolah lemot sekali"


async def test_tanya_mid_activation_then_lanjut_returns_to_the_step(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    step_one = (await says(harness, "aktivasi", "1"))[-1]
    assert step_one.startswith("Langkah 1 dari 5: Data Dapodik")
    assert (await says(harness, "tanya"))[0].startswith(ASK)
    await says(harness, CONFIDENT_QUESTION)
    solved = (await says(harness, "1"))[0]
    assert solved.endswith("Ketik lanjut untuk kembali ke aktivasi, atau menu untuk menu utama.")
    assert await says(harness, "lanjut") == [step_one]
    assert resting_place(db_engine) == ("activation", "step")


async def test_a_ticket_opened_mid_activation_carries_the_step(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    await says(harness, "aktivasi", "1", "1")  # step 2, Cek akun
    await says(harness, "tanya", UNPLACED_QUESTION)
    [ticket] = tickets(db_engine)
    assert (ticket.step, ticket.branch) == ("cek_akun", None)


async def test_erasing_the_teacher_erases_the_question(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    await says(harness, "tanya", UNPLACED_QUESTION)
    await says(harness, "hapus data", "1")
    assert tickets(db_engine) == [] and messages(db_engine) == []


async def test_small_talk_at_the_question_is_not_taken_for_one(harness: Harness, db_engine: Engine) -> None:
    teacher(db_engine)
    assert await says(harness, "tanya", "ok") == ["👍", "Silakan jawab pertanyaan tadi."]
    assert resting_place(db_engine) == ("helpdesk", "ask") and tickets(db_engine) == []
