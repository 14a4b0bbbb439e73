"""A teacher's way through the walkthrough: progress kept in its table, funnel events recorded
as it moves, tickets opened when a human must take over, and erasure of all of it on request."""

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.activation.models import NUDGE_PROMPT, ActivationEvent, ActivationProgress, EventKind, Ticket
from bot.activation.nudges import plan_nudge
from bot.activation.tickets import find_open_ticket, has_open_ticket, mask_long_numbers
from bot.activation.walkthrough import WalkStep, walkthrough
from bot.clock import utcnow
from bot.content import texts
from bot.models import Contact
from bot.prompts import close_prompts

KEPT_REPORTS = 3
REPORT_CHARACTERS = 300


def find_progress(session: Session, contact: Contact) -> ActivationProgress | None:
    return session.exec(select(ActivationProgress).where(ActivationProgress.contact_id == contact.id)).first()


def progress_of(session: Session, contact: Contact) -> ActivationProgress:
    """The teacher's progress row, created on first use."""
    progress = find_progress(session, contact)
    if progress is None:
        assert contact.id is not None
        progress = ActivationProgress(contact_id=contact.id)
        session.add(progress)
        session.flush()
    return progress


def record(
    session: Session, contact: Contact, progress: ActivationProgress, kind: EventKind, branch: str | None = None
) -> None:
    """Add one funnel event at the current step, with the teacher's region as it is now."""
    session.add(
        ActivationEvent(
            contact_id=contact.id,
            teacher_key=progress.teacher_key,
            province_code=contact.province_code,
            regency_code=contact.regency_code,
            kind=kind,
            step=progress.step or "",
            branch=branch,
        )
    )


def touch(session: Session, contact: Contact, progress: ActivationProgress) -> None:
    """The teacher answered: a new silence starts now, and with it a new nudge plan."""
    progress.updated_at = utcnow()
    progress.nudges_sent = 0
    close_prompts(session, contact.id, NUDGE_PROMPT)  # the walkthrough moved on: an old nudge button is stale
    plan_nudge(progress, contact, has_open_ticket(session, contact))


def enter_step(session: Session, contact: Contact, progress: ActivationProgress, step_id: str) -> None:
    progress.step, progress.branch = step_id, None
    if progress.started_at is None:
        progress.started_at = utcnow()
        record(session, contact, progress, EventKind.STARTED)
    record(session, contact, progress, EventKind.REACHED)


def pass_step(session: Session, contact: Contact, progress: ActivationProgress) -> WalkStep | None:
    """The current step worked; returns the next step, or None when the walk is complete."""
    record(session, contact, progress, EventKind.PASSED)
    following = walkthrough().next_step(progress.step or "")
    if following is None:
        progress.completed_at, progress.branch = utcnow(), None
        record(session, contact, progress, EventKind.FINISHED)
    return following


def mark_stuck(session: Session, contact: Contact, progress: ActivationProgress) -> None:
    record(session, contact, progress, EventKind.STUCK)


def take_branch(
    session: Session, contact: Contact, progress: ActivationProgress, branch_id: str, report: str | None
) -> None:
    """Open a troubleshooting branch; a branch typed before any step belongs to the first step offering it."""
    if progress.step not in walkthrough().steps:
        enter_step(session, contact, progress, walkthrough().home_step(branch_id).id)
    progress.branch = branch_id
    record(session, contact, progress, EventKind.STUCK, branch=branch_id)
    if report:
        add_report(progress, report)


def fail_branch(progress: ActivationProgress) -> int:
    """Count one more failure of the open branch; returns how often it has failed."""
    branch = progress.branch or ""
    progress.failures = {**progress.failures, branch: progress.failures.get(branch, 0) + 1}
    return progress.failures[branch]


def add_report(progress: ActivationProgress, report: str) -> None:
    masked = mask_long_numbers(report)[:REPORT_CHARACTERS]
    progress.reports = [*progress.reports, masked][-KEPT_REPORTS:]


def hand_over(session: Session, contact: Contact, progress: ActivationProgress) -> tuple[Ticket, bool]:
    """Open a ticket with the step, the branch and what the teacher reported (or refresh the open
    one); returns it and whether it is new. No nudges while a human has it."""
    ticket = find_open_ticket(session, contact)
    created = ticket is None
    if ticket is None:
        assert contact.id is not None
        ticket = Ticket(contact_id=contact.id)
        session.add(ticket)
    ticket.province_code, ticket.regency_code = contact.province_code, contact.regency_code
    ticket.step, ticket.branch, ticket.summary = progress.step, progress.branch, ticket_summary(progress)
    record(session, contact, progress, EventKind.HANDED_OVER, branch=progress.branch)
    progress.nudge_due_at = None
    session.flush()
    return ticket, created


def ticket_summary(progress: ActivationProgress) -> str:
    walk, content = walkthrough(), texts()
    step = walk.steps.get(progress.step or "")
    branch = walk.branches.get(progress.branch or "")
    return content.render(
        "activation.ticket_summary",
        number=step.number if step else "-",
        step=step.title if step else "-",
        branch=branch.label if branch else content.render("activation.no_branch"),
        failures=progress.failures.get(progress.branch or "", 0),
        report=" | ".join(progress.reports) or content.render("activation.no_report"),
    )


def forget_contact(session: Session, contact_id: int) -> None:
    """Erasure: progress and tickets go; funnel events stay, no longer pointing to the teacher."""
    session.exec(update(ActivationEvent).where(col(ActivationEvent.contact_id) == contact_id).values(contact_id=None))
    session.exec(delete(ActivationProgress).where(col(ActivationProgress.contact_id) == contact_id))
    session.exec(delete(Ticket).where(col(Ticket.contact_id) == contact_id))
