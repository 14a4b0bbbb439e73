"""Everything GuruBot stores about one teacher, in words they read (`DATA SAYA`, the right of
access of UU PDP), and who is responsible for it (named in the privacy notice too).

Rows of every table that holds a contact's id are shown here or listed, with the reason they are
not, in `tests/test_my_data.py`; a new table fails that test until it is one or the other.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from bot.activation.models import ActivationProgress, Ticket, TicketStatus
from bot.activation.walkthrough import walkthrough
from bot.broadcasts.optout import announcements_stopped
from bot.content import texts
from bot.helpdesk.volunteers import active_volunteer
from bot.local_time import LABEL_BY_IANA, date_text, zone_of
from bot.meetings.models import Invitation, Meeting
from bot.meetings.render import answer_label, short
from bot.meetings.service import upcoming_for
from bot.meetings.timefmt import moment_text
from bot.models import Consent, Contact, InboundMessage, OutboundMessage
from bot.profile import level_label, place_text, role_label
from bot.reflections.personal import after_meetings_text
from bot.regions import TimeZone

MEETINGS_LISTED = 3
TICKETS_LISTED = 3
MEETING_TITLE = 30  # characters of a meeting's title in the list
CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp", "simulator": "Simulator"}


def my_data_text(session: Session, contact: Contact, now: datetime, controller: str) -> str:
    """The whole of what is stored about the contact, one line a kind of data; `controller` is who
    is responsible for it (GURUBOT_DATA_CONTROLLER)."""
    content, zone = texts(), zone_of(contact)
    unknown = content.render("privacy.value_unknown")
    return content.render(
        "privacy.my_data",
        controller=controller,
        name=contact.name or unknown,
        chat=chat_text(contact),
        place=place_text(contact) or unknown,
        zone=zone.label,
        role=role_label(contact.role) or unknown,
        level=level_label(contact.school_level) or unknown,
        consent=consent_text(session, contact, zone),
        announcements=announcements_text(session, contact),
        received=count_where(session, col(InboundMessage.contact_id) == contact.id),
        # a button's spinner stopped is no message
        sent=count_where(
            session, col(OutboundMessage.contact_id) == contact.id, col(OutboundMessage.kind) != "callback_answer"
        ),
        activation=activation_text(session, contact, zone),
        meetings=meetings_text(session, contact, now, zone),
        tickets=tickets_text(session, contact),
        duty=duty_text(session, contact),
        after_meetings=after_meetings_text(session, contact),
    )


def duty_text(session: Session, contact: Contact) -> str:
    """For a Duta Teknologi, a line of their own: the roster entry staff made."""
    volunteer = active_volunteer(session, contact)
    if volunteer is None:
        return ""
    start, end = volunteer.work_start.replace(":", "."), volunteer.work_end.replace(":", ".")
    zone = LABEL_BY_IANA.get(volunteer.time_zone, volunteer.time_zone)
    return "\n" + texts().render("privacy.duty", name=volunteer.name, start=start, end=end, zone=zone)


def announcements_text(session: Session, contact: Contact) -> str:
    """ "aktif", "berhenti" (BERHENTI) or "pengumuman berhenti, pengingat tetap aktif"."""
    if contact.opted_out_at is not None:
        return texts().render("privacy.stopped_label")
    if announcements_stopped(session, contact.id):
        return texts().render("broadcasts.announcements_only_stopped")
    return texts().render("privacy.active")


def chat_text(contact: Contact) -> str:
    """ "WhatsApp +6281234567890" or "Telegram 555 (nomor chat)"."""
    channel = CHANNEL_NAMES.get(contact.channel, contact.channel)
    if contact.channel == "whatsapp":
        return f"{channel} {contact.address.removeprefix('whatsapp:')}"
    return texts().render("privacy.chat_id", channel=channel, address=contact.address)


def consent_text(session: Session, contact: Contact, zone: TimeZone) -> str:
    """When the teacher consented (the latest consent record), in their zone."""
    latest = session.exec(
        select(Consent).where(Consent.contact_id == contact.id).order_by(col(Consent.given_at).desc())
    ).first()
    given_at = latest.given_at if latest else contact.consent_given_at
    return moment_text(given_at, zone) if given_at else texts().render("privacy.value_unknown")


def count_where(session: Session, *conditions: ColumnElement[bool]) -> int:
    return session.exec(select(func.count()).where(*conditions)).one()


def activation_text(session: Session, contact: Contact, zone: TimeZone) -> str:
    """ "langkah 3 dari 5 (Login pertama)", "selesai, 5 Januari 2026" or "belum dimulai"."""
    progress = session.exec(select(ActivationProgress).where(ActivationProgress.contact_id == contact.id)).first()
    content, walk = texts(), walkthrough()
    if progress is None or progress.step is None:
        return content.render("privacy.activation_none")
    if progress.completed_at is not None:
        return content.render("privacy.activation_done", date=date_text(progress.completed_at, zone, weekday=False))
    step = walk.steps.get(progress.step)
    if step is None:
        return content.render("privacy.activation_none")
    text = content.render("privacy.activation_step", number=step.number, total=step.total, title=step.title)
    reports = len(progress.reports)
    return text + content.render("privacy.activation_reports", reports=reports) if reports else text


def meetings_text(session: Session, contact: Contact, now: datetime, zone: TimeZone) -> str:
    """How many invitations are stored, and the teacher's answer to each upcoming meeting."""
    invited = count_where(session, col(Invitation.contact_id) == contact.id)
    if not invited:
        return texts().render("privacy.meetings_none")
    upcoming = upcoming_for(session, contact, now)
    lines = [meeting_line(meeting, invitation, zone) for meeting, invitation in upcoming[:MEETINGS_LISTED]]
    summary = texts().render("privacy.meetings_count", invited=invited, upcoming=len(upcoming))
    return "\n".join([summary, *lines])


def meeting_line(meeting: Meeting, invitation: Invitation, zone: TimeZone) -> str:
    return texts().render(
        "privacy.meeting_line",
        title=short(meeting.title, MEETING_TITLE),
        when=moment_text(meeting.starts_at, zone),
        answer=answer_label(invitation.rsvp),
    )


def tickets_text(session: Session, contact: Contact) -> str:
    """ "1 (terbuka: #12)", or "tidak ada"."""
    tickets: Sequence[Ticket] = session.exec(
        select(Ticket).where(Ticket.contact_id == contact.id).order_by(col(Ticket.id))
    ).all()
    if not tickets:
        return texts().render("privacy.tickets_none")
    open_ids = [f"#{ticket.id}" for ticket in tickets if ticket.status != TicketStatus.CLOSED][:TICKETS_LISTED]
    opened = ", ".join(open_ids) or texts().render("privacy.tickets_none_open")
    return texts().render("privacy.tickets", count=len(tickets), opened=opened)
