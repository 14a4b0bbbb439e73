"""The staff API answers odd input with 4xx, never a 500."""

import pytest

from tests.factories import Harness
from tests.test_meetings import ADMIN


@pytest.mark.parametrize(
    "path",
    [
        "/api/meetings/100000000000000000000",
        "/api/meetings/0",
        "/api/meetings/suggest?date=9999-12-31",
        "/api/meetings/suggest?date=1900-01-01",
        "/api/meetings/suggest?date=2026-12-01&audience=%7Bnot-json",
    ],
)
async def test_out_of_range_ids_and_dates_are_refused_cleanly(harness: Harness, path: str) -> None:
    response = await harness.client.get(path, headers=ADMIN)
    assert 400 <= response.status_code < 500, response.text


async def test_a_meeting_in_the_year_9999_is_refused_cleanly(harness: Harness) -> None:
    body = {
        "title": "Rapat",
        "starts_at": "9999-12-31T23:59:00-12:00",
        "duration_minutes": 60,
        "join_url": "https://meet.example.org/x",
        "agenda": "",
        "audience": {},
    }
    response = await harness.client.post("/api/meetings", json=body, headers=ADMIN)
    assert response.status_code == 422


async def test_staff_api_without_or_with_a_wrong_token_is_401(harness: Harness) -> None:
    assert (await harness.client.get("/api/meetings")).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await harness.client.get("/api/meetings", headers=wrong)).status_code == 401


async def test_profile_name_with_a_nul_byte_is_stored_cleanly(harness: Harness) -> None:
    from tests.factories import whatsapp_form

    form = whatsapp_form("+628900001", "halo", ProfileName="Bu\x00 Sari")
    assert (await harness.post_whatsapp(form)).status_code == 200
    await harness.settle()
    assert harness.twilio.bodies("whatsapp:+628900001")
