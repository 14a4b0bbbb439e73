"""The dashboard's broadcasts, invite links and a meeting's reflections over HTTP: compose with a
preview, send, progress, pause/resume/cancel, province scope, the CSV and revoking a badge."""

import datetime as dt

import httpx
from sqlmodel import Session, select

from bot import clock
from bot.broadcasts.models import Broadcast
from bot.reflections.models import ActionItem, Badge, Outcome, Reflection, ReflectionStatus
from tests.factories import Harness
from tests.test_meetings import tick, travel_to
from tests.web.conftest import ADMIN_TOKEN, JABAR_TOKEN, SULSEL_TOKEN, WHATSAPP_NUMBERS, Seeded, csrf_of, sign_in
from tests.web.test_pages import meeting_in


def daytime_in_makassar() -> dt.datetime:
    """The next 10.00 WITA (02.00 UTC): no quiet hours hold the messages back."""
    moment = clock.utcnow().replace(hour=2, minute=0, second=0, microsecond=0)
    return moment if moment > clock.utcnow() else moment + dt.timedelta(days=1)


async def compose(client: httpx.AsyncClient, **fields: str | list[str]) -> httpx.Response:
    page = await client.get("/staff/pengumuman")
    return await client.post("/staff/pengumuman", data={"csrf": csrf_of(page.text), **fields})


async def test_a_broadcast_is_previewed_sent_and_its_progress_shown(
    staff_client: httpx.AsyncClient, seeded: Seeded, harness: Harness
) -> None:
    travel_to(daytime_in_makassar())
    await sign_in(staff_client, SULSEL_TOKEN)
    form = {"teks": "Besok ada kelas PMM.", "kabupaten": "73.06", "pertanyaan": "Ikut?", "pilihan": "Ya\nTidak"}
    preview = await compose(staff_client, **form, aksi="pratinjau")
    assert preview.status_code == 200 and '<span class="big">2</span> guru akan menerima' in preview.text
    assert "Perkiraan selesai" in preview.text and "Kirim sekarang" in preview.text
    sent = await compose(staff_client, **form, aksi="kirim")
    assert sent.status_code == 303
    with Session(seeded.engine) as session:
        broadcast = session.exec(select(Broadcast)).one()
    for _ in range(2):  # plan the ledger, then queue and send (as tests/test_broadcasts.py does)
        await tick(harness)
    progress = (await staff_client.get(f"/staff/pengumuman/{broadcast.id}/kemajuan")).json()
    assert progress == {"status": "done", "label": "selesai", "percent": 100, "reached": 1, "total": 2}
    listing = (await staff_client.get("/staff/pengumuman")).text
    assert 'value="100"' in listing and "Besok ada kelas PMM." in listing and "0 menjawab" in listing
    # Ani's WhatsApp window is closed: she was told there is news
    assert '<span class="sampai">1</span> dari <span class="jumlah">2</span> terkirim · 1 menunggu balasan' in listing
    assert not [number for number in WHATSAPP_NUMBERS if number.lstrip("+") in listing]


