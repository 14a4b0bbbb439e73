"""The texts a teacher reads about a meeting, each in the teacher's own time zone."""

import json
import math
from datetime import datetime, timedelta
from functools import lru_cache

from bot.audience import Audience, zone_labels
from bot.content import texts
from bot.meetings.ics import google_calendar_url
from bot.meetings.models import Invitation, Meeting, MessageKind, Reminder, Rsvp
from bot.meetings.timefmt import clock, moment_text, organiser_zone, zone_of
from bot.models import Contact
from bot.regions import TimeZone, region_name

AGENDA_SHORT = 160
STARTING_SOON = timedelta(hours=1)


def short(text: str, limit: int = AGENDA_SHORT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def spans_zones(meeting: Meeting) -> bool:
    return audience_spans_zones(json.dumps(meeting.audience, sort_keys=True))


@lru_cache(maxsize=1024)
def audience_spans_zones(audience: str) -> bool:
    """Cached by the audience's JSON: a tick writes a thousand texts for the same few audiences."""
    return len(zone_labels(Audience.model_validate_json(audience))) > 1


def organiser_note(meeting: Meeting, zone: TimeZone) -> str:
    """ " (09.00 WIB, waktu penyelenggara)" when the audience spans zones and the teacher is in another one."""
    theirs = organiser_zone(meeting.organiser_offset_minutes)
    if theirs.label == zone.label or not spans_zones(meeting):
        return ""
    return " " + texts().render("meetings.organiser_time", clock=clock(meeting.starts_at, theirs), zone=theirs.label)


def when(meeting: Meeting, zone: TimeZone) -> str:
    """ "Selasa, 1 Desember 2026 pukul 10.00 WITA (09.00 WIB, waktu penyelenggara)"."""
    return moment_text(meeting.starts_at, zone) + organiser_note(meeting, zone)


def organiser(meeting: Meeting) -> str:
    """Who invites: the organising staff member's unit, "BTIKP Sulawesi Selatan" (from their
    province; staff have no unit of their own yet), or the national team for a national admin."""
    province = region_name(meeting.province)
    if province is None:
        return texts().render("meetings.organiser_national")
    return texts().render("meetings.organiser_province", province=province)


def agenda_line(meeting: Meeting) -> str:
    if not meeting.agenda.strip():
        return ""
    return texts().render("meetings.agenda_line", agenda=short(meeting.agenda)) + "\n"


def meeting_values(meeting: Meeting, zone: TimeZone) -> dict[str, object]:
    return {
        "title": meeting.title,
        "when": when(meeting, zone),
        "duration": meeting.duration_minutes,
        "join_url": meeting.join_url,
        "calendar_url": meeting.calendar_url,
        "agenda_line": agenda_line(meeting),
        "organiser": organiser(meeting),
    }


def invitation_text(meeting: Meeting, contact: Contact) -> str:
    """The invitation; its RSVP prompt's options (1 Hadir, 2 Tidak hadir) follow it."""
    values = meeting_values(meeting, zone_of(contact))
    closing = texts().render("meetings.answer_now")
    return texts().render("meetings.invitation", **values, google_url=google_calendar_url(meeting), closing=closing)


def reminder_text(meeting: Meeting, contact: Contact, now: datetime) -> str:
    zone = zone_of(contact)
    left = meeting.starts_at - now
    if left > STARTING_SOON:
        return texts().render("meetings.reminder", **meeting_values(meeting, zone))
    minutes = max(1, math.ceil(left.total_seconds() / 60))
    return texts().render(
        "meetings.reminder_soon",
        **meeting_values(meeting, zone),
        clock=clock(meeting.starts_at, zone),
        zone=zone.label,
        minutes=minutes,
    )


def message_text(row: Reminder, meeting: Meeting, contact: Contact, now: datetime, answered: bool = False) -> str:
    """The text of one due message, written when it is sent, so it always shows the current details."""
    if row.kind == MessageKind.INVITATION:
        return invitation_text(meeting, contact)
    if row.kind == MessageKind.REMINDER:
        return reminder_text(meeting, contact, now)
    if row.kind == MessageKind.UPDATE:
        return update_text(meeting, contact, answered, moved_minutes=row.offset_minutes)
    return texts().render("meetings.cancelled", **meeting_values(meeting, zone_of(contact)))


def update_text(meeting: Meeting, contact: Contact, answered: bool, moved_minutes: int = 0) -> str:
    """The change notice: the old time beside the new one when the start moved (a notice row keeps
    how far, in minutes, from the start the teacher last heard); "your answer still stands" only
    to those who answered."""
    zone = zone_of(contact)
    closing = texts().render("meetings.updated_answered" if answered else "meetings.updated_unanswered")
    if moved_minutes:
        old = moment_text(meeting.starts_at + timedelta(minutes=moved_minutes), zone)
        times = texts().render("meetings.updated_moved", old=old, when=when(meeting, zone))
    else:
        times = texts().render("meetings.updated_same_time", when=when(meeting, zone))
    return texts().render("meetings.updated", **meeting_values(meeting, zone), times=times, closing=closing)


def answer_label(rsvp: str) -> str:
    return texts().render(f"meetings.rsvp_label.{Rsvp(rsvp).value}")


def list_label(meeting: Meeting, invitation: Invitation, zone: TimeZone) -> str:
    """One line of the `jadwal` list: title, local time and the teacher's answer."""
    return texts().render(
        "meetings.list_item",
        title=short(meeting.title, 60),
        when=moment_text(meeting.starts_at, zone),
        answer=answer_label(invitation.rsvp),
    )
