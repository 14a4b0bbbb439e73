"""Activation content that fits the teacher: options that answer their own question, no "ask the
operator" for the operator or the head, a madrasah path, careful wording of secondary facts, and a
retry that asks for the result only once the teacher says they tried."""

import copy
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.activation.models import ActivationProgress
from bot.activation.walkthrough import SCHOOL_ADMINS, every_message, parse_walkthrough, walkthrough
from bot.content import read_yaml, texts
from bot.errors import ContentError
from tests.factories import Harness, onboarded_contact

# What sends someone to the school operator; the operator and the head are never told it.
TO_THE_OPERATOR = ("minta operator", "dari operator", "oleh operator", "ke operator", "hubungi operator")


async def says(harness: Harness, chat_id: int, *messages: str) -> list[str]:
    replies: list[str] = []
    for text in messages:
        replies = await harness.telegram_says(chat_id, text)
    return replies


async def test_each_step_offers_an_answer_to_its_own_question(harness: Harness, db_engine: Any) -> None:
    onboarded_contact(db_engine, "telegram", "760")
    replies = await says(harness, 760, "aktivasi", "1")
    assert replies[0].startswith("Langkah 1 dari 5: Data Dapodik")
    assert "Apakah data Dapodik Anda sudah lengkap dan benar?" in replies[0]
    assert replies[0].endswith("1. Sudah lengkap\n2. Belum / ada masalah\n3. Hubungi Duta Teknologi")
    replies = await harness.telegram_says(760, "sudah lengkap")
    assert replies[0].startswith("Langkah 2 dari 5: Cek akun") and replies[0].endswith(
        "1. Sudah muncul\n2. Belum / ada masalah\n3. Hubungi Duta Teknologi"
    )
    yes_options = [step.yes_option for step in walkthrough().steps.values()]
    assert "Sudah berhasil" not in yes_options and len(set(yes_options)) >= 4


@pytest.mark.parametrize("role", SCHOOL_ADMINS)
def test_operators_and_heads_are_never_told_to_ask_the_operator(role: str) -> None:
    versions = [message for where, message in every_message(walkthrough(), texts()) if f"({role})" in where]
    assert len(versions) == len(walkthrough().steps) + len(walkthrough().branches)
    for message in versions:
        assert not any(phrase in message.lower() for phrase in TO_THE_OPERATOR), message
    teacher = next(message for where, message in every_message(walkthrough(), texts()) if where == "step 'dapodik'")
    assert "Minta operator sekolah" in teacher  # a teacher is still sent to the operator


async def test_an_operator_walking_the_steps_reads_their_own_version(harness: Harness, db_engine: Any) -> None:
    onboarded_contact(db_engine, "telegram", "761", role="operator")
    replies = await says(harness, 761, "aktivasi", "1")
    assert "Pastikan di Dapodik Anda sendiri tercatat" in replies[0] and "Minta operator" not in replies[0]
    replies = await says(harness, 761, "1", "1")  # login pertama
    assert "admin.sd.belajar.id" in replies[0] and "dari operator" not in replies[0]
    replies = await harness.telegram_says(761, "lupa password")
    assert "password akun admin sekolah hanya bisa direset helpdesk" in replies[0]
    assert "Yang membantu: Anda sendiri, atau helpdesk" in replies[0]


def test_a_text_naming_the_operator_without_versions_for_admins_is_refused() -> None:
    data = copy.deepcopy(read_yaml("activation.yaml")["walkthrough"])
    del data["steps"]["dapodik"]["by_role"]["kepala_sekolah"]
    with pytest.raises(ContentError, match=r"step 'dapodik': names the operator; .* 'kepala_sekolah'"):
        parse_walkthrough(data)


async def test_a_madrasah_teacher_gets_the_kemenag_path(harness: Harness, db_engine: Any) -> None:
    onboarded_contact(db_engine, "telegram", "762", name="bu aminah")
    intro = await harness.telegram_says(762, "aktivasi")
    assert intro[0].endswith("3. Saya guru madrasah (Kemenag)")
    replies = await harness.telegram_says(762, "3")
    assert replies[0].startswith("Langkah 1 dari 2: Akun madrasah")
    assert "@madrasah.kemenag.go.id" in replies[0] and "EMIS" in replies[0] and "Dapodik tidak berlaku" in replies[0]
    problem = await says(harness, 762, "2", "1")
    assert problem[0].startswith("Belum punya akun madrasah") and "Kemenag kabupaten/kota" in problem[0]
    replies = await says(harness, 762, "1")
    assert replies[0].startswith("Langkah 2 dari 2: Masuk Ruang GTK") and "Tambahkan akun lain" in replies[0]
    done = await harness.telegram_says(762, "sudah bisa masuk")
    assert done[0].startswith("Selamat, Bu Aminah! Anda sudah masuk ke Ruang GTK dengan akun madrasah")
    with Session(db_engine) as session:
        assert session.exec(select(ActivationProgress)).one().completed_at is not None


