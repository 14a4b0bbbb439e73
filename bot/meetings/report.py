"""What staff see of a meeting: its details in every zone of the audience, answers and messages sent."""

from sqlmodel import Session, col, func, select

from bot.audience import Audience, zone_labels
from bot.meetings.models import (
    DueStatus,
    Invitation,
    Meeting,
    MeetingPublic,
    MeetingReport,
    MessageKind,
    Reminder,
    RsvpCounts,
)
from bot.meetings.timefmt import ZONE_BY_LABEL, moment_text, with_offset
from bot.models import Contact


def to_public(meeting: Meeting) -> MeetingPublic:
    audience = Audience.model_validate(meeting.audience)
    labels = zone_labels(audience)
    assert meeting.id is not None
    return MeetingPublic(
        id=meeting.id,
        title=meeting.title,
        starts_at=with_offset(meeting.starts_at, meeting.organiser_offset_minutes),
        local_times={
            label: moment_text(meeting.starts_at, ZONE_BY_LABEL[label]) for label in ZONE_BY_LABEL if label in labels
        },
        duration_minutes=meeting.duration_minutes,
        join_url=meeting.join_url,
        agenda=meeting.agenda,
        audience=audience,
        reminder_minutes=meeting.reminder_minutes,
        status=meeting.status,
        calendar_url=meeting.calendar_url,
        created_by=meeting.created_by,
        created_at=meeting.created_at,
        reflection_delay_minutes=meeting.reflection_delay_minutes,
        question_set=meeting.question_set,
        badge_title=meeting.badge_title,
        followup_days=meeting.followup_days,
    )


def rsvp_counts(session: Session, meeting_id: int) -> RsvpCounts:
    rows = session.exec(
        select(Invitation.rsvp, func.count()).where(Invitation.meeting_id == meeting_id).group_by(Invitation.rsvp)
    ).all()
    return RsvpCounts(**{answer: count for answer, count in rows})


def due_counts(session: Session, meeting_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Reminder rows by status, and messages sent by kind."""
    rows = session.exec(
        select(Reminder.kind, Reminder.status, func.count())
        .where(Reminder.meeting_id == meeting_id)
        .group_by(Reminder.kind, Reminder.status)
    ).all()
    reminders = {status.value: 0 for status in DueStatus}
    sent = {kind.value: 0 for kind in MessageKind}
    for kind, status, count in rows:
        if kind == MessageKind.REMINDER:
            reminders[status] = count
        if status == DueStatus.SENT:
            sent[kind] = count
    return reminders, sent


def opted_out_since(session: Session, meeting_id: int) -> int:
    """Invited contacts who have said BERHENTI since: they get nothing more about the meeting."""
    return session.exec(
        select(func.count())
        .select_from(Invitation)
        .join(Contact, col(Contact.id) == col(Invitation.contact_id))
        .where(Invitation.meeting_id == meeting_id, col(Contact.opted_out_at).is_not(None))
    ).one()


def report(session: Session, meeting: Meeting) -> MeetingReport:
    assert meeting.id is not None
    answers = rsvp_counts(session, meeting.id)
    reminders, sent = due_counts(session, meeting.id)
    return MeetingReport(
        **to_public(meeting).model_dump(),
        invited=answers.yes + answers.no + answers.none,
        opted_out=meeting.opted_out_count + opted_out_since(session, meeting.id),
        rsvp=answers,
        reminders=reminders,
        messages_sent=sent,
    )
