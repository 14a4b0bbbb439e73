"""Meeting times the Indonesian way ("Selasa, 1 Desember 2026 pukul 10.00 WITA"), in a teacher's
zone, and the organiser's zone from the offset they wrote. Zones, dates and clocks come from
`bot.local_time`, shared by every feature.
"""

from datetime import datetime, timedelta, timezone

from bot.content import texts
from bot.local_time import WIB, clock_text, date_text, local, zone_of
from bot.regions import TimeZone

__all__ = ["ZONE_BY_LABEL", "clock", "local", "moment_text", "organiser_zone", "with_offset", "zone_of"]
ZONE_BY_LABEL = {"WIB": WIB, "WITA": TimeZone("WITA", "Asia/Makassar"), "WIT": TimeZone("WIT", "Asia/Jayapura")}
LABEL_BY_OFFSET_MINUTES = {7 * 60: "WIB", 8 * 60: "WITA", 9 * 60: "WIT"}
clock = clock_text


def organiser_zone(offset_minutes: int) -> TimeZone:
    """The zone the organiser wrote the time in; WIB for an offset that is none of Indonesia's."""
    return ZONE_BY_LABEL[LABEL_BY_OFFSET_MINUTES.get(offset_minutes, "WIB")]


def with_offset(moment: datetime, offset_minutes: int) -> datetime:
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes)))


def moment_text(moment: datetime, zone: TimeZone) -> str:
    """ "Selasa, 1 Desember 2026 pukul 10.00 WITA"."""
    values = {"date": date_text(moment, zone), "clock": clock_text(moment, zone), "zone": zone.label}
    return texts().render("meetings.moment", **values)
