"""The topic opt-out: `BERHENTI PENGUMUMAN` stops announcements only (reminders, the helpdesk and
replies go on); `MULAI` resumes them. `BERHENTI` (the privacy feature) stops both."""

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.broadcasts.models import AnnouncementOptOut, Recipient, RecipientStatus, SkipReason, TeacherInvite
from bot.models import OutboundMessage, OutboundStatus, Priority


def stop_announcements(session: Session, contact_id: int, now: datetime) -> None:
    """No more broadcasts to this contact; those still in the outbox (waiting for WhatsApp's
    window, or released by this very message) are dropped too."""
    if session.get(AnnouncementOptOut, contact_id) is None:
        session.add(AnnouncementOptOut(contact_id=contact_id, created_at=now))
    session.execute(
        update(OutboundMessage)
        .where(
            col(OutboundMessage.contact_id) == contact_id,
            col(OutboundMessage.status).in_([OutboundStatus.PARKED, OutboundStatus.QUEUED]),
            col(OutboundMessage.priority) >= Priority.BROADCAST,
        )
        .values(status=OutboundStatus.FAILED, status_at=now, error_class="opted_out", last_error="BERHENTI PENGUMUMAN")
    )
    session.execute(
        update(Recipient)
        .where(col(Recipient.contact_id) == contact_id, col(Recipient.status) == RecipientStatus.PENDING)
        .values(status=RecipientStatus.SKIPPED, skip_reason=SkipReason.OPTED_OUT)
    )


def resume_announcements(session: Session, contact_id: int) -> None:
    session.execute(delete(AnnouncementOptOut).where(col(AnnouncementOptOut.contact_id) == contact_id))


def announcements_stopped(session: Session, contact_id: int | None) -> bool:
    query = select(AnnouncementOptOut.contact_id).where(col(AnnouncementOptOut.contact_id) == contact_id)
    return session.exec(query).first() is not None


def erase(session: Session, contact_id: int) -> None:
    """HAPUS DATA: the ledger keeps anonymous counts (and poll answers by province); nothing pending goes."""
    session.execute(delete(AnnouncementOptOut).where(col(AnnouncementOptOut.contact_id) == contact_id))
    session.execute(delete(TeacherInvite).where(col(TeacherInvite.contact_id) == contact_id))
    session.execute(
        update(Recipient)
        .where(col(Recipient.contact_id) == contact_id, col(Recipient.status) == RecipientStatus.PENDING)
        .values(status=RecipientStatus.SKIPPED, skip_reason=SkipReason.ERASED)
    )
    session.execute(update(Recipient).where(col(Recipient.contact_id) == contact_id).values(contact_id=None))
