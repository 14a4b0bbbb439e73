"""A dashboard form sent twice (a double click, a resubmit after a timeout) creates one broadcast
or one meeting: the page's hidden key is the create's idempotency key."""

import datetime as dt
import re

import httpx
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot import clock
from bot.broadcasts.models import Broadcast
from bot.meetings.models import Meeting
from tests.web.conftest import SULSEL_TOKEN, Seeded, csrf_of, sign_in

FORM_KEY = re.compile(r'name="kunci_formulir" value="([^"]+)"')


def form_key_of(html: str) -> str:
    found = FORM_KEY.search(html)
    assert found is not None, "the form has no key"
    return found.group(1)


def count(engine: Engine, model: type[Broadcast] | type[Meeting]) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


async def test_a_broadcast_form_sent_twice_creates_one(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    page = (await staff_client.get("/staff/pengumuman")).text
    form = {"csrf": csrf_of(page), "kunci_formulir": form_key_of(page), "teks": "Besok ada kelas PMM.", "semua": "ya"}
    answers = [await staff_client.post("/staff/pengumuman", data={**form, "aksi": "kirim"}) for _ in "ab"]
    assert [answer.status_code for answer in answers] == [303, 303]
    assert count(seeded.engine, Broadcast) == 1
    edited = await staff_client.post("/staff/pengumuman", data={**form, "aksi": "kirim", "teks": "Lain."})
    assert edited.status_code == 422 and "sudah pernah dikirim dengan isi lain" in edited.text
    assert form_key_of(edited.text) != form["kunci_formulir"]  # sending the page again makes a new one
    again = await staff_client.post("/staff/pengumuman", data={**form, "aksi": "kirim", "kunci_formulir": ""})
    assert again.status_code == 303 and count(seeded.engine, Broadcast) == 2  # an old page without a key


async def test_a_preview_keeps_the_forms_key(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    page = (await staff_client.get("/staff/pengumuman")).text
    form = {"csrf": csrf_of(page), "kunci_formulir": form_key_of(page), "teks": "Halo semua", "semua": "ya"}
    preview = await staff_client.post("/staff/pengumuman", data={**form, "aksi": "pratinjau"})
    assert form_key_of(preview.text) == form["kunci_formulir"]


async def test_a_meeting_form_sent_twice_creates_one(staff_client: httpx.AsyncClient, seeded: Seeded) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    page = (await staff_client.get("/staff/pertemuan/baru")).text
    day = (clock.utcnow() + dt.timedelta(days=2)).date().isoformat()
    form = {
        "csrf": csrf_of(page),
        "kunci_formulir": form_key_of(page),
        "judul": "Kelas PMM",
        "tanggal": day,
        "jam": "09:00",
        "durasi": "60",
        "tautan": "https://meet.example.org/pmm",
        "aksi": "buat",
    }
    answers = [await staff_client.post("/staff/pertemuan/baru", data=form) for _ in "ab"]
    assert [answer.status_code for answer in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert count(seeded.engine, Meeting) == 1
