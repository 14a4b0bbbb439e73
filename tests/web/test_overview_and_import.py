"""The overview's broadcasts in progress, and the teachers page's CSV import with its row report."""

import httpx
import pytest
from sqlmodel import Session, col, select

from bot.broadcasts.models import Broadcast
from bot.models import Contact
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


HEADER = "nama,telepon,npsn,provinsi,kabupaten,peran,jenjang\n"
GOOD = HEADER + "Wati Rahma,0813-1111-2222,40300001,Sulawesi Selatan,Bone,guru,sd\n"
BAD_ROWS = (
    GOOD
    + "Andika,12345,40300002,73,73.08,guru,sd\n"
    + "Bambang,081311113333,40300003,Jawa Barat,32.73,guru,sd\n"
    + "Citra,081311114444,40300004,73,Gotham,guru,smp\n"
)
NUMBERS = ("081311112222", "6281311112222", "12345", "081311113333", "6281311113333", "081311114444")


async def upload(client: httpx.AsyncClient, raw: bytes, csrf: str | None = None) -> httpx.Response:
    if csrf is None:
        csrf = csrf_of((await client.get("/staff/guru")).text)
    files = {"berkas": ("guru.csv", raw, "text/csv")}
    return await client.post("/staff/guru/impor", data={"csrf": csrf} if csrf else {}, files=files)


def invited(seeded: Seeded) -> list[Contact]:
    with Session(seeded.engine) as session:
        return list(
            session.exec(select(Contact).where(col(Contact.name).in_(["Wati Rahma", "Andika", "Bambang"]))).all()
        )


def shows_no_number(html: str) -> bool:
    return not [number for number in NUMBERS if number in html.replace("-", "")]


async def test_a_good_file_is_imported_for_the_staff_members_province(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert (await staff_client.post("/staff/guru/impor", files={"berkas": ("g.csv", b"x")})).status_code == 303
    await sign_in(staff_client, SULSEL_TOKEN)
    page = (await staff_client.get("/staff/guru")).text
    assert 'enctype="multipart/form-data"' in page and "gurubot invite" in page and "belum memberi persetujuan" in page
    assert (await upload(staff_client, GOOD.encode(), csrf="")).status_code == 403 and invited(seeded) == []
    done = await upload(staff_client, GOOD.encode())
    assert done.status_code == 200 and "1 guru diimpor sebagai kontak undangan WhatsApp." in done.text
    (contact,) = invited(seeded)
    assert contact.province_code == "73" and contact.regency_code == "73.08" and contact.consent_given_at is None
    assert shows_no_number(done.text)


async def test_bad_rows_are_each_reported_and_nothing_is_imported(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    refused = await upload(staff_client, BAD_ROWS.encode())
    assert refused.status_code == 422 and "3 baris salah; tidak ada yang diimpor." in refused.text
    assert "baris 3: nomor telepon tidak valid: ****5" in refused.text
    assert "baris 4: di luar provinsi Anda: Jawa Barat" in refused.text  # another province's row, refused
    assert "baris 5: kabupaten/kota tidak dikenal di Sulawesi Selatan: Gotham" in refused.text
    assert invited(seeded) == [] and shows_no_number(refused.text)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"nama;provinsi\nSari;73\n", "Belum diimpor: kolom tidak ada: phone, kabupaten"),
        (GOOD.replace("Rahma", "Désirée").encode("latin-1"), "Belum diimpor: berkas bukan UTF-8"),
        (b"just some words\n", "Belum diimpor: kolom tidak ada: name, phone, province, kabupaten"),
    ],
)
async def test_an_unreadable_file_is_one_clear_error(
    staff_client: httpx.AsyncClient, seeded: Seeded, raw: bytes, says: str
) -> None:
    await sign_in(staff_client, SULSEL_TOKEN)
    refused = await upload(staff_client, raw)
    assert refused.status_code == 422 and says in refused.text and "<li>" not in refused.text
    assert invited(seeded) == []


async def test_another_provinces_staff_cannot_import_sulsel_rows(
    staff_client: httpx.AsyncClient, seeded: Seeded
) -> None:
    await sign_in(staff_client, JABAR_TOKEN)
    refused = await upload(staff_client, GOOD.encode())
    assert refused.status_code == 422 and "baris 2: di luar provinsi Anda: Sulawesi Selatan" in refused.text
    assert invited(seeded) == []
