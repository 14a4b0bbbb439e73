"""Who answers a message, in this order: a button (exactly the question it belongs to), a word that
works anywhere, the newest open prompt the answer fits, the step of the flow the teacher is in,
and otherwise the menu (or onboarding, for a newcomer).

Numbers are ambiguous between questions, so a bare "1" goes to the most recent question: a prompt
sent after the flow's question was last asked, else the flow. A prompt's own words ("hadir") still
reach it when the flow's question is newer.
"""

import re
from dataclasses import dataclass

from bot.answers import choose, choose_label, small_talk_kind
from bot.broadcasts.invites import regency_code_of
from bot.conversation import MENU_FLOW, Turn, Word, normalize_word
from bot.prompts import Prompt, find_prompt, is_live, live_prompts, mark_answered

ONBOARDING_FLOW, ONBOARDING_START = "onboarding", "consent"
MISSES_BEFORE_REPEAT = 2
BUTTON = re.compile(r"^([pq])(\d{1,12}):(\d{1,2})$")


@dataclass(frozen=True)
class Button:
    target: str  # "p": a prompt, "q": a flow question
    number: int
    choice: int


def respond(turn: Turn, kind: str) -> None:
    """Pick what answers this message."""
    word = command_word(normalize_word(turn.text))
    if kind == "text" and turn.text.strip() and any(role.words(turn) for role in turn.registry.roles):
        return  # a volunteer's word, from a volunteer's chat (or a join code)
    if turn.contact.consent_given_at is None:
        respond_without_consent(turn, word, kind)
    elif kind != "text" or not turn.text.strip():
        turn.say("common.unsupported" if kind != "text" else "common.empty")
        repeat_question(turn)
    elif (button := parse_button(turn.text)) is not None:
        answer_button(turn, button)
    elif word in turn.registry.words:
        respond_to_word(turn, turn.registry.words[word])
    elif answer_prompt(turn) or (waits_for_nothing(turn) and passed_to_a_role(turn)):
        return
    elif (kind_of_talk := small_talk_kind(turn.text)) is not None and kind_of_talk != "after":
        answer_small_talk(turn, kind_of_talk)
    elif in_a_step(turn):
        answer_step(turn)
    elif turn.contact.onboarded_at is None:
        start_onboarding(turn)
    else:
        turn.show_menu()


def command_word(word: str) -> str:
    """Telegram's `/start <payload>` (a deep link) and `/menu@GuruBot` count as the bare command."""
    if word.startswith("/"):
        return word.split()[0].split("@")[0] if word.split() else word
    return word


def respond_without_consent(turn: Turn, word: str, kind: str) -> None:
    """Before consent only the privacy words and the flows that store nothing personal work (the
    activation guide, the FAQ); everything else is the consent question."""
    contact = turn.contact
    if kind != "text":
        turn.say("common.unsupported")
    entry = turn.registry.words.get(word)
    if entry is not None and entry.before_consent:
        entry.handle(turn)
        # Someone who just said BERHENTI is not asked for consent again.
        if entry.repeats and contact.flow == ONBOARDING_FLOW and contact.opted_out_at is None:
            repeat_question(turn)
    elif open_before_consent(turn) and kind == "text" and entry is None:
        answer_in_onboarding(turn)
    elif contact.flow == ONBOARDING_FLOW:
        repeat_question(turn)
    elif kind != "text" or not passed_to_a_role(turn):
        start_onboarding(turn)


def open_before_consent(turn: Turn) -> bool:
    """In onboarding, or in a flow that needs no consent."""
    flow = turn.registry.flows.get(turn.contact.flow or "")
    return turn.contact.flow == ONBOARDING_FLOW or (flow is not None and flow.before_consent)


def waits_for_nothing(turn: Turn) -> bool:
    """No flow question is open (the main menu aside) and the text is not a bare menu number."""
    resting = turn.contact.flow in (None, MENU_FLOW) or not in_a_step(turn)
    return resting and not turn.text.strip().isdigit()


def passed_to_a_role(turn: Turn) -> bool:
    """Free text that belongs to a role's conversation (a ticket's), not to the teacher's flows."""
    return any(role.text(turn) for role in turn.registry.roles)


def answer_in_onboarding(turn: Turn) -> None:
    button = parse_button(turn.text)
    if button is not None:
        answer_button(turn, button)
    else:
        answer_step(turn)


def respond_to_word(turn: Turn, entry: Word) -> None:
    if entry.needs_profile and turn.contact.onboarded_at is None:
        turn.say("common.finish_onboarding")
        repeat_question(turn)
        return
    leave_for(turn, entry)
    if entry.repeats:
        repeat_question(turn)


def leave_for(turn: Turn, entry: Word) -> None:
    """Run a word; a resumable flow it leaves is kept for `lanjut`."""
    contact = turn.contact
    left = {"flow": contact.flow, "step": contact.step, "data": contact.flow_data}
    flow = turn.registry.flows.get(contact.flow or "")
    entry.handle(turn)
    if flow is not None and flow.resumable and contact.flow != left["flow"] and not turn.erased:
        contact.paused = left


def parse_button(text: str) -> Button | None:
    match = BUTTON.match(text.strip())
    return Button(match[1], int(match[2]), int(match[3])) if match else None


