"""The akun belajar.id walkthrough end to end: steps, branches, hand-over, resuming, nudges, funnel."""

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot import clock
from bot.activation import walkthrough as walkthrough_module
from bot.activation.models import ActivationEvent, ActivationProgress, Ticket
from bot.activation.walkthrough import HAPPY_PATH_BUDGET, walkthrough
from bot.app import create_app
from bot.content import SCREEN_BUDGET, read_yaml
from bot.errors import ContentError
from bot.models import Contact, OutboundMessage, Priority
from tests.conftest import ADMIN_TOKEN
from tests.factories import Harness

STEP_YES = ["Sudah lengkap", "Sudah muncul", "Sudah berhasil login", "Sudah aktif", "Sudah bisa masuk"]
STEP_TITLES = ["Data Dapodik", "Cek akun", "Login pertama", "Verifikasi 2 langkah", "Masuk Ruang GTK / PMM"]


async def onboard(harness: Harness, chat_id: int, province: str = "sulsel", regency: str = "bone") -> None:
    """Through onboarding on Telegram; a regency of "1" skips the question."""
    await harness.onboard_telegram(chat_id, province, regency)


async def says(harness: Harness, chat_id: int, *texts: str) -> list[str]:
    """Send several messages; the replies to the last one."""
    replies: list[str] = []
    for text in texts:
        replies = await harness.telegram_says(chat_id, text)
    return replies


async def walk_to(harness: Harness, chat_id: int, step_number: int) -> list[str]:
    """From the main menu to the given step (1 = Data Dapodik), each step answered "Sudah berhasil"."""
    return await says(harness, chat_id, "1", *["1"] * step_number)


def progress_of(db_engine: Any) -> ActivationProgress:
    with Session(db_engine) as session:
        return session.exec(select(ActivationProgress)).one()


def move_clock_to_local(hour: int, zone: str) -> datetime:
    """Advance the clock to the next hour:00 in a zone; returns that moment."""
    now = clock.utcnow().astimezone(ZoneInfo(zone))
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    clock.advance(target - now)
    return target


async def tick(harness: Harness) -> None:
    await harness.runtime.tick()
    await harness.settle()


# --- the happy path ------------------------------------------------------------------------


async def test_happy_path_through_the_whatsapp_webhook_walks_every_step_and_records_completion(
    harness: Harness, db_engine: Any
) -> None:
    number = "+6281300000001"
    for text in ["halo", "1", "Bu Sari", "sulsel", "bone", "1", "2"]:
        await harness.whatsapp_says(number, text)
    sent = [await harness.whatsapp_says(number, "1")]  # main menu: Aktivasi akun belajar.id
    sent += [await harness.whatsapp_says(number, "1") for _ in range(6)]
    messages = [message for replies in sent for message in replies]

    assert [len(replies) for replies in sent] == [1] * 7, "one message per step"
    assert "sudah aktif" in messages[0]
    for number_, (title, yes, message) in enumerate(zip(STEP_TITLES, STEP_YES, messages[1:6], strict=True), start=1):
        assert message.startswith(f"Langkah {number_} dari 5: {title}")
        assert message.endswith(f"1. {yes}\n2. Belum / ada masalah\n3. Hubungi Duta Teknologi")
    assert "Selamat, Bu Sari" in messages[6] and "Tercatat selesai pada" in messages[6]
    assert max(map(len, messages)) <= SCREEN_BUDGET
    assert sum(map(len, messages)) <= HAPPY_PATH_BUDGET
    assert "http" not in "".join(messages), "links are short and spelled out"
    progress = progress_of(db_engine)
    assert progress.completed_at is not None and progress.nudge_due_at is None


async def test_completion_message_carries_the_date_in_the_teachers_zone(harness: Harness, db_engine: Any) -> None:
    await onboard(harness, 700)
    moment = move_clock_to_local(7, "Asia/Makassar")  # 07.00 WITA is 23.00 UTC of the day before
    replies = await walk_to(harness, 700, 6)
    months = read_yaml("messages.yaml")["options"]["common"]["months"]
    assert f"{moment.day} {months[moment.month - 1]} {moment.year}" in replies[0]


