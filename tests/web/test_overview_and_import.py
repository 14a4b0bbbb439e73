"""The overview's broadcasts in progress, and the teachers page's CSV import with its row report."""

import httpx
from sqlmodel import Session, select

from bot.broadcasts.models import Broadcast
from tests.web.conftest import JABAR_TOKEN, SULSEL_TOKEN, Seeded, csrf_of, sign_in
from tests.web.test_broadcast_pages import compose


async def test_the_overview_shows_the_provinces_broadcasts_in_progress(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    await sign_in(staff_client, JABAR_TOKEN)
    assert (await compose(staff_client, teks="Rapat Jabar besok", semua="ya", aksi="kirim")).status_code == 303
    overview = (await staff_client.get("/staff")).text
    assert "Rapat Jabar besok" in overview and '<progress max="100" value="0"' in overview
    assert "terjadwal" in overview and 'href="/staff/pengumuman"' in overview
    await sign_in(staff_client, SULSEL_TOKEN)
    other = (await staff_client.get("/staff")).text
    assert "Rapat Jabar besok" not in other and "Tidak ada pengumuman yang sedang berjalan." in other
    await sign_in(staff_client, JABAR_TOKEN)
    with Session(seeded.engine) as session:
        broadcast = session.exec(select(Broadcast)).one().id
    csrf = csrf_of((await staff_client.get("/staff/pengumuman")).text)
    assert (await staff_client.post(f"/staff/pengumuman/{broadcast}/batal", data={"csrf": csrf})).status_code == 303
    assert "Rapat Jabar besok" not in (await staff_client.get("/staff")).text  # cancelled: no longer in progress
