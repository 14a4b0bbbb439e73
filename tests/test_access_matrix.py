"""Who may call what: every staff API route (found in the app, so new routes join by themselves)
× {no token, bad token, staff of another province, staff of the province, admin} → the status.

A route without a fixture below still gets its no-token and bad-token cells (a caller is
authenticated before anything about the request is judged); its other cells are skipped, naming
the route, until someone adds its fixture."""

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from bot.api.errors import needs_caller
from bot.app import create_app
from bot.config import Settings
from tests.factories import Harness
from tests.test_meetings import ADMIN, CREATED_AT, create_meeting, meeting_body, staff_token, travel_to

OWN, OTHER = "73", "91"  # Sulawesi Selatan owns the meeting; Papua is the other province
CALLERS = ("no_token", "bad_token", "other_province", "own_province", "admin")


@dataclass(frozen=True)
class Case:
    """How to call a route for province 73, and the status each authenticated caller gets."""

    other_province: int
    own_province: int
    admin: int
    query: str = ""
    body: dict[str, Any] | None = None
    needs_meeting: bool = False
    notes: dict[str, str] = field(default_factory=dict)


AUDIENCE_73 = json.dumps({"provinces": [OWN]})
CASES: dict[tuple[str, str], Case] = {
    ("POST", "/api/staff"): Case(403, 403, 201, body={"name": "BTIKP Sulsel", "role": "staff", "province": OWN}),
    ("GET", "/api/stats/activation"): Case(403, 200, 200, query=f"?province={OWN}"),
    ("POST", "/api/meetings"): Case(403, 201, 201, body=meeting_body(audience={"provinces": [OWN]})),
    ("GET", "/api/meetings"): Case(200, 200, 200),  # a list held to the caller's province
    ("GET", "/api/meetings/suggest"): Case(403, 200, 200, query=f"?date=2026-12-01&audience={AUDIENCE_73}"),
    ("GET", "/api/meetings/{meeting_id}"): Case(403, 200, 200, needs_meeting=True),
    ("PATCH", "/api/meetings/{meeting_id}"): Case(403, 200, 200, body={"title": "Rapat baru"}, needs_meeting=True),
    ("POST", "/api/meetings/{meeting_id}/cancel"): Case(403, 200, 200, needs_meeting=True),
}


def staff_routes() -> list[tuple[str, str]]:
    """(method, path) of every route that asks who is calling, as the app serves them."""
    app = create_app(Settings(_env_file=None, database_url="sqlite://"))  # type: ignore[call-arg]
    found = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and needs_caller(route.dependant):
            found |= {(method, str(context.path_format)) for method in context.methods or ()}
    return sorted(found)


ROUTES = staff_routes()


def test_the_matrix_sees_every_known_route() -> None:
    assert set(CASES) <= set(ROUTES), set(CASES) - set(ROUTES)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_access(harness: Harness, method: str, path: str) -> None:
    """One row of the matrix: each caller in turn, each with a fresh meeting where one is needed."""
    travel_to(CREATED_AT)
    case = CASES.get((method, path))
    callers = CALLERS if case is not None else CALLERS[:2]
    got = {caller: await status_for(harness, method, path, case, caller) for caller in callers}
    expected = {caller: expected_status(case, caller) for caller in callers}
    assert got == expected, f"{method} {path}"
    if case is None:
        pytest.skip(f"401 checked; no access fixture for {method} {path} yet: add it to CASES in {__name__}")


def expected_status(case: Case | None, caller: str) -> int:
    if case is None or caller in ("no_token", "bad_token"):
        return 401
    status: int = getattr(case, caller)
    return status


async def status_for(harness: Harness, method: str, path: str, case: Case | None, caller: str) -> int:
    headers = await caller_headers(harness, caller)
    url = await concrete_url(harness, path, case)
    body = case.body if case is not None else None
    response = await harness.client.request(method, url, json=body, headers=headers)
    return response.status_code


async def caller_headers(harness: Harness, caller: str) -> dict[str, str]:
    if caller == "no_token":
        return {}
    if caller == "bad_token":
        return {"Authorization": "Bearer gbs_not-a-real-token"}
    if caller == "admin":
        return ADMIN
    return await staff_token(harness, OWN if caller == "own_province" else OTHER)


async def concrete_url(harness: Harness, path: str, case: Case | None) -> str:
    """The path with its parameters filled: a meeting of province 73 where the case needs one."""
    meeting_id = "1"
    if case is not None and case.needs_meeting:
        meeting = await create_meeting(harness, headers=await staff_token(harness, OWN))
        meeting_id = str(meeting["id"])
    filled = path.replace("{meeting_id}", meeting_id)
    for name in [part[1:-1] for part in filled.split("/") if part.startswith("{")]:
        filled = filled.replace("{" + name + "}", "1")
    return filled + (case.query if case is not None else "")
