"""Who may call what: every staff API route (found in the app, so new routes join by themselves)
× {no token, bad token, volunteer, staff of another province, staff of the province, admin} → the
status. A route without a case below fails `test_every_route_has_a_case`.

Each cell starts from emptied tables on the module's one app: the two staff members are seeded
again, then the rows the route needs (a meeting, a badge, a broadcast, a ticket, a volunteer) are
made for province 73 by its own staff. A list route also checks the row is listed to those who may
see it and to nobody else (staff of another province get 200 and an empty list, not a 403).

The volunteer column: a Duta Teknologi has no API token and cannot sign in to the dashboard
(bot/web knows only staff tokens and the admin's); the one secret a volunteer holds is the join
code of `DUTA <code>`, proof that a chat is theirs (bot/helpdesk/volunteers.py). The column
presents that code as a bearer token: it must open nothing."""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import Session

from bot.activation.models import Ticket
from bot.activation.walkthrough import walkthrough
from bot.api.errors import needs_caller
from bot.app import create_app
from bot.config import Settings
from bot.reflections.models import Badge
from bot.staff import Staff, hash_token
from tests.conftest import empty_tables
from tests.duta_helpers import register
from tests.factories import Harness, onboarded_contact
from tests.test_broadcasts import create as create_broadcast
from tests.test_meetings import ADMIN, CREATED_AT, create_meeting, meeting_body, travel_to

OWN, OTHER = "73", "91"  # Sulawesi Selatan owns the rows; Papua is the other province
TOKENS = {OWN: "gbs_matrix-sulsel", OTHER: "gbs_matrix-papua"}
OWN_STAFF = {"Authorization": f"Bearer {TOKENS[OWN]}"}
CALLERS = ("no_token", "bad_token", "volunteer", "other_province", "own_province", "admin")
REFUSED = {"no_token": 401, "bad_token": 401, "volunteer": 401}  # before anything about the request
Rows = dict[str, str]


@dataclass(frozen=True)
class Case:
    """How to call a route for province 73, and the status each authenticated caller gets.
    `rows` names the maker of the rows it needs; `listed` is (key, value) of the row that a list
    route shows to callers answered 200 who may see it (own province, admin) and to nobody else."""

    other_province: int
    own_province: int
    admin: int
    query: str = ""
    body: dict[str, Any] | None = None
    rows: str = "none"
    listed: tuple[str, str] | None = None


