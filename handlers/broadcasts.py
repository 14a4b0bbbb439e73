"""Announcements from staff, as teachers meet them: `BERHENTI PENGUMUMAN` (announcements only;
`MULAI` in the privacy feature resumes them) and the answer to a poll, whose prompt stays open
so a later answer replaces the earlier one. A reply that is no option goes on as a normal message."""

from sqlmodel import col, select

from bot.broadcasts import invite_routes
from bot.broadcasts import models as broadcast_tables
from bot.broadcasts.invitations import CONSENT_INVITATION
from bot.broadcasts.jobs import BROADCAST_JOB
from bot.broadcasts.models import POLL_PROMPT, Recipient
from bot.broadcasts.optout import erase, stop_announcements
from bot.broadcasts.routes import audit_router, router
from bot.broadcasts.templating import ANNOUNCEMENT_TEMPLATE
from bot.conversation import PromptKind, Turn, Word
from bot.feature import Feature
from bot.prompts import Prompt, PromptStatus


def stop(turn: Turn) -> None:
    """BERHENTI PENGUMUMAN: no more broadcasts; reminders and replies go on."""
    stop_announcements(turn.session, turn.contact.id or 0, turn.now())
    turn.say("broadcasts.stopped")


def answer_poll(turn: Turn, prompt: Prompt, choice: int) -> None:
    """Record the teacher's answer on the ledger (the last one counts) and keep the poll open."""
    row = turn.session.exec(
        select(Recipient).where(
            col(Recipient.broadcast_id) == prompt.subject_id, col(Recipient.contact_id) == turn.contact.id
        )
    ).first()
    if row is not None:
        row.poll_choice, row.poll_answered_at = choice, turn.now()
    prompt.status = PromptStatus.OPEN  # a later answer replaces this one
    turn.say("broadcasts.poll_answered", option=prompt.options[choice - 1])


FEATURE = Feature(
    "broadcasts",
    words={"berhenti pengumuman": Word(stop, repeats=True, before_consent=True)},
    prompt_kinds=(PromptKind(POLL_PROMPT, answer_poll, choices="broadcasts.poll"),),
    jobs=(BROADCAST_JOB,),
    routers=(router, audit_router, invite_routes.router),
    tables=(broadcast_tables,),
    erase=erase,
    templates=(ANNOUNCEMENT_TEMPLATE, CONSENT_INVITATION),
)