def answer_button(turn: Turn, button: Button) -> None:
    """A button answers its own question; one of a question no longer open changes nothing."""
    contact = turn.contact
    if button.target == "p":
        prompt = find_prompt(turn.session, contact.id or 0, button.number)
        if prompt is not None and is_live(prompt, turn.now()) and 1 <= button.choice <= len(prompt.options):
            answer_with(turn, prompt, button.choice)
            return
    elif button.number == contact.question_seq and in_a_step(turn):
        turn.text = str(button.choice)
        answer_step(turn)
        return
    turn.say("common.button_expired")


def answer_prompt(turn: Turn) -> bool:
    """Give a typed answer to the newest open prompt it fits; False when it fits none."""
    asked_at = turn.contact.question_asked_at  # a prompt older than the last question: its labels only
    for prompt in live_prompts(turn.session, turn.contact.id or 0, turn.now()):
        kind = turn.registry.prompt_kinds.get(prompt.kind)
        if kind is None:
            continue
        newer = asked_at is None or prompt.created_at > asked_at
        if newer and kind.reads is not None:
            choice = kind.reads(turn.text, prompt)
        elif newer:
            choice = choose(turn.text, prompt.options, kind.choices)
        else:
            choice = choose_label(turn.text, prompt.options)
        if choice is not None:
            answer_with(turn, prompt, choice)
            return True
    return False


def answer_with(turn: Turn, prompt: Prompt, choice: int) -> None:
    """Answer a prompt; a flow it interrupted goes on with one short line, not the whole step."""
    mark_answered(prompt, choice, turn.now())
    turn.registry.prompt_kinds[prompt.kind].answer(turn, prompt, choice)
    if not turn.moved and not turn.erased and in_a_step(turn) and turn.contact.flow != MENU_FLOW:
        remind_where(turn)


def remind_where(turn: Turn) -> None:
    """ "Kita lanjutkan aktivasi, langkah 3 dari 5. Balas 1–3 untuk pertanyaan tadi." """
    flow = turn.registry.flows[turn.contact.flow or ""]
    where = flow.where(turn) if flow.where else turn.content.render(flow.label)
    count = turn.contact.question_choices
    if count > 1:
        turn.say("common.resume_choices", where=where, last=count)
    elif count == 1:
        turn.say("common.resume_one", where=where)
    else:
        turn.say("common.resume_text", where=where)
    turn.contact.question_asked_at = turn.now()


def in_a_step(turn: Turn) -> bool:
    flow = turn.registry.flows.get(turn.contact.flow or "")
    return flow is not None and (turn.contact.step or "") in flow.steps


def answer_step(turn: Turn) -> None:
    step = turn.registry.flows[turn.contact.flow or ""].steps[turn.contact.step or ""]
    if step.answer(turn):
        return
    kind_of_talk = small_talk_kind(turn.text)
    if kind_of_talk is not None:  # "ok", "👍" the question did not take
        answer_small_talk(turn, kind_of_talk)
    else:
        give_a_hint(turn)


def give_a_hint(turn: Turn) -> None:
    """Say what would fit; the whole question comes again (in its short form) only after two misses."""
    misses = int(turn.recall("misses", 0)) + 1
    count = turn.contact.question_choices
    if misses >= MISSES_BEFORE_REPEAT or count == 0:
        turn.say("common.hint_invalid")
        turn.ask_current(again=True)
    else:
        turn.remember(misses=misses)
        turn.say("common.hint_choices" if count > 1 else "common.hint_one", last=count)


def answer_small_talk(turn: Turn, kind: str) -> None:
    """One friendly line; an open question is recalled in a line, not sent again in full."""
    turn.say(f"small_talk.{kind}")
    if in_a_step(turn) and turn.contact.flow != MENU_FLOW:
        count = turn.contact.question_choices
        key = "common.pending_choices" if count > 1 else "common.pending_one" if count else "common.pending_text"
        turn.say(key, last=count)


def repeat_question(turn: Turn) -> None:
    """Ask the current question again, or show the menu when no flow is open."""
    if in_a_step(turn):
        turn.ask_current(again=True)
    elif turn.contact.consent_given_at is None or turn.contact.onboarded_at is None:
        start_onboarding(turn)
    else:
        turn.show_menu()


def start_onboarding(turn: Turn) -> None:
    """Begin with the privacy notice; nothing personal is stored before consent. An invitation
    link's first message ("/start r7308", "DAFTAR 7308") names the kabupaten/kota, kept for later."""
    turn.finish()
    invited = regency_code_of(turn.text)
    if invited:
        turn.remember(invited_regency=invited)
    turn.goto(ONBOARDING_FLOW, ONBOARDING_START)


def resume_paused(turn: Turn) -> None:
    """`lanjut`: back to the flow the teacher left for another feature."""
    paused = turn.contact.paused or {}
    turn.contact.paused = None
    if answer_prompt(turn):  # "Mau lanjut?" asked by a prompt of its own (a nudge)
        return
    flow = turn.registry.flows.get(str(paused.get("flow") or ""))
    if flow is None or str(paused.get("step") or "") not in flow.steps:
        turn.say("common.nothing_to_resume")
        turn.show_menu()
        return
    turn.contact.flow, turn.contact.step = flow.name, str(paused["step"])
    turn.contact.flow_data = dict(paused.get("data") or {})
    turn.ask_current()