async def test_everyone_needs_confirming_and_a_bad_form_says_why(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    unconfirmed = await compose(staff_client, teks="Halo semua", aksi="pratinjau")
    assert unconfirmed.status_code == 422 and "confirm_all" in unconfirmed.text
    everyone = await compose(staff_client, teks="Halo semua", semua="ya", aksi="pratinjau")
    assert '<span class="big">3</span> guru akan menerima' in everyone.text  # Sulawesi Selatan's three
    outside = await compose(staff_client, teks="Halo", kabupaten="32.73", aksi="pratinjau")
    assert outside.status_code == 403 and "Belum bisa dikirim" in outside.text
    assert (await compose(staff_client, teks="", aksi="kirim")).status_code == 422


async def test_pause_resume_cancel_need_the_csrf_token_and_stay_in_the_province(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    await sign_in(staff_client, JABAR_TOKEN)
    assert (await compose(staff_client, teks="Rapat Jabar", semua="ya", aksi="kirim")).status_code == 303
    with Session(seeded.engine) as session:
        jabar = session.exec(select(Broadcast)).one().id
    await sign_in(staff_client, SULSEL_TOKEN)
    page = (await staff_client.get("/staff/pengumuman")).text
    assert "Rapat Jabar" not in page
    csrf = csrf_of(page)
    assert (await staff_client.get(f"/staff/pengumuman/{jabar}/kemajuan")).status_code in (403, 404)
    assert (await staff_client.post(f"/staff/pengumuman/{jabar}/jeda", data={"csrf": csrf})).status_code in (403, 404)
    await sign_in(staff_client, JABAR_TOKEN)
    csrf = csrf_of((await staff_client.get("/staff/pengumuman")).text)
    assert (await staff_client.post(f"/staff/pengumuman/{jabar}/jeda", data={})).status_code == 403
    assert (await staff_client.post(f"/staff/pengumuman/{jabar}/jeda", data={"csrf": csrf})).status_code == 303
    assert "dijeda" in (await staff_client.get("/staff/pengumuman")).text
    assert (await staff_client.post(f"/staff/pengumuman/{jabar}/lanjut", data={"csrf": csrf})).status_code == 303
    assert (await staff_client.post(f"/staff/pengumuman/{jabar}/batal", data={"csrf": csrf})).status_code == 303
    assert (await staff_client.post(f"/staff/pengumuman/{jabar}/batal", data={"csrf": csrf})).status_code == 409
    assert "dibatalkan" in (await staff_client.get("/staff/pengumuman")).text


async def test_the_teachers_page_has_invite_links_and_qr_codes(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    page = (await staff_client.get("/staff/guru")).text
    assert "Kabupaten Gowa" in page and "DAFTAR%207306" in page
    qr = await staff_client.get("/staff/guru/qr.svg", params={"regency": "73.06", "channel": "whatsapp"})
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and b"<svg" in qr.content
    other = await staff_client.get("/staff/guru/qr.svg", params={"regency": "32.73", "channel": "whatsapp"})
    assert other.status_code == 403


def reflected(seeded: Seeded, meeting: int) -> str:
    """Two reflections, an outcome with an item and a badge, straight in the tables."""
    now = clock.utcnow()
    with Session(seeded.engine) as session:
        for contact, rating, text in ((seeded.contact_ids[0], 5, "modul ajar"), (seeded.contact_ids[1], 3, "")):
            answers = {"learned": f"Saya belajar {text}"} if text else {}
            session.add(
                Reflection(
                    meeting_id=meeting,
                    contact_id=contact,
                    status=ReflectionStatus.DONE,
                    rating=rating,
                    answers=answers,
                    prompted_at=now,
                    completed_at=now,
                )
            )
        outcome = Outcome(meeting_id=meeting, summary="Kita sepakat memakai modul ajar.", created_by="BTIKP")
        session.add(outcome)
        session.flush()
        session.add(
            ActionItem(
                outcome_id=outcome.id or 0,
                meeting_id=meeting,
                text="Unggah modul ke PMM",
                owner_contact_id=seeded.contact_ids[0],
                due=(now + dt.timedelta(days=7)).date(),
            )
        )
        badge = Badge(meeting_id=meeting, contact_id=seeded.contact_ids[0], first_name="Sari", title="Peserta PMM")
        session.add(badge)
        session.commit()
        return badge.code


async def test_a_meetings_reflections_csv_outcome_and_badges(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    meeting = meeting_in(seeded, "73")
    code = reflected(seeded, meeting)
    await sign_in(staff_client, SULSEL_TOKEN)
    page = (await staff_client.get(f"/staff/pertemuan/{meeting}")).text
    assert '<span class="big">2</span> dari 2 menjawab (100%)' in page and "<strong>4.0</strong>" in page
    assert "Unggah modul ke PMM" in page and "belum dijawab" in page and "Dewi" not in page
    csv = await staff_client.get(f"/staff/pertemuan/{meeting}/refleksi.csv")
    api = await staff_client.get(
        f"/api/meetings/{meeting}/reflections",
        params={"format": "csv"},
        headers={"Authorization": f"Bearer {SULSEL_TOKEN}"},
    )
    assert csv.status_code == 200 and csv.content == api.content and csv.text.startswith("\ufeff")
    revoke = f"/staff/lencana/{code}/cabut"
    assert (await staff_client.post(revoke, data={})).status_code == 403
    await sign_in(staff_client, JABAR_TOKEN)
    jabar_csrf = csrf_of((await staff_client.get("/staff")).text)
    assert (await staff_client.post(revoke, data={"csrf": jabar_csrf})).status_code == 403
    assert (await staff_client.get(f"/staff/pertemuan/{meeting}/refleksi.csv")).status_code in (403, 404)
    await sign_in(staff_client, ADMIN_TOKEN)
    admin_csrf = csrf_of((await staff_client.get("/staff")).text)
    assert (await staff_client.post(revoke, data={"csrf": admin_csrf})).status_code == 303
    assert "dicabut" in (await staff_client.get(f"/staff/pertemuan/{meeting}")).text
