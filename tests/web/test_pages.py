"""The staff dashboard over HTTP: signing in, sessions, CSRF, province scope, and what pages show."""

import datetime as dt

import httpx

from bot import clock
from bot.api.deps import Caller
from bot.db import session_scope
from bot.meetings.models import MeetingCreate
from bot.meetings.service import create_meeting
from tests.web.conftest import (
    ADMIN_TOKEN,
    JABAR_TOKEN,
    SULSEL_TOKEN,
    TELEGRAM_IDS,
    WHATSAPP_NUMBERS,
    Seeded,
    csrf_of,
    sign_in,
)

PAGES = [
    "/staff",
    "/staff/guru",
    "/staff/pertemuan",
    "/staff/pertemuan/baru",
    "/staff/bantuan",
    "/staff/bantuan/relawan",
    "/staff/bantuan/faq",
    "/staff/pengumuman",
    "/staff/simulator",
]
PAGE_LIMIT = 100 * 1024


def meeting_in(seeded: Seeded, province: str, title: str = "Kelas belajar.id") -> int:
    starts = clock.utcnow() + dt.timedelta(days=3)
    body = MeetingCreate(title=title, starts_at=starts, duration_minutes=60, join_url="https://meet.example.org/x")
    with session_scope(seeded.engine) as session:
        meeting = create_meeting(
            session, body, Caller("BTIKP", "staff", province), "https://bot.example.org", clock.utcnow()
        )
        assert meeting.id is not None
        return meeting.id


