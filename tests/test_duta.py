"""Duta Teknologi volunteers through the API and the webhooks: joining with the one-time code,
routing to the teacher's kabupaten/kota then the province, every volunteer word (and every wrong
number), the race for one ticket, and the teacher's number and chat id in nothing a volunteer or
staff member receives."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot.engine import find_contact
from bot.models import OutboundMessage
from tests.duta_helpers import (
    ADMIN,
    GOWA,
    MAROS,
    MONDAY_10_WITA,
    QUESTION,
    SULSEL,
    TEACHER,
    TEACHER_NUMBER,
    ask,
    last,
    register,
    teacher,
    ticket_state,
    travel_to,
    volunteer,
)
from tests.factories import Harness, onboarded_contact, telegram_text_update

GOWA_DUTA, MAROS_DUTA, PROVINCE_DUTA = 91001, 91002, 91003


def provider_id_of_offer(engine: Engine, chat: int) -> int:
    """The Telegram message id the fake gave the offer (what a reply to it names)."""
    with Session(engine) as session:
        rows = session.exec(select(OutboundMessage).where(OutboundMessage.address == str(chat))).all()
        [offer] = [row for row in rows if row.payload.get("ticket") == 1]
        return int(offer.provider_message_id or 0)


async def test_a_join_code_works_once_and_only_from_the_registered_chat(harness: Harness) -> None:
    created = await register(harness, GOWA_DUTA, regencies=[GOWA], name="Andi Makkulau")
    assert created["status"] == "waiting_to_join" and len(created["join_code"]) == 8
    wrong_chat = await harness.telegram_says(91999, f"DUTA {created['join_code']}")
    assert wrong_chat[0].startswith("Kode Duta Teknologi itu tidak dikenal")
    stale_link = await harness.telegram_says(91999, f"/start duta_{created['join_code']}")
    assert not stale_link[0].startswith("Selamat bergabung")  # opens the bot as any /start
    joined = await harness.telegram_says(GOWA_DUTA, f"/start duta_{created['join_code']}")
    assert joined[0].startswith("Selamat bergabung, Duta Teknologi Andi Makkulau!")
    again = await harness.telegram_says(GOWA_DUTA, f"duta {created['join_code']}")
    assert again == ["Anda sudah terdaftar sebagai Duta Teknologi Andi Makkulau."]
    listed = (await harness.client.get("/api/volunteers", headers=ADMIN)).json()
    assert [(v["name"], v["status"], v["provinces"]) for v in listed] == [("Andi Makkulau", "active", [SULSEL])]


async def test_a_volunteer_who_never_joins_gets_no_tickets(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await register(harness, GOWA_DUTA, regencies=[GOWA])
    teacher(db_engine)
    await ask(harness)
    assert harness.telegram.sent_texts(GOWA_DUTA) == []
    assert ticket_state(db_engine)[0] == "open"


async def test_a_ticket_goes_to_the_kabupaten_volunteer_before_the_province(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, PROVINCE_DUTA, provinces=[SULSEL])
    await volunteer(harness, MAROS_DUTA, regencies=[MAROS])
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    teacher(db_engine)
    await ask(harness)
    offer = last(harness, GOWA_DUTA)
    assert offer.startswith("Tiket #1 · Kabupaten Gowa, Sulawesi Selatan · SMP\n")
    assert QUESTION in offer and offer.endswith("Balas AMBIL 1 untuk mengambilnya.")
    assert ticket_state(db_engine)[0] == "offered"
    teacher(db_engine, 73702, regency="73.10")  # a kabupaten without its own volunteer
    await ask(harness, 73702)
    assert last(harness, PROVINCE_DUTA).startswith("Tiket #2 · ")
    assert not any("Tiket #" in text for text in harness.telegram.sent_texts(MAROS_DUTA))


async def test_a_whole_question_from_offer_to_rating(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA], name="Andi Makkulau")
    teacher(db_engine)
    await ask(harness)
    assert await harness.telegram_says(GOWA_DUTA, "AMBIL 1") == [
        "Tiket #1 sekarang Anda pegang. Balas dengan #1 jawaban Anda (atau balas pesan ini). "
        "SELESAI 1 jika sudah beres, LEPAS 1 untuk mengembalikan."
    ]
    assert last(harness, TEACHER).startswith("Duta Teknologi Andi sedang membaca pertanyaan Anda (nomor 1)")
    assert await harness.telegram_says(GOWA_DUTA, "#1 Printernya merek apa, Bu?") == ["Terkirim ke guru (tiket #1)."]
    assert last(harness, TEACHER) == "Duta Teknologi Andi: Printernya merek apa, Bu?"
    assert ticket_state(db_engine)[0] == "answered"
    assert await harness.telegram_says(TEACHER, "Canon, lampunya kedip") == [
        "Diteruskan ke Duta Teknologi Andi (nomor 1)."
    ]
    assert last(harness, GOWA_DUTA) == "#1 Guru: Canon, lampunya kedip"
    plain = await harness.telegram_says(GOWA_DUTA, "Coba cabut kabelnya 1 menit")
    assert plain == ["Terkirim ke guru tiket #1, satu-satunya tiket yang Anda pegang."]
    assert last(harness, TEACHER) == "Duta Teknologi Andi: Coba cabut kabelnya 1 menit"
    assert (await harness.telegram_says(GOWA_DUTA, "SELESAI 1")) == ["Tiket #1 ditutup. Terima kasih!"]
    assert last(harness, TEACHER).startswith("Duta Teknologi Andi menandai pertanyaan Anda (nomor 1) selesai. 1–5")
    assert await harness.telegram_says(TEACHER, "5") == [
        "Terima kasih atas nilainya! Ketik tanya jika ada kendala lain."
    ]
    assert ticket_state(db_engine) == ("closed", None, 1)


async def test_a_telegram_reply_to_the_ticket_message_answers_it(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    teacher(db_engine)
    await ask(harness)
    offer_id = provider_id_of_offer(db_engine, GOWA_DUTA)
    update = telegram_text_update(GOWA_DUTA, "Sudah dicoba restart, Bu?")
    update["message"]["reply_to_message"] = {"message_id": offer_id, "date": 0, "chat": {"id": GOWA_DUTA}}
    assert (await harness.post_telegram(update)).status_code == 200
    await harness.settle()
    assert last(harness, GOWA_DUTA) == "Terkirim ke guru (tiket #1)."
    assert last(harness, TEACHER) == "Duta Teknologi Duta: Sudah dicoba restart, Bu?"


async def test_wrong_and_missing_numbers_get_one_line_each(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    await volunteer(harness, MAROS_DUTA, regencies=[MAROS])
    teacher(db_engine)
    await ask(harness)
    expected = {
        "AMBIL": "Tulis nomor tiketnya juga, misalnya: AMBIL 12.",
        "ambil abc": '"abc" bukan nomor tiket. Tulis angkanya saja, misalnya: AMBIL 12.',
        "#99999 halo": "Tiket #99999 tidak ada (mungkin dihapus atas permintaan guru).",
        "# halo": "Tulis nomor tiketnya juga, misalnya: #12 jawaban Anda.",
        "#1a halo": '"1a" bukan nomor tiket. Tulis angkanya saja, misalnya: #12 jawaban Anda.',
        "AMBIL 99999999999": '"99999999999" bukan nomor tiket. Tulis angkanya saja, misalnya: AMBIL 12.',
        "#1": "Tulis jawabannya setelah nomor tiket, misalnya: #1 Coba buka pusatinformasi.belajar.id.",
        "SELESAI 1": "Tiket #1 tidak sedang Anda pegang. Ketik AMBIL 1 dulu, atau TIKET untuk melihat tiket Anda.",
        "LEPAS": "Tulis nomor tiketnya juga, misalnya: LEPAS 12.",
    }
    for typed, answer in expected.items():
        assert await harness.telegram_says(GOWA_DUTA, typed) == [answer], typed
    assert await harness.telegram_says(MAROS_DUTA, "AMBIL 1") == ["Tiket #1 bukan untuk wilayah Anda."]
    await harness.telegram_says(GOWA_DUTA, "AMBIL 1")
    assert await harness.telegram_says(MAROS_DUTA, "#1 halo") == ["Tiket #1 sudah diambil Duta Teknologi lain."]
    await harness.telegram_says(GOWA_DUTA, "SELESAI 1")
    assert await harness.telegram_says(GOWA_DUTA, "AMBIL 1") == ["Tiket #1 sudah ditutup."]


async def test_tiket_libur_aktif_and_lepas(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    await volunteer(harness, PROVINCE_DUTA, provinces=[SULSEL])
    teacher(db_engine)
    assert await harness.telegram_says(GOWA_DUTA, "TIKET") == ["Anda tidak memegang atau ditawari tiket saat ini."]
    await ask(harness)
    listed = await harness.telegram_says(GOWA_DUTA, "tiket")
    assert listed == [f"Tiket Anda:\n#1 · ditawarkan · Kabupaten Gowa, Sulawesi Selatan: {QUESTION}"]
    assert (await harness.telegram_says(GOWA_DUTA, "LEPAS 1"))[0].startswith("Tiket #1 dikembalikan")
    assert ticket_state(db_engine)[:2] == ("offered", 2)  # the province's volunteer
    assert (await harness.telegram_says(GOWA_DUTA, "LIBUR"))[0].startswith("Anda sedang LIBUR")
    teacher(db_engine, 73702)
    await ask(harness, 73702)
    assert ticket_state(db_engine, 2)[1] == 2  # not to the volunteer who is away
    assert (await harness.telegram_says(GOWA_DUTA, "aktif"))[0].startswith("Anda AKTIF lagi")


async def test_two_volunteers_claiming_at_once_exactly_one_wins(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    await volunteer(harness, PROVINCE_DUTA, provinces=[SULSEL])
    teacher(db_engine)
    await ask(harness)
    for chat in (GOWA_DUTA, PROVINCE_DUTA):
        assert (await harness.post_telegram(telegram_text_update(chat, "AMBIL 1"))).status_code == 200
    await asyncio.gather(harness.runtime.handle_pending(), harness.runtime.handle_pending())
    await harness.settle()
    answers = sorted([last(harness, GOWA_DUTA)[:16], last(harness, PROVINCE_DUTA)[:16]])
    assert answers == ["Tiket #1 sekaran", "Tiket #1 sudah d"]
    assert ticket_state(db_engine)[0] == "claimed"


async def test_the_volunteer_chat_still_works_as_a_teachers(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    teacher(db_engine, GOWA_DUTA)  # a teacher who is also a Duta Teknologi
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    assert (await harness.telegram_says(GOWA_DUTA, "menu"))[0].startswith("Menu utama")
    await ask(harness, GOWA_DUTA)
    assert ticket_state(db_engine)[0] == "open"  # their own question is not offered to themselves
    teacher(db_engine)
    await ask(harness)
    assert (await harness.telegram_says(TEACHER, "AMBIL 2"))[0] == "Ditambahkan ke pertanyaan Anda (nomor 2)."


async def test_no_volunteer_or_staff_message_carries_the_teachers_number_or_chat_id(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    teacher(db_engine)
    onboarded_contact(db_engine, "whatsapp", f"whatsapp:{TEACHER_NUMBER}", SULSEL, regency_code=GOWA)
    await ask(harness, question=f"printer rusak, hubungi saya di {TEACHER_NUMBER} atau 0813 7000 0001")
    await harness.whatsapp_says(TEACHER_NUMBER, "tanya")
    await harness.whatsapp_says(TEACHER_NUMBER, "proyektor sekolah mati total sejak kemarin")
    await harness.telegram_says(GOWA_DUTA, "AMBIL 1")
    await harness.telegram_says(TEACHER, f"nomor saya {TEACHER_NUMBER} ya pak")
    await harness.telegram_says(GOWA_DUTA, "TIKET")
    volunteer_calls = [
        call.params for call in harness.telegram.calls if str(call.params.get("chat_id")) == str(GOWA_DUTA)
    ]
    assert len(volunteer_calls) >= 5
    staff_answers = [(await harness.client.get(path, headers=ADMIN)).text for path in ("/api/volunteers",)]
    for recorded in [str(params) for params in volunteer_calls] + staff_answers:
        for secret in (str(TEACHER), TEACHER_NUMBER, TEACHER_NUMBER.lstrip("+"), "81370000001", "0813 7000 0001"):
            assert secret not in recorded, (secret, recorded)


async def test_a_whatsapp_volunteer_answers_a_whatsapp_teacher(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    duta_number = "+6281399990001"
    created = await register(harness, f"whatsapp:{duta_number}", channel="whatsapp", regencies=[GOWA], name="Rina")
    assert (await harness.whatsapp_says(duta_number, f"DUTA {created['join_code'].lower()}"))[0].startswith(
        "Selamat bergabung, Duta Teknologi Rina!"
    )
    onboarded_contact(db_engine, "whatsapp", f"whatsapp:{TEACHER_NUMBER}", SULSEL, regency_code=GOWA)
    await harness.whatsapp_says(TEACHER_NUMBER, "tanya")
    await harness.whatsapp_says(TEACHER_NUMBER, QUESTION)
    offer = harness.twilio.bodies(f"whatsapp:{duta_number}")[-1]
    assert offer.startswith("Tiket #1 · Kabupaten Gowa") and TEACHER_NUMBER.lstrip("+") not in offer
    assert await harness.whatsapp_says(duta_number, "#1 Coba printer lain dulu") == ["Terkirim ke guru (tiket #1)."]
    assert harness.twilio.bodies(f"whatsapp:{TEACHER_NUMBER}")[-1] == "Duta Teknologi Rina: Coba printer lain dulu"
    assert await harness.whatsapp_says(TEACHER_NUMBER, "sudah bisa, terima kasih") == [
        "Diteruskan ke Duta Teknologi Rina (nomor 1)."
    ]
    assert await harness.whatsapp_says(duta_number, "SELESAI 1") == ["Tiket #1 ditutup. Terima kasih!"]


def test_a_message_to_a_contact_whose_own_message_is_being_handled_does_not_wait(db_engine: Engine) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    contact_id = teacher(db_engine)
    with Session(db_engine) as handling:
        assert find_contact(handling, "telegram", str(TEACHER)) is not None  # the teacher's message, in handling
        with Session(db_engine) as volunteers_turn:
            volunteers_turn.execute(text("SET LOCAL lock_timeout = '2s'"))
            volunteers_turn.add(OutboundMessage(contact_id=contact_id, channel="telegram", address=str(TEACHER)))
            volunteers_turn.commit()  # under FOR UPDATE this would wait for the teacher's handling
        handling.rollback()


async def test_duta_and_a_word_at_a_walkthrough_question_is_the_teachers_answer(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MONDAY_10_WITA)
    teacher(db_engine)
    await harness.telegram_says(TEACHER, "aktivasi")
    replies = await harness.telegram_says(TEACHER, "duta dong")
    assert not any(reply.startswith("Kode Duta Teknologi itu tidak dikenal") for reply in replies)


async def test_a_volunteer_standing_at_a_teachers_question_answers_it_with_aktif_or_selesai(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MONDAY_10_WITA)
    teacher(db_engine, GOWA_DUTA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    await harness.telegram_says(GOWA_DUTA, "aktivasi")
    replies = await harness.telegram_says(GOWA_DUTA, "aktif")  # "Sudah aktif" at the walkthrough's first question
    assert not any(reply.startswith("Anda AKTIF lagi") for reply in replies)
    assert (await harness.telegram_says(GOWA_DUTA, "menu"))[0].startswith("Menu utama")
    assert (await harness.telegram_says(GOWA_DUTA, "aktif"))[0].startswith("Anda AKTIF lagi")  # at the menu: theirs


async def test_a_number_in_another_script_gets_the_wrong_number_line_not_an_apology(harness: Harness) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    (reply,) = await harness.telegram_says(GOWA_DUTA, "AMBIL ²")
    assert "AMBIL 12" in reply and "Maaf" not in reply[:5]


async def test_retention_keeps_a_volunteer_who_never_consented_as_a_teacher(harness: Harness) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    travel_to(MONDAY_10_WITA + timedelta(days=45))
    await harness.runtime.tick()
    listed = (await harness.client.get("/api/volunteers", headers=ADMIN)).json()
    assert [volunteer["status"] for volunteer in listed] == ["active"]
    assert "Duta Teknologi" in "\n".join(await harness.telegram_says(GOWA_DUTA, "DATA SAYA"))


async def test_a_walkthrough_report_on_a_ticket_a_volunteer_holds_reaches_the_volunteer(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    teacher(db_engine)
    await ask(harness)
    await harness.telegram_says(GOWA_DUTA, "AMBIL 1")
    for typed in ["menu", "1", "1", "1", "1", "muncul tulisan password salah", "3"]:
        await harness.telegram_says(TEACHER, typed)
    await harness.telegram_says(TEACHER, "Sudah reset tapi kodenya tidak masuk")
    relayed = last(harness, GOWA_DUTA)
    assert relayed.startswith("#1 Guru:") and "password salah" in relayed and "kodenya tidak masuk" in relayed
