"""Who may open what in the dashboard: every page and form of the web routers (found in the app)
× {not signed in, staff of another province, staff of the province, admin} → the status.

Each cell starts from the API matrix's fresh rows of province 73 (tests/test_access_matrix.py) on
the module's one app; the caller signs in with their token at the sign-in page and posts forms with
their session's CSRF token. Not signed in is always a redirect to the sign-in page. An admin views
every province (the default after signing in): a form that needs one province in view says so (422).
A Duta Teknologi volunteer has no way in: their join code is refused at the sign-in page."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.dependencies.models import Dependant

from bot.web.pages import SIGN_IN_PATH, current_viewer
from tests.duta_helpers import register
from tests.factories import Harness
from tests.test_access_matrix import BROADCAST_TEXT, OTHER, OWN, TEACHER_73, TOKENS, Rows, fresh_rows, served_routes
from tests.web.conftest import ADMIN_TOKEN, csrf_of, sign_in
from tests.web.test_overview_and_import import GOOD

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # one app for the module: `module_harness`
CALLERS = ("signed_out", "other_province", "own_province", "admin")
SIGNED_IN_TOKENS = {"other_province": TOKENS[OTHER], "own_province": TOKENS[OWN], "admin": ADMIN_TOKEN}
PUBLIC = {("GET", "/staff/masuk"), ("POST", "/staff/masuk"), ("GET", "/staff/static/{name}")}


@dataclass(frozen=True)
class Page:
    """How to open a page (or post a form) for province 73, and the status each signed-in caller
    gets. `shows` are texts on the page that those who may see province 73's rows find there, all
    of them, and nobody else finds any of (formatted with the rows' values)."""

    other_province: int
    own_province: int
    admin: int
    query: str = ""
    form: dict[str, str] | None = None
    upload: bytes | None = None
    rows: str = "none"
    shows: tuple[str, ...] = ()


MEETING_LINK, TICKET_LINK = 'href="/staff/pertemuan/{meeting_id}"', 'href="/staff/bantuan/tiket/{ticket_id}"'
MEETING_FORM = {
    "aksi": "buat",
    "judul": "Klinik PembaTIK Bone",
    "tanggal": "2026-12-01",
    "jam": "09:00",
    "durasi": "60",
    "tautan": "https://meet.example.org/bone",
    "agenda": "Akun belajar.id",
    "kabupaten": "73.08",
}
VOLUNTEER_FORM = {
    "nama": "Duta Bone",
    "kanal": "telegram",
    "alamat": "7300995",
    "kabupaten": "73.08",
    "mulai": "07:00",
    "selesai": "21:00",
}
BROADCAST_FORM = {"aksi": "kirim", "teks": "Kelas PembaTIK Bone dibuka.", "kabupaten": "73.08"}
PAGES: dict[tuple[str, str], Page] = {
    ("GET", "/staff"): Page(200, 200, 200, rows="every_kind", shows=(MEETING_LINK, BROADCAST_TEXT, "Gowa")),
    ("GET", "/staff/guru"): Page(200, 200, 200, rows="ticket", shows=(TEACHER_73.split()[0],)),
    ("GET", "/staff/guru/qr.svg"): Page(403, 200, 200, query="?regency=73.08&channel=whatsapp"),
    ("POST", "/staff/guru/impor"): Page(422, 200, 422, form={}, upload=GOOD.encode()),  # admin: pick a province
    ("GET", "/staff/simulator"): Page(200, 200, 200),
    ("POST", "/staff/keluar"): Page(303, 303, 303, form={}),
    ("POST", "/staff/provinsi"): Page(403, 403, 303, form={"provinsi": OWN}),
    # meetings and their reflections
    ("GET", "/staff/pertemuan"): Page(200, 200, 200, rows="meeting", shows=(MEETING_LINK,)),
    ("GET", "/staff/pertemuan/baru"): Page(200, 200, 200),
    ("POST", "/staff/pertemuan/baru"): Page(403, 303, 303, form=MEETING_FORM),
    ("GET", "/staff/pertemuan/{meeting_id}"): Page(403, 200, 200, rows="meeting"),
    ("POST", "/staff/pertemuan/{meeting_id}/batal"): Page(403, 303, 303, form={}, rows="meeting"),
    ("GET", "/staff/pertemuan/{meeting_id}/refleksi.csv"): Page(403, 200, 200, rows="meeting"),
    ("POST", "/staff/lencana/{code}/cabut"): Page(403, 303, 303, form={}, rows="badge"),
    # the helpdesk
    ("GET", "/staff/bantuan"): Page(200, 200, 200, rows="every_kind", shows=(TICKET_LINK, "Duta 7300997")),
    ("GET", "/staff/bantuan/tiket/{ticket_id}"): Page(403, 200, 200, rows="ticket"),
    ("GET", "/staff/bantuan/relawan"): Page(200, 200, 200),
    ("POST", "/staff/bantuan/relawan"): Page(403, 200, 422, form=VOLUNTEER_FORM),  # admin: pick a province
    ("GET", "/staff/bantuan/faq"): Page(200, 200, 200),
    # broadcasts
    ("GET", "/staff/pengumuman"): Page(200, 200, 200, rows="broadcast", shows=(BROADCAST_TEXT,)),
    ("POST", "/staff/pengumuman"): Page(403, 303, 303, form=BROADCAST_FORM),
    ("GET", "/staff/pengumuman/{broadcast_id}/kemajuan"): Page(403, 200, 200, rows="broadcast"),
    ("POST", "/staff/pengumuman/{broadcast_id}/{action}"): Page(403, 303, 303, form={}, rows="broadcast"),
}
PATH_VALUES = {"action": "jeda"}  # path parameters that name no row


def uses_viewer(dependant: Dependant) -> bool:
    return any(dep.call is current_viewer or uses_viewer(dep) for dep in dependant.dependencies)


def dashboard_routes() -> tuple[list[tuple[str, str]], set[tuple[str, str]]]:
    """(method, path) of the dashboard's routes behind a session, and of those open to anyone."""
    dashboard = [route for route in served_routes() if route[1].startswith("/staff")]
    behind = {(method, path) for method, path, dependant in dashboard if uses_viewer(dependant)}
    return sorted(behind), {(method, path) for method, path, _ in dashboard} - behind


ROUTES, OPEN_ROUTES = dashboard_routes()


def test_every_dashboard_route_has_a_case_or_is_public() -> None:
    assert set(ROUTES) - set(PAGES) == set(), "add a Page for each new dashboard route"
    assert set(PAGES) - set(ROUTES) == set(), "a Page for a route the dashboard no longer serves"
    assert OPEN_ROUTES == PUBLIC, "a dashboard route without the session check (ViewerDep)"


@MODULE_LOOP
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_page_access(module_harness: Harness, method: str, path: str) -> None:
    """One row of the matrix: each caller in turn, signed in afresh on freshly made rows."""
    page = PAGES[(method, path)]
    got, expected = {}, {}
    for caller in CALLERS:
        rows = await fresh_rows(module_harness, page.rows)
        async with client_of(module_harness) as client:
            response = await open_page(client, method, path, page, rows, caller)
        got[caller] = (response.status_code, shown(page, rows, response))
        expected[caller] = (303 if caller == "signed_out" else getattr(page, caller), may_see(page, caller))
        if caller == "signed_out":
            assert response.headers["location"] == SIGN_IN_PATH, path
    assert got == expected, f"{method} {path}: (status, whether the page shows province 73's row) per caller"


@MODULE_LOOP
async def test_a_volunteers_join_code_does_not_sign_in(module_harness: Harness) -> None:
    await fresh_rows(module_harness, "none")
    code = (await register(module_harness, 7300994, provinces=[OWN]))["join_code"]
    async with client_of(module_harness) as client:
        assert (await sign_in(client, code)).status_code == 401
        assert (await client.get("/staff")).headers["location"] == SIGN_IN_PATH


def client_of(harness: Harness) -> httpx.AsyncClient:
    """A client of the app over HTTPS (the session cookie is Secure), with no cookie yet."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="https://testserver")


def may_see(page: Page, caller: str) -> str | None:
    if not page.shows:
        return None
    return "all" if caller in ("own_province", "admin") else "none"


def shown(page: Page, rows: Rows, response: httpx.Response) -> str | None:
    """Which of the page's texts of province 73 it shows: all, none or some (None: it has none)."""
    if not page.shows:
        return None
    found = [text.format(**rows) in response.text for text in page.shows]
    return "all" if all(found) else "none" if not any(found) else "some"


async def open_page(
    client: httpx.AsyncClient, method: str, path: str, page: Page, rows: Rows, caller: str
) -> httpx.Response:
    """Sign in as the caller (not at all when signed out), then open the page or post its form."""
    csrf = "not-signed-in"
    if caller in SIGNED_IN_TOKENS:
        assert (await sign_in(client, SIGNED_IN_TOKENS[caller])).status_code == 303
        csrf = csrf_of((await client.get("/staff")).text)
    url = path.format(**(PATH_VALUES | rows)) + page.query
    if page.form is None:
        return await client.get(url)
    files: Any = {"berkas": ("guru.csv", page.upload, "text/csv")} if page.upload is not None else None
    return await client.request(method, url, data={"csrf": csrf, **page.form}, files=files)
