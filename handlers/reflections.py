"""Refleksi pertemuan (menu 4, or `refleksi`): the questions of a meeting's reflection, one at a
time; the prompts after a meeting (start the reflection, which things were applied, is the action
item done); `lencana` lists the teacher's badges.

States of the flow: which (several reflections open: which meeting), question (the current
question of the reflection in the flow's data). An invalid answer is asked again once with an
example, then passed over; `lewati` skips a question.
"""

from bot.answers import choose, small_talk_kind
from bot.content import texts
from bot.conversation import Flow, MenuEntry, PromptKind, Step, Turn, Word, normalize_word
from bot.feature import Feature
from bot.local_time import date_text, zone_of
from bot.meetings.models import Meeting
from bot.prompts import Prompt
from bot.reflections import models as reflection_tables
from bot.reflections.badges import award_badge, badge_list_text
from bot.reflections.erasure import erase_reflections
from bot.reflections.jobs import FOLLOWUPS, PLAN_REFLECTIONS, REFLECTION_PROMPTS, REFLECTION_RETENTION
from bot.reflections.models import (
    FOLLOWUP_PROMPT,
    OUTCOME_PROMPT,
    REFLECTION_PROMPT,
    Reflection,
    ReflectionStatus,
)
from bot.reflections.outcomes import OUTCOME_REMINDERS, answer_item
from bot.reflections.questions import (
    Kind,
    Question,
    cut_text,
    has_words,
    questions_of,
    read_applied,
    read_rating,
    split_things,
)
from bot.reflections.routes import public_router, router
from bot.reflections.service import (
    begin,
    current_question,
    finish,
    prompted_reflections,
    record,
    record_applied,
    reflection_of,
    things_of,
)
from bot.respond import parse_button

FLOW_NAME = "reflection"
LISTED = 5  # open reflections offered at once
THINGS = 3


def start(turn: Turn) -> None:
    """The most recent meeting's reflection; a choice when several are open; or that there is none."""
    found = prompted_reflections(turn.session, turn.contact)
    unfinished = [(reflection, meeting) for reflection, meeting in found if reflection.status != ReflectionStatus.DONE]
    if not found:
        leave_with(turn, "reflections.none")
    elif not unfinished:
        leave_with(turn, "reflections.already_done", title=found[0][1].title)
    elif len(unfinished) == 1:
        open_reflection(turn, *unfinished[0])
    else:
        ask_which(turn, [reflection.id or 0 for reflection, _ in unfinished[:LISTED]])


def leave_with(turn: Turn, key: str, **values: object) -> None:
    turn.say(key, **values)
    turn.show_menu()


def ask_which(turn: Turn, reflection_ids: list[int]) -> None:
    keep_paused(turn)
    turn.contact.flow_data = {"candidates": reflection_ids}
    turn.goto(FLOW_NAME, "which")


def keep_paused(turn: Turn) -> None:
    """A resumable flow the reflection interrupts is kept for `lanjut`."""
    contact = turn.contact
    flow = turn.registry.flows.get(contact.flow or "")
    if flow is not None and flow.resumable and flow.name != FLOW_NAME:
        contact.paused = {"flow": contact.flow, "step": contact.step, "data": contact.flow_data}


def candidates(turn: Turn) -> list[tuple[Reflection, Meeting]]:
    found = (reflection_of(turn.session, int(rid), turn.contact) for rid in turn.recall("candidates", []))
    return [pair for pair in found if pair is not None and pair[0].status != ReflectionStatus.DONE]


def which_label(turn: Turn, meeting: Meeting) -> str:
    date = date_text(meeting.starts_at, zone_of(turn.contact), weekday=False)
    return turn.content.render("reflections.which_item", title=meeting.title, date=date)


def ask_which_step(turn: Turn) -> None:
    options = [which_label(turn, meeting) for _, meeting in candidates(turn)]
    if not options:
        leave_with(turn, "reflections.gone")
        return
    turn.ask("reflections.which", options)