AUDIENCE_73 = json.dumps({"provinces": [OWN]})
BROADCAST_TEXT = "Kelas PembaTIK Sulsel dibuka."
BROADCAST_73 = {"text": BROADCAST_TEXT, "audience": {"provinces": [OWN]}}
TEACHER_73 = "Sitti Rahmawati"  # the ticket's teacher, in Gowa
VOLUNTEER_73 = {"name": "Duta Gowa", "channel": "telegram", "address": "7300998", "provinces": [OWN]}
CASES: dict[tuple[str, str], Case] = {
    ("POST", "/api/staff"): Case(403, 403, 201, body={"name": "BTIKP Sulsel", "role": "staff", "province": OWN}),
    ("GET", "/api/stats/activation"): Case(403, 200, 200, query=f"?province={OWN}"),
    ("GET", "/api/stats/teachers"): Case(403, 200, 200, query=f"?province={OWN}"),
    ("GET", "/api/stats/helpdesk"): Case(403, 200, 200, query=f"?province={OWN}"),
    # meetings
    ("POST", "/api/meetings"): Case(403, 201, 201, body=meeting_body(audience={"provinces": [OWN]})),
    ("GET", "/api/meetings"): Case(200, 200, 200, rows="meeting", listed=("id", "{meeting_id}")),
    ("GET", "/api/meetings/suggest"): Case(403, 200, 200, query=f"?date=2026-12-01&audience={AUDIENCE_73}"),
    ("GET", "/api/meetings/{meeting_id}"): Case(403, 200, 200, rows="meeting"),
    ("PATCH", "/api/meetings/{meeting_id}"): Case(403, 200, 200, body={"title": "Rapat baru"}, rows="meeting"),
    ("POST", "/api/meetings/{meeting_id}/cancel"): Case(403, 200, 200, rows="meeting"),
    # reflections, outcomes and badges
    ("GET", "/api/meetings/{meeting_id}/reflections"): Case(403, 200, 200, rows="meeting"),
    ("POST", "/api/meetings/{meeting_id}/outcomes"): Case(
        403, 201, 201, body={"summary": "Guru sepakat mencoba kuis interaktif."}, rows="meeting"
    ),
    ("GET", "/api/meetings/{meeting_id}/badges"): Case(403, 200, 200, rows="badge", listed=("code", "{code}")),
    ("POST", "/api/badges/{code}/revoke"): Case(403, 200, 200, rows="badge"),
    # broadcasts and the audit log
    ("POST", "/api/broadcasts"): Case(403, 201, 201, body=BROADCAST_73),
    ("POST", "/api/broadcasts/preview"): Case(403, 200, 200, body=BROADCAST_73),
    ("GET", "/api/broadcasts"): Case(200, 200, 200, rows="broadcast", listed=("id", "{broadcast_id}")),
    ("GET", "/api/broadcasts/{broadcast_id}"): Case(403, 200, 200, rows="broadcast"),
    ("POST", "/api/broadcasts/{broadcast_id}/pause"): Case(403, 200, 200, rows="broadcast"),
    ("POST", "/api/broadcasts/{broadcast_id}/resume"): Case(403, 200, 200, rows="paused_broadcast"),
    ("POST", "/api/broadcasts/{broadcast_id}/cancel"): Case(403, 200, 200, rows="broadcast"),
    ("GET", "/api/audit"): Case(200, 200, 200, rows="paused_broadcast", listed=("action", "broadcast.pause")),
    # invite links
    ("GET", "/api/invite-links"): Case(403, 200, 200, query="?regency=73.08"),
    ("GET", "/api/invite-links/qr.{kind}"): Case(403, 200, 200, query="?regency=73.08&channel=whatsapp"),
    # the helpdesk
    ("POST", "/api/volunteers"): Case(403, 201, 201, body=VOLUNTEER_73),
    ("GET", "/api/volunteers"): Case(200, 200, 200, rows="volunteer", listed=("id", "{volunteer_id}")),
    ("GET", "/api/tickets"): Case(200, 200, 200, rows="ticket", listed=("id", "{ticket_id}")),
    ("GET", "/api/tickets/{ticket_id}"): Case(403, 200, 200, rows="ticket"),
}
PATH_VALUES = {"kind": "svg"}  # path parameters that name no row


def served_routes() -> list[tuple[str, str, Dependant]]:
    """(method, path, dependencies) of every route the app serves (the dashboard's matrix too)."""
    app = create_app(Settings(_env_file=None, database_url="sqlite://"))  # type: ignore[call-arg]
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found += [(method, str(context.path_format), route.dependant) for method in context.methods or ()]
    return found


def staff_routes() -> list[tuple[str, str]]:
    """(method, path) of every route that asks who is calling."""
    return sorted({(method, path) for method, path, dependant in served_routes() if needs_caller(dependant)})


ROUTES = staff_routes()


def test_every_route_has_a_case() -> None:
    assert set(ROUTES) - set(CASES) == set(), "add a Case for each new staff route"
    assert set(CASES) - set(ROUTES) == set(), "a Case for a route the app no longer serves"


@pytest.mark.asyncio(loop_scope="module")  # one app for the module: `module_harness`
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_access(module_harness: Harness, method: str, path: str) -> None:
    """One row of the matrix: each caller in turn, on freshly made rows."""
    case = CASES[(method, path)]
    got, expected = {}, {}
    for caller in CALLERS:
        rows = await fresh_rows(module_harness, case.rows)
        response = await call(module_harness, method, path, case, rows, caller)
        got[caller] = (response.status_code, listed_row(case, rows, response))
        expected[caller] = (expected_status(case, caller), may_see(case, caller))
    assert got == expected, f"{method} {path}: (status, whether a list shows province 73's row) per caller"


def expected_status(case: Case, caller: str) -> int:
    status: int = REFUSED[caller] if caller in REFUSED else getattr(case, caller)
    return status


def may_see(case: Case, caller: str) -> bool | None:
    return None if case.listed is None else caller in ("own_province", "admin")


