"""Creating, editing and cancelling meetings, inviting the audience and recording answers.

Every message is planned as a due row (`Reminder`); the tick job sends it when due. Rows are
cancelled and planned again when the time changes, and a teacher who declines has theirs
cancelled. Texts are written when sent, so a late invitation already shows the new time.
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.audience import Audience, AudienceCaller, contacts_query, scoped
from bot.db import is_postgres
from bot.errors import BadRequest
from bot.meetings.models import (
    RSVP_PROMPT,
    DueStatus,
    Invitation,
    Meeting,
    MeetingCreate,
    MeetingStatus,
    MeetingUpdate,
    MessageKind,
    Reminder,
    Rsvp,
)
from bot.meetings.scheduling import notice_due, plan_reminders
from bot.meetings.timefmt import zone_of
from bot.models import Contact
from bot.prompts import close_prompts, close_subject, move_expiry

ANNOUNCED_FIELDS = ("starts_at", "duration_minutes", "join_url")
RECORDED_AFTER = timedelta(days=30)  # a meeting held up to this long ago may still be recorded


class Organiser(AudienceCaller, Protocol):
    @property
    def name(self) -> str: ...


class MeetingClosed(BadRequest):
    """The meeting was cancelled or has started: it can no longer change."""


def new_short_code() -> str:
    return secrets.token_urlsafe(6)


def utc_offset_minutes(moment: datetime) -> int:
    offset = moment.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def create_meeting(
    session: Session, body: MeetingCreate, organiser: Organiser, public_url: str, now: datetime
) -> Meeting:
    """Store the meeting and invite its audience (staff only inside their province). A meeting
    that has started already is recorded after the fact: invited, with nothing sent before it."""
    if body.starts_at < now - RECORDED_AFTER:
        raise BadRequest("starts_at lies too far in the past to record the meeting")
    audience = scoped(body.audience, organiser)
    code = new_short_code()
    meeting = Meeting(
        title=body.title.strip(),
        agenda=body.agenda.strip(),
        join_url=body.join_url,
        starts_at=body.starts_at.astimezone(UTC),
        duration_minutes=body.duration_minutes,
        organiser_offset_minutes=utc_offset_minutes(body.starts_at),
        audience=audience.model_dump(),
        reminder_minutes=body.reminder_minutes,
        province=None if organiser.is_admin else organiser.province,
        created_by=organiser.name,
        short_code=code,
        calendar_url=f"{public_url.rstrip('/')}/m/{code}.ics",
        reflection_delay_minutes=body.reflection_delay_minutes,
        question_set=body.question_set,
        badge_title=body.badge_title.strip() if body.badge_title else None,
        followup_days=body.followup_days,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    invite_audience(session, meeting, now, announce=meeting.starts_at > now)
    return meeting


def invite_audience(session: Session, meeting: Meeting, now: datetime, announce: bool = True) -> None:
    """Invite every onboarded contact of the audience, except those who said BERHENTI; without
    `announce` (a meeting held already) the invitations are recorded and nothing is planned."""
    contacts = session.exec(contacts_query(Audience.model_validate(meeting.audience))).all()
    reachable = [contact for contact in contacts if contact.opted_out_at is None]
    meeting.opted_out_count = len(contacts) - len(reachable)
    assert meeting.id is not None
    invitations = [Invitation(meeting_id=meeting.id, contact_id=contact.id or 0) for contact in reachable]
    session.add_all(invitations)
    session.flush()
    if not announce:
        return
    for invitation, contact in zip(invitations, reachable, strict=True):
        plan_messages(session, meeting, invitation, contact, now, notice=None)


def plan_messages(
    session: Session,
    meeting: Meeting,
    invitation: Invitation,
    contact: Contact,
    now: datetime,
    notice: MessageKind | None,
    moved_minutes: int = 0,
) -> None:
    """Due rows for one invitation: the invitation if it has not gone yet (else `notice`, which keeps
    how many minutes the start moved from the one the teacher last heard), then reminders."""
    iana = zone_of(contact).iana
    first = MessageKind.INVITATION if invitation.notified_at is None else notice
    if first is not None:
        moved = moved_minutes if first == notice else 0
        add_due(session, invitation, meeting, first, notice_due(now, meeting.starts_at, iana), moved)
    if meeting.status == MeetingStatus.SCHEDULED:
        # A reminder whose moment passed would go in the same second as the invitation: it only
        # catches up when no later reminder is left (a meeting less than an hour away).
        ahead = plan_reminders(meeting.starts_at, meeting.reminder_minutes, iana, now, catch_up=False)
        add_reminders(session, meeting, invitation, iana, now, catch_up=first != MessageKind.INVITATION or not ahead)


def add_reminders(
    session: Session, meeting: Meeting, invitation: Invitation, iana: str, now: datetime, catch_up: bool
) -> None:
    for planned in plan_reminders(meeting.starts_at, meeting.reminder_minutes, iana, now, catch_up):
        add_due(session, invitation, meeting, MessageKind.REMINDER, planned.due_at, planned.offset_minutes)


def add_due(
    session: Session, invitation: Invitation, meeting: Meeting, kind: str, due_at: datetime, offset: int = 0
) -> None:
    assert invitation.id is not None and meeting.id is not None
    session.add(
        Reminder(invitation_id=invitation.id, meeting_id=meeting.id, kind=kind, offset_minutes=offset, due_at=due_at)
    )


def withdraw_pending(session: Session, meeting_id: int, invitation_id: int | None = None) -> None:
    """Cancel pending rows of a meeting (or of one invitation). Rows a tick is sending right now are
    left to it (SKIP LOCKED), so a teacher's answer never waits for, nor deadlocks with, the tick."""
    query = select(Reminder.id).where(Reminder.meeting_id == meeting_id, Reminder.status == DueStatus.PENDING)
    if invitation_id is not None:
        query = query.where(Reminder.invitation_id == invitation_id)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    ids = list(session.exec(query).all())
    if ids:
        session.exec(
            update(Reminder)
            .where(col(Reminder.id).in_(ids), col(Reminder.status) == DueStatus.PENDING)
            .values(status=DueStatus.CANCELLED)
        )


