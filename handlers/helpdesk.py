"""Tanya Duta Teknologi (menu 3, or `tanya`): the teacher's question is matched against the FAQ
first. A confident match is answered ("1 Terjawab · 2 Masih perlu bantuan"), a weak one offers
the closest titles, and otherwise, or when the answer did not help, the question goes on a ticket
for a person.

States of the flow: ask (Apa kendala Anda?), detail (once, for a question too short to place),
answered (did the answer help?), closest (which of these is it?). The question is kept in the
flow's data until it is answered or handed over.
"""

from bot.answers import choose, small_talk_kind
from bot.conversation import Flow, MenuEntry, Step, Turn, Word
from bot.feature import Feature
from bot.helpdesk import models as helpdesk_tables
from bot.helpdesk.faq import Certainty, Entry, faq
from bot.helpdesk.models import FaqOutcome
from bot.helpdesk.relay import question_added
from bot.helpdesk.tickets import ask_a_person

FLOW_NAME = "helpdesk"
SHORTEST_QUESTION = 2  # terms; an unplaced question with fewer is asked for more detail, once
ANSWERED, NONE_FIT = "helpdesk.answered", "helpdesk.none_fit"


def start(turn: Turn) -> None:
    """Ask what the problem is."""
    turn.contact.flow_data = {}
    turn.goto(FLOW_NAME, "ask")


def ask_question(turn: Turn) -> None:
    turn.say("helpdesk.ask")


def answer_question(turn: Turn) -> bool:
    """Any text with a letter in it is a question, small talk ("ok", "makasih") aside."""
    if not is_words(turn.text):
        return False
    consider(turn, turn.text.strip())
    return True


def ask_detail(turn: Turn) -> None:
    turn.say("helpdesk.more_detail")


def answer_detail(turn: Turn) -> bool:
    """The first words and the detail are matched, and handed over, together."""
    if not is_words(turn.text):
        return False
    consider(turn, f"{turn.recall('question', '')} {turn.text.strip()}".strip(), detail_asked=True)
    return True


def consider(turn: Turn, question: str, detail_asked: bool = False) -> None:
    """Answer the question from the FAQ, offer the closest entries, or hand it to a person. Without
    consent the question is not kept: the FAQ answers anonymously."""
    if turn.contact.consent_given_at is not None:
        turn.remember(question=question)
    verdict = faq().match(question)
    if verdict.certainty == Certainty.CONFIDENT:
        show_answer(turn, verdict.candidates[0].entry)
    elif verdict.certainty == Certainty.WEAK:
        turn.remember(offered=[candidate.entry.id for candidate in verdict.candidates])
        turn.goto(FLOW_NAME, "closest")
    elif not detail_asked and len(faq().analyzer.terms(question)) < SHORTEST_QUESTION:
        turn.goto(FLOW_NAME, "detail")
    else:
        hand_over(turn, faq_id=None)


def show_answer(turn: Turn, entry: Entry) -> None:
    turn.remember(faq_id=entry.id)
    turn.goto(FLOW_NAME, "answered")


def shown_entry(turn: Turn) -> Entry | None:
    return faq().entry(str(turn.recall("faq_id", "")))


def ask_answered(turn: Turn) -> None:
    entry = shown_entry(turn)
    if entry is None:  # staff removed the entry since: the question goes to a person
        hand_over(turn, faq_id=None)
        return
    turn.ask("helpdesk.answer", turn.content.choices(ANSWERED), title=entry.title, answer=entry.answer)


def answer_answered(turn: Turn) -> bool:
    """1 it helped, 2 a person please; a new question in words is matched in turn."""
    choice = turn.choose(ANSWERED)
    if choice == 1:
        faq_id = str(turn.recall("faq_id", ""))
        turn.session.add(FaqOutcome(faq_id=faq_id, province_code=turn.contact.province_code))
        leave(turn, turn.content.render("helpdesk.solved"))
    elif choice == 2:
        hand_over(turn, faq_id=str(turn.recall("faq_id", "")) or None)
    elif is_a_question(turn.text):
        consider(turn, turn.text.strip())
    else:
        return False
    return True


def offered_entries(turn: Turn) -> list[Entry]:
    found = (faq().entry(str(entry_id)) for entry_id in turn.recall("offered", []))
    return [entry for entry in found if entry is not None]


def closest_options(turn: Turn) -> list[str]:
    return [entry.title for entry in offered_entries(turn)] + turn.content.choices(NONE_FIT)


def ask_closest(turn: Turn) -> None:
    turn.ask("helpdesk.closest", closest_options(turn))


def answer_closest(turn: Turn) -> bool:
    """One of the titles is answered; "Tidak ada yang cocok" goes to a person."""
    entries = offered_entries(turn)
    choice = choose(turn.text, closest_options(turn))
    if choice is not None and choice <= len(entries):
        show_answer(turn, entries[choice - 1])
    elif choice is not None or choose(turn.text, turn.content.choices(NONE_FIT), NONE_FIT) == 1:
        hand_over(turn, faq_id=None)
    elif is_a_question(turn.text):
        consider(turn, turn.text.strip())
    else:
        return False
    return True


def is_words(text: str) -> bool:
    return any(character.isalpha() for character in text) and small_talk_kind(text) is None


def is_a_question(text: str) -> bool:
    """Words enough to match again ("kodenya tidak masuk ke email"), not a stray "hmm"."""
    return len(faq().analyzer.terms(text)) >= SHORTEST_QUESTION


def hand_over(turn: Turn, faq_id: str | None) -> None:
    """Put the question on a ticket and say honestly what happens next (a person needs consent first)."""
    if turn.contact.consent_given_at is None:
        turn.finish()
        turn.say("onboarding.needs_consent")
        turn.goto("onboarding", "consent")
        return
    question = str(turn.recall("question", "")) or turn.text
    ticket, created = ask_a_person(turn.session, turn.contact, question, faq_id)
    question_added(turn.session, ticket, created, turn.now())
    told = "helpdesk.ticket_created" if created else "helpdesk.ticket_updated"
    leave(turn, turn.content.render(told, ticket=ticket.id))


def leave(turn: Turn, text: str) -> None:
    """Close the flow with one message that says how to go back to where the teacher was."""
    paused = turn.contact.paused or {}
    flow = turn.registry.flows.get(str(paused.get("flow") or ""))
    if flow is not None and flow.label:
        back = turn.content.render("helpdesk.back_to_flow", where=turn.content.render(flow.label))
    else:
        back = turn.content.render("helpdesk.back_to_menu")
    turn.finish()
    turn.show(f"{text} {back}")


FLOW = Flow(
    FLOW_NAME,
    {
        "ask": Step(ask_question, answer_question),
        "detail": Step(ask_detail, answer_detail),
        "answered": Step(ask_answered, answer_answered),
        "closest": Step(ask_closest, answer_closest),
    },
    label="helpdesk.label",
    before_consent=True,  # the FAQ answers anonymously; a ticket asks for consent
)
FEATURE = Feature(
    "helpdesk",
    flows=(FLOW,),
    words={"tanya": Word(start, needs_profile=True, before_consent=True)},
    menu=(MenuEntry(3, "menu.items.helpdesk", start),),
    tables=(helpdesk_tables,),
)