async def test_teacher_already_active_skips_to_the_pmm_step(harness: Harness) -> None:
    await onboard(harness, 701)
    replies = await says(harness, 701, "1", "2")
    assert replies[0].startswith("Langkah 5 dari 5: Masuk Ruang GTK / PMM")
    await onboard(harness, 702)
    replies = await says(harness, 702, "aktivasi", "1", "Akun saya SUDAH aktif kok")
    assert replies[0].startswith("Langkah 5 dari 5")


@pytest.mark.parametrize("word", ["aktivasi", "Belajar.id", " AKTIVASI "])
async def test_the_words_aktivasi_and_belajar_id_open_the_walkthrough(harness: Harness, word: str) -> None:
    await onboard(harness, 703)
    replies = await harness.telegram_says(703, word)
    assert "Aktivasi akun belajar.id dalam 5 langkah" in replies[0]


# --- troubleshooting branches ----------------------------------------------------------------

# (branch label, the step that offers it, its number in that step's problem list, who fixes it)
BRANCHES_BY_NUMBER = [
    ("Akun tidak ditemukan", 2, "1", "operator sekolah"),
    ("Lupa password / password salah", 3, "1", "admin sekolah"),
    ("NIK/nama/tanggal lahir salah", 1, "1", "Disdukcapil"),
    ("Akun dinonaktifkan", 3, "2", "helpdesk pusatinformasi.belajar.id"),
    ("Pindah sekolah/jenjang", 2, "3", "operator sekolah yang baru"),
]


@pytest.mark.parametrize(("label", "step", "choice", "who"), BRANCHES_BY_NUMBER)
async def test_each_branch_is_reached_by_number(harness: Harness, label: str, step: int, choice: str, who: str) -> None:
    await onboard(harness, 710)
    await walk_to(harness, 710, step)
    problems = await harness.telegram_says(710, "2")
    assert f"langkah {step}" in problems[0] and "Masalah lain: hubungi Duta Teknologi" in problems[0]
    replies = await harness.telegram_says(710, choice)
    assert replies[0].startswith(label)
    who_line = replies[0].split("Yang membantu: ")[1].split("\n")[0]
    assert who in who_line and "Siapkan:" in replies[0]
    assert replies[0].endswith("1. Sudah berhasil\n2. Masih gagal\n3. Hubungi Duta Teknologi")


# (what the teacher types, where they are: a step number or 0 for the intro, the branch it lands in)
TYPED_ERRORS = [
    ("Akun tidak ditemukan", 2, "Akun tidak ditemukan"),
    ("akun saya TIDAK  terdaftar", 0, "Akun tidak ditemukan"),
    ("password salah", 3, "Lupa password / password salah"),
    ("Saya lupa kata sandi!", 5, "Lupa password / password salah"),
    ("akun dinonaktifkan", 4, "Akun dinonaktifkan"),
    ("muncul: account disabled", 1, "Akun dinonaktifkan"),
    ("NIK tidak sesuai", 1, "NIK/nama/tanggal lahir salah"),
    ("saya baru mutasi", 3, "Pindah sekolah/jenjang"),
]


@pytest.mark.parametrize(("typed", "step", "label"), TYPED_ERRORS)
async def test_each_branch_is_reached_by_typing_the_error(harness: Harness, typed: str, step: int, label: str) -> None:
    await onboard(harness, 711)
    await says(harness, 711, "1", *["1"] * step)
    replies = await harness.telegram_says(711, typed)
    assert replies[0].startswith(label)


async def test_typed_error_works_in_the_problem_list_and_in_another_branch(harness: Harness) -> None:
    await onboard(harness, 712)
    await walk_to(harness, 712, 3)
    await harness.telegram_says(712, "2")
    replies = await harness.telegram_says(712, "password salah terus")
    assert replies[0].startswith("Lupa password")
    replies = await harness.telegram_says(712, "sekarang akun dinonaktifkan")
    assert replies[0].startswith("Akun dinonaktifkan")


