"""Answers the way teachers chat: a corpus of real phrasings per question (the hit rate is
printed), small talk, and hints that say what would fit instead of the whole question again."""

import pytest

from bot.activation.walkthrough import step_options, walkthrough
from bot.answers import choose, small_talk_kind
from bot.content import texts
from tests.factories import Harness, onboarded_contact

# (options key, what the teacher typed, the choice meant; None: not to be guessed)
CORPUS: list[tuple[str, str, int | None]] = [
    *[("consent", text, 1) for text in (
        "1", "1.", "1️⃣", "Setuju", "setuju", "SETUJU", "ya", "Ya", "iya", "iyaa", "y", "ok", "oke", "Ok setuju",
        "ya setuju", "iya setuju", "boleh", "siap", "bersedia", "Ya, setuju.", "iya 🙏", "setuju 👍", "stuju",
        "setujuu", "Setuju!", "ya boleh", "oke siap",
    )],
    *[("consent", text, 2) for text in (
        "2", "2.", "2️⃣", "Tidak setuju", "tidak", "tdk", "gak", "ga", "nggak", "enggak", "belum", "batal",
        "tidak mau", "gak mau", "ga setuju", "Tidak.", "no", "tdk setuju", "jangan",
    )],
    *[("consent", text, None) for text in ("ya tidak", "3", "mungkin", "entahlah")],
    *[("erase", text, 1) for text in ("1", "Ya, hapus", "ya hapus", "hapus", "hapus saja", "iya", "ok")],
    *[("erase", text, 2) for text in ("2", "Batal", "batal", "tidak", "jangan hapus", "gak jadi", "tidak jadi")],
    *[("meetings.rsvp", text, 1) for text in (
        "1", "Hadir", "hadir", "HADIR", "bisa", "insya allah", "insyaallah hadir", "Insya Allah hadir",
        "ya hadir", "siap hadir", "iya", "ya", "datang", "ikut", "hadir bu 🙏", "Hadir pak",
    )],
    *[("meetings.rsvp", text, 2) for text in (
        "2", "Tidak hadir", "tidak hadir", "tidak bisa", "tdk bisa", "gak bisa", "gk bisa", "ga bisa",
        "nggak bisa", "izin", "ijin", "berhalangan", "absen", "tidak", "maaf tidak bisa hadir", "izin bu",
    )],
    *[("activation.step", text, 1) for text in (
        "1", "Sudah lengkap", "sudah", "udah", "berhasil", "bisa", "sudah bisa", "ya", "iya sudah", "lengkap",
        "sudah lengkap", "beres", "ok", "sdh lengkap",
    )],
    *[("activation.step", text, 2) for text in (
        "2", "Belum / ada masalah", "ada masalah", "masalah", "gagal", "error", "tidak bisa", "gk bisa", "ga bisa",
        "belum", "tidak", "belum lengkap",
    )],
    *[("activation.retry", text, 1) for text in ("1", "Sudah saya coba lagi", "sudah dicoba", "udah coba", "sudah")],
    *[("activation.retry", text, 2) for text in ("2", "Hubungi Duta Teknologi", "duta")],
    *[("activation.intro", text, 3) for text in ("3", "Saya guru madrasah (Kemenag)", "madrasah", "kemenag")],
    *[("activation.step", text, 3) for text in ("3", "Hubungi Duta Teknologi", "duta", "hubungi duta")],
    *[("activation.resume", text, 1) for text in ("1", "Lanjutkan", "lanjut", "lanjutkan", "ya", "terus")],
    *[("activation.resume", text, 2) for text in ("2", "Mulai dari awal", "dari awal", "ulang", "mulai lagi")],
    *[("roles", text, 1) for text in ("1", "Guru", "guru", "guru kelas", "guru sd", "guru mapel", "pendidik")],
    *[("roles", text, 2) for text in ("2", "Kepala sekolah", "kepsek", "kepala sekolah sd")],
    *[("roles", text, 3) for text in ("3", "Operator sekolah", "operator", "ops", "operator dapodik")],
    *[("roles", text, 4) for text in ("4", "Tenaga kependidikan", "tendik", "tu", "staf tu", "tata usaha")],
    *[("levels", text, 1) for text in ("1", "PAUD", "paud", "tk", "kb")],
    *[("levels", text, 2) for text in ("2", "SD", "sd", "mi", "guru sd", "SD negeri")],
    *[("levels", text, 3) for text in ("3", "SMP", "smp", "mts")],
    *[("levels", text, 4) for text in ("4", "SMA", "sma", "ma")],
    *[("levels", text, 5) for text in ("5", "SMK", "smk", "guru smk")],
    *[("levels", text, 6) for text in ("6", "SLB", "slb")],
    *[("skip", text, 1) for text in ("1", "Lewati", "lewat", "skip", "tidak tahu", "gak tau")],
]


