"""Dates and times the Indonesian way ("Selasa, 1 Desember 2026 pukul 10.00 WITA"), in a teacher's zone.

Day and month names come from content/meetings.yaml, so nothing depends on the machine's locale.
"""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot import regions
from bot.content import texts
from bot.models import Contact
from bot.regions import TimeZone

WIB = TimeZone("WIB", "Asia/Jakarta")
ZONE_BY_LABEL = {"WIB": WIB, "WITA": TimeZone("WITA", "Asia/Makassar"), "WIT": TimeZone("WIT", "Asia/Jayapura")}
LABEL_BY_OFFSET_MINUTES = {7 * 60: "WIB", 8 * 60: "WITA", 9 * 60: "WIT"}
LABEL_BY_IANA = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_of(contact: Contact) -> TimeZone:
    """The contact's own zone: its IANA zone, labelled by its province; WIB when unknown."""
    if contact.province_code in regions.time_zones():
        by_province = regions.time_zone_of(contact.province_code or "")
        return TimeZone(by_province.label, contact.time_zone or by_province.iana)
    if contact.time_zone in LABEL_BY_IANA:
        return TimeZone(LABEL_BY_IANA[contact.time_zone or ""], contact.time_zone or "")
    return WIB


def organiser_zone(offset_minutes: int) -> TimeZone:
    """The zone the organiser wrote the time in; WIB for an offset that is none of Indonesia's."""
    return ZONE_BY_LABEL[LABEL_BY_OFFSET_MINUTES.get(offset_minutes, "WIB")]


def with_offset(moment: datetime, offset_minutes: int) -> datetime:
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes)))


def local(moment: datetime, zone: TimeZone) -> datetime:
    return moment.astimezone(ZoneInfo(zone.iana))


def clock(moment: datetime, zone: TimeZone) -> str:
    """ "10.00": hours and minutes with a dot, as Indonesians write them."""
    return local(moment, zone).strftime("%H.%M")


def date_text(moment: datetime, zone: TimeZone) -> str:
    """ "Selasa, 1 Desember 2026"."""
    day = local(moment, zone)
    days, months = texts().choices("meetings.days"), texts().choices("meetings.months")
    return f"{days[day.weekday()]}, {day.day} {months[day.month - 1]} {day.year}"


def moment_text(moment: datetime, zone: TimeZone) -> str:
    """ "Selasa, 1 Desember 2026 pukul 10.00 WITA"."""
    return texts().render("meetings.moment", date=date_text(moment, zone), clock=clock(moment, zone), zone=zone.label)
