"""`jadwal`: a teacher's upcoming meetings in their own time zone, and their answer to each invitation.

Each invitation opens its own RSVP prompt (bot/prompts.py), so "1", "hadir" or its button
answers that meeting whatever the teacher is doing; `jadwal` (or menu item 2) lists every
upcoming meeting and lets the teacher change an answer.
"""

from bot.answers import choose
from bot.api.routes import meetings as meeting_routes
from bot.conversation import Flow, MenuEntry, PromptKind, Step, Turn, Word
from bot.feature import Feature
from bot.meetings import models as meeting_tables
from bot.meetings.jobs import MEETING_MESSAGES, REMINDER_TEMPLATE
from bot.meetings.models import RSVP_PROMPT, Rsvp
from bot.meetings.render import answer_label, list_label, meeting_values
from bot.meetings.service import invitation_of, set_rsvp, upcoming_for
from bot.meetings.timefmt import zone_of
from bot.prompts import Prompt

FLOW_NAME = "meetings"
def start(turn: Turn) -> None:
    """List the teacher's upcoming meetings, or say there are none."""
    turn.contact.flow_data = {}
    turn.goto(FLOW_NAME, "list")


def leave_with(turn: Turn, key: str, **values: object) -> None:
    """Say something and return to the main menu."""
    turn.say(key, **values)
    turn.show_menu()


def ask_list(turn: Turn) -> None:
    upcoming = upcoming_for(turn.session, turn.contact, turn.now())
    if not upcoming:
        leave_with(turn, "meetings.none")
        return
    zone = zone_of(turn.contact)
    turn.remember(meeting_ids=[meeting.id for meeting, _ in upcoming])
    turn.ask("meetings.list", [list_label(meeting, invitation, zone) for meeting, invitation in upcoming])


def answer_list(turn: Turn) -> bool:
    meeting_ids: list[int] = turn.recall("meeting_ids", [])
    choice = choose(turn.text, [str(number) for number in range(1, len(meeting_ids) + 1)])
    if choice is None:
        return False
    turn.remember(meeting_id=meeting_ids[choice - 1])
    turn.goto(FLOW_NAME, "rsvp")
    return True


def ask_rsvp(turn: Turn) -> None:
    """Show the meeting in the teacher's time and ask whether they will attend."""
    found = invitation_of(turn.session, turn.recall("meeting_id", 0), turn.contact)
    if found is None or found[0].starts_at <= turn.now():
        leave_with(turn, "meetings.gone")
        return
    meeting, invitation = found
    values = meeting_values(meeting, zone_of(turn.contact))
    turn.ask("meetings.detail", turn.content.choices("meetings.rsvp"), **values, answer=answer_label(invitation.rsvp))


def answer_rsvp(turn: Turn) -> bool:
    """Record "1 Hadir" or "2 Tidak hadir" for the meeting picked from the list."""
    choice = turn.choose("meetings.rsvp")
    if choice is None:
        return False
    if record_answer(turn, turn.recall("meeting_id", 0), choice):
        turn.show_menu()
    else:
        leave_with(turn, "meetings.gone")
    return True


def answer_invitation(turn: Turn, prompt: Prompt, choice: int) -> None:
    """An invitation's own prompt: the answer goes to its meeting; the teacher stays where they were."""
    if not record_answer(turn, prompt.subject_id or 0, choice):
        turn.say("meetings.gone")


def record_answer(turn: Turn, meeting_id: int, choice: int) -> bool:
    """Store the answer and say so; False when the meeting can no longer be answered."""
    found = invitation_of(turn.session, meeting_id, turn.contact)
    if found is None or found[0].starts_at <= turn.now():
        return False
    meeting, invitation = found
    answer = Rsvp.YES if choice == 1 else Rsvp.NO
    set_rsvp(turn.session, invitation, turn.contact, answer, turn.now())
    turn.say("meetings.answered_yes" if answer == Rsvp.YES else "meetings.answered_no", title=meeting.title)
    return True


FLOW = Flow(
    FLOW_NAME, {"list": Step(ask_list, answer_list), "rsvp": Step(ask_rsvp, answer_rsvp)}, label="meetings.label"
)
FEATURE = Feature(
    "meetings",
    flows=(FLOW,),
    words={"jadwal": Word(start, needs_profile=True)},
    prompt_kinds=(PromptKind(RSVP_PROMPT, answer_invitation, choices="meetings.rsvp"),),
    menu=(MenuEntry(2, "menu.items.meetings", start),),
    jobs=(MEETING_MESSAGES,),
    routers=(meeting_routes.router, meeting_routes.calendar_router),
    tables=(meeting_tables,),
    templates=(REMINDER_TEMPLATE,),
)
