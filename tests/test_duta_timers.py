"""The helpdesk's timers with a controlled clock, through the webhooks and the timed tick: a silent
volunteer's offer passes on, then the ticket escalates; working hours are respected; a held ticket
without an answer for a day is offered again; a closed ticket reopens with the same volunteer; a
volunteer who blocks the bot or erases their data hands their tickets back; fairness over 100."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot import clock
from bot.activation.models import Ticket
from bot.helpdesk.routing import route
from bot.models import Contact
from tests.duta_helpers import (
    GOWA,
    MONDAY_10_WITA,
    SULSEL,
    TEACHER,
    ask,
    last,
    teacher,
    ticket_state,
    travel_to,
    volunteer,
)
from tests.factories import Harness

GOWA_DUTA, FIRST, SECOND = 92001, 92002, 92003
MINUTES_31 = timedelta(minutes=31)


async def tick(harness: Harness, after: timedelta = timedelta(0)) -> None:
    clock.advance(after)
    await harness.runtime.tick()
    await harness.settle()


async def three_volunteers(harness: Harness) -> None:
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    await volunteer(harness, FIRST, provinces=[SULSEL])
    await volunteer(harness, SECOND, provinces=[SULSEL])


async def test_a_silent_volunteers_offer_passes_on_and_then_the_ticket_escalates(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MONDAY_10_WITA)
    await three_volunteers(harness)
    teacher(db_engine)
    await ask(harness)
    assert ticket_state(db_engine)[:2] == ("offered", 1)
    await tick(harness, timedelta(minutes=29))
    assert ticket_state(db_engine)[:2] == ("offered", 1)
    await tick(harness, timedelta(minutes=2))
    assert last(harness, GOWA_DUTA) == "Tawaran tiket #1 sudah lewat; tiket diteruskan ke Duta Teknologi lain."
    assert ticket_state(db_engine)[:2] == ("offered", 2) and last(harness, FIRST).startswith("Tiket #1 · ")
    await tick(harness, MINUTES_31)
    assert ticket_state(db_engine)[:2] == ("offered", 3)
    await tick(harness, MINUTES_31)
    assert ticket_state(db_engine)[0] == "escalated"
    assert last(harness, TEACHER) == (
        "Pertanyaan Anda (nomor 1) diteruskan ke tim BTIKP Sulawesi Selatan; mereka akan membalas di chat ini."
    )
    assert (await harness.telegram_says(FIRST, "AMBIL 1"))[0].startswith("Tiket #1 sekarang Anda pegang")


async def test_offers_wait_for_working_hours(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA + timedelta(hours=5, minutes=50))  # 15.50 WITA
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA], work_start="07:00", work_end="16:00")
    await volunteer(harness, FIRST, provinces=[SULSEL], work_start="07:00", work_end="16:00")
    teacher(db_engine)
    await ask(harness)
    await tick(harness, timedelta(minutes=25))  # 16.15: only 10 minutes of working time went by
    assert ticket_state(db_engine)[:2] == ("offered", 1)
    teacher(db_engine, 73702)
    await ask(harness, 73702)  # after hours: nobody is offered it
    assert ticket_state(db_engine, 2)[:2] == ("open", None)
    await tick(harness, timedelta(hours=14, minutes=50))  # 07.05 the next morning
    assert ticket_state(db_engine, 2)[0] == "offered"
    assert ticket_state(db_engine)[:2] == ("offered", 1)
    await tick(harness, timedelta(minutes=16))  # 07.21: the 30 working minutes are over
    assert ticket_state(db_engine)[:2] == ("offered", 2)


async def test_a_held_ticket_without_an_answer_for_a_day_is_offered_again(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    await volunteer(harness, FIRST, provinces=[SULSEL])
    teacher(db_engine)
    await ask(harness)
    await harness.telegram_says(GOWA_DUTA, "AMBIL 1")
    await tick(harness, timedelta(hours=23))
    assert ticket_state(db_engine) == ("claimed", None, 1)
    await tick(harness, timedelta(hours=1, minutes=1))
    assert last(harness, GOWA_DUTA).startswith("Tiket #1 belum dijawab selama sehari")
    assert (
        last(harness, TEACHER) == "Pertanyaan Anda (nomor 1) kami teruskan ke Duta Teknologi lain agar cepat dijawab."
    )
    assert ticket_state(db_engine) == ("offered", 2, None)
    # a late answer still reaches the teacher: nobody else took it meanwhile
    assert await harness.telegram_says(GOWA_DUTA, "#1 maaf baru sempat") == ["Terkirim ke guru (tiket #1)."]
    assert ticket_state(db_engine) == ("answered", None, 1)


async def test_a_teacher_writing_within_3_days_reopens_with_the_same_volunteer(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA], name="Andi")
    teacher(db_engine)
    await ask(harness)
    await harness.telegram_says(GOWA_DUTA, "#1 coba restart printernya")
    await harness.telegram_says(GOWA_DUTA, "SELESAI 1")
    clock.advance(timedelta(days=2))
    reopened = await harness.telegram_says(TEACHER, "masih tidak bisa print pak")
    assert reopened == ["Pertanyaan nomor 1 dibuka lagi; pesan Anda diteruskan ke Duta Teknologi Andi."]
    assert last(harness, GOWA_DUTA) == "#1 dibuka lagi oleh guru: masih tidak bisa print pak"
    assert ticket_state(db_engine) == ("claimed", None, 1)
    await harness.telegram_says(GOWA_DUTA, "SELESAI 1")
    clock.advance(timedelta(days=3, minutes=1))
    later = await harness.telegram_says(TEACHER, "printer lain rusak juga")
    assert not any("dibuka lagi" in text for text in later) and ticket_state(db_engine)[0] == "closed"


async def test_a_volunteer_who_blocks_the_bot_hands_back_their_tickets(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    await volunteer(harness, FIRST, provinces=[SULSEL])
    teacher(db_engine)
    await ask(harness)
    await harness.telegram_says(GOWA_DUTA, "AMBIL 1")
    kicked = {
        "update_id": 777001,
        "my_chat_member": {
            "chat": {"id": GOWA_DUTA, "type": "private"},
            "from": {"id": GOWA_DUTA, "is_bot": False, "first_name": "A"},
            "date": 0,
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "B"}},
            "new_chat_member": {"status": "kicked", "user": {"id": 1, "is_bot": True, "first_name": "B"}},
        },
    }
    assert (await harness.post_telegram(kicked)).status_code == 200
    await harness.settle()
    await tick(harness)
    assert ticket_state(db_engine) == ("offered", 2, None)


async def test_a_volunteer_who_erases_their_data_leaves_the_roster_and_hands_back(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    await volunteer(harness, FIRST, provinces=[SULSEL])
    teacher(db_engine)
    await ask(harness)
    await harness.telegram_says(GOWA_DUTA, "AMBIL 1")
    await harness.telegram_says(GOWA_DUTA, "HAPUS DATA")  # no teacher consent: erased at once
    assert ticket_state(db_engine) == ("offered", 2, None)
    listed = (await harness.client.get("/api/volunteers", headers={"Authorization": "Bearer admin-test-token"})).json()
    assert [entry["address"] for entry in listed] == [str(FIRST)]


async def test_offers_are_fair_over_100_tickets_and_5_volunteers(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    chats = [93001 + number for number in range(5)]
    for chat in chats:
        await volunteer(harness, chat, provinces=[SULSEL], max_open_tickets=50)
    with Session(db_engine) as session:
        contacts = [Contact(channel="telegram", address=str(94000 + number)) for number in range(100)]
        session.add_all(contacts)
        session.flush()
        for contact in contacts:
            assert contact.id is not None
            ticket = Ticket(contact_id=contact.id, topic="question", province_code=SULSEL, regency_code=GOWA)
            session.add(ticket)
            session.flush()
            route(session, ticket, clock.utcnow())  # one after the other, as teachers ask
        session.commit()
    await harness.settle()
    offers = Counter(
        int(call.params["chat_id"])
        for call in harness.telegram.calls
        if call.method == "sendMessage" and str(call.params["text"]).startswith("Tiket #")
    )
    print(f"\noffers per volunteer over 100 tickets: {sorted(offers.values())}")
    assert offers == dict.fromkeys(chats, 20)


async def test_a_walkthrough_ticket_is_routed_by_the_tick_with_its_context(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    contact_id = teacher(db_engine)
    with Session(db_engine) as session:
        summary = "Langkah 2 (Cek akun): akun tidak ditemukan, gagal 2 kali. Laporan: NIK [angka disembunyikan]"
        session.add(Ticket(contact_id=contact_id, province_code=SULSEL, regency_code=GOWA, summary=summary))
        session.commit()
    await tick(harness)
    offer = last(harness, GOWA_DUTA)
    assert offer.startswith("Tiket #1 · Kabupaten Gowa, Sulawesi Selatan · SMP\nLangkah 2 (Cek akun)")


async def test_thanks_after_closing_reopens_nothing_and_several_tickets_need_a_number(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, GOWA_DUTA, regencies=[GOWA])
    teacher(db_engine)
    teacher(db_engine, 73702)
    await ask(harness)
    await ask(harness, 73702)
    await harness.telegram_says(GOWA_DUTA, "AMBIL 1")
    await harness.telegram_says(GOWA_DUTA, "AMBIL 2")
    assert await harness.telegram_says(GOWA_DUTA, "sudah coba restart?") == [
        "Anda memegang 2 tiket (#1, #2). Tulis nomornya di depan jawaban, misalnya: #1 jawaban Anda."
    ]
    await harness.telegram_says(GOWA_DUTA, "SELESAI 1")
    await harness.telegram_says(TEACHER, "makasih pak")
    assert ticket_state(db_engine)[0] == "closed"


async def test_staff_who_joined_read_escalations_in_their_chat(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    staff_chat = 92009
    await volunteer(harness, staff_chat, provinces=[SULSEL], escalations=True, name="BTIKP Sulsel")
    teacher(db_engine)
    await ask(harness)
    assert ticket_state(db_engine)[0] == "open"  # staff get no routine offers
    await tick(harness, timedelta(hours=4, minutes=1))
    assert ticket_state(db_engine)[0] == "escalated"
    assert last(harness, staff_chat).startswith(
        "Eskalasi: belum ada Duta Teknologi yang mengambil tiket ini.\nTiket #1"
    )
    assert (await harness.telegram_says(staff_chat, "#1 Kami bantu, Bu"))[0] == "Terkirim ke guru (tiket #1)."
