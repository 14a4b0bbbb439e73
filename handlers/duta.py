"""Duta Teknologi volunteers in their own chat: `DUTA <code>` (or Telegram's `/start duta_<code>`)
joins; then `AMBIL 12`, `#12 <text>`, a reply to a ticket message, plain text when they hold one
ticket, `SELESAI 12`, `LEPAS 12`, `TIKET`, `LIBUR` / `AKTIF`. These words are a volunteer's only
in an active volunteer's chat (the `Role` below says so); every other message of that chat is a
teacher's. A teacher's free text on a ticket a person handles reaches that person."""

import re
from collections.abc import Callable

from sqlmodel import Session, select

from bot.api.routes import helpdesk as helpdesk_routes
from bot.clock import utcnow
from bot.conversation import MENU_FLOW, PromptKind, Role, Turn
from bot.feature import Feature
from bot.helpdesk import desk, erasure, timers, volunteers
from bot.helpdesk.desk import RATING_PROMPT, DeskError
from bot.helpdesk.models import Volunteer
from bot.helpdesk.relay import rate, teacher_writes
from bot.helpdesk.volunteers import CODE_ALPHABET, CODE_LENGTH, active_volunteer, join
from bot.models import OutboundMessage
from bot.prompts import Prompt

# Only a code as the bot makes them: "duta dong" or "duta saja" at a question is a teacher's answer.
JOIN = re.compile(rf"^(?:duta\s+|/start\s+duta_)([{CODE_ALPHABET}]{{{CODE_LENGTH}}})$", re.IGNORECASE)
NUMBERED = re.compile(r"^(ambil|selesai|lepas)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
ANSWER = re.compile(r"^#(\S*)\s*(.*)$", re.DOTALL)
BARE = {"tiket", "libur", "aktif"}


def volunteer_words(turn: Turn) -> bool:
    """A join code from anyone; a volunteer's words only from an active volunteer's chat."""
    text = turn.text.strip()
    if (joining := JOIN.match(text)) is not None:
        # A deep link with a wrong or used code just opens the bot, as any /start does.
        return join_with(turn, joining[1], quiet_failure=text.startswith("/"))
    if not (NUMBERED.match(text) or text.startswith("#") or text.lower() in BARE or turn.reply_to):
        return False  # most messages: no look-up at all
    if answers_a_teachers_question(turn, text):
        return False
    volunteer = active_volunteer(turn.session, turn.contact)
    if volunteer is None:
        return False
    try:
        return act(turn, volunteer, text)
    except DeskError as error:
        turn.show(str(error))
        return True


def answers_a_teachers_question(turn: Turn, text: str) -> bool:
    """A word without a ticket number ("aktif", "selesai", "#…") while the chat stands at a
    teacher's question is that question's answer: a volunteer is a teacher too."""
    flow = turn.registry.flows.get(turn.contact.flow or "")
    if flow is None or flow.name == MENU_FLOW or (turn.contact.step or "") not in flow.steps:
        return False
    numbered = NUMBERED.match(text)
    bare = text.lower() in BARE or (numbered is not None and not numbered[2].strip())
    return bare or (text.startswith("#") and not text[1:2].isdecimal())


def act(turn: Turn, volunteer: Volunteer, text: str) -> bool:
    session, now = turn.session, turn.now()
    if (numbered := NUMBERED.match(text)) is not None:
        word = numbered[1].upper()
        number = ticket_number(f"{word} 12", numbered[2])
        actions: dict[str, Callable[[], str]] = {
            "AMBIL": lambda: desk.claim(session, volunteer, number, now),
            "SELESAI": lambda: desk.close(session, volunteer, number, now),
            "LEPAS": lambda: desk.release(session, volunteer, number, now),
        }
        turn.show(actions[word]())
    elif (answering := ANSWER.match(text)) is not None:
        number = ticket_number(turn.content.render("duta.answer_example"), answering[1])
        turn.show(desk.answer(session, volunteer, number, answering[2], now))
    elif text.lower() == "tiket":
        turn.show(desk.list_tickets(session, volunteer))
    elif text.lower() in ("libur", "aktif"):
        turn.show(desk.set_available(volunteer, text.lower() == "aktif"))
    elif (replied := replied_ticket(turn)) is not None:
        turn.show(desk.answer(session, volunteer, replied, text, now))
    else:
        return False
    return True


def ticket_number(example: str, given: str) -> int:
    """The ticket number after a word: missing, or not a number, is a one-line error that shows
    the word with a number (`example`: "AMBIL 12", "#12 jawaban Anda")."""
    given = given.strip()
    if not given:
        raise DeskError("no_number", example=example)
    if not given.isdecimal() or len(given) > 9:
        raise DeskError("bad_number", number=given[:20], example=example)
    return int(given)


def replied_ticket(turn: Turn) -> int | None:
    """The ticket a Telegram reply is about: the bot's message it replies to named it."""
    payload = turn.session.exec(
        select(OutboundMessage.payload).where(
            OutboundMessage.contact_id == turn.contact.id, OutboundMessage.provider_message_id == turn.reply_to
        )
    ).first()
    ticket = (payload or {}).get("ticket")
    return int(ticket) if isinstance(ticket, int) else None


def join_with(turn: Turn, code: str, quiet_failure: bool) -> bool:
    """Activate the volunteer whose code this is, from their registered chat; False when the
    message is left to the teacher's words (a failed deep link)."""
    already = active_volunteer(turn.session, turn.contact)
    volunteer = join(turn.session, turn.contact, code, turn.now())
    if volunteer is None and already is not None:
        turn.say("duta.already_joined", name=already.name)
    elif volunteer is None and quiet_failure:
        return False
    elif volunteer is None:
        turn.say("duta.join_failed")
    else:
        hours = volunteers.working_hours(volunteer)
        turn.say(
            "duta.joined",
            name=volunteer.name,
            start=hours.start.strftime("%H.%M"),
            end=hours.end.strftime("%H.%M"),
            zone=desk.zone_label(volunteer),
        )
    return True


def free_text(turn: Turn) -> bool:
    """Plain text from a volunteer holding exactly one ticket answers it; a teacher's goes on
    their ticket (and to the volunteer who holds it)."""
    volunteer = active_volunteer(turn.session, turn.contact)
    if volunteer is not None:
        held = desk.held_tickets(turn.session, volunteer)
        if len(held) == 1 and held[0].id is not None:
            turn.show(desk.answer(turn.session, volunteer, held[0].id, turn.text, turn.now(), only=True))
            return True
        if len(held) > 1:
            numbers = ", ".join(f"#{ticket.id}" for ticket in held)
            turn.say("duta.error.which", count=len(held), numbers=numbers, ticket=held[0].id)
            return True
    line = teacher_writes(turn.session, turn.contact, turn.text, turn.now())
    if line is None:
        return False
    turn.show(line)
    return True


def answer_rating(turn: Turn, prompt: Prompt, choice: int) -> None:
    if prompt.subject_id is not None:
        rate(turn.session, prompt.subject_id, choice)
    turn.say("helpdesk.teacher.rated")


def forget(session: Session, contact_id: int) -> None:
    """HAPUS DATA: the teacher's tickets (figures kept), and the chat's place on the roster."""
    erasure.forget_contact(session, contact_id, utcnow())


ROLE = Role("duta", words=volunteer_words, text=free_text)
FEATURE = Feature(
    "duta",
    roles=(ROLE,),
    prompt_kinds=(PromptKind(RATING_PROMPT, answer_rating, "helpdesk.rating"),),
    jobs=(timers.TIMERS,),
    routers=(helpdesk_routes.router,),
    erase=forget,
    keeps=volunteers.is_a_volunteers_chat,
)
