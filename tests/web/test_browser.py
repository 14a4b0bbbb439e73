"""The dashboard and the simulator in headless chromium: sign in, plan a meeting, every page at
phone and laptop size, and the simulator after HAPUS DATA. Few tests, one browser."""

import datetime as dt
import re

from playwright.sync_api import FrameLocator, Page, expect

from bot import clock
from tests.test_meetings import travel_to
from tests.web.conftest import SULSEL_TOKEN, LiveServer, Seeded, screenshots
from tests.web.test_broadcast_pages import daytime_in_makassar, reflected

ONBOARDING = ["1", "Bu Sari", "sulsel", "gowa", "1", "2"]


def sign_in(page: Page, live_server: LiveServer, token: str) -> None:
    page.goto(f"{live_server.url}/staff")
    expect(page).to_have_url(re.compile(r"/staff/masuk$"))
    page.fill("#token", token)
    page.click("button.primary")
    expect(page.locator("h1")).to_have_text("Ringkasan")


def test_staff_sign_in_and_plan_a_meeting(browser_page: Page, live_server: LiveServer, seeded: Seeded) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/staff/masuk")
    screenshots(page, "masuk")
    sign_in(page, live_server, SULSEL_TOKEN)
    page.goto(f"{live_server.url}/staff/pertemuan/baru")
    page.fill("#judul", "Kelas Ruang GTK")
    page.fill("#tanggal", (clock.utcnow() + dt.timedelta(days=2)).date().isoformat())
    page.get_by_text("Kabupaten Gowa").click()
    page.click("button[value=saran]")
    expect(page.locator("input[name=waktu]").first).to_be_checked()
    page.fill("#tautan", "https://meet.example.org/gtk")
    page.click("button[value=buat]")
    expect(page.locator("h1")).to_have_text("Kelas Ruang GTK")
    expect(page.locator(".big").first).to_have_text("2")  # the two teachers of Gowa are invited
    screenshots(page, "pertemuan-rincian")
    reflected(seeded, int(page.url.rsplit("/", 1)[1]))
    page.reload()
    expect(page.locator("#lencana")).to_contain_text("Sari")
    screenshots(page, "pertemuan-refleksi")
    for name, path in [
        ("ringkasan", "/staff"),
        ("guru", "/staff/guru"),
        ("pertemuan", "/staff/pertemuan"),
        ("pertemuan-baru", "/staff/pertemuan/baru"),
        ("bantuan", "/staff/bantuan"),
        ("bantuan-tiket", "/staff/bantuan/tiket/1"),
        ("bantuan-relawan", "/staff/bantuan/relawan"),
        ("bantuan-faq", "/staff/bantuan/faq"),
        ("simulator-dua", "/staff/simulator"),
    ]:
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_be_visible()
        screenshots(page, name)
    teacher = page.frame_locator("iframe[title='Chat guru']")  # the two-chat page is still open
    teacher.locator("#text").fill("halo")
    teacher.locator("#text").press("Enter")
    expect(teacher.locator(".bubble.bot").first).to_contain_text("GuruBot")
    # the volunteer chat is another conversation (it may be offered the seeded ticket meanwhile)
    expect(page.frame_locator("iframe[title='Chat Duta Teknologi']").locator(".bubble.me")).to_have_count(0)
    page.click("text=Keluar")
    expect(page).to_have_url(re.compile(r"/staff/masuk$"))


def chat(page: Page, text: str) -> None:
    """Type a message and wait until the bot has answered it."""
    answers = page.locator(".bubble.bot").count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    expect(page.locator(".bubble.bot")).not_to_have_count(answers)


def test_the_simulator_goes_on_after_erasure(browser_page: Page, live_server: LiveServer) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/simulator?address=web-browser")
    chat(page, "halo")
    expect(page.locator(".bubble.bot").last.locator("button")).to_have_count(2)  # Setuju, Tidak setuju: once
    text = page.locator(".bubble.bot").last.evaluate("node => node.firstChild.textContent")
    assert "Setuju" not in text, "the options are listed in the text as well as on the buttons"
    for text in ONBOARDING:
        chat(page, text)
    page.reload()
    expect(page.locator(".bubble.me", has_text="Bu Sari")).to_have_count(1)  # kept over a reload, once
    page.fill("#text", "HAPUS DATA")
    page.press("#text", "Enter")
    expect(page.locator(".bubble.bot").last).to_contain_text("Yakin")
    page.fill("#text", "1")
    page.press("#text", "Enter")
    expect(page.locator(".note")).to_contain_text("telah dihapus")
    chat(page, "halo")
    expect(page.locator(".bubble.bot").last).to_contain_text("GuruBot")
    chat(page, "1")
    keys = page.locator(".bubble").evaluate_all("nodes => nodes.map(node => node.dataset.key)")
    assert len(keys) == len(set(keys)), "a message shown twice"
    screenshots(page, "simulator")


