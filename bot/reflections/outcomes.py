"""A meeting's outcome: the facilitator's summary, shared with the participants in one short
message, and action items, each owned by a participant who is reminded the day before it is due
at 08.00 in their own zone ("1 Selesai · 2 Belum")."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.activation.nudges import lock_contact
from bot.clock import utcnow
from bot.content import texts
from bot.conversation import Reply, Turn
from bot.db import session_scope
from bot.errors import BadRequest
from bot.local_time import AWAKE, DAYTIME, date_text, zone_of
from bot.meetings.models import Meeting, MeetingReport
from bot.meetings.render import short
from bot.models import Contact, Priority
from bot.outbox import enqueue
from bot.profile import first_name
from bot.prompts import Prompt
from bot.reflections.jobs import send_prompt
from bot.reflections.models import OUTCOME_PROMPT, ActionItem, ItemState, Outcome
from bot.reflections.service import participants
from bot.timed import TimedJob, claim_due

REMINDER_CLOCK = time(8, 0)
SUMMARY_SHORT = 500  # characters of the summary in the participants' message


class NotAParticipant(BadRequest):
    """An action item's owner must be one of the meeting's participants."""


class OutcomePosted(Exception):
    """A meeting has one outcome: a second POST (a client's retry) changes nothing."""


class ItemCreate(BaseModel):
    text: str = Field(min_length=3, max_length=500)
    owner_contact_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    due: date


class OutcomeCreate(BaseModel):
    summary: str = Field(min_length=3, max_length=2000)
    items: list[ItemCreate] = Field(default_factory=list, max_length=30)


class ItemPublic(BaseModel):
    id: int
    text: str
    owner_contact_id: int | None
    owner_name: str | None
    due: date
    state: str
    reminded_at: datetime | None
    answered_at: datetime | None


class OutcomePublic(BaseModel):
    id: int
    summary: str
    created_by: str
    created_at: datetime
    items: list[ItemPublic]


class MeetingDetail(MeetingReport):
    """The meeting as staff see it, with its outcome and each action item's state."""

    outcome: OutcomePublic | None = None


def reminder_moment(due: date, contact: Contact, now: datetime) -> datetime | None:
    """08.00 local the day before `due`; daytime now when that has passed; None once it is due."""
    zone = zone_of(contact)
    moment = datetime.combine(due - timedelta(days=1), REMINDER_CLOCK, ZoneInfo(zone.iana)).astimezone(UTC)
    if moment > now:
        return moment
    today = now.astimezone(ZoneInfo(zone.iana)).date()
    return DAYTIME.next_allowed(now, zone) if due >= today else None


def post_outcome(session: Session, meeting: Meeting, body: OutcomeCreate, author: str, now: datetime) -> Outcome:
    """Store the outcome and its items, tell the participants; an owner outside them is refused."""
    people = {contact.id: contact for _, contact in participants(session, meeting)}
    strangers = [
        item.owner_contact_id for item in body.items if item.owner_contact_id and item.owner_contact_id not in people
    ]
    if strangers:
        raise NotAParticipant(f"owner_contact_id {strangers[0]} is not a participant of this meeting")
    if session.exec(select(Outcome.id).where(Outcome.meeting_id == meeting.id).with_for_update()).first():
        raise OutcomePosted("the meeting's outcome is posted already")
    outcome = Outcome(meeting_id=meeting.id or 0, summary=body.summary.strip(), created_by=author, created_at=now)
    session.add(outcome)
    session.flush()
    for item in body.items:
        owner = people.get(item.owner_contact_id) if item.owner_contact_id else None
        remind_at = reminder_moment(item.due, owner, now) if owner else None
        session.add(
            ActionItem(
                outcome_id=outcome.id or 0,
                meeting_id=meeting.id or 0,
                text=item.text.strip(),
                owner_contact_id=item.owner_contact_id,
                due=item.due,
                remind_at=remind_at,
            )
        )
    share(session, meeting, outcome, list(people.values()), len(body.items), now)
    return outcome


def share(
    session: Session, meeting: Meeting, outcome: Outcome, people: list[Contact], items: int, now: datetime
) -> None:
    """One short message to each reachable participant, outside their quiet hours."""
    content = texts()
    text = content.render("reflections.outcome", title=meeting.title, summary=short(outcome.summary, SUMMARY_SHORT))
    if items:
        text += "\n" + content.render("reflections.outcome_items", count=items)
    for contact in people:
        if contact.opted_out_at is None:
            row = enqueue(session, contact, Reply(text, kind="meeting_outcome", priority=Priority.REMINDER))
            row.next_attempt_at = AWAKE.next_allowed(now, zone_of(contact))


def remind_owner(session: Session, item: ActionItem, now: datetime) -> bool:
    contact = lock_contact(session, item.owner_contact_id) if item.owner_contact_id else None
    meeting = session.get(Meeting, item.meeting_id)
    if contact is None and item.owner_contact_id is not None:
        return False
    item.remind_at = None
    if contact is None or meeting is None or contact.opted_out_at is not None or item.state != ItemState.OPEN:
        return False
    content = texts()
    date = date_text(datetime.combine(item.due, time(12), UTC), zone_of(contact))
    text = content.render("reflections.outcome_reminder", title=meeting.title, text=item.text, date=date)
    send_prompt(session, contact, text, OUTCOME_PROMPT, content.choices("reflections.outcome"), item.id or 0)
    item.reminded_at = now
    return True


def send_due_item_reminders(engine: Engine) -> int:
    with session_scope(engine) as session:
        now = utcnow()
        due = claim_due(session, ActionItem, ActionItem.remind_at)
        return sum(remind_owner(session, item, now) for item in due)


def answer_item(turn: Turn, prompt: Prompt, choice: int) -> None:
    """The owner's "1 Selesai" or "2 Belum"."""
    item = turn.session.get(ActionItem, prompt.subject_id or 0)
    if item is None or item.owner_contact_id != turn.contact.id:
        turn.say("reflections.gone")
        return
    item.state = ItemState.DONE if choice == 1 else ItemState.NOT_DONE
    item.answered_at = turn.now()
    turn.say("reflections.outcome_done" if choice == 1 else "reflections.outcome_not_done")


def items_of(session: Session, meeting_id: int) -> Sequence[tuple[ActionItem, Contact | None]]:
    return session.exec(
        select(ActionItem, Contact)
        .outerjoin(Contact, col(Contact.id) == col(ActionItem.owner_contact_id))
        .where(ActionItem.meeting_id == meeting_id)
        .order_by(col(ActionItem.id))
    ).all()


def outcome_public(session: Session, meeting_id: int) -> OutcomePublic | None:
    """The meeting's latest outcome with each item's state, for `GET /api/meetings/{id}`."""
    outcome = session.exec(
        select(Outcome).where(Outcome.meeting_id == meeting_id).order_by(col(Outcome.id).desc())
    ).first()
    if outcome is None:
        return None
    items = [
        ItemPublic(
            id=item.id or 0,
            text=item.text,
            owner_contact_id=item.owner_contact_id,
            owner_name=first_name(owner.name) if owner else None,
            due=item.due,
            state=item.state,
            reminded_at=item.reminded_at,
            answered_at=item.answered_at,
        )
        for item, owner in items_of(session, meeting_id)
        if item.outcome_id == outcome.id
    ]
    return OutcomePublic(
        id=outcome.id or 0,
        summary=outcome.summary,
        created_by=outcome.created_by,
        created_at=outcome.created_at,
        items=items,
    )


OUTCOME_REMINDERS = TimedJob("action_item_reminders", send_due_item_reminders)