async def test_branch_fixed_moves_on_to_the_next_step(harness: Harness) -> None:
    await onboard(harness, 713)
    await walk_to(harness, 713, 2)
    await harness.telegram_says(713, "akun tidak ditemukan")
    replies = await harness.telegram_says(713, "1")
    assert replies[0].startswith("Langkah 3 dari 5: Login pertama")


# --- hand-over to a human --------------------------------------------------------------------


async def test_hubungi_duta_teknologi_opens_a_ticket_with_step_branch_and_report(
    harness: Harness, db_engine: Any
) -> None:
    await onboard(harness, 720)
    await walk_to(harness, 720, 3)
    await harness.telegram_says(720, "muncul tulisan password salah")
    replies = await harness.telegram_says(720, "3")
    assert "Jangan tulis password" in replies[0]
    replies = await harness.telegram_says(720, "Sudah reset tapi kode tidak masuk ke HP 0812-3456-7890")
    assert "sudah tercatat" in replies[0] and "Duta Teknologi wilayah Anda" in replies[0]
    assert "di chat ini secepatnya pada jam kerja" in replies[0]
    with Session(db_engine) as session:
        ticket = session.exec(select(Ticket)).one()
    assert (ticket.topic, ticket.status) == ("activation", "open")
    assert (ticket.step, ticket.branch) == ("login_pertama", "lupa_password")
    assert (ticket.province_code, ticket.regency_code) == ("73", "73.08")
    assert "password salah" in ticket.summary and "kode tidak masuk" in ticket.summary
    assert "3456" not in ticket.summary, "no phone number reaches the volunteer"
    assert f"nomor {ticket.id}" in replies[0]


async def test_same_branch_failing_twice_hands_over_automatically(harness: Harness, db_engine: Any) -> None:
    await onboard(harness, 721)
    await walk_to(harness, 721, 2)
    await harness.telegram_says(721, "akun tidak ditemukan")
    replies = await harness.telegram_says(721, "2")
    assert "Coba sekali lagi nanti" in replies[0]
    with Session(db_engine) as session:
        assert session.exec(select(Ticket)).all() == []
    await harness.telegram_says(721, "1")  # "Sudah saya coba lagi"
    replies = await harness.telegram_says(721, "2")
    assert "dua kali dicoba" in replies[0] and "sudah tercatat" in replies[1]
    with Session(db_engine) as session:
        ticket = session.exec(select(Ticket)).one()
    assert (ticket.step, ticket.branch) == ("cek_akun", "akun_tidak_ditemukan")
    assert "Gagal dicoba: 2 kali" in ticket.summary and "akun tidak ditemukan" in ticket.summary


async def test_a_second_request_adds_to_the_open_ticket(harness: Harness, db_engine: Any) -> None:
    await onboard(harness, 722)
    await walk_to(harness, 722, 1)
    await says(harness, 722, "3", "1")
    replies = await says(harness, 722, "aktivasi", "1", "3", "masih belum bisa")
    assert "sudah punya permintaan bantuan" in replies[0]
    with Session(db_engine) as session:
        ticket = session.exec(select(Ticket)).one()
    assert "masih belum bisa" in ticket.summary


# --- progress kept: restart, menu, days of silence --------------------------------------------


async def test_resume_after_a_restart(settings: Any, db_engine: Any, fake_telegram: Any, fake_twilio: Any) -> None:
    async with Harness.running(settings, db_engine, fake_telegram, fake_twilio) as first:
        await onboard(first, 730)
        await walk_to(first, 730, 3)
    async with Harness.running(settings, db_engine, fake_telegram, fake_twilio) as second:
        replies = await second.telegram_says(730, "1")
        assert replies[0].startswith("Langkah 4 dari 5")


