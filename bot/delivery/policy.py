"""The delivery policy: what a failed send means for its message, one place for every channel
and for both moments a failure shows, when the send returns (`bot.delivery.recording`) and when
a provider's status callback reports it later (`bot.status`). The channel has already sorted
the error (`bot.errors`); here it becomes the message's next status:
- RetryLater → QUEUED again after a backoff (or the provider's retry_after), until
  `Settings.send_attempts` attempts are used up, then FAILED with the last reason;
- Unreachable → FAILED, and the contact is marked unreachable until it writes again;
- OutsideWindow → QUEUED again as the message's own template if it went as free text; free
  text to a contact is PARKED behind a template notice; anything else FAILED;
- GiveUp → FAILED with the reason.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from bot.clock import utcnow
from bot.errors import OutsideWindow, RetryLater, SendError, Unreachable
from bot.models import Contact, OutboundStatus

MAX_BACKOFF_SECONDS = 300


@dataclass(frozen=True)
class FailedSend:
    """What the policy needs to know about the message whose send failed."""

    attempts: int  # sends tried so far, the failed one included
    has_template: bool  # the message carries an approved template for a closed window
    went_as_template: bool
    has_contact: bool


@dataclass(frozen=True)
class Decision:
    """What becomes of the message: its next status and error class; for a send again, when
    and whether as its template."""

    status: str
    error_class: str
    next_attempt_at: datetime | None = None
    as_template: bool = False


def decide(error: SendError, failed: FailedSend, max_attempts: int) -> Decision:
    """Sort an error (already classified by its channel) into what happens to the message."""
    if isinstance(error, OutsideWindow):
        return outside_window(failed)
    if isinstance(error, Unreachable):
        return Decision(OutboundStatus.FAILED, "unreachable")
    if isinstance(error, RetryLater) and failed.attempts < max_attempts:
        return Decision(OutboundStatus.QUEUED, "retry", utcnow() + backoff(failed.attempts, error.retry_after))
    return Decision(OutboundStatus.FAILED, "give_up")


def outside_window(failed: FailedSend) -> Decision:
    """Free text refused outside the reply window: its template now, or wait for the contact."""
    if failed.has_template and not failed.went_as_template:
        return Decision(OutboundStatus.QUEUED, "outside_window", utcnow(), as_template=True)
    if failed.has_contact and not failed.has_template:
        return Decision(OutboundStatus.PARKED, "outside_window")
    return Decision(OutboundStatus.FAILED, "outside_window")


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """The provider's retry_after when given, else exponential with jitter (2 s, 4 s, … 5 min)."""
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    return timedelta(seconds=min(2**attempts, MAX_BACKOFF_SECONDS) * random.uniform(0.8, 1.2))


def mark_unreachable(session: Session, contact_id: int | None) -> None:
    """No more sends to this contact until it writes again."""
    if contact_id is None:
        return
    session.execute(
        update(Contact)
        .where(col(Contact.id) == contact_id, col(Contact.unreachable_since).is_(None))
        .values(unreachable_since=utcnow())
    )
