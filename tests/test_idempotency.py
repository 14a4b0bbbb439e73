"""A staff client that retries a create with the same `Idempotency-Key` creates once: one
broadcast, one ledger, one invitation per teacher; another body under the key is refused."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot import clock
from bot.broadcasts.models import Broadcast, Recipient
from bot.idempotency import Attempt, IdempotencyKey, claim, forget_old_keys
from bot.meetings.models import Invitation, Meeting
from tests.factories import Harness
from tests.test_broadcasts import ADMIN, MORNING, TEXT
from tests.test_meetings import CREATED_AT, add_teacher, meeting_body, staff_token, tick, travel_to


def keyed(key: str, headers: dict[str, str] = ADMIN) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def post_broadcast(harness: Harness, headers: dict[str, str], text: str = TEXT) -> httpx.Response:
    return await harness.client.post("/api/broadcasts", json={"text": text, "confirm_all": True}, headers=headers)


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


async def test_a_retried_broadcast_is_created_and_sent_once(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    add_teacher(db_engine, 1, "73")
    add_teacher(db_engine, 2, "91")
    first = await post_broadcast(harness, keyed("retry-1"))
    again = await post_broadcast(harness, keyed("retry-1"))
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and first.json()["recipient_count"] == 2
    await tick(harness)
    await tick(harness)
    assert count(db_engine, Broadcast) == 1 and count(db_engine, Recipient) == 2
    assert [sum(TEXT in text for text in harness.telegram.sent_texts(chat)) for chat in (1, 2)] == [1, 1]


async def test_a_key_used_again_with_another_body_is_refused(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    assert (await post_broadcast(harness, keyed("same-key"))).status_code == 201
    other = await post_broadcast(harness, keyed("same-key"), text="Teks yang lain.")
    assert other.status_code == 422, other.text
    assert other.json()["detail"] == [
        {
            "loc": ["header", "Idempotency-Key"],
            "msg": "Idempotency-Key 'same-key' was used before with a different request",
            "type": "idempotency_key_reused",
        }
    ]
    assert count(db_engine, Broadcast) == 1


async def test_keys_are_each_callers_own_and_without_one_every_post_creates(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(MORNING)
    sulsel = await staff_token(harness, "73")
    papua = await staff_token(harness, "91")
    for headers in (keyed("shared", sulsel), keyed("shared", papua), keyed("shared"), ADMIN, ADMIN):
        assert (await post_broadcast(harness, headers)).status_code == 201
    assert count(db_engine, Broadcast) == 5


async def test_a_key_is_scoped_to_its_route(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    assert (await post_broadcast(harness, keyed("one-key"))).status_code == 201
    meeting = await harness.client.post("/api/meetings", json=meeting_body(), headers=keyed("one-key"))
    assert meeting.status_code == 201, meeting.text
    assert count(db_engine, Broadcast) == count(db_engine, Meeting) == 1


async def test_concurrent_identical_broadcasts_create_one(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    add_teacher(db_engine, 1, "73")
    answers = await asyncio.gather(*(post_broadcast(harness, keyed("at-once")) for _ in range(4)))
    assert [answer.status_code for answer in answers] == [201] * 4
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert count(db_engine, Broadcast) == 1


def test_the_loser_of_a_race_for_a_key_gets_the_winners_row(db_engine: Engine) -> None:
    """The insert that meets the unique key (the winner committed after our lookup) finds the winner."""
    request = Attempt("admin", "POST /api/broadcasts", "raced", "0" * 64)
    with Session(db_engine) as session:
        session.add(IdempotencyKey(**vars(request), resource_id=7, answer={"id": 7}))
        session.commit()
    with Session(db_engine) as session:
        winner = claim(session, request)
        assert winner is not None and winner.resource_id == 7
        session.commit()
    assert count(db_engine, IdempotencyKey) == 1


async def test_a_retried_meeting_invites_once(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, 1, "73")
    answers = [await harness.client.post("/api/meetings", json=meeting_body(), headers=keyed("m-1")) for _ in "ab"]
    assert [answer.status_code for answer in answers] == [201, 201], answers[1].text
    assert answers[0].json() == answers[1].json()
    changed = await harness.client.post("/api/meetings", json=meeting_body(title="Lain"), headers=keyed("m-1"))
    assert changed.status_code == 422, changed.text
    await tick(harness)
    assert count(db_engine, Meeting) == 1 and count(db_engine, Invitation) == 1
    assert sum("Klinik coaching PembaTIK" in text for text in harness.telegram.sent_texts(1)) == 1


async def test_concurrent_identical_meetings_create_one(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, 1, "73")
    posts = (harness.client.post("/api/meetings", json=meeting_body(), headers=keyed("m-2")) for _ in range(3))
    answers = await asyncio.gather(*posts)
    assert [answer.status_code for answer in answers] == [201] * 3
    assert count(db_engine, Meeting) == 1 and count(db_engine, Invitation) == 1


async def test_a_key_longer_than_255_characters_is_invalid(harness: Harness) -> None:
    travel_to(MORNING)
    response = await post_broadcast(harness, keyed("k" * 256))
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


async def test_keys_are_forgotten_after_a_day(harness: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    assert (await post_broadcast(harness, keyed("old"))).status_code == 201
    clock.advance(timedelta(hours=23))
    assert forget_old_keys(db_engine) == 0
    clock.advance(timedelta(hours=2))
    assert forget_old_keys(db_engine) == 1
    assert (await post_broadcast(harness, keyed("old"))).status_code == 201
    assert count(db_engine, Broadcast) == 2


async def test_openapi_documents_the_header_and_the_refusal(harness: Harness) -> None:
    paths = (await harness.client.get("/openapi.json")).json()["paths"]
    for path in ("/api/broadcasts", "/api/meetings"):
        operation = paths[path]["post"]
        header = next(item for item in operation["parameters"] if item["name"] == "Idempotency-Key")
        assert header["in"] == "header" and not header["required"]
        assert "different request" in operation["responses"]["422"]["description"]