async def test_teacher_who_left_at_step_3_is_offered_step_3_days_later(harness: Harness) -> None:
    await onboard(harness, 731)
    await walk_to(harness, 731, 3)
    await harness.telegram_says(731, "menu")
    clock.advance(timedelta(days=4))
    replies = await harness.telegram_says(731, "1")
    assert "berhenti di langkah 3 dari 5: Login pertama" in replies[0]
    assert replies[0].endswith("1. Lanjutkan\n2. Mulai dari awal")
    replies = await harness.telegram_says(731, "1")
    assert replies[0].startswith("Langkah 3 dari 5: Login pertama")


async def test_two_day_gap_brings_one_nudge_in_local_daytime_not_at_night(harness: Harness, db_engine: Any) -> None:
    await onboard(harness, 732)  # Bone, Sulawesi Selatan: WITA
    move_clock_to_local(21, "Asia/Makassar")
    await walk_to(harness, 732, 3)
    clock.advance(timedelta(days=2))  # 21.00 WITA, two days later
    await tick(harness)
    assert not any("masih di langkah" in text for text in harness.telegram.sent_texts(732))

    sent_at = move_clock_to_local(8, "Asia/Makassar")
    await tick(harness)
    nudges = [text for text in harness.telegram.sent_texts(732) if "masih di langkah 3" in text]
    assert len(nudges) == 1 and nudges[0].endswith("1. Lanjutkan\n2. Mulai dari awal")
    with Session(db_engine) as session:
        nudge = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "nudge")).one()
    local = nudge.created_at.astimezone(ZoneInfo("Asia/Makassar"))
    assert local.date() == sent_at.date() and 8 <= local.hour < 19
    assert nudge.priority == Priority.REMINDER
    await tick(harness)
    assert len([t for t in harness.telegram.sent_texts(732) if "masih di langkah" in t]) == 1, "never twice"

    replies = await harness.telegram_says(732, "1")
    assert replies[-1].startswith("Langkah 3 dari 5: Login pertama")


async def test_silence_is_measured_from_the_last_message(harness: Harness, db_engine: Any) -> None:
    await onboard(harness, 733)
    move_clock_to_local(10, "Asia/Makassar")
    await walk_to(harness, 733, 2)
    clock.advance(timedelta(days=1))
    await says(harness, 733, "menu", "bantuan")  # still talking to the bot, elsewhere
    clock.advance(timedelta(days=1, hours=1))
    await tick(harness)
    assert not any("masih di langkah" in text for text in harness.telegram.sent_texts(733))
    clock.advance(timedelta(days=1))
    await tick(harness)
    assert any("masih di langkah 2" in text for text in harness.telegram.sent_texts(733))


async def test_a_second_nudge_after_five_days_then_no_more(harness: Harness) -> None:
    await onboard(harness, 734)
    move_clock_to_local(10, "Asia/Makassar")
    await walk_to(harness, 734, 2)
    for _ in range(12):
        clock.advance(timedelta(days=1))
        await tick(harness)
    texts = harness.telegram.sent_texts(734)
    assert len([text for text in texts if "masih di langkah 2" in text]) == 1
    assert len([text for text in texts if "masih menunggu Anda" in text]) == 1


async def test_no_nudge_after_berhenti(harness: Harness) -> None:
    await onboard(harness, 735)
    move_clock_to_local(10, "Asia/Makassar")
    await walk_to(harness, 735, 2)
    await harness.telegram_says(735, "BERHENTI")
    for _ in range(6):
        clock.advance(timedelta(days=1))
        await tick(harness)
    assert not any("masih di langkah" in text for text in harness.telegram.sent_texts(735))
    assert not any("masih menunggu" in text for text in harness.telegram.sent_texts(735))


async def test_no_nudge_while_a_ticket_waits_for_a_human(harness: Harness) -> None:
    await onboard(harness, 736)
    move_clock_to_local(10, "Asia/Makassar")
    await walk_to(harness, 736, 2)
    await says(harness, 736, "3", "1")
    for _ in range(6):
        clock.advance(timedelta(days=1))
        await tick(harness)
    assert not any("masih di langkah" in text for text in harness.telegram.sent_texts(736))


