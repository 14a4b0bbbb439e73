"""The tick job: claims due meeting messages in batches and puts them in the outbox.

Claiming is safe with several workers. On PostgreSQL the claim query locks its rows with
`FOR UPDATE SKIP LOCKED`, so two workers take disjoint batches; everywhere, a guarded update
(`status = 'pending'` → `'sent'`) decides which rows this worker owns, in the same transaction
as the outbox rows, so a row is either sent once or still pending after a crash.

A row found late (after a restart) is still sent, with "segera dimulai" wording when the start is
within the hour, and skipped once the meeting has started.

No deadlock with the conversation engine (which locks a contact, then its prompts and invitation,
and withdraws reminders with SKIP LOCKED): a batch locks reminder rows, never a contact, only
inserts new RSVP prompts, and touches invitations last, after every outbox row is written.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.clock import utcnow
from bot.content import texts
from bot.conversation import Reply
from bot.db import is_postgres, session_scope
from bot.meetings.models import RSVP_PROMPT, DueStatus, Invitation, Meeting, MeetingStatus, MessageKind, Reminder, Rsvp
from bot.meetings.render import message_text
from bot.meetings.timefmt import moment_text, zone_of
from bot.models import Contact, Priority
from bot.outbox import enqueue
from bot.prompts import button_tag, open_prompt
from bot.timed import TimedJob, due_query

log = logging.getLogger(__name__)
BATCH_SIZE = 1000
MAX_BATCHES_PER_TICK = 20
REMINDER_TEMPLATE = "meeting_reminder"  # content/templates.yaml: variables title, local_time


@dataclass
class BatchContext:
    """The invitations, meetings and contacts of one claimed batch, loaded in three queries."""

    invitations: dict[int, Invitation]
    meetings: dict[int, Meeting]
    contacts: dict[int, Contact]


def claim_query(now: datetime, batch: int, for_postgres: bool) -> SelectOfScalar[Reminder]:
    """Due pending rows, oldest first, through `ix_meeting_reminder_due`."""
    pending = col(Reminder.status) == DueStatus.PENDING
    return due_query(Reminder, Reminder.due_at, pending, now=now, batch=batch, for_postgres=for_postgres)


def claim_due(session: Session, now: datetime, batch: int = BATCH_SIZE) -> list[Reminder]:
    """Claim up to `batch` due rows; returns only those this worker now owns (marked sent).

    The returned objects are read as they were found: their status is written by statements."""
    rows = session.exec(claim_query(now, batch, is_postgres(session))).all()
    if not rows:
        return []
    owned = take_ownership(session, [row.id for row in rows if row.id is not None], now)
    return [row for row in rows if row.id in owned]


def take_ownership(session: Session, ids: list[int], now: datetime) -> set[int]:
    """Mark rows sent unless another worker did first (SQLite has no SKIP LOCKED: the status guards)."""
    statement = (
        update(Reminder)
        .where(col(Reminder.id).in_(ids), col(Reminder.status) == DueStatus.PENDING)
        .values(status=DueStatus.SENT, sent_at=now)
        .returning(col(Reminder.id))
        .execution_options(synchronize_session=False)
    )
    return set(session.exec(statement).scalars())


def load_context(session: Session, rows: Sequence[Reminder]) -> BatchContext:
    invitation_ids = {row.invitation_id for row in rows}
    invitations = session.exec(select(Invitation).where(col(Invitation.id).in_(invitation_ids))).all()
    meeting_ids = {row.meeting_id for row in rows}
    meetings = session.exec(select(Meeting).where(col(Meeting.id).in_(meeting_ids))).all()
    contact_ids = {invitation.contact_id for invitation in invitations}
    contacts = session.exec(select(Contact).where(col(Contact.id).in_(contact_ids))).all()
    return BatchContext(
        {row.id or 0: row for row in invitations},
        {row.id or 0: row for row in meetings},
        {row.id or 0: row for row in contacts},
    )


def still_wanted(row: Reminder, invitation: Invitation, meeting: Meeting, contact: Contact, now: datetime) -> bool:
    """Whether a due row should still go: nothing after the start, to opted-out contacts or to decliners."""
    if now >= meeting.starts_at or contact.opted_out_at is not None or invitation.rsvp == Rsvp.NO:
        return False
    if row.kind == MessageKind.CANCELLATION:
        return True
    if row.kind == MessageKind.INVITATION and invitation.rsvp != Rsvp.NONE:
        return False  # answered through `jadwal` before the invitation went out
    return meeting.status == MeetingStatus.SCHEDULED


def closest_reminders(rows: Sequence[Reminder]) -> set[int]:
    """Of several reminders for one invitation found due together (late), only the one nearest the start goes."""
    nearest: dict[int, Reminder] = {}
    for row in rows:
        if row.kind != MessageKind.REMINDER:
            continue
        kept = nearest.get(row.invitation_id)
        if kept is None or row.offset_minutes < kept.offset_minutes:
            nearest[row.invitation_id] = row
    return {row.id or 0 for row in nearest.values()}


def deliver(session: Session, row: Reminder, context: BatchContext, now: datetime) -> None:
    invitation = context.invitations[row.invitation_id]
    meeting = context.meetings[row.meeting_id]
    contact = context.contacts[invitation.contact_id]
    answered = invitation.rsvp != Rsvp.NONE
    reply = Reply(message_text(row, meeting, contact, now, answered), kind=row.kind, priority=Priority.REMINDER)
    if row.kind == MessageKind.INVITATION:
        ask_rsvp(session, reply, contact, meeting)
    if row.kind != MessageKind.REMINDER:
        enqueue(session, contact, reply)
        return
    # Outside WhatsApp's 24-hour window a reminder still arrives, as the approved template.
    variables = {"title": meeting.title, "local_time": moment_text(meeting.starts_at, zone_of(contact))}
    enqueue(session, contact, reply, template=REMINDER_TEMPLATE, template_variables=variables)


def ask_rsvp(session: Session, reply: Reply, contact: Contact, meeting: Meeting) -> None:
    """The invitation asks "hadir?" as a prompt of its own, open until the meeting starts, so the
    answer reaches this meeting whatever the teacher is doing."""
    options = texts().choices("meetings.rsvp")
    prompt = open_prompt(
        session, contact.id or 0, RSVP_PROMPT, options, subject_id=meeting.id, expires_at=meeting.starts_at
    )
    reply.options, reply.tag = options, button_tag(prompt)


def send_batch(session: Session, rows: Sequence[Reminder], now: datetime) -> int:
    """Put the wanted rows in the outbox; mark the rest skipped. Returns how many were sent."""
    context = load_context(session, rows)
    nearest = closest_reminders(rows)
    sent: list[Reminder] = []
    # In contact order (stable, so one contact's messages keep their order): two workers' batches
    # never take one contact's rows in opposite orders.
    for row in sorted(rows, key=lambda row: context.invitations[row.invitation_id].contact_id):
        invitation = context.invitations[row.invitation_id]
        contact = context.contacts[invitation.contact_id]
        wanted = still_wanted(row, invitation, context.meetings[row.meeting_id], contact, now)
        if wanted and (row.kind != MessageKind.REMINDER or row.id in nearest):
            deliver(session, row, context, now)
            sent.append(row)
    sent_ids = {row.id for row in sent}
    skipped = [row.id or 0 for row in rows if row.id not in sent_ids]
    mark_skipped(session, skipped)
    mark_notified(session, [row.invitation_id for row in sent if row.kind == MessageKind.INVITATION], now)
    log.info("meeting messages: %d to the outbox, %d no longer wanted", len(sent), len(skipped))
    return len(sent)


def mark_skipped(session: Session, ids: list[int]) -> None:
    if ids:
        session.exec(
            update(Reminder)
            .where(col(Reminder.id).in_(ids))
            .values(status=DueStatus.SKIPPED, sent_at=None)
            .execution_options(synchronize_session=False)
        )


def mark_notified(session: Session, invitation_ids: list[int], now: datetime) -> None:
    if invitation_ids:
        session.exec(
            update(Invitation)
            .where(col(Invitation.id).in_(invitation_ids))
            .values(notified_at=now)
            .execution_options(synchronize_session=False)
        )


def send_due_reminders(engine: Engine) -> int:
    """The tick job: send what is due, one batch per transaction; returns how many rows were claimed."""
    claimed = 0
    for _ in range(MAX_BATCHES_PER_TICK):
        with session_scope(engine) as session:
            now = utcnow()
            rows = claim_due(session, now)
            if rows:
                send_batch(session, rows, now)
        claimed += len(rows)
        if len(rows) < BATCH_SIZE:
            break
    return claimed



MEETING_MESSAGES = TimedJob("meeting_messages", send_due_reminders)