def answering_invitations(session: Session, meeting: Meeting) -> Sequence[tuple[Invitation, Contact]]:
    """Invitations of everyone who hasn't declined, with their contacts."""
    return session.exec(
        select(Invitation, Contact)
        .join(Contact, col(Contact.id) == col(Invitation.contact_id))
        .where(Invitation.meeting_id == meeting.id, Invitation.rsvp != Rsvp.NO)
        .order_by(col(Invitation.id))
    ).all()


def ensure_open(meeting: Meeting, now: datetime) -> None:
    if meeting.status != MeetingStatus.SCHEDULED or meeting.starts_at <= now:
        raise MeetingClosed("the meeting was cancelled or has started")


def edit_meeting(session: Session, meeting: Meeting, body: MeetingUpdate, now: datetime) -> Meeting:
    """Change a meeting; a new time, duration or link is announced and the reminders planned again."""
    ensure_open(meeting, now)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "starts_at" in changes and changes["starts_at"] <= now:
        raise BadRequest("starts_at must be in the future")
    previous_start = meeting.starts_at
    if "starts_at" in changes:
        meeting.organiser_offset_minutes = utc_offset_minutes(changes["starts_at"])
        changes["starts_at"] = changes["starts_at"].astimezone(UTC)
    announced = any(field in changes and changes[field] != getattr(meeting, field) for field in ANNOUNCED_FIELDS)
    for field, value in changes.items():
        setattr(meeting, field, value.strip() if isinstance(value, str) else value)
    meeting.sequence, meeting.updated_at = meeting.sequence + 1, now
    assert meeting.id is not None
    move_expiry(session, RSVP_PROMPT, meeting.id, meeting.starts_at)  # an open RSVP lasts until the new start
    if announced:
        replan(session, meeting, now, MessageKind.UPDATE, previous_start)
    return meeting