async def test_nudges_follow_each_teachers_own_time_zone(harness: Harness) -> None:
    await onboard(harness, 737, province="papua", regency="1")  # WIT, UTC+9
    await onboard(harness, 738, province="jabar", regency="garut")  # WIB, UTC+7
    move_clock_to_local(10, "Asia/Jakarta")
    await walk_to(harness, 737, 2)
    await walk_to(harness, 738, 2)
    clock.advance(timedelta(days=2))
    move_clock_to_local(7, "Asia/Jakarta")  # 07.00 WIB = 09.00 WIT
    await tick(harness)
    assert any("masih di langkah 2" in text for text in harness.telegram.sent_texts(737))
    assert not any("masih di langkah 2" in text for text in harness.telegram.sent_texts(738))
    move_clock_to_local(8, "Asia/Jakarta")
    await tick(harness)
    assert any("masih di langkah 2" in text for text in harness.telegram.sent_texts(738))


# --- content refused at start-up ----------------------------------------------------------------


@pytest.fixture
def fresh_walkthrough() -> Iterator[None]:
    walkthrough.cache_clear()
    yield
    walkthrough.cache_clear()


def break_next(flow: dict[str, Any]) -> None:
    flow["steps"]["cek_akun"]["next"] = "tidak_ada"


def break_loop(flow: dict[str, Any]) -> None:
    flow["steps"]["login_pertama"]["next"] = "dapodik"


def break_length(flow: dict[str, Any]) -> None:
    flow["steps"]["pmm"]["text"] = "Buka guru.kemdikbud.go.id. " * 30


def break_problem(flow: dict[str, Any]) -> None:
    flow["steps"]["verifikasi_2_langkah"]["problems"].append("hp_hilang")


def break_question(flow: dict[str, Any]) -> None:
    del flow["steps"]["dapodik"]["question"]


def break_reachability(flow: dict[str, Any]) -> None:
    for step in flow["steps"].values():
        step["problems"] = [problem for problem in step["problems"] if problem != "pindah_sekolah"]


@pytest.mark.parametrize(
    ("breakage", "named"),
    [
        (break_next, r"step 'cek_akun': next 'tidak_ada' is not a step"),
        (break_loop, r"step 'login_pertama': next 'dapodik' loops back"),
        (break_length, r"step 'pmm': message has \d+ characters, budget 640"),
        (break_problem, r"step 'verifikasi_2_langkah': problem 'hp_hilang' is not a branch"),
        (break_question, r"step 'dapodik': `question` is missing"),
        (break_reachability, r"branch 'pindah_sekolah' is not offered at any step"),
    ],
)
def test_broken_flow_file_is_refused_at_start_up_naming_the_step(
    breakage: Any, named: str, settings: Any, db_engine: Any, monkeypatch: pytest.MonkeyPatch, fresh_walkthrough: None
) -> None:
    data = copy.deepcopy(read_yaml("activation.yaml"))
    breakage(data["walkthrough"])
    monkeypatch.setattr(walkthrough_module, "read_yaml", lambda name: data)
    with pytest.raises(ContentError, match=named):
        create_app(settings, db_engine)


# --- the funnel for staff ---------------------------------------------------------------------


async def scripted_teachers(harness: Harness) -> None:
    """Four teachers: two in Bone, one in Gowa (Sulawesi Selatan), one in Garut (Jawa Barat)."""
    await onboard(harness, 740)
    await walk_to(harness, 740, 6)  # completes every step
    await onboard(harness, 741)
    await walk_to(harness, 741, 2)
    await harness.telegram_says(741, "akun tidak ditemukan")  # stuck at step 2
    await onboard(harness, 742, regency="gowa")
    await walk_to(harness, 742, 2)
    await says(harness, 742, "2", "1", "3", "1")  # stuck at step 2, then a ticket
    await onboard(harness, 743, province="jabar", regency="garut")
    await says(harness, 743, "1", "2", "1")  # already active, completes PMM