def chat_in(frame: FrameLocator, text: str) -> None:
    """Type into one of the two-chat page's chats and wait until the bot has answered."""
    answers = frame.locator(".bubble.bot").count()
    frame.locator("#text").fill(text)
    frame.locator("#text").press("Enter")
    expect(frame.locator(".bubble.bot")).not_to_have_count(answers)


def test_register_a_volunteer_then_claim_and_answer_in_the_two_chats(
    browser_page: Page, live_server: LiveServer, seeded: Seeded
) -> None:
    page = browser_page
    sign_in(page, live_server, SULSEL_TOKEN)
    page.goto(f"{live_server.url}/staff/bantuan/relawan")
    page.fill("#nama", "Andi Makkulau")
    page.fill("#alamat", "91001")
    page.get_by_text("Kabupaten Gowa").click()
    page.click("button.primary")
    expect(page.locator("h1")).to_have_text("Andi Makkulau terdaftar")
    expect(page.locator("#kode")).to_have_text(re.compile(r"^[A-Z2-9]{8}$"))
    screenshots(page, "bantuan-terdaftar")
    page.goto(f"{live_server.url}/staff/bantuan")
    expect(page.locator("td", has_text="menunggu bergabung")).to_have_count(1)
    page.goto(f"{live_server.url}/staff/simulator")
    teacher = page.frame_locator("iframe[title='Chat guru']")
    volunteer = page.frame_locator("iframe[title='Chat Duta Teknologi']")
    for text in ["halo", *ONBOARDING, "tanya", "printer sekolah rusak tidak bisa print"]:
        chat_in(teacher, text)
    offer = volunteer.locator(".bubble.bot", has_text="printer sekolah rusak")  # the seeded ticket is offered too
    expect(offer).to_contain_text("Kabupaten Gowa")
    number = re.search(r"Tiket #(\d+)", offer.inner_text())
    assert number is not None
    chat_in(volunteer, f"AMBIL {number.group(1)}")
    expect(teacher.locator(".bubble.bot").last).to_contain_text("sedang membaca pertanyaan Anda")
    chat_in(volunteer, f"#{number.group(1)} Coba nyalakan ulang printernya, Bu.")
    expect(teacher.locator(".bubble.bot").last).to_contain_text("Coba nyalakan ulang printernya, Bu.")
    screenshots(page, "simulator-duta")
    page.goto(f"{live_server.url}/staff/bantuan/tiket/{number.group(1)}")
    expect(page.locator("td", has_text="dijawab oleh Ayu (simulator)")).to_have_count(1)


def test_a_broadcast_is_composed_sent_and_its_progress_reaches_100(
    browser_page: Page, live_server: LiveServer, seeded: Seeded
) -> None:
    with live_server.only_ticks_run_by_the_test():  # the overview shows it before it is planned
        page = browser_page
        travel_to(daytime_in_makassar())
        sign_in(page, live_server, SULSEL_TOKEN)
        page.goto(f"{live_server.url}/staff/pengumuman")
        page.fill("#teks", "Besok ada kelas PMM pukul 09.00.")
        page.get_by_text("Kota Makassar").click()
        page.click("button[value=pratinjau]")
        expect(page.locator("#pratinjau .big")).to_have_text("1")  # Budi, in Makassar
        screenshots(page, "pengumuman-pratinjau")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("button[value=kirim]")
        expect(page.locator("tr.siaran").first).to_contain_text("Besok ada kelas PMM")
        page.goto(f"{live_server.url}/staff")  # not yet planned: in progress on the overview
        expect(page.locator("tr.siaran").first).to_contain_text("terjadwal")
        screenshots(page, "ringkasan-pengumuman")
        page.goto(f"{live_server.url}/staff/pengumuman")
        row = page.locator("tr.siaran").first
        for _ in range(2):  # plan the ledger, then queue it: the outbox worker sends it on its own
            live_server.tick()
        expect(row.locator("progress")).to_have_attribute("value", "100")  # the page's poll moves the bar
        live_server.tick()  # all sent: the tick closes the broadcast
        expect(row.locator(".status")).to_have_text("selesai")
        expect(row).to_contain_text("1 dari 1 terkirim")
        expect(row.locator("button")).to_have_count(0)  # nothing left to pause or cancel
        screenshots(page, "pengumuman")
        page.goto(f"{live_server.url}/staff/guru")
        page.locator("summary", has_text="Kabupaten Gowa").click()
        expect(page.locator("img[alt^='Kode QR WhatsApp Kabupaten Gowa']")).to_be_visible()
        screenshots(page, "guru-undangan")
        rows = "nama,telepon,provinsi,kabupaten\nWati,081311112222,73,Bone\n"
        rows += "Andika,12345,73,Bone\nCitra,081311114444,73,Gotham\n"
        page.set_input_files("#berkas", files=[{"name": "guru.csv", "mimeType": "text/csv", "buffer": rows.encode()}])
        page.click("#impor button")
        expect(page.locator("#impor li")).to_have_count(2)  # the bad number and the unknown kabupaten/kota
        screenshots(page, "guru-impor")