def listed_row(case: Case, rows: Rows, response: Any) -> bool | None:
    """Whether the list shows the row of province 73 (None for a route that is no list)."""
    if case.listed is None:
        return None
    if response.status_code != 200:
        return False
    key, value = case.listed
    return any(str(item.get(key)) == value.format(**rows) for item in response.json())


async def fresh_rows(harness: Harness, needed: str) -> Rows:
    """Emptied tables with the two staff members, then the rows named (a key of ROW_MAKERS)."""
    engine = harness.runtime.engine
    empty_tables(engine)
    travel_to(CREATED_AT)
    with Session(engine) as session:
        for province, token in TOKENS.items():
            session.add(Staff(name=f"BTIKP {province}", role="staff", province=province, token_hash=hash_token(token)))
        session.commit()
    return await ROW_MAKERS[needed](harness)


async def call(harness: Harness, method: str, path: str, case: Case, rows: Rows, caller: str) -> Any:
    url = path.format(**(PATH_VALUES | rows)) + case.query
    headers = await caller_headers(harness, caller)
    return await harness.client.request(method, url, json=case.body, headers=headers)


async def caller_headers(harness: Harness, caller: str) -> dict[str, str]:
    bearer = {
        "no_token": None,
        "bad_token": "gbs_not-a-real-token",
        "other_province": TOKENS[OTHER],
        "own_province": TOKENS[OWN],
    }
    if caller == "admin":
        return ADMIN
    if caller == "volunteer":
        bearer[caller] = (await register(harness, 7300999, provinces=[OWN]))["join_code"]
    token = bearer[caller]
    return {} if token is None else {"Authorization": f"Bearer {token}"}


# --- The rows a case needs, made for province 73 by its own staff; each returns its path values ---


async def no_rows(_harness: Harness) -> Rows:
    return {}


async def a_meeting(harness: Harness) -> Rows:
    meeting = await create_meeting(harness, headers=OWN_STAFF, audience={"provinces": [OWN]})
    return {"meeting_id": str(meeting["id"])}


async def a_badge(harness: Harness) -> Rows:
    rows = await a_meeting(harness)
    with Session(harness.runtime.engine) as session:
        badge = Badge(meeting_id=int(rows["meeting_id"]), first_name="Sari", title="Peserta Klinik PembaTIK")
        session.add(badge)
        session.commit()
        return rows | {"code": badge.code}


async def a_broadcast(harness: Harness) -> Rows:
    return {"broadcast_id": str((await create_broadcast(harness, headers=OWN_STAFF, **BROADCAST_73))["id"])}


async def a_paused_broadcast(harness: Harness) -> Rows:
    """Province 73's broadcast, paused by the admin (the province's audit log shows it)."""
    rows = await a_broadcast(harness)
    paused = await harness.client.post(f"/api/broadcasts/{rows['broadcast_id']}/pause", headers=ADMIN)
    assert paused.status_code == 200, paused.text
    return rows


async def a_volunteer(harness: Harness) -> Rows:
    return {"volunteer_id": str((await register(harness, 7300997, headers=OWN_STAFF, provinces=[OWN]))["id"])}


async def a_ticket(harness: Harness) -> Rows:
    engine = harness.runtime.engine
    contact = onboarded_contact(engine, "telegram", "7300996", OWN, name=TEACHER_73, regency_code="73.06")
    with Session(engine) as session:
        ticket = Ticket(contact_id=contact, province_code=OWN, regency_code="73.06", step=list(walkthrough().steps)[1])
        session.add(ticket)
        session.commit()
        return {"ticket_id": str(ticket.id)}


async def every_kind(harness: Harness) -> Rows:
    """A meeting, a broadcast, a ticket and a volunteer (the pages that show a bit of each)."""
    makers = (a_meeting, a_broadcast, a_ticket, a_volunteer)
    return {key: value for maker in makers for key, value in (await maker(harness)).items()}


ROW_MAKERS: dict[str, Callable[[Harness], Awaitable[Rows]]] = {
    "none": no_rows,
    "meeting": a_meeting,
    "badge": a_badge,
    "broadcast": a_broadcast,
    "paused_broadcast": a_paused_broadcast,
    "volunteer": a_volunteer,
    "ticket": a_ticket,
    "every_kind": every_kind,
}
