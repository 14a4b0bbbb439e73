"""Staff announce to a segment: scoping, bad input, the ledger (once per teacher, also after a
killed worker), skips by reason, quiet hours per zone, template vs park, progress and control."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import clock
from bot.broadcasts import jobs
from bot.broadcasts.models import Broadcast, Recipient
from bot.erasure import erase_contact
from bot.features import erasure_hooks
from bot.models import Contact, OutboundMessage
from tests.conftest import ADMIN_TOKEN
from tests.factories import Harness, onboarded_contact
from tests.test_meetings import add_teacher, staff_token, tick, travel_to

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MORNING = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10.00 WIB, 11.00 WITA, 12.00 WIT
TEXT = "Pendaftaran PembaTIK level 1 dibuka sampai 30 November."


async def create(harness: Harness, headers: dict[str, str] = ADMIN, **body: Any) -> dict[str, Any]:
    response = await harness.client.post("/api/broadcasts", json={"text": TEXT, **body}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def report(harness: Harness, broadcast_id: int, headers: dict[str, str] = ADMIN) -> dict[str, Any]:
    response = await harness.client.get(f"/api/broadcasts/{broadcast_id}", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def got_it(harness: Harness, chat_id: int) -> bool:
    return any(TEXT in text for text in harness.telegram.sent_texts(chat_id))


async def test_broadcast_reaches_the_audience_once_and_reports_progress(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    add_teacher(db_engine, 1, "73", regency_code="73.08")
    add_teacher(db_engine, 2, "73", regency_code="73.71", role="kepala_sekolah")
    add_teacher(db_engine, 3, "91")
    created = await create(harness, audience={"provinces": ["73"]})
    assert created["recipient_count"] == 2
    await tick(harness)
    await tick(harness)
    assert [got_it(harness, chat_id) for chat_id in (1, 2, 3)] == [True, True, False]
    assert sum(TEXT in text for text in harness.telegram.sent_texts(1)) == 1
    found = await report(harness, created["id"])
    assert found["status"] == "done" and found["counts"]["sent"] == 2 and found["recipient_count"] == 2
    assert found["estimated_finish"].endswith("+07:00")  # the admin's zone: WIB


async def test_staff_are_confined_to_their_province_and_admins_are_not(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    add_teacher(db_engine, 1, "73")
    add_teacher(db_engine, 2, "91")
    sulsel = await staff_token(harness, "73")
    response = await harness.client.post(
        "/api/broadcasts", json={"text": TEXT, "audience": {"regencies": ["91.03"]}}, headers=sulsel
    )
    assert response.status_code == 403 and "outside your province: 91.03" in response.json()["detail"][0]["msg"]
    mine = await create(harness, sulsel, confirm_all=True)
    assert mine["recipient_count"] == 1  # "everyone" is everyone in South Sulawesi
    everyone = await create(harness, confirm_all=True)
    assert everyone["recipient_count"] == 2
    other = await harness.client.get(f"/api/broadcasts/{everyone['id']}", headers=sulsel)
    assert other.status_code == 403
    listed = (await harness.client.get("/api/broadcasts", headers=sulsel)).json()
    assert [item["id"] for item in listed] == [mine["id"]]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"text": "x" * 1001, "audience": {"provinces": ["73"]}}, "1001 characters"),
        ({"text": TEXT, "audience": {"provinces": ["73", "99"], "regencies": ["73.99"]}}, "99"),
        ({"text": TEXT, "audience": {"regencies": ["73.99"]}}, "73.99"),
        ({"text": TEXT, "audience": {"provinces": ["73"]}, "send_at": "2026-11-24T10:00:00+07:00"}, "past"),
        ({"text": TEXT, "audience": {}}, "confirm_all"),
    ],
)
async def test_bad_broadcasts_are_refused_with_the_reason(harness: Harness, body: dict[str, Any], says: str) -> None:
    travel_to(MORNING)
    for path in ("/api/broadcasts", "/api/broadcasts/preview"):
        response = await harness.client.post(path, json=body, headers=ADMIN)
        assert response.status_code == 422 and says in response.text, response.text


async def test_skipped_teachers_are_counted_by_reason(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    add_teacher(db_engine, 1, "73")
    add_teacher(db_engine, 2, "73", opted_out_at=clock.utcnow())
    add_teacher(db_engine, 3, "73", unreachable_since=clock.utcnow())
    add_teacher(db_engine, 4, "73", consent_given_at=None)
    erased = add_teacher(db_engine, 5, "73")
    preview = (
        await harness.client.post("/api/broadcasts/preview", json={"text": TEXT, "confirm_all": True}, headers=ADMIN)
    ).json()
    assert preview["skipped"] == {"opted_out": 1, "blocked": 1, "no_consent": 1}
    assert preview["recipient_count"] == 2
    created = await create(harness, confirm_all=True)
    await harness.runtime.tick()  # planned and queued, not yet sent
    with Session(db_engine) as session:  # the planned teacher erases their data before it goes
        contact = session.get(Contact, erased)
        assert contact is not None
        jobs_rows = session.exec(select(Recipient).where(Recipient.contact_id == erased)).all()
        assert len(jobs_rows) == 1
        erase_contact(session, contact, erasure_hooks())
        session.commit()
    await tick(harness)
    found = await report(harness, created["id"])
    assert found["skipped"] == {"opted_out": 1, "blocked": 1, "no_consent": 1}
    assert found["counts"]["sent"] == 1
    assert got_it(harness, 1) and not any(got_it(harness, chat_id) for chat_id in (2, 3, 4, 5))


def test_the_ledger_holds_one_row_per_broadcast_and_contact(db_engine: Engine) -> None:
    contact_id = onboarded_contact(db_engine, "telegram", "77", "73")
    with Session(db_engine) as session:
        broadcast = Broadcast(text=TEXT, send_at=clock.utcnow())
        session.add(broadcast)
        session.flush()
        assert broadcast.id is not None
        for _ in range(2):
            session.add(
                Recipient(broadcast_id=broadcast.id, contact_id=contact_id, channel="telegram", due_at=clock.utcnow())
            )
        with pytest.raises(IntegrityError):
            session.flush()


async def test_a_worker_killed_mid_broadcast_sends_each_message_once_after_restart(
    harness: Harness, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    travel_to(MORNING)
    for chat_id in range(1, 8):
        add_teacher(db_engine, chat_id, "73")
    created = await create(harness, confirm_all=True)
    real_deliver, calls = jobs.deliver, []

    def dies_on_the_fourth(session: Session, broadcast: Any, contact: Contact) -> OutboundMessage:
        calls.append(contact.id)
        if len(calls) == 4:
            raise SystemExit("killed")  # the worker dies in the middle of its second batch
        return real_deliver(session, broadcast, contact)

    monkeypatch.setattr(jobs, "BATCH_SIZE", 3)
    monkeypatch.setattr(jobs, "deliver", dies_on_the_fourth)
    with pytest.raises(SystemExit):
        jobs.run(db_engine)
    with Session(db_engine) as session:  # the first batch was committed, the second rolled back
        assert len(session.exec(select(OutboundMessage)).all()) == 3
    monkeypatch.setattr(jobs, "deliver", real_deliver)
    await tick(harness)
    await tick(harness)
    for chat_id in range(1, 8):
        assert sum(TEXT in text for text in harness.telegram.sent_texts(chat_id)) == 1
    found = await report(harness, created["id"])
    assert found["counts"]["sent"] == 7 and found["status"] == "done"


async def test_quiet_hours_defer_each_zone_to_its_own_morning(harness: Harness, db_engine: Engine) -> None:
    travel_to(datetime(2026, 11, 25, 13, 30, tzinfo=UTC))  # 20.30 WIB, 21.30 WITA, 22.30 WIT
    add_teacher(db_engine, 32, "32")
    add_teacher(db_engine, 73, "73")
    add_teacher(db_engine, 91, "91")
    preview = (
        await harness.client.post("/api/broadcasts/preview", json={"text": TEXT, "confirm_all": True}, headers=ADMIN)
    ).json()
    assert preview["deferred_by_quiet_hours"] == 2 and preview["by_zone"] == {"WIB": 1, "WITA": 1, "WIT": 1}
    assert preview["estimated_finish"].startswith("2026-11-26T05:00")  # 06.00 WITA, in the admin's WIB
    created = await create(harness, confirm_all=True)
    await tick(harness)
    assert [got_it(harness, chat_id) for chat_id in (32, 73, 91)] == [True, False, False]
    assert (await report(harness, created["id"]))["counts"]["deferred"] == 2
    travel_to(datetime(2026, 11, 25, 21, 0, 30, tzinfo=UTC))  # 06.00 WIT, 05.00 WITA
    await tick(harness)
    assert [got_it(harness, chat_id) for chat_id in (32, 73, 91)] == [True, False, True]
    travel_to(datetime(2026, 11, 25, 22, 0, 30, tzinfo=UTC))  # 06.00 WITA
    await tick(harness)
    assert all(got_it(harness, chat_id) for chat_id in (32, 73, 91))
    await tick(harness)
    assert (await report(harness, created["id"]))["status"] == "done"


async def test_closed_whatsapp_window_gets_the_announcement_template_or_the_park_notice(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MORNING)
    onboarded_contact(db_engine, "whatsapp", "whatsapp:+6281200000001", "73")
    body = {"text": TEXT, "confirm_all": True}
    preview = (await harness.client.post("/api/broadcasts/preview", json=body, headers=ADMIN)).json()
    assert preview["outside_whatsapp_window"] == 1 and preview["closed_window_delivery"] == "template"
    await create(harness, **body)
    await tick(harness)
    sent = harness.twilio.messages[-1]
    assert sent["ContentSid"] == "HX00000000000000000000000000000003" and TEXT in sent["ContentVariables"]
    multiline = {"text": "Pengumuman:\nbaris kedua", "confirm_all": True}
    preview = (await harness.client.post("/api/broadcasts/preview", json=multiline, headers=ADMIN)).json()
    assert preview["closed_window_delivery"] == "park"
    await create(harness, **multiline)
    await tick(harness)
    assert harness.twilio.messages[-1]["ContentSid"] == "HX00000000000000000000000000000001"  # "there is news"
    replies = await harness.whatsapp_says("+6281200000001", "ok")
    assert any("baris kedua" in reply for reply in replies)


async def test_pause_resume_cancel_and_the_audit_log(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    for chat_id in (1, 2):
        add_teacher(db_engine, chat_id, "73")
    sulsel = await staff_token(harness, "73")
    created = await create(harness, sulsel, confirm_all=True)
    paused = await harness.client.post(f"/api/broadcasts/{created['id']}/pause", headers=sulsel)
    assert paused.json()["status"] == "paused"
    await tick(harness)
    assert not got_it(harness, 1)
    await harness.client.post(f"/api/broadcasts/{created['id']}/resume", headers=sulsel)
    await tick(harness)
    await tick(harness)
    assert got_it(harness, 1) and got_it(harness, 2)
    again = await harness.client.post(f"/api/broadcasts/{created['id']}/pause", headers=sulsel)
    assert again.status_code == 409
    second = await create(harness, sulsel, confirm_all=True)
    await harness.runtime.tick()  # in the outbox, not yet sent
    cancelled = (await harness.client.post(f"/api/broadcasts/{second['id']}/cancel", headers=sulsel)).json()
    assert cancelled["status"] == "cancelled" and cancelled["counts"]["cancelled"] == 2
    await tick(harness)
    assert sum(TEXT in text for text in harness.telegram.sent_texts(1)) == 1
    log = (await harness.client.get("/api/audit", headers=sulsel)).json()
    assert [entry["action"] for entry in log] == [
        "broadcast.cancel",
        "broadcast.create",
        "broadcast.resume",
        "broadcast.pause",
        "broadcast.create",
    ]
    assert log[-1]["actor"] == "BTIKP" and log[-1]["detail"]["recipients"] == 2


async def test_a_scheduled_broadcast_waits_for_its_time(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    add_teacher(db_engine, 1, "73")
    await create(harness, confirm_all=True, send_at="2026-11-25T14:00:00+07:00")
    await tick(harness)
    assert not got_it(harness, 1)
    clock.advance(timedelta(hours=4, minutes=1))
    await tick(harness)
    assert got_it(harness, 1)
