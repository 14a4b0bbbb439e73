"""A long text never reaches a teacher's phone twice in a row: every question of every flow,
answered wrongly twice, gets a hint and then its short form, never its long text again."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.content import texts
from bot.features import registry
from bot.models import Contact
from tests.factories import Harness, onboarded_contact
from tests.test_meetings import CREATED_AT, SULSEL, create_meeting, tick, travel_to
from tests.test_reflections import ENDS, meeting_held

WRONG = ("zqx", "vvqz")  # fit no question, are no words, no small talk, and too short to be a question
LONG = 200  # characters from which a text counts as long (a third of a phone screen)
ONBOARDING = ["halo", "1", "Bu Sari"]
# Questions that take any text as their answer: nothing typed there is wrong.
FREE_TEXT = {("onboarding", "name"), ("activation", "describe"), ("helpdesk", "ask"), ("helpdesk", "detail")}
Walk = list[tuple[str, tuple[str, str] | None]]  # what the teacher types, and the question it leads to
# One teacher through onboarding and every feature, answering each question wrongly twice on the way.
THROUGH_EVERYTHING: Walk = [
    ("halo", ("onboarding", "consent")),
    ("1", None),
    ("Bu Sari", ("onboarding", "province")),
    ("sulsel", ("onboarding", "regency")),
    ("bone", ("onboarding", "role")),
    ("1", ("onboarding", "level")),
    ("2", ("menu", "main")),
    ("5", ("privacy", "menu")),
    ("hapus data", ("privacy", "confirm_erase")),
    ("2", None),
    ("ubah data", ("profile", "choose")),
    ("aktivasi", ("activation", "intro")),
    ("1", ("activation", "step")),
    ("2", ("activation", "problems")),
    ("1", ("activation", "branch")),
    ("2", ("activation", "retry")),
    ("1", ("activation", "retried")),
    ("menu", None),
    ("aktivasi", ("activation", "resume")),
    ("tanya", None),
    ("lupa password akun belajar.id", ("helpdesk", "answered")),
    ("tanya", None),
    ("akun", ("helpdesk", "closest")),
]
WALKS: list[Walk] = [
    THROUGH_EVERYTHING,
    [*((text, None) for text in ONBOARDING), ("sulawesi", ("onboarding", "province_choice"))],
    [*((text, None) for text in ONBOARDING), ("nusa tenggara barat", None), ("bima", ("onboarding", "regency_choice"))],
    [  # the guide, read without consent
        ("halo", None),
        ("2", None),
        ("aktivasi", ("activation_guide", "intro")),
        ("1", ("activation_guide", "step")),
        ("2", ("activation_guide", "problems")),
        ("1", ("activation_guide", "branch")),
    ],
]
# After a meeting exists (its invitation would take the other walks' "1"), for an onboarded teacher.
MEETINGS: Walk = [("jadwal", ("meetings", "list")), ("1", ("meetings", "rsvp"))]
# After a meeting's reflection prompt came ("1 Isi sekarang"), and after a second one while the first is open.
REFLECTION: Walk = [("1", ("reflection", "question"))]
REFLECTION_WHICH: Walk = [("1", ("reflection", "which"))]


def where_is(engine: Engine, chat_id: int) -> tuple[str, str]:
    with Session(engine) as session:
        contact = session.exec(select(Contact).where(Contact.address == str(chat_id))).one()
        return contact.flow or "", contact.step or ""


def test_the_walks_reach_every_question_that_can_be_answered_wrongly() -> None:
    every = {(flow.name, step) for flow in registry().flows.values() for step in flow.steps}
    walks = [*WALKS, MEETINGS, REFLECTION, REFLECTION_WHICH]
    reached = {question for walk in walks for _, question in walk if question}
    assert every - FREE_TEXT == reached


def size(messages: list[str]) -> int:
    return sum(len(text.encode()) for text in messages)


async def walk_missing_twice(harness: Harness, db_engine: Engine, chat_id: int, walk: Walk) -> dict[str, str]:
    """Walk, answering each question on the way wrongly twice; the long texts that came again."""
    repeated: dict[str, str] = {}
    for text, question in walk:
        asked = await harness.telegram_says(chat_id, text)
        if question is None:
            continue
        assert where_is(db_engine, chat_id) == question, f"{text!r} did not lead to {question}"
        first = await harness.telegram_says(chat_id, WRONG[0])
        second = await harness.telegram_says(chat_id, WRONG[1])
        assert where_is(db_engine, chat_id) == question, f"{question}: a wrong answer left the question"
        name = ".".join(question)
        again = [message for message in first + second if len(message) >= LONG and message in asked]
        if again:
            repeated[name] = again[0]
        print(f"{name:28} asked {size(asked):4} B, wrong answers {size(first):3} + {size(second):3} B")
    return repeated


async def test_two_wrong_answers_at_any_question_never_bring_a_long_text_again(
    harness: Harness, db_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    travel_to(CREATED_AT)
    repeated: dict[str, str] = {}
    with capsys.disabled():
        for chat_id, walk in enumerate(WALKS, start=900):
            repeated |= await walk_missing_twice(harness, db_engine, chat_id, walk)
        onboarded_contact(db_engine, "telegram", "990", role="kepala_sekolah")
        await create_meeting(harness, audience={"roles": ["kepala_sekolah"]})
        await harness.runtime.tick()
        repeated |= await walk_missing_twice(harness, db_engine, 990, MEETINGS)
    assert repeated == {}


async def test_two_wrong_answers_in_a_reflection_never_bring_a_long_text_again(
    harness: Harness, db_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    await meeting_held(harness, db_engine, {SULSEL: "73"})
    await create_meeting(harness, title="Webinar Rapor Digital", starts_at="2026-12-02T09:00:00+07:00")
    travel_to(ENDS + timedelta(minutes=15))
    await tick(harness)
    with capsys.disabled():
        repeated = await walk_missing_twice(harness, db_engine, SULSEL, REFLECTION)
        travel_to(ENDS + timedelta(days=1, minutes=15))
        await tick(harness)  # the second meeting's prompt, while the first reflection is half done
        repeated |= await walk_missing_twice(harness, db_engine, SULSEL, REFLECTION_WHICH)
    assert repeated == {}


CLEAN = ["halo", "1", "Bu Sari", "sulsel", "bone", "1", "2"]
# Two typical slips: the teacher's own words where a number is asked ("ya setuju", a town for the
# province), or twice something the bot cannot take at the privacy question.
SLIPS = {
    "natural words": ["halo", "ya setuju", "Bu Sari", "makassar", "guru sd", "sd"],
    "two misses at the notice": ["halo", "mungkin", "nanti dulu", "1", "Bu Sari", "sulsel", "bone", "1", "2"],
}
# Issue #9 measured 2.7 KB of repeated notices in one onboarding before the notice had a short form.
WASTED_BEFORE = 2700


async def downloaded(harness: Harness, chat_id: int, script: list[str]) -> int:
    for text in script:
        await harness.telegram_says(chat_id, text)
    assert harness.telegram.sent_texts(chat_id)[-1].startswith(texts().render("menu.main")), "onboarded"
    return size(harness.telegram.sent_texts(chat_id))


async def test_onboarding_with_two_slips_costs_a_few_hundred_bytes_not_kilobytes(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = await downloaded(harness, 950, CLEAN)
    with capsys.disabled():
        print(f"\nonboarding downloads: {clean} B without a slip")
        for number, (name, script) in enumerate(SLIPS.items(), start=951):
            total = await downloaded(harness, number, script)
            print(f"  with two slips ({name}): {total} B, {total - clean:+} B; before: {WASTED_BEFORE:+} B of repeats")
            assert total - clean < 600
