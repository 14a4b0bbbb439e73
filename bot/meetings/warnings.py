"""What staff are told when they create a meeting that some invitees will find awkward: a start in
their quiet hours (21.00–06.00 local), counted per zone."""

from collections import Counter

from pydantic import BaseModel
from sqlmodel import Session, col, select

from bot.content import texts
from bot.meetings.models import Invitation, Meeting, MeetingReport
from bot.meetings.scheduling import DEFAULT_QUIET_HOURS, in_quiet_hours
from bot.meetings.timefmt import ZONE_BY_LABEL, clock, zone_of
from bot.models import Contact


class QuietStartWarning(BaseModel):
    kind: str = "quiet_hours"
    zone: str  # "WIT"
    local_start: str  # "22.00"
    invitees: int
    message: str  # the same, in Indonesian, for the staff member


class MeetingCreated(MeetingReport):
    warnings: list[QuietStartWarning]


def invitees_per_zone(session: Session, meeting_id: int) -> Counter[str]:
    contacts = session.exec(
        select(Contact)
        .join(Invitation, col(Invitation.contact_id) == col(Contact.id))
        .where(Invitation.meeting_id == meeting_id)
    ).all()
    return Counter(zone_of(contact).label for contact in contacts)


def quiet_start_warnings(session: Session, meeting: Meeting) -> list[QuietStartWarning]:
    """One warning per zone whose invitees would see the meeting start in their quiet hours."""
    assert meeting.id is not None
    warnings = []
    quiet = f"{DEFAULT_QUIET_HOURS.start:%H.%M}–{DEFAULT_QUIET_HOURS.end:%H.%M}"
    for label, count in sorted(invitees_per_zone(session, meeting.id).items()):
        zone = ZONE_BY_LABEL[label]
        if not in_quiet_hours(meeting.starts_at, zone.iana):
            continue
        local_start = clock(meeting.starts_at, zone)
        values = {"clock": local_start, "zone": label, "count": count, "quiet": quiet}
        message = texts().render("meetings.staff_quiet_start", **values)
        warnings.append(QuietStartWarning(zone=label, local_start=local_start, invitees=count, message=message))
    return warnings
