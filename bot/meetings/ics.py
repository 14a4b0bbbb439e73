"""A meeting as an iCalendar file (RFC 5545) for a phone's calendar.

Times are written in UTC (`DTSTART:20261201T020000Z`): every calendar app shows them in the
phone's own zone, so no VTIMEZONE block is needed and no zone can be misread.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from bot.meetings.models import Meeting, MeetingStatus

LINE_OCTETS = 75
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 §3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, never inside a UTF-8 character (§3.1)."""
    pieces: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for character in line:
        width = len(character.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1  # continuation lines start with a space
        current += character
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def calendar_lines(meeting: Meeting) -> list[str]:
    ends_at = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    description = "\n\n".join(part for part in (meeting.agenda.strip(), meeting.join_url) if part)
    status = "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED"
    return [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//GuruBot//Pertemuan//ID",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.id}-{meeting.short_code}@gurubot",
        f"DTSTAMP:{utc_stamp(meeting.updated_at)}",
        f"DTSTART:{utc_stamp(meeting.starts_at)}",
        f"DTEND:{utc_stamp(ends_at)}",
        f"SEQUENCE:{meeting.sequence}",
        f"STATUS:{status}",
        f"SUMMARY:{escape_text(meeting.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"LOCATION:{escape_text(meeting.join_url)}",
        f"URL:{meeting.join_url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]


def calendar_file(meeting: Meeting) -> str:
    """The whole file, with CRLF line ends as the standard requires."""
    return "".join(fold(line) + "\r\n" for line in calendar_lines(meeting))


def google_calendar_url(meeting: Meeting) -> str:
    """A link that opens Google Calendar's "add event" page (belajar.id accounts are Google
    accounts), with the title, the UTC times and the join link; short enough for a chat message."""
    ends_at = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    query = {
        "action": "TEMPLATE",
        "text": meeting.title,
        "dates": f"{utc_stamp(meeting.starts_at)}/{utc_stamp(ends_at)}",
        "details": meeting.join_url,
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(query, safe='/:')}"
