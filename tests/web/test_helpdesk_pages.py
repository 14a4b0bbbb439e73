"""The dashboard's helpdesk over HTTP: tickets and their timeline in the staff member's province
only, registering a Duta Teknologi (join code once, CSRF), the FAQ, and the simulator's volunteer
chat taking a teacher's question from offer to answer."""

import re

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.activation.models import Ticket
from bot.helpdesk.models import Volunteer
from tests.factories import Harness
from tests.web.conftest import JABAR_TOKEN, SULSEL_TOKEN, TELEGRAM_IDS, WHATSAPP_NUMBERS, Seeded, csrf_of, sign_in
from tests.web.test_simulator import feed, say

QUESTION = "printer sekolah rusak tidak bisa print"  # no FAQ entry: straight to a person
SECRETS = [*TELEGRAM_IDS, *WHATSAPP_NUMBERS, *(number.lstrip("+") for number in WHATSAPP_NUMBERS)]
VOLUNTEER_NUMBER = "+6281311112222"


def jabar_ticket(engine: Engine, contact_id: int) -> int:
    with Session(engine) as session:
        ticket = Ticket(contact_id=contact_id, province_code="32", regency_code="32.73")
        session.add(ticket)
        session.commit()
        assert ticket.id is not None
        return ticket.id


async def test_the_helpdesk_pages_refuse_without_a_session(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    for path in ["/staff/bantuan", "/staff/bantuan/tiket/1", "/staff/bantuan/relawan", "/staff/bantuan/faq"]:
        response = await staff_client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/staff/masuk", path
    assert (await staff_client.post("/staff/bantuan/relawan", data={"csrf": "x"})).status_code == 303


async def test_tickets_are_listed_filtered_and_held_to_the_province(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    other = jabar_ticket(seeded.engine, seeded.contact_ids[3])
    await sign_in(staff_client, SULSEL_TOKEN)
    listing = await staff_client.get("/staff/bantuan")
    assert listing.status_code == 200 and 'href="/staff/bantuan/tiket/1"' in listing.text
    assert f"/staff/bantuan/tiket/{other}" not in listing.text and "Kabupaten Gowa" in listing.text
    closed = await staff_client.get("/staff/bantuan", params={"status": "closed"})
    assert "Tidak ada tiket." in closed.text
    assert (await staff_client.get("/staff/bantuan", params={"status": "bogus"})).status_code == 422
    assert (await staff_client.get("/staff/bantuan", params={"kabupaten": "32.73"})).status_code in (403, 422)
    detail = await staff_client.get("/staff/bantuan/tiket/1")
    assert detail.status_code == 200 and "Sari · Kabupaten Gowa" in detail.text and "Dewi" not in detail.text
    assert "dibuat" in detail.text
    assert not [secret for secret in SECRETS if secret in detail.text]
    assert (await staff_client.get(f"/staff/bantuan/tiket/{other}")).status_code == 403
    assert (await staff_client.get("/staff/bantuan/tiket/999")).status_code == 404
    await sign_in(staff_client, JABAR_TOKEN)
    assert (await staff_client.get("/staff/bantuan/tiket/1")).status_code == 403
    assert (await staff_client.get(f"/staff/bantuan/tiket/{other}")).status_code == 200


async def test_a_volunteer_is_registered_and_the_join_code_shown_once(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    page = await staff_client.get("/staff/bantuan/relawan")
    assert page.status_code == 200 and "Kabupaten Gowa" in page.text
    form = {"nama": "Andi Makkulau", "kanal": "whatsapp", "alamat": f"whatsapp:{VOLUNTEER_NUMBER}"}
    form |= {"kabupaten": "73.06", "mulai": "08:00", "selesai": "17:00", "batas": "2"}
    assert (await staff_client.post("/staff/bantuan/relawan", data=form)).status_code == 403
    assert (await staff_client.post("/staff/bantuan/relawan", data={**form, "csrf": "x"})).status_code == 403
    wrong = await staff_client.post(
        "/staff/bantuan/relawan", data={**form, "alamat": "0812", "csrf": csrf_of(page.text)}
    )
    assert wrong.status_code == 422 and "Belum bisa didaftarkan" in wrong.text
    created = await staff_client.post("/staff/bantuan/relawan", data={**form, "csrf": csrf_of(page.text)})
    assert created.status_code == 200 and "Andi Makkulau terdaftar" in created.text
    code = re.search(r'id="kode">([A-Z0-9]{8})<', created.text)
    assert code is not None and f"DUTA {code.group(1)}" in created.text
    assert VOLUNTEER_NUMBER not in created.text
    roster = (await staff_client.get("/staff/bantuan")).text
    assert "Andi Makkulau" in roster and "menunggu bergabung" in roster and "0/2" in roster and "08:00–17:00" in roster
    assert code.group(1) not in roster and VOLUNTEER_NUMBER.lstrip("+") not in roster
    await sign_in(staff_client, JABAR_TOKEN)
    assert "Andi Makkulau" not in (await staff_client.get("/staff/bantuan")).text


async def test_the_faq_is_shown_read_only(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    page = await staff_client.get("/staff/bantuan/faq")
    assert page.status_code == 200 and page.text.count("<details") >= 10 and len(page.content) <= 100 * 1024
    assert '<form method="post"' not in page.text.split("<main>")[1]


async def test_the_simulators_volunteer_chat_takes_a_question_to_its_answer(
    harness: Harness, staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    page = (await staff_client.get("/staff/simulator")).text
    await staff_client.get("/staff/simulator")  # a second look registers nobody twice
    teacher, volunteer = re.findall(r'/simulator\?address=([\w-]+)"', page)
    with Session(seeded.engine) as session:
        [duta] = session.exec(select(Volunteer).where(Volunteer.address == volunteer)).all()
        assert duta.contact_id is not None and duta.provinces == ["73"]
    for text in ["halo", "1", "Bu Sari", "sulsel", "gowa", "1", "2", "tanya", QUESTION]:
        await say(harness, teacher, text)
    offer = (await feed(harness, volunteer))[-1]["text"]
    number = re.match(r"Tiket #(\d+) · Kabupaten Gowa", offer)
    assert number is not None and QUESTION in offer
    await say(harness, volunteer, f"AMBIL {number.group(1)}")
    await say(harness, volunteer, f"#{number.group(1)} Coba nyalakan ulang printernya, Bu.")
    assert (await feed(harness, teacher))[-1]["text"] == "Duta Teknologi Ayu: Coba nyalakan ulang printernya, Bu."
    timeline = (await staff_client.get(f"/staff/bantuan/tiket/{number.group(1)}")).text
    assert "diambil oleh Ayu (simulator)" in timeline and "dijawab oleh Ayu (simulator)" in timeline