async def test_every_page_refuses_without_a_session(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    meeting = meeting_in(seeded, "73")
    for path in [*PAGES, f"/staff/pertemuan/{meeting}"]:
        response = await staff_client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/staff/masuk", path
    for path in ["/staff/pertemuan/baru", "/staff/keluar", "/staff/provinsi"]:
        response = await staff_client.post(path, data={"csrf": "x"})
        assert response.status_code == 303, path
    staff_client.cookies.set("gurubot_staff", "eyJ0IjoiYWRtaW4ifQ.0000", domain="testserver", path="/staff")
    assert (await staff_client.get("/staff")).status_code == 303


async def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_it(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await sign_in(staff_client, SULSEL_TOKEN)
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    overview = await staff_client.get("/staff")
    assert overview.status_code == 200 and "Sulawesi Selatan" in overview.text
    out = await staff_client.post("/staff/keluar", data={"csrf": csrf_of(overview.text)})
    assert out.status_code == 303
    assert (await staff_client.get("/staff")).status_code == 303


async def test_failed_sign_ins_are_limited(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    for _ in range(5):
        assert (await sign_in(staff_client, "gbs_guess")).status_code == 401
    refused = await sign_in(staff_client, SULSEL_TOKEN)
    assert refused.status_code == 429 and "Terlalu banyak" in refused.text
    clock.advance(dt.timedelta(minutes=16))
    assert (await sign_in(staff_client, SULSEL_TOKEN)).status_code == 303


async def test_a_form_without_the_csrf_token_is_refused(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    page = await staff_client.get("/staff/masuk")
    assert (await staff_client.post("/staff/masuk", data={"token": SULSEL_TOKEN})).status_code == 403
    assert (
        await staff_client.post("/staff/masuk", data={"token": SULSEL_TOKEN, "csrf": csrf_of(page.text)})
    ).is_redirect
    form = {"judul": "Rapat", "tanggal": "2030-01-01", "aksi": "buat", "waktu": "lain", "jam": "09:00"}
    assert (await staff_client.post("/staff/pertemuan/baru", data=form)).status_code == 403
    assert (await staff_client.post("/staff/pertemuan/baru", data={**form, "csrf": "wrong"})).status_code == 403
    assert (await staff_client.post("/staff/keluar", data={})).status_code == 403


async def test_staff_cannot_open_another_provinces_meeting(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    own, other = meeting_in(seeded, "73", "Rapat Sulsel"), meeting_in(seeded, "32", "Rapat Jabar")
    await sign_in(staff_client, SULSEL_TOKEN)
    assert (await staff_client.get(f"/staff/pertemuan/{own}")).status_code == 200
    assert (await staff_client.get(f"/staff/pertemuan/{other}")).status_code in (403, 404)
    listing = await staff_client.get("/staff/pertemuan")
    assert "Rapat Sulsel" in listing.text and "Rapat Jabar" not in listing.text
    assert (
        await staff_client.post("/staff/provinsi", data={"csrf": csrf_of(listing.text), "provinsi": "32"})
    ).status_code == 403


async def test_admin_switches_province(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    await sign_in(staff_client, ADMIN_TOKEN)
    everyone = await staff_client.get("/staff/guru")
    assert "Kota Bandung" in everyone.text and "Kabupaten Gowa" in everyone.text
    switched = await staff_client.post(
        "/staff/provinsi", data={"csrf": csrf_of(everyone.text), "provinsi": "32", "kembali": "/staff/guru"}
    )
    assert switched.headers["location"] == "/staff/guru"
    jabar = await staff_client.get("/staff/guru")
    assert "Kota Bandung" in jabar.text and "Kabupaten Gowa" not in jabar.text


async def test_teachers_are_counted_by_channel_role_and_level(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    overview = (await staff_client.get("/staff")).text
    assert "Kabupaten Gowa" in overview and "Kota Makassar" in overview and "Kota Bandung" not in overview
    teachers = (await staff_client.get("/staff/guru")).text
    assert "Operator" in teachers and "SMP" in teachers
    assert "Sari" in teachers and "Dewi" not in teachers  # first names only


async def test_the_funnel_is_shown_per_kabupaten_and_per_province(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    await sign_in(staff_client, ADMIN_TOKEN)
    everyone = (await staff_client.get("/staff")).text
    assert "Aktivasi per provinsi" in everyone and "19 guru mulai" in everyone
    await staff_client.post("/staff/provinsi", data={"csrf": csrf_of(everyone), "provinsi": "73"})
    sulsel = (await staff_client.get("/staff")).text
    assert "Aktivasi per kabupaten/kota" in sulsel and sulsel.count('aria-label="Kabupaten Gowa"') == 1
    assert "5 jam" in sulsel  # the ticket waiting


async def test_the_api_counts_teachers_like_the_pages(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    headers = {"Authorization": f"Bearer {SULSEL_TOKEN}"}
    counts = (await staff_client.get("/api/stats/teachers", headers=headers)).json()
    assert counts["total"] == 3 and {row["key"] for row in counts["by_channel"]} == {"telegram", "whatsapp"}
    other = await staff_client.get("/api/stats/teachers", params={"province": "32"}, headers=headers)
    assert other.status_code == 403


async def test_a_meeting_is_planned_with_suggested_times(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    page = await staff_client.get("/staff/pertemuan/baru")
    day = (clock.utcnow() + dt.timedelta(days=2)).date().isoformat()
    form = {
        "csrf": csrf_of(page.text),
        "judul": "Kelas PMM",
        "tanggal": day,
        "durasi": "60",
        "kabupaten": "73.06",
        "tautan": "https://meet.example.org/pmm",
    }
    suggested = await staff_client.post("/staff/pertemuan/baru", data={**form, "aksi": "saran"})
    assert suggested.status_code == 200 and "WITA" in suggested.text
    first = suggested.text.split('name="waktu" value="')[1].split('"')[0]
    created = await staff_client.post("/staff/pertemuan/baru", data={**form, "aksi": "buat", "waktu": first})
    assert created.status_code == 303
    detail = await staff_client.get(created.headers["location"])
    assert "Kelas PMM" in detail.text and '<span class="big">2</span> diundang' in detail.text
    cancel = f"{created.headers['location']}/batal"
    assert (await staff_client.post(cancel, data={"csrf": form["csrf"]})).status_code == 303
    detail = await staff_client.get(created.headers["location"])
    assert "dibatalkan" in detail.text and "Batalkan pertemuan" not in detail.text
    assert (await staff_client.post(cancel, data={"csrf": form["csrf"]})).status_code == 409
    broken = await staff_client.post("/staff/pertemuan/baru", data={**form, "aksi": "buat", "tautan": "meet"})
    assert broken.status_code == 422 and "Belum bisa dibuat" in broken.text


async def test_no_page_shows_a_teachers_number_and_every_page_is_small(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    meeting = meeting_in(seeded, "73")
    secrets = [*TELEGRAM_IDS, *WHATSAPP_NUMBERS, *(number.lstrip("+") for number in WHATSAPP_NUMBERS)]
    secrets += [number.replace("+62", "0") for number in WHATSAPP_NUMBERS]
    for token in (SULSEL_TOKEN, ADMIN_TOKEN, JABAR_TOKEN):
        await sign_in(staff_client, token)
        for path in [*PAGES, f"/staff/pertemuan/{meeting}"]:
            response = await staff_client.get(path)
            if token == JABAR_TOKEN and path.endswith(str(meeting)):
                continue
            assert response.status_code == 200, path
            assert len(response.content) <= PAGE_LIMIT, path
            assert not [secret for secret in secrets if secret in response.text], path