def answer_which(turn: Turn) -> bool:
    found = candidates(turn)
    choice = choose(turn.text, [which_label(turn, meeting) for _, meeting in found])
    if choice is None:
        return False
    open_reflection(turn, *found[choice - 1])
    return True


def open_reflection(turn: Turn, reflection: Reflection, meeting: Meeting) -> None:
    """Start or resume a reflection at its current question."""
    if reflection.status == ReflectionStatus.DONE:
        leave_with(turn, "reflections.already_done", title=meeting.title)
        return
    keep_paused(turn)
    begin(turn.session, reflection)
    turn.contact.flow_data = {"reflection_id": reflection.id}
    turn.goto(FLOW_NAME, "question")


def in_flow(turn: Turn) -> tuple[Reflection, Meeting] | None:
    return reflection_of(turn.session, int(turn.recall("reflection_id", 0) or 0), turn.contact)


def ask_question(turn: Turn) -> None:
    found = in_flow(turn)
    question = current_question(*found) if found else None
    if found is not None and found[0].status == ReflectionStatus.DONE:  # finished since (`lanjut` to it)
        leave_with(turn, "reflections.already_done", title=found[1].title)
        return
    if found is None or question is None:
        leave_with(turn, "reflections.gone")
        return
    reflection, meeting = found
    total = len(questions_of(meeting.question_set))
    values = {"title": meeting.title, "number": reflection.question + 1, "total": total}
    turn.say("reflections.question", **values, text=question.text, hint=question.hint)


def answer_question(turn: Turn) -> bool:
    """Read the answer the question's kind expects; False for small talk the question did not take."""
    found = in_flow(turn)
    question = current_question(*found) if found else None
    if found is None or question is None:
        leave_with(turn, "reflections.gone")
        return True
    if normalize_word(turn.text) in turn.content.choices("reflections.skip"):
        advance(turn, *found)
        return True
    if question.kind != Kind.RATING and small_talk_kind(turn.text) is not None:
        return False
    take_answer(turn, found[0], found[1], question)
    return True


def take_answer(turn: Turn, reflection: Reflection, meeting: Meeting, question: Question) -> None:
    if question.kind == Kind.RATING:
        rating = read_rating(turn.text)
        if rating is None:
            invalid(turn, reflection, meeting, "reflections.invalid_rating", question)
            return
        record(reflection, question, rating)
    elif question.kind == Kind.TEXT:
        if not has_words(turn.text):
            invalid(turn, reflection, meeting, "reflections.invalid_text", question)
            return
        text, cut = cut_text(turn.text)
        if cut:
            turn.say("reflections.cut")
        record(reflection, question, text)
    elif not take_things(turn, reflection, meeting, question):
        return
    advance(turn, reflection, meeting)


def take_things(turn: Turn, reflection: Reflection, meeting: Meeting, question: Question) -> bool:
    """Add the things of this message; True once three are written."""
    things = split_things(turn.text)
    if not things:
        invalid(turn, reflection, meeting, "reflections.invalid_text", question)
        return False
    kept = [str(thing) for thing in reflection.answers.get(question.id) or []]
    cut = [cut_text(thing) for thing in things[: THINGS - len(kept)]]
    if any(was_cut for _, was_cut in cut):
        turn.say("reflections.cut")
    record(reflection, question, kept + [thing for thing, _ in cut])
    count = len(kept) + len(cut)
    if count < THINGS:
        turn.remember(invalid=0)
        turn.say("reflections.more_changes", count=count, next=count + 1)
        return False
    return True


def invalid(turn: Turn, reflection: Reflection, meeting: Meeting, key: str, question: Question) -> None:
    """Asked again once, with an example; a second miss passes the question over."""
    if int(turn.recall("invalid", 0)) >= 1:
        turn.say("reflections.moved_on")
        advance(turn, reflection, meeting)
        return
    turn.remember(invalid=1)
    turn.say(key, example=question.example)
    turn.ask_current(again=True)


def advance(turn: Turn, reflection: Reflection, meeting: Meeting) -> None:
    reflection.question += 1
    turn.remember(invalid=0)
    if reflection.question < len(questions_of(meeting.question_set)):
        turn.goto(FLOW_NAME, "question")
    else:
        complete(turn, reflection, meeting)


