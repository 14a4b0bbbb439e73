"""After a meeting, each participant is asked for a reflection at the set time, outside quiet
hours, through the webhooks; its questions come one at a time and every answer is read the way
teachers write it."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.reflections.models import Reflection, ReflectionStatus
from bot.reflections.questions import read_rating, split_things
from tests.factories import Harness
from tests.test_meetings import (
    ADMIN,
    CREATED_AT,
    KALBAR,
    PAPUA,
    SULSEL,
    add_teacher,
    create_meeting,
    meeting_body,
    tick,
    travel_to,
)

ENDS = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)  # the standard meeting: 09.00 WIB on 1 December, 90 minutes
PROMPT = "Mohon isi refleksi singkat"


def prompts_to(harness: Harness, chat_id: int) -> list[str]:
    return [text for text in harness.telegram.sent_texts(chat_id) if PROMPT in text]


def reflection_rows(db_engine: Engine) -> list[Reflection]:
    with Session(db_engine) as session:
        return list(session.exec(select(Reflection).order_by(Reflection.id)).all())  # type: ignore[arg-type]


async def meeting_held(harness: Harness, db_engine: Engine, teachers: dict[int, str], **body: Any) -> dict[str, Any]:
    """Teachers invited a week ahead to a meeting; returns the meeting."""
    travel_to(CREATED_AT)
    for chat_id, province in teachers.items():
        add_teacher(db_engine, chat_id, province)
    created = await create_meeting(harness, **body)
    await tick(harness)
    return created


async def test_the_prompt_comes_the_set_time_after_the_end_to_those_who_said_yes(
    harness: Harness, db_engine: Engine
) -> None:
    await meeting_held(harness, db_engine, {SULSEL: "73", PAPUA: "91"})
    await harness.telegram_says(SULSEL, "1")  # Hadir
    travel_to(ENDS + timedelta(minutes=14))
    await tick(harness)
    assert prompts_to(harness, SULSEL) == []
    travel_to(ENDS + timedelta(minutes=15))
    await tick(harness)
    (prompt,) = prompts_to(harness, SULSEL)
    assert prompt.startswith("Terima kasih telah mengikuti Klinik coaching PembaTIK (1 Desember 2026).")
    assert "(3 pertanyaan, sekitar 3 menit)" in prompt and prompt.endswith("1. Isi sekarang\n2. Nanti saja")
    assert prompts_to(harness, PAPUA) == []  # did not answer while someone else said yes


async def test_when_nobody_answered_the_whole_audience_is_asked_and_the_delay_is_the_meetings(
    harness: Harness, db_engine: Engine
) -> None:
    created = await meeting_held(harness, db_engine, {SULSEL: "73", PAPUA: "91"}, reflection_delay_minutes=60)
    assert created["reflection_delay_minutes"] == 60 and created["question_set"] == "default"
    travel_to(ENDS + timedelta(minutes=59))
    await tick(harness)
    assert prompts_to(harness, SULSEL) == prompts_to(harness, PAPUA) == []
    travel_to(ENDS + timedelta(minutes=60))
    await tick(harness)
    assert len(prompts_to(harness, SULSEL)) == len(prompts_to(harness, PAPUA)) == 1


async def test_the_prompt_never_arrives_in_quiet_hours_of_the_teachers_zone(
    harness: Harness, db_engine: Engine
) -> None:
    # 19.30–20.00 WIB: 15 minutes after is 20.15 WIB, 21.15 WITA and 22.15 WIT
    evening = {"starts_at": "2026-12-01T19:30:00+07:00", "duration_minutes": 30}
    await meeting_held(harness, db_engine, {KALBAR: "61", SULSEL: "73", PAPUA: "91"}, **evening)
    travel_to(datetime(2026, 12, 1, 13, 15, tzinfo=UTC))
    await tick(harness)
    assert len(prompts_to(harness, KALBAR)) == 1
    assert prompts_to(harness, SULSEL) == prompts_to(harness, PAPUA) == []
    travel_to(datetime(2026, 12, 1, 20, 59, tzinfo=UTC))  # 05.59 WIT
    await tick(harness)
    assert prompts_to(harness, PAPUA) == []
    travel_to(datetime(2026, 12, 1, 21, 0, tzinfo=UTC))  # 06.00 WIT
    await tick(harness)
    assert len(prompts_to(harness, PAPUA)) == 1 and prompts_to(harness, SULSEL) == []
    travel_to(datetime(2026, 12, 1, 22, 0, tzinfo=UTC))  # 06.00 WITA
    await tick(harness)
    assert len(prompts_to(harness, SULSEL)) == 1 and len(prompts_to(harness, KALBAR)) == 1


async def test_a_meeting_recorded_after_the_fact_sends_no_invitation_and_asks_right_away(
    harness: Harness, db_engine: Engine
) -> None:
    travel_to(datetime(2026, 12, 3, 5, 0, tzinfo=UTC))  # 13.00 WITA
    add_teacher(db_engine, SULSEL, "73")
    held = {"title": "Klinik coaching luring", "starts_at": "2026-12-03T08:00:00+07:00", "duration_minutes": 120}
    created = await create_meeting(harness, **held)
    assert created["reminders"]["pending"] == 0
    await tick(harness)
    texts = harness.telegram.sent_texts(SULSEL)
    assert len(texts) == 1 and texts[0].startswith("Terima kasih telah mengikuti Klinik coaching luring")
    assert "Undangan" not in texts[0]


async def test_a_start_in_the_past_must_still_be_recent(harness: Harness) -> None:
    travel_to(datetime(2026, 12, 3, 5, 0, tzinfo=UTC))
    body = {"starts_at": "2026-10-01T08:00:00+07:00"}
    response = await harness.client.post("/api/meetings", json=meeting_body(**body), headers=ADMIN)
    assert response.status_code == 400
    bad_set = meeting_body(question_set="tidak ada")
    assert (await harness.client.post("/api/meetings", json=bad_set, headers=ADMIN)).status_code == 422


async def prompted(harness: Harness, db_engine: Engine, teachers: dict[int, str] | None = None) -> None:
    """The standard meeting held and its reflection asked for."""
    await meeting_held(harness, db_engine, teachers or {SULSEL: "73"})
    travel_to(ENDS + timedelta(minutes=15))
    await tick(harness)


async def test_the_questions_come_one_at_a_time_and_read_answers_as_teachers_write_them(
    harness: Harness, db_engine: Engine
) -> None:
    await prompted(harness, db_engine)
    (first,) = await harness.telegram_says(SULSEL, "1")
    assert first.startswith("Refleksi Klinik coaching PembaTIK, pertanyaan 1 dari 3:")
    assert "Balas dengan angka 1–5" in first and "lewati" in first
    again = await harness.telegram_says(SULSEL, "10")
    assert again[0] == "Maaf, nilai harus 1 sampai 5. Contoh jawaban: 4" and "Seberapa berguna" in again[1]
    (second,) = await harness.telegram_says(SULSEL, "⭐⭐⭐⭐")
    assert "pertanyaan 2 dari 3" in second
    emoji = await harness.telegram_says(SULSEL, "🎉🎉")
    assert emoji[0].startswith("Maaf, jawabannya belum terbaca") and "Contoh:" in emoji[0]
    cut, third = await harness.telegram_says(SULSEL, "Kuis interaktif membuat siswa aktif. " * 40)
    assert cut == "Jawaban Anda panjang sekali; kami simpan 1.000 karakter pertama." and "pertanyaan 3 dari 3" in third
    (more,) = await harness.telegram_says(SULSEL, "1. Memakai kuis di awal\n2. Diskusi kelompok kecil")
    assert more == "Tercatat 2 hal. Tulis hal ke-3, atau ketik lewati jika cukup."
    (done,) = await harness.telegram_says(SULSEL, "Refleksi siswa di akhir pelajaran")
    assert done.startswith("Terima kasih, refleksi Klinik coaching PembaTIK tersimpan.")
    (row,) = reflection_rows(db_engine)
    assert row.status == ReflectionStatus.DONE and row.rating == 4
    assert len(row.answers["summary"]) <= 1000 and row.answers["summary"].endswith("…")
    assert row.answers["changes"] == [
        "Memakai kuis di awal",
        "Diskusi kelompok kecil",
        "Refleksi siswa di akhir pelajaran",
    ]


async def test_lewati_skips_and_a_second_invalid_answer_passes_the_question_over(
    harness: Harness, db_engine: Engine
) -> None:
    await prompted(harness, db_engine)
    await harness.telegram_says(SULSEL, "Isi sekarang")
    await harness.telegram_says(SULSEL, "-1")
    moved, summary = await harness.telegram_says(SULSEL, "sepuluh")
    assert moved == "Baik, pertanyaan ini kita lewati." and "pertanyaan 2 dari 3" in summary
    (changes,) = await harness.telegram_says(SULSEL, "lewati")
    assert "pertanyaan 3 dari 3" in changes
    (done,) = await harness.telegram_says(SULSEL, "Kuis; diskusi; refleksi")  # three in one message
    assert "tersimpan" in done
    (row,) = reflection_rows(db_engine)
    assert (
        row.rating is None
        and "summary" not in row.answers
        and row.answers["changes"]
        == [
            "Kuis",
            "diskusi",
            "refleksi",
        ]
    )


async def test_one_reminder_after_24_hours_to_those_who_have_not_answered_then_nothing(
    harness: Harness, db_engine: Engine
) -> None:
    await prompted(harness, db_engine, {SULSEL: "73", PAPUA: "91"})
    await harness.telegram_says(PAPUA, "1")  # started: no reminder needed
    travel_to(ENDS + timedelta(minutes=14, hours=24))
    await tick(harness)
    reminder = "Pengingat: refleksi Klinik coaching PembaTIK belum Anda isi."
    assert not any(reminder in text for text in harness.telegram.sent_texts(SULSEL))
    travel_to(ENDS + timedelta(minutes=16, hours=24))
    await tick(harness)
    assert sum(reminder in text for text in harness.telegram.sent_texts(SULSEL)) == 1
    assert not any(reminder in text for text in harness.telegram.sent_texts(PAPUA))
    travel_to(ENDS + timedelta(days=5))
    await tick(harness)
    assert sum(reminder in text for text in harness.telegram.sent_texts(SULSEL)) == 1
    (question,) = await harness.telegram_says(SULSEL, "1")  # days later, the reminder's answer still works
    assert "pertanyaan 1 dari 3" in question


async def test_menu_4_says_there_is_none_then_opens_the_latest_reflection(harness: Harness, db_engine: Engine) -> None:
    travel_to(CREATED_AT)
    add_teacher(db_engine, SULSEL, "73")
    none, menu = await harness.telegram_says(SULSEL, "4")
    assert none.startswith("Belum ada pertemuan yang bisa Anda refleksikan.") and menu.startswith("Menu utama")
    await create_meeting(harness)
    travel_to(ENDS + timedelta(minutes=15))
    await tick(harness)
    await harness.telegram_says(SULSEL, "2")  # Nanti saja
    (question,) = await harness.telegram_says(SULSEL, "refleksi")
    assert "pertanyaan 1 dari 3" in question


async def test_two_open_reflections_the_newer_asks_which_meeting(harness: Harness, db_engine: Engine) -> None:
    await meeting_held(harness, db_engine, {SULSEL: "73"})
    await create_meeting(harness, title="Webinar Rapor Digital", starts_at="2026-12-02T09:00:00+07:00")
    travel_to(ENDS + timedelta(minutes=15))
    await tick(harness)
    await harness.telegram_says(SULSEL, "1")  # answering the first meeting's reflection
    travel_to(ENDS + timedelta(days=1, minutes=15))
    await tick(harness)
    (which,) = await harness.telegram_says(SULSEL, "1")  # the second one's prompt, newest
    assert which.startswith("Refleksi pertemuan yang mana yang ingin Anda isi?")
    assert "1. Webinar Rapor Digital (2 Desember 2026)\n2. Klinik coaching PembaTIK (1 Desember 2026)" in which
    (question,) = await harness.telegram_says(SULSEL, "2")
    assert question.startswith("Refleksi Klinik coaching PembaTIK, pertanyaan 1 dari 3")
    (listing,) = await harness.telegram_says(SULSEL, "refleksi")
    assert "1. Webinar Rapor Digital" in listing


@pytest.mark.parametrize(
    ("typed", "rating"),
    [("4", 4), ("empat", 4), ("4/5", 4), ("4 / 5", 4), ("⭐⭐⭐⭐", 4), ("4 dari 5", 4), ("Lima", 5), ("1.", 1)],
)
def test_a_rating_is_read_as_teachers_write_it(typed: str, rating: int) -> None:
    assert read_rating(typed) == rating


@pytest.mark.parametrize("typed", ["10", "-1", "0", "", "⭐⭐⭐⭐⭐⭐", "bagus", "4 5", "🙂"])
def test_an_invalid_rating_is_none(typed: str) -> None:
    assert read_rating(typed) is None


def test_three_things_are_read_from_lines_numbers_or_semicolons() -> None:
    assert split_things("1. Kuis\n2) Diskusi\n- Refleksi") == ["Kuis", "Diskusi", "Refleksi"]
    assert split_things("1. Kuis awal 2. Diskusi 3. Refleksi") == ["Kuis awal", "Diskusi", "Refleksi"]
    assert split_things("kuis; diskusi") == ["kuis", "diskusi"]
    assert split_things("Memakai kuis di kelas 5 SD") == ["Memakai kuis di kelas 5 SD"]
    assert split_things("🙂\n👍") == []



async def test_reflection_texts_are_blanked_after_90_days_and_the_rating_stays(
    harness: Harness, db_engine: Engine
) -> None:
    await prompted(harness, db_engine)
    for text in ("1", "5", "Kuis membuat kelas hidup", "lewati"):
        await harness.telegram_says(SULSEL, text)
    travel_to(ENDS + timedelta(days=89))
    await tick(harness)
    assert reflection_rows(db_engine)[0].answers == {"rating": 5, "summary": "Kuis membuat kelas hidup"}
    travel_to(ENDS + timedelta(days=91))
    await tick(harness)
    (row,) = reflection_rows(db_engine)
    assert row.answers == {} and row.rating == 5


def test_a_broken_question_set_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.errors import ContentError
    from bot.reflections import questions

    question = {"id": "rating", "kind": "bintang", "text": "?", "hint": "", "example": ""}
    broken = {"question_sets": {"default": [question]}}
    monkeypatch.setattr(questions, "read_yaml", lambda name: broken)
    questions.question_sets.cache_clear()
    with pytest.raises(ContentError, match="question set default"):
        questions.question_sets()
    questions.question_sets.cache_clear()


def test_every_question_set_has_hints_and_examples_that_fit() -> None:
    from bot.reflections.questions import question_sets

    for name, questions in question_sets().items():
        for question in questions:
            assert question.hint and question.example, f"{name}.{question.id}"


async def test_a_reflection_left_for_another_word_resumes_with_lanjut(harness: Harness, db_engine: Engine) -> None:
    await prompted(harness, db_engine)
    await harness.telegram_says(SULSEL, "1")
    await harness.telegram_says(SULSEL, "4")
    await harness.telegram_says(SULSEL, "jadwal")
    (question,) = await harness.telegram_says(SULSEL, "lanjut")
    assert "pertanyaan 2 dari 3" in question


def test_the_things_applied_are_read_from_numbers_words_or_none() -> None:
    from bot.reflections.questions import read_applied

    none = ["belum", "belum ada", "tidak ada"]
    assert read_applied("1 3", 3, none) == [1, 3]
    assert read_applied("1, 2 dan 3", 3, none) == [1, 2, 3]
    assert read_applied("Semua", 3, none) == [1, 2, 3]
    assert read_applied("belum ada", 3, none) == []
    assert read_applied("4", 3, none) is None and read_applied("sudah dong", 3, none) is None