async def test_typing_madrasah_in_the_walkthrough_switches_to_its_path(harness: Harness, db_engine: Any) -> None:
    onboarded_contact(db_engine, "telegram", "763")
    replies = await says(harness, 763, "aktivasi", "1", "saya guru MTs, bukan sekolah")
    assert replies[0].startswith("Langkah 1 dari 2: Akun madrasah")


def test_secondary_facts_are_worded_with_care() -> None:
    raw = read_yaml("activation.yaml")["walkthrough"]
    marked = [item for part in ("steps", "branches") for item in raw[part].values() if item.get("sekunder")]
    assert len(marked) >= 5  # Cek Akun, login, 2-step date, Verval PTK, moving jenjang, madrasah
    walk = walkthrough()
    for step_id in ("cek_akun", "verifikasi_2_langkah", "madrasah_akun"):
        assert "menurut informasi terakhir" in walk.steps[step_id].text.lower()
    data = copy.deepcopy(raw)
    data["steps"]["verifikasi_2_langkah"]["text"] = "Sejak 23 September 2025 wajib verifikasi 2 langkah."
    with pytest.raises(ContentError, match=r"step 'verifikasi_2_langkah': a `sekunder` fact must be worded"):
        parse_walkthrough(data)


async def test_a_retry_asks_for_the_result_only_after_the_teacher_tried(harness: Harness, db_engine: Any) -> None:
    onboarded_contact(db_engine, "telegram", "764")
    await says(harness, 764, "aktivasi", "1", "1", "akun tidak ditemukan")
    retry = await harness.telegram_says(764, "masih gagal")
    assert "Coba sekali lagi nanti" in retry[0] and "bagaimana hasilnya" not in retry[0].lower()
    assert retry[0].endswith("1. Sudah saya coba lagi\n2. Hubungi Duta Teknologi")
    asked = await harness.telegram_says(764, "sudah saya coba")
    assert asked[0].startswith("Bagaimana hasilnya setelah dicoba lagi?")
    assert asked[0].endswith("1. Sudah berhasil\n2. Masih gagal\n3. Hubungi Duta Teknologi")
    replies = await harness.telegram_says(764, "1")
    assert replies[0].startswith("Langkah 3 dari 5: Login pertama")


async def test_a_result_given_at_the_retry_counts_without_saying_tried_first(harness: Harness, db_engine: Any) -> None:
    onboarded_contact(db_engine, "telegram", "765")
    await says(harness, 765, "aktivasi", "1", "1", "akun tidak ditemukan", "2")
    replies = await harness.telegram_says(765, "masih gagal")
    assert "dua kali dicoba" in replies[0] and "sudah tercatat" in replies[1]


async def test_a_teacher_writing_naturally_is_never_told_belum_saya_pahami(harness: Harness) -> None:
    chat = [
        "halo", "ya setuju", "bu sari", "makassar", "guru sd", "sd",  # onboarding
        "aktivasi", "belum", "sudah lengkap", "udah muncul", "sudah berhasil login", "sudah aktif",
        "iya sudah bisa masuk",
    ]  # fmt: skip
    replies = [reply for text in chat for reply in await harness.telegram_says(766, text)]
    assert not [reply for reply in replies if "belum saya pahami" in reply]
    assert replies[-1].startswith("Selamat, Bu Sari! Akun belajar.id Anda aktif")


def test_on_the_madrasah_path_sudah_aktif_does_not_jump_to_the_belajar_id_steps() -> None:
    walk = walkthrough()
    madrasah, dapodik = walk.steps["madrasah_akun"], walk.steps["dapodik"]
    assert walk.typed_meaning("akun sudah aktif", madrasah) is None
    assert walk.typed_meaning("akun sudah aktif", dapodik) == ("step", "pmm")
    assert walk.typed_meaning("saya guru madrasah", dapodik) == ("step", "madrasah_akun")
    assert walk.typed_meaning("lupa password madrasah", madrasah) == ("branch", "akun_madrasah")
