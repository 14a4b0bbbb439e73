"""Timed work after meetings: plan each ended meeting's reflections, send each prompt (and its one
reminder 24 hours on) outside quiet hours, the follow-up of the things written, in daytime, and
the retention of reflection texts."""

from datetime import datetime, timedelta

from sqlalchemy import Engine, String, cast, func, update
from sqlmodel import Session, col

from bot.activation.nudges import lock_contact
from bot.clock import utcnow
from bot.content import texts
from bot.conversation import Reply
from bot.db import session_scope
from bot.local_time import AWAKE, DAYTIME, date_text, zone_of
from bot.meetings.models import Meeting
from bot.meetings.render import short
from bot.models import Contact, Priority
from bot.outbox import enqueue
from bot.prompts import button_tag, open_prompt
from bot.reflections.models import FOLLOWUP_PROMPT, REFLECTION_PROMPT, Reflection, ReflectionStatus
from bot.reflections.questions import questions_of
from bot.reflections.service import REMINDER_AFTER, plan_reflections, reflection_due, things_of
from bot.timed import MESSAGE_RETENTION, TimedJob, claim_due

BATCH = 100
THING_LABEL = 60  # characters of a thing as a numbered option


def plan_ended_meetings(engine: Engine) -> int:
    """Meetings whose reflection moment came: their participants' reflections are planned."""
    with session_scope(engine) as session:
        now = utcnow()
        started = claim_due(session, Meeting, Meeting.starts_at, col(Meeting.reflections_planned_at).is_(None))
        return sum(plan_reflections(session, meeting, now) for meeting in started if reflection_due(meeting) <= now)


def send_prompt(session: Session, contact: Contact, text: str, kind: str, options: list[str], subject: int) -> None:
    """A question of its own (bot/prompts.py), beside whatever the teacher is doing."""
    prompt = open_prompt(session, contact.id or 0, kind, options, subject_id=subject)
    enqueue(session, contact, Reply(text, options, kind=kind, priority=Priority.REMINDER, tag=button_tag(prompt)))


def prompt_text(key: str, meeting: Meeting, contact: Contact) -> str:
    date = date_text(meeting.starts_at, zone_of(contact), weekday=False)
    return texts().render(key, title=meeting.title, date=date, count=len(questions_of(meeting.question_set)))


def ask_for_reflection(session: Session, reflection: Reflection, now: datetime) -> bool:
    """Send this reflection's prompt or its reminder if it may go now; else move or drop its due time."""
    contact = lock_contact(session, reflection.contact_id) if reflection.contact_id else None
    meeting = session.get(Meeting, reflection.meeting_id)
    if contact is None and reflection.contact_id is not None:
        return False  # the teacher is writing right now: next tick
    if contact is None or meeting is None or contact.opted_out_at is not None:
        reflection.due_at = None
        return False
    if not AWAKE.allows(now, zone_of(contact)):
        reflection.due_at = AWAKE.next_allowed(now, zone_of(contact))
        return False
    first = reflection.status == ReflectionStatus.WAITING
    key = "reflections.prompt" if first else "reflections.reminder"
    options = texts().choices("reflections.start")
    send_prompt(session, contact, prompt_text(key, meeting, contact), REFLECTION_PROMPT, options, reflection.id or 0)
    if first:
        reflection.status, reflection.prompted_at = ReflectionStatus.ASKED, now
        reflection.due_at = now + REMINDER_AFTER
    else:
        reflection.reminded_at, reflection.due_at = now, None
    return True


def send_due_prompts(engine: Engine) -> int:
    with session_scope(engine) as session:
        now = utcnow()
        waiting = (ReflectionStatus.WAITING, ReflectionStatus.ASKED)
        due = claim_due(session, Reflection, Reflection.due_at, col(Reflection.status).in_(waiting), batch=BATCH)
        return sum(ask_for_reflection(session, reflection, now) for reflection in due)


def followup_text(meeting: Meeting) -> str:
    none = texts().choices("reflections.none_applied")[0]
    return texts().render("reflections.followup", title=meeting.title, none=none)


def follow_up(session: Session, reflection: Reflection, now: datetime) -> bool:
    """Send the things written back, in the teacher's daytime, once."""
    contact = lock_contact(session, reflection.contact_id) if reflection.contact_id else None
    meeting = session.get(Meeting, reflection.meeting_id)
    if contact is None and reflection.contact_id is not None:
        return False
    if contact is None or meeting is None or contact.opted_out_at is not None or not things_of(reflection, meeting):
        reflection.followup_due_at = None
        return False
    if not DAYTIME.allows(now, zone_of(contact)):
        reflection.followup_due_at = DAYTIME.next_allowed(now, zone_of(contact))
        return False
    things = [short(thing, THING_LABEL) for thing in things_of(reflection, meeting)]  # numbered, as buttons too
    send_prompt(session, contact, followup_text(meeting), FOLLOWUP_PROMPT, things, reflection.id or 0)
    reflection.followup_due_at, reflection.followup_sent_at = None, now
    return True


def send_due_followups(engine: Engine) -> int:
    with session_scope(engine) as session:
        now = utcnow()
        due = claim_due(session, Reflection, Reflection.followup_due_at, batch=BATCH)
        return sum(follow_up(session, reflection, now) for reflection in due)


def purge_old_answers(engine: Engine) -> int:
    """Reflection texts are kept as long as messages (90 days), then blanked; ratings stay."""
    cutoff = utcnow() - MESSAGE_RETENTION
    with session_scope(engine) as session:
        result = session.exec(
            update(Reflection)
            .where(col(Reflection.created_at) < cutoff, func.length(cast(Reflection.answers, String)) > len("{}"))
            .values(answers={})
        )
        return int(result.rowcount or 0)


PLAN_REFLECTIONS = TimedJob("reflections_plan", plan_ended_meetings)
REFLECTION_PROMPTS = TimedJob("reflection_prompts", send_due_prompts)
FOLLOWUPS = TimedJob("reflection_followups", send_due_followups)
REFLECTION_RETENTION = TimedJob("reflection_retention", purge_old_answers, every=timedelta(hours=1))