def cancel_meeting(session: Session, meeting: Meeting, now: datetime) -> Meeting:
    """Cancel a meeting: nothing more is sent about it but the cancellation notice."""
    ensure_open(meeting, now)
    meeting.status, meeting.cancelled_at = MeetingStatus.CANCELLED, now
    meeting.sequence, meeting.updated_at = meeting.sequence + 1, now
    assert meeting.id is not None
    withdraw_pending(session, meeting.id)
    close_subject(session, RSVP_PROMPT, meeting.id)  # an old "1 Hadir" button now says it expired
    for invitation, contact in answering_invitations(session, meeting):
        if invitation.notified_at is not None:
            iana = zone_of(contact).iana
            add_due(session, invitation, meeting, MessageKind.CANCELLATION, notice_due(now, meeting.starts_at, iana))
    return meeting


def replan(session: Session, meeting: Meeting, now: datetime, notice: MessageKind, previous_start: datetime) -> None:
    """Withdraw every pending row and plan again for the current time (with `notice` for the
    invited, telling each the start they last heard of: a notice not sent yet never was heard)."""
    assert meeting.id is not None
    heard = starts_heard(session, meeting.id, previous_start)
    withdraw_pending(session, meeting.id)
    for invitation, contact in answering_invitations(session, meeting):
        known = heard.get(invitation.id or 0, previous_start)
        moved = int((known - meeting.starts_at).total_seconds() // 60)
        plan_messages(session, meeting, invitation, contact, now, notice, moved)


def starts_heard(session: Session, meeting_id: int, previous_start: datetime) -> dict[int, datetime]:
    """Per invitation with a change notice still pending: the start its teacher last heard of."""
    pending = session.exec(
        select(Reminder).where(
            Reminder.meeting_id == meeting_id,
            Reminder.status == DueStatus.PENDING,
            Reminder.kind == MessageKind.UPDATE,
        )
    ).all()
    return {row.invitation_id: previous_start + timedelta(minutes=row.offset_minutes) for row in pending}


def set_rsvp(session: Session, invitation: Invitation, contact: Contact, answer: Rsvp, now: datetime) -> None:
    """Record a teacher's answer: declining stops their reminders, accepting again plans the ones to come."""
    previous = invitation.rsvp
    invitation.rsvp, invitation.rsvp_at = answer, now
    close_prompts(session, contact.id, RSVP_PROMPT, invitation.meeting_id)  # answered, whichever way
    if answer == Rsvp.NO and previous != Rsvp.NO:
        withdraw_pending(session, invitation.meeting_id, invitation.id)
    elif answer == Rsvp.YES and previous == Rsvp.NO:
        meeting = session.get(Meeting, invitation.meeting_id)
        if meeting is not None:
            add_reminders(session, meeting, invitation, zone_of(contact).iana, now, catch_up=False)


def visible_meetings(session: Session, viewer: AudienceCaller, now: datetime, past: bool = False) -> Sequence[Meeting]:
    """Meetings staff may see (admins all, staff their province's), soonest first; `past` for started ones."""
    query = select(Meeting).where(col(Meeting.starts_at) <= now if past else col(Meeting.starts_at) > now)
    if not viewer.is_admin:
        query = query.where(Meeting.province == viewer.province)
    return session.exec(query.order_by(col(Meeting.starts_at)).limit(200)).all()


def upcoming_for(session: Session, contact: Contact, now: datetime) -> Sequence[tuple[Meeting, Invitation]]:
    """The contact's meetings that have not started yet, soonest first."""
    return session.exec(
        select(Meeting, Invitation)
        .join(Invitation, col(Invitation.meeting_id) == col(Meeting.id))
        .where(
            Invitation.contact_id == contact.id,
            Meeting.status == MeetingStatus.SCHEDULED,
            col(Meeting.starts_at) > now,
        )
        .order_by(col(Meeting.starts_at))
        .limit(9)
    ).all()


def invitation_of(session: Session, meeting_id: int, contact: Contact) -> tuple[Meeting, Invitation] | None:
    """The meeting and the contact's invitation to it, while it can still be answered."""
    return session.exec(
        select(Meeting, Invitation)
        .join(Invitation, col(Invitation.meeting_id) == col(Meeting.id))
        .where(Meeting.id == meeting_id, Invitation.contact_id == contact.id)
        .where(Meeting.status == MeetingStatus.SCHEDULED)
    ).first()
