"""Reflections of a meeting's participants: who is asked and when, what they answered, and what
finishing one leads to (the follow-up two weeks on, the badge). Used by the tick, the chat
handlers, the staff API and the dashboard alike."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.local_time import AWAKE, DAYTIME, zone_of
from bot.meetings.models import Invitation, Meeting, MeetingStatus, Rsvp
from bot.models import Contact
from bot.prompts import close_prompts
from bot.reflections.models import FOLLOWUP_PROMPT, REFLECTION_PROMPT, Reflection, ReflectionStatus
from bot.reflections.questions import Kind, Question, questions_of

REMINDER_AFTER = timedelta(hours=24)


def meeting_end(meeting: Meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def reflection_due(meeting: Meeting) -> datetime:
    """When the participants are asked: the set delay after the end; a meeting recorded after it
    started (held already) right away."""
    if meeting.created_at >= meeting.starts_at:
        return meeting.created_at
    return meeting_end(meeting) + timedelta(minutes=meeting.reflection_delay_minutes)


def participants(session: Session, meeting: Meeting) -> Sequence[tuple[Invitation, Contact]]:
    """Those who said they would come; when nobody did, everyone invited who did not decline."""
    rows = session.exec(
        select(Invitation, Contact)
        .join(Contact, col(Contact.id) == col(Invitation.contact_id))
        .where(Invitation.meeting_id == meeting.id, Invitation.rsvp != Rsvp.NO)
        .order_by(col(Invitation.id))
    ).all()
    attending = [(invitation, contact) for invitation, contact in rows if invitation.rsvp == Rsvp.YES]
    return attending or rows


def is_participant(session: Session, meeting: Meeting, contact_id: int) -> bool:
    return any(contact.id == contact_id for _, contact in participants(session, meeting))


def plan_reflections(session: Session, meeting: Meeting, now: datetime) -> int:
    """A reflection for each reachable participant, due now or when their quiet hours end."""
    meeting.reflections_planned_at = now
    if meeting.status != MeetingStatus.SCHEDULED:
        return 0
    planned = 0
    for _, contact in participants(session, meeting):
        if contact.opted_out_at is None:
            due = AWAKE.next_allowed(now, zone_of(contact))
            session.add(Reflection(meeting_id=meeting.id or 0, contact_id=contact.id, due_at=due))
            planned += 1
    return planned


def prompted_reflections(session: Session, contact: Contact) -> Sequence[tuple[Reflection, Meeting]]:
    """The contact's reflections that were asked for, the most recent meeting first."""
    return session.exec(
        select(Reflection, Meeting)
        .join(Meeting, col(Meeting.id) == col(Reflection.meeting_id))
        .where(Reflection.contact_id == contact.id, col(Reflection.prompted_at).is_not(None))
        .order_by(col(Meeting.starts_at).desc(), col(Reflection.id).desc())
    ).all()


def reflection_of(session: Session, reflection_id: int, contact: Contact) -> tuple[Reflection, Meeting] | None:
    found = session.get(Reflection, reflection_id)
    if found is None or found.contact_id != contact.id:
        return None
    meeting = session.get(Meeting, found.meeting_id)
    return (found, meeting) if meeting is not None else None


def current_question(reflection: Reflection, meeting: Meeting) -> Question | None:
    questions = questions_of(meeting.question_set)
    return questions[reflection.question] if reflection.question < len(questions) else None


def begin(session: Session, reflection: Reflection) -> None:
    """The teacher started (or resumed) answering: its prompt closes, no reminder is needed."""
    reflection.status = ReflectionStatus.ANSWERING
    reflection.due_at = None
    close_prompts(session, reflection.contact_id, REFLECTION_PROMPT, reflection.id)


def record(reflection: Reflection, question: Question, value: int | str | list[str]) -> None:
    """Keep one answer; a rating also in its own column (it outlives an erasure, anonymous)."""
    reflection.answers = {**reflection.answers, question.id: value}
    if question.kind == Kind.RATING and isinstance(value, int) and reflection.rating is None:
        reflection.rating = value


def things_of(reflection: Reflection, meeting: Meeting) -> list[str]:
    """The things the teacher will change (the first "three" question's answer)."""
    for question in questions_of(meeting.question_set):
        if question.kind == Kind.THREE:
            value = reflection.answers.get(question.id)
            return [str(item) for item in value] if isinstance(value, list) else []
    return []


def answered_any(reflection: Reflection) -> bool:
    return any(value not in (None, "", []) for value in reflection.answers.values())


def finish(reflection: Reflection, meeting: Meeting, contact: Contact, now: datetime) -> None:
    """The last question is behind: the follow-up of the things written is planned."""
    reflection.status, reflection.completed_at, reflection.due_at = ReflectionStatus.DONE, now, None
    if things_of(reflection, meeting):
        followup = meeting_end(meeting) + timedelta(days=meeting.followup_days)
        reflection.followup_due_at = DAYTIME.next_allowed(max(followup, now), zone_of(contact))


def record_applied(session: Session, reflection: Reflection, applied: list[int]) -> None:
    reflection.applied = sorted(set(applied))
    close_prompts(session, reflection.contact_id, FOLLOWUP_PROMPT, reflection.id)
