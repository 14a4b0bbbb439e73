"""Local time at the edges: a teacher's zone (WIB/WITA/WIT), the hours in which timed messages may
reach them, and dates written the Indonesian way ("Selasa, 1 Desember 2026"), for every feature.

Day and month names come from content, so nothing depends on the machine's locale.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import regions
from bot.content import texts
from bot.models import Contact
from bot.regions import TimeZone

WIB = TimeZone("WIB", "Asia/Jakarta")
LABEL_BY_IANA = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_of(contact: Contact) -> TimeZone:
    """The contact's own zone: its IANA zone, labelled by its province; WIB when unknown."""
    if contact.province_code in regions.time_zones():
        by_province = regions.time_zone_of(contact.province_code or "")
        return TimeZone(by_province.label, contact.time_zone or by_province.iana)
    if contact.time_zone in LABEL_BY_IANA:
        return TimeZone(LABEL_BY_IANA[contact.time_zone or ""], contact.time_zone or "")
    return WIB


def local(moment: datetime, zone: TimeZone) -> datetime:
    return moment.astimezone(ZoneInfo(zone.iana))


@dataclass(frozen=True)
class AllowedHours:
    """A daily window of local time in which a timed message may arrive ([start, end))."""

    start: time
    end: time

    def allows(self, moment: datetime, zone: TimeZone) -> bool:
        clock = local(moment, zone).time()
        if self.start <= self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def next_allowed(self, moment: datetime, zone: TimeZone) -> datetime:
        """The moment itself when allowed, else when the window next opens (in UTC)."""
        if self.allows(moment, zone):
            return moment
        here = local(moment, zone)
        opening = here.replace(hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0)
        if opening <= here:
            opening += timedelta(days=1)
        return opening.astimezone(UTC)

    def last_opened(self, moment: datetime, zone: TimeZone) -> datetime:
        """When the window holding `moment` opened (today's or yesterday's, local, in UTC)."""
        here = local(moment, zone)
        opening = here.replace(hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0)
        return (opening if opening <= here else opening - timedelta(days=1)).astimezone(UTC)


DAYTIME = AllowedHours(time(8), time(19))  # nudges and follow-ups: working daytime
AWAKE = AllowedHours(time(6), time(21))  # announcements and notices: outside the 21.00–06.00 quiet hours
QUIET = AllowedHours(time(21), time(6))  # the quiet hours themselves


def date_text(moment: datetime, zone: TimeZone, weekday: bool = True) -> str:
    """ "Selasa, 1 Desember 2026" (or "1 Desember 2026" without the weekday)."""
    day = local(moment, zone)
    months = texts().choices("common.months")
    date = f"{day.day} {months[day.month - 1]} {day.year}"
    return f"{texts().choices('common.days')[day.weekday()]}, {date}" if weekday else date


def clock_text(moment: datetime, zone: TimeZone) -> str:
    """ "10.00": hours and minutes with a dot, as Indonesians write them."""
    return local(moment, zone).strftime("%H.%M")