def complete(turn: Turn, reflection: Reflection, meeting: Meeting) -> None:
    """Thank the teacher, say how to go back, and award the badge when earned."""
    finish(reflection, meeting, turn.contact, turn.now())
    paused = turn.contact.paused or {}
    flow = turn.registry.flows.get(str(paused.get("flow") or ""))
    turn.finish()
    if flow is not None and flow.label:
        turn.say("reflections.done_back", title=meeting.title, where=turn.content.render(flow.label))
    else:
        turn.say("reflections.done", title=meeting.title)
    badge_text = award_badge(turn.session, reflection, meeting, turn.contact, turn.now())
    if badge_text:
        turn.show(badge_text)


def answer_prompt(turn: Turn, prompt: Prompt, choice: int) -> None:
    """The prompt after a meeting: 1 starts its reflection (the newer of two open ones asks which)."""
    found = reflection_of(turn.session, prompt.subject_id or 0, turn.contact)
    if found is None:
        turn.say("reflections.gone")
    elif choice == 2:
        turn.say("reflections.later")
    elif found[0].status == ReflectionStatus.DONE:
        turn.say("reflections.already_done", title=found[1].title)
    elif (other := other_in_flow(turn, found[0])) is not None:
        ask_which(turn, [found[0].id or 0, other])
    else:
        open_reflection(turn, *found)


def other_in_flow(turn: Turn, reflection: Reflection) -> int | None:
    """Another reflection the teacher is answering right now."""
    if turn.contact.flow != FLOW_NAME:
        return None
    other = in_flow(turn)
    if other is None or other[0].id == reflection.id or other[0].status == ReflectionStatus.DONE:
        return None
    return other[0].id


def read_selection(text: str, prompt: Prompt) -> int | None:
    """Whether a typed answer says which things were applied (the first one, or one past the last for none)."""
    chosen = read_applied(text, len(prompt.options), texts().choices("reflections.none_applied"))
    return None if chosen is None else (chosen[0] if chosen else len(prompt.options) + 1)


def answer_followup(turn: Turn, prompt: Prompt, choice: int) -> None:
    """Which of the things written two weeks ago were applied."""
    found = reflection_of(turn.session, prompt.subject_id or 0, turn.contact)
    if found is None:
        turn.say("reflections.gone")
        return
    none = texts().choices("reflections.none_applied")
    chosen = [choice] if parse_button(turn.text) else read_applied(turn.text, len(prompt.options), none) or []
    record_applied(turn.session, found[0], chosen)
    total = len(things_of(*found))
    if chosen:
        turn.say("reflections.followup_thanks", count=len(chosen), total=total)
    else:
        turn.say("reflections.followup_none")


def show_badges(turn: Turn) -> None:
    turn.show(badge_list_text(turn.session, turn.contact))


FLOW = Flow(
    FLOW_NAME,
    {"which": Step(ask_which_step, answer_which), "question": Step(ask_question, answer_question)},
    label="reflections.label",
    resumable=True,
)
FEATURE = Feature(
    "reflections",
    flows=(FLOW,),
    words={"refleksi": Word(start, needs_profile=True), "lencana": Word(show_badges, repeats=True, needs_profile=True)},
    prompt_kinds=(
        PromptKind(REFLECTION_PROMPT, answer_prompt, choices="reflections.start"),
        PromptKind(FOLLOWUP_PROMPT, answer_followup, choices="reflections.none_applied", reads=read_selection),
        PromptKind(OUTCOME_PROMPT, answer_item, choices="reflections.outcome"),
    ),
    menu=(MenuEntry(4, "menu.items.reflections", start),),
    jobs=(PLAN_REFLECTIONS, REFLECTION_PROMPTS, FOLLOWUPS, OUTCOME_REMINDERS, REFLECTION_RETENTION),
    routers=(router, public_router),
    tables=(reflection_tables,),
    erase=erase_reflections,
)
