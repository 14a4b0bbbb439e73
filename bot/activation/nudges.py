"""Gentle nudges for a teacher who went silent in the middle of the walkthrough.

The first goes after 2 days of silence, a second after 5; never more for the same silence, never
after BERHENTI, never while a ticket waits for a human. Only in the teacher's daytime, 08.00–19.00
of their own zone: a due time at night moves to the next 08.00 local. A nudge is a prompt
("Lanjutkan" / "Mulai dari awal") beside whatever the teacher is doing; it closes as soon as the
walkthrough is touched again.
"""

from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.activation.models import NUDGE_PROMPT, ActivationProgress
from bot.activation.tickets import has_open_ticket
from bot.activation.walkthrough import walkthrough
from bot.clock import utcnow
from bot.content import texts
from bot.conversation import Reply
from bot.db import is_postgres, session_scope
from bot.local_time import DAYTIME, zone_of
from bot.models import Contact, Priority
from bot.outbox import enqueue
from bot.profile import greeting_name
from bot.prompts import button_tag, open_prompt
from bot.timed import TimedJob, claim_due

NUDGE_AFTER = (timedelta(days=2), timedelta(days=5))
NUDGE_TEXTS = ("activation.nudge_first", "activation.nudge_second")
BATCH = 100


def mid_walkthrough(progress: ActivationProgress) -> bool:
    return progress.step is not None and progress.completed_at is None


def silent_since(progress: ActivationProgress, contact: Contact) -> datetime:
    """The last time the teacher wrote anything, in the walkthrough or elsewhere."""
    return max(progress.updated_at, contact.last_inbound_at or progress.updated_at)


def plan_nudge(progress: ActivationProgress, contact: Contact, has_ticket: bool) -> None:
    """Set when the next nudge of this silence is due, or that none is."""
    if not mid_walkthrough(progress) or has_ticket or progress.nudges_sent >= len(NUDGE_AFTER):
        progress.nudge_due_at = None
        return
    after = NUDGE_AFTER[progress.nudges_sent]
    progress.nudge_due_at = DAYTIME.next_allowed(silent_since(progress, contact) + after, zone_of(contact))


def send_due_nudges(engine: Engine) -> int:
    """The timed job: claim due progress rows and nudge those still silent; returns how many went."""
    with session_scope(engine) as session:
        due = claim_due(session, ActivationProgress, ActivationProgress.nudge_due_at, batch=BATCH)
        return sum(nudge(session, progress) for progress in due)


def nudge(session: Session, progress: ActivationProgress) -> bool:
    """Send this row's nudge if it may go now; otherwise move or drop its due time."""
    contact = lock_contact(session, progress.contact_id)
    if contact is None:  # being answered right now: not silent, look again at the next tick
        return False
    if not may_nudge(session, contact, progress):
        progress.nudge_due_at = None
        return False
    plan_nudge(progress, contact, has_ticket=False)
    due = max(progress.nudge_due_at or utcnow(), DAYTIME.next_allowed(utcnow(), zone_of(contact)))
    if due > utcnow():  # the teacher wrote since, or it is night there now
        progress.nudge_due_at = due
        return False
    enqueue(session, contact, nudge_reply(session, contact, progress))
    progress.nudges_sent += 1
    plan_nudge(progress, contact, has_ticket=False)
    return True


def lock_contact(session: Session, contact_id: int) -> Contact | None:
    """The contact, locked; None while the engine holds it (never wait: the engine locks in the other order)."""
    query = select(Contact).where(Contact.id == contact_id)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()


def may_nudge(session: Session, contact: Contact, progress: ActivationProgress) -> bool:
    return (
        contact.opted_out_at is None
        and contact.unreachable_since is None
        and mid_walkthrough(progress)
        and progress.step in walkthrough().steps
        and progress.nudges_sent < len(NUDGE_AFTER)
        and not has_open_ticket(session, contact)
    )


def nudge_reply(session: Session, contact: Contact, progress: ActivationProgress) -> Reply:
    """The nudge, asked as a prompt of its own (a second nudge supersedes the first)."""
    step = walkthrough().steps[progress.step or ""]
    content = texts()
    name = greeting_name(contact.name) or content.render("activation.no_name")
    text = content.render(NUDGE_TEXTS[progress.nudges_sent], name=name, number=step.number, title=step.title)
    options = content.choices("activation.resume")
    prompt = open_prompt(session, contact.id or 0, NUDGE_PROMPT, options, subject_id=progress.id)
    return Reply(text, options, kind="nudge", priority=Priority.REMINDER, tag=button_tag(prompt))


ACTIVATION_NUDGES = TimedJob("activation_nudges", send_due_nudges)
