"""The staff API's outer contract: the bearer scheme and every error status are documented, every
error answers in one shape (FastAPI's validation shape), and a caller is authenticated before
their input is judged."""

import json
from typing import Any

import pytest

from tests.factories import Harness
from tests.test_meetings import ADMIN, CREATED_AT, create_meeting, meeting_body, staff_token, travel_to

WRONG = {"Authorization": "Bearer not-a-token"}
PAST = "2001-01-01T09:00:00+07:00"
JSON = {"Content-Type": "application/json"}


def staff_of(province: str) -> dict[str, str]:
    return {"name": "BTIKP", "role": "staff", "province": province}


def assert_error_shape(body: Any) -> None:
    assert isinstance(body, dict) and set(body) == {"detail"}, body
    assert isinstance(body["detail"], list) and body["detail"], body
    for item in body["detail"]:
        assert isinstance(item["loc"], list) and isinstance(item["msg"], str) and isinstance(item["type"], str), item


async def test_openapi_declares_the_bearer_scheme_and_every_error_status(harness: Harness) -> None:
    schema = (await harness.client.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff token, or the national admin's (GURUBOT_ADMIN_TOKEN).",
    }
    staff_operations = [
        (path, operation)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/")
        for operation in operations.values()
    ]
    assert len(staff_operations) >= 8
    for path, operation in staff_operations:
        assert operation["security"] == [{"HTTPBearer": []}], path
        expected = {"401", "403", "422"} | ({"404"} if "{" in path else set())
        assert expected <= set(operation["responses"]), (path, sorted(operation["responses"]))
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    edit = schema["paths"]["/api/meetings/{meeting_id}"]["patch"]["responses"]
    assert {"400", "409"} <= set(edit)


@pytest.mark.parametrize("headers", [{}, WRONG, {"Authorization": "Basic YWRtaW46eA=="}, {"Authorization": "Bearer "}])
@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"title": 5}', b"[]", b"", b"\xff", b'{"title": "a\\u0000"}'],
    ids=["invalid-json", "wrong-fields", "a-list", "empty", "not-utf-8", "nul"],
)
async def test_a_caller_without_a_valid_token_gets_401_whatever_the_body(
    harness: Harness, headers: dict[str, str], content: bytes
) -> None:
    response = await harness.client.post(
        "/api/meetings", content=content, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert_error_shape(response.json())


async def test_a_caller_without_a_token_gets_401_for_bad_path_and_query_too(harness: Harness) -> None:
    assert (await harness.client.get("/api/meetings/not-a-number")).status_code == 401
    assert (await harness.client.get("/api/meetings/suggest?date=yesterday", headers=WRONG)).status_code == 401
    assert (await harness.client.get("/api/stats/activation?province=zz")).status_code == 401


async def test_an_authenticated_caller_gets_the_validation_errors(harness: Harness) -> None:
    response = await harness.client.post("/api/meetings", content=b"{not json", headers=ADMIN)
    assert response.status_code == 422
    assert_error_shape(response.json())
    response = await harness.client.post("/api/meetings", json={"title": 5}, headers=ADMIN)
    assert response.status_code == 422
    assert {"loc": ["body", "starts_at"], "type": "missing"} in [
        {"loc": item["loc"], "type": item["type"]} for item in response.json()["detail"]
    ]


async def test_every_error_answers_in_the_one_shape(harness: Harness) -> None:
    travel_to(CREATED_AT)
    sulsel = await staff_token(harness, "73")
    papua = await staff_token(harness, "91")
    meeting = await create_meeting(harness, headers=sulsel)
    await harness.client.post(f"/api/meetings/{meeting['id']}/cancel", headers=sulsel)
    refusals = [
        (401, await harness.client.get("/api/meetings")),
        (401, await harness.client.get("/api/meetings", headers=WRONG)),
        (403, await harness.client.post("/api/staff", json={"name": "x", "role": "admin"}, headers=sulsel)),
        (403, await harness.client.get(f"/api/meetings/{meeting['id']}", headers=papua)),
        (403, await harness.client.get("/api/stats/activation?province=91", headers=sulsel)),
        (404, await harness.client.get("/api/meetings/999999", headers=ADMIN)),
        (404, await harness.client.get("/api/nothing-here", headers=ADMIN)),
        (405, await harness.client.delete("/api/meetings", headers=ADMIN)),
        (409, await harness.client.post(f"/api/meetings/{meeting['id']}/cancel", headers=sulsel)),
        (400, await harness.client.post("/api/meetings", json=meeting_body(starts_at=PAST), headers=ADMIN)),
        (422, await harness.client.post("/api/staff", json=staff_of("99"), headers=ADMIN)),
        (422, await harness.client.post("/api/staff", json=staff_of("73") | {"name": "Bu\x00"}, headers=ADMIN)),
        (
            422,
            await harness.client.post(
                "/api/meetings", content=json.dumps(meeting_body(title="Rapat \ud800")), headers=ADMIN
            ),
        ),
        (400, await harness.client.post("/api/meetings", content=b"\xff", headers=ADMIN | JSON)),
        (422, await harness.client.post("/api/meetings", content=b"\xff", headers=ADMIN)),
        (422, await harness.client.get("/api/meetings/suggest?date=2026-12-01&audience=%7B", headers=ADMIN)),
        (413, await harness.client.post("/api/meetings", content=b"x" * 200_000, headers=ADMIN)),
        (403, await harness.post_telegram({"update_id": 1}, secret="wrong")),
    ]
    for status, response in refusals:
        assert response.status_code == status, (status, response.request.url, response.text)
        assert response.headers["content-type"].startswith("application/json"), response.request.url
        assert_error_shape(response.json())
