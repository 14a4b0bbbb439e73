"""`jadwal`: a teacher's upcoming meetings in their own time zone, and their answer to each invitation.

An invitation opens the "rsvp" step itself when the teacher has no other flow open, so a bare
"1" or "2" answers it; otherwise `jadwal` (or menu item 2) leads to the same step.
"""

from bot.conversation import Flow, Step, Turn, normalize_word, pick
from bot.meetings.models import Rsvp
from bot.meetings.render import answer_label, list_label, meeting_values
from bot.meetings.service import invitation_of, set_rsvp, upcoming_for
from bot.meetings.timefmt import zone_of

FLOW_NAME = "meetings"


def start(turn: Turn) -> None:
    """List the teacher's upcoming meetings, or say there are none."""
    turn.contact.flow_data = {}
    turn.goto(FLOW_NAME, "list")


def leave_with(turn: Turn, key: str, **values: object) -> None:
    """Say something and return to the main menu."""
    from handlers.menu import show_menu

    turn.say(key, **values)
    show_menu(turn)


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
    choice = pick(turn.text, [str(number) for number in range(1, len(meeting_ids) + 1)])
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
    """Record "1 Hadir" or "2 Tidak hadir"; a feature word (such as `jadwal`) leaves the question."""
    from handlers import FEATURE_WORDS

    word = normalize_word(turn.text)
    if word in FEATURE_WORDS:
        FEATURE_WORDS[word](turn)
        return True
    choice = pick(turn.text, turn.content.choices("meetings.rsvp"))
    if choice is None:
        return False
    found = invitation_of(turn.session, turn.recall("meeting_id", 0), turn.contact)
    if found is None or found[0].starts_at <= turn.now():
        leave_with(turn, "meetings.gone")
        return True
    meeting, invitation = found
    answer = Rsvp.YES if choice == 1 else Rsvp.NO
    set_rsvp(turn.session, invitation, turn.contact, answer, turn.now())
    leave_with(turn, "meetings.answered_yes" if answer == Rsvp.YES else "meetings.answered_no", title=meeting.title)
    return True


FLOW = Flow(FLOW_NAME, {"list": Step(ask_list, answer_list), "rsvp": Step(ask_rsvp, answer_rsvp)})