async def staff_token(harness: Harness, province: str) -> str:
    body = {"name": "BTIKP", "role": "staff", "province": province}
    response = await harness.client.post("/api/staff", json=body, headers=bearer(ADMIN_TOKEN))
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def by_step(funnel: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["step"]: step for step in funnel["steps"]}


async def test_funnel_counts_after_scripted_teachers(harness: Harness) -> None:
    await scripted_teachers(harness)
    response = await harness.client.get("/api/stats/activation", headers=bearer(ADMIN_TOKEN))
    assert response.status_code == 200, response.text
    funnel = response.json()
    assert (funnel["started"], funnel["completed"]) == (4, 2)
    steps = by_step(funnel)
    counts = ("started", "reached", "stuck", "completed", "handed_over")
    assert [steps["dapodik"][count] for count in counts] == [3, 3, 0, 3, 0]
    assert [steps["cek_akun"][count] for count in counts] == [0, 3, 2, 1, 1]
    assert [steps["login_pertama"][count] for count in counts] == [0, 1, 0, 1, 0]
    assert [steps["pmm"][count] for count in counts] == [1, 2, 0, 2, 0]
    top = funnel["top_branches"][0]
    assert (top["branch"], top["label"], top["teachers"]) == ("akun_tidak_ditemukan", "Akun tidak ditemukan", 2)
    assert steps["cek_akun"]["top_branches"][0]["teachers"] == 2
    provinces = {entry["province"]: entry for entry in funnel["by_province"]}
    sulsel = provinces["73"]
    assert (sulsel["started"], sulsel["completed"], sulsel["reached"]["cek_akun"]) == (3, 1, 3)
    assert (provinces["32"]["name"], provinces["32"]["reached"]) == ("Jawa Barat", {"pmm": 1})

    bone = (await harness.client.get("/api/stats/activation?regency=73.08", headers=bearer(ADMIN_TOKEN))).json()
    assert (bone["province"], bone["started"], by_step(bone)["cek_akun"]["stuck"]) == ("73", 2, 1)


async def test_funnel_is_scoped_to_the_staff_members_province(harness: Harness) -> None:
    await scripted_teachers(harness)
    sulsel = bearer(await staff_token(harness, "73"))
    own = await harness.client.get("/api/stats/activation", headers=sulsel)
    assert own.status_code == 200
    assert (own.json()["province"], own.json()["started"], own.json()["completed"]) == ("73", 3, 1)
    assert [entry["province"] for entry in own.json()["by_province"]] == ["73"]
    assert (await harness.client.get("/api/stats/activation?province=73", headers=sulsel)).status_code == 200
    assert (await harness.client.get("/api/stats/activation?province=32", headers=sulsel)).status_code == 403
    assert (await harness.client.get("/api/stats/activation?regency=32.05", headers=sulsel)).status_code == 403
    admin = await harness.client.get("/api/stats/activation?province=32", headers=bearer(ADMIN_TOKEN))
    assert (admin.json()["started"], admin.json()["completed"]) == (1, 1)
    assert (await harness.client.get("/api/stats/activation")).status_code == 401
    unknown = await harness.client.get("/api/stats/activation?regency=99.99", headers=bearer(ADMIN_TOKEN))
    assert unknown.status_code == 422


async def test_erasure_forgets_the_teacher_but_keeps_the_counts(harness: Harness, db_engine: Any) -> None:
    await onboard(harness, 750)
    await walk_to(harness, 750, 2)
    await says(harness, 750, "3", "tolong bantu")
    await says(harness, 750, "hapus data", "1")
    with Session(db_engine) as session:
        assert session.exec(select(Contact)).all() == []
        assert session.exec(select(ActivationProgress)).all() == []
        assert session.exec(select(Ticket)).all() == []
        events = session.exec(select(ActivationEvent)).all()
    assert events and all(event.contact_id is None for event in events)
    funnel = (await harness.client.get("/api/stats/activation", headers=bearer(ADMIN_TOKEN))).json()
    assert (funnel["started"], by_step(funnel)["cek_akun"]["handed_over"]) == (1, 1)