def options_of(key: str) -> list[str]:
    """The options as asked; a walkthrough step's first one is its own (Data Dapodik: "Sudah lengkap")."""
    if key == "activation.step":
        return step_options(walkthrough().steps["dapodik"], texts())
    return texts().choices(key)


def test_the_phrasing_corpus_is_read_as_teachers_mean_it(capsys: pytest.CaptureFixture[str]) -> None:
    misread = [
        (key, text, expected, choose(text, options_of(key), key))
        for key, text, expected in CORPUS
        if choose(text, options_of(key), key) != expected
    ]
    with capsys.disabled():
        print(f"\nphrasing corpus: {len(CORPUS) - len(misread)}/{len(CORPUS)} read as meant")
    assert len(CORPUS) >= 150
    assert misread == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("terima kasih", "thanks"),
        ("Makasih ya bu 🙏", "thanks"),
        ("🙏", "thanks"),
        ("halo", "greeting"),
        ("Assalamualaikum", "greeting"),
        ("P", "greeting"),
        ("?", "question"),
        ("👍", "after"),
        ("ok", "after"),
        ("saya tidak bisa login ke akun belajar id sejak kemarin", None),
    ],
)
def test_small_talk_is_told_from_answers(text: str, kind: str | None) -> None:
    assert small_talk_kind(text) == kind


async def test_ya_at_the_consent_question_goes_on_without_the_notice_again(harness: Harness) -> None:
    await harness.telegram_says(40, "halo")
    replies = await harness.telegram_says(40, "ya")
    assert replies == ["Terima kasih. Siapa nama Anda? Cukup nama sapaan, misalnya: Bu Sari."]


async def test_thanks_mid_question_gets_a_line_and_a_short_reminder(harness: Harness, db_engine) -> None:
    onboarded_contact(db_engine, "telegram", "41")
    await harness.telegram_says(41, "hapus data")
    assert await harness.telegram_says(41, "makasih 🙏") == ["Sama-sama 🙏", "Balas 1–2 untuk pertanyaan tadi."]
    assert await harness.telegram_says(41, "?") == [
        "Ada yang bisa saya bantu? Ketik bantuan untuk daftar kata yang bisa dipakai.",
        "Balas 1–2 untuk pertanyaan tadi.",
    ]


async def test_a_long_question_is_never_sent_twice_in_a_row(harness: Harness) -> None:
    notice = texts().render("onboarding.privacy", controller=harness.settings.data_controller)
    await harness.telegram_says(42, "halo")
    first = await harness.telegram_says(42, "mungkin")
    second = await harness.telegram_says(42, "entahlah")
    sent = harness.telegram.sent_texts(42)
    assert first == ["Maaf, belum saya pahami. Balas dengan angka 1–2, atau ketik menu."]
    assert second[0] == "Maaf, jawaban itu belum saya pahami." and notice not in second[1]
    assert sum(notice in text for text in sent) == 1


def test_every_phrase_list_belongs_to_a_question_of_content() -> None:
    from bot.answers import answers

    assert set(answers().phrases) <= set(texts().options)


def test_a_digit_int_cannot_read_is_no_choice() -> None:
    assert choose("²", ["Hadir", "Tidak hadir"]) is None and choose("٢", ["Hadir", "Tidak hadir"]) == 2
