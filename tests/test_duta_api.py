"""The helpdesk's staff API: volunteers registered and listed inside the caller's province,
tickets filtered and paged, one ticket's timeline, the figures per province, and nothing in any
of it that names the teacher's number or chat id."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import clock
from bot.models import OutboundMessage
from tests.duta_helpers import (
    ADMIN,
    GOWA,
    MONDAY_10_WITA,
    QUESTION,
    SULSEL,
    TEACHER,
    ask,
    register,
    teacher,
    travel_to,
    volunteer,
)
from tests.factories import Harness

DUTA = 95001
JAKARTA = "31"
CONFIDENT_QUESTION = "pak sy lupa password akun belajar id gmn cara resetnya"


async def staff(harness: Harness, province: str) -> dict[str, str]:
    body = {"name": f"BTIKP {province}", "role": "staff", "province": province}
    response = await harness.client.post("/api/staff", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def test_staff_register_and_see_volunteers_only_in_their_province(harness: Harness) -> None:
    sulsel, jakarta = await staff(harness, SULSEL), await staff(harness, JAKARTA)
    outside = {"name": "Budi", "channel": "telegram", "address": "95002", "provinces": [JAKARTA]}
    assert (await harness.client.post("/api/volunteers", json=outside, headers=sulsel)).status_code == 403
    across = {**outside, "provinces": [], "regencies": ["31.71"]}
    assert (await harness.client.post("/api/volunteers", json=across, headers=sulsel)).status_code == 403
    created = await register(harness, DUTA, headers=sulsel, regencies=[GOWA], work_start="06:30", max_open_tickets=2)
    assert (created["provinces"], created["time_zone"], created["work_start"]) == ([SULSEL], "Asia/Makassar", "06:30")
    assert [v["id"] for v in (await harness.client.get("/api/volunteers", headers=sulsel)).json()] == [created["id"]]
    assert (await harness.client.get("/api/volunteers", headers=jakarta)).json() == []
    assert (await harness.client.get(f"/api/volunteers?province={SULSEL}", headers=jakarta)).status_code == 403
    for bad in ({"regencies": ["99.99"]}, {"provinces": []}, {"address": "+62812"}, {"work_end": "25:00"}):
        body = {"name": "Citra", "channel": "whatsapp", "address": "whatsapp:+6281300000009", "provinces": [SULSEL]}
        response = await harness.client.post("/api/volunteers", json={**body, **bad}, headers=sulsel)
        assert response.status_code == 422, bad
    assert (await harness.client.get("/api/volunteers")).status_code == 401


async def test_tickets_timeline_and_figures_are_held_to_the_province(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    sulsel, jakarta = await staff(harness, SULSEL), await staff(harness, JAKARTA)
    created = await volunteer(harness, DUTA, regencies=[GOWA], name="Andi")
    teacher(db_engine)
    await ask(harness)
    clock.advance(timedelta(minutes=12))
    await harness.telegram_says(DUTA, "#1 Coba restart printernya")
    clock.advance(timedelta(minutes=8))
    await harness.telegram_says(DUTA, "SELESAI 1")
    await harness.telegram_says(TEACHER, "4")
    teacher(db_engine, 73702)
    await ask(harness, 73702, CONFIDENT_QUESTION)
    await harness.telegram_says(73702, "1")  # the FAQ's answer solved it

    listed = await harness.client.get(f"/api/tickets?status=closed&volunteer={created['id']}", headers=sulsel)
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    [ticket] = listed.json()
    assert (ticket["id"], ticket["province"], ticket["regency"], ticket["assignee"]) == (
        1,
        SULSEL,
        GOWA,
        {"id": created["id"], "name": "Andi"},
    )
    assert ticket["created_at"].endswith(("Z", "+00:00")) and ticket["rating"] == 4
    detail = await harness.client.get("/api/tickets/1", headers=sulsel)
    kinds = [entry["kind"] for entry in detail.json()["timeline"]]
    assert kinds == ["created", "offered", "claimed", "answered", "closed", "rated"]
    assert [m["author"] for m in detail.json()["messages"]] == ["teacher", "volunteer"]
    assert str(TEACHER) not in detail.text

    assert (await harness.client.get("/api/tickets/1", headers=jakarta)).status_code == 403
    assert (await harness.client.get("/api/tickets", headers=jakarta)).json() == []
    assert (await harness.client.get(f"/api/tickets?province={SULSEL}", headers=jakarta)).status_code == 403
    assert (await harness.client.get("/api/tickets?status=lost", headers=sulsel)).status_code == 422
    assert (await harness.client.get("/api/tickets/99999", headers=sulsel)).status_code == 404
    paged = await harness.client.get("/api/tickets?limit=1&offset=5", headers=ADMIN)
    assert paged.json() == [] and paged.headers["X-Total-Count"] == "1"

    [figures] = (await harness.client.get("/api/stats/helpdesk", headers=sulsel)).json()
    assert figures == {
        "province": SULSEL,
        "tickets": 1,
        "open": 0,
        "escalated": 0,
        "median_minutes_to_first_answer": 12.0,
        "median_minutes_to_close": 20.0,
        "satisfaction": 4.0,
        "ratings": 1,
        "faq_solved": 1,
        "faq_self_service_rate": 0.5,
    }
    assert (await harness.client.get("/api/stats/helpdesk", headers=jakarta)).json() == []


async def test_a_teacher_who_erases_their_data_leaves_only_figures(harness: Harness, db_engine: Engine) -> None:
    travel_to(MONDAY_10_WITA)
    await volunteer(harness, DUTA, regencies=[GOWA])
    teacher(db_engine)
    await ask(harness)
    await harness.telegram_says(DUTA, "#1 Printernya merek apa?")
    await harness.telegram_says(TEACHER, "HAPUS DATA")
    await harness.telegram_says(TEACHER, "1")
    assert harness.telegram.sent_texts(DUTA)[-1] == "Tiket #1 dihapus atas permintaan guru; tidak perlu dijawab lagi."
    assert await harness.telegram_says(DUTA, "#1 Canon?") == [
        "Tiket #1 tidak ada (mungkin dihapus atas permintaan guru)."
    ]
    assert (await harness.client.get("/api/tickets", headers=ADMIN)).json() == []
    with Session(db_engine) as session:  # the offer to the volunteer carried the question: blanked too
        kept = session.exec(select(OutboundMessage.text).where(OutboundMessage.address == str(DUTA))).all()
    assert not any(QUESTION in text for text in kept) and any("dihapus atas permintaan guru" in text for text in kept)
    [figures] = (await harness.client.get("/api/stats/helpdesk", headers=ADMIN)).json()
    assert (figures["tickets"], figures["open"], figures["median_minutes_to_first_answer"]) == (1, 1, 0.0)
