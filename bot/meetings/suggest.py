"""Start times that fit the working hours of every zone in an audience, most central first.

A candidate (every 30 minutes of the given date, in WIB) fits when the whole meeting lies inside
the working hours (08.00–16.00 by default) of each zone's local day. "Most central" means the
meeting's middle is as close as possible to the middle of everyone's working day: the worst
zone's distance counts first, then the sum over zones.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.meetings.models import Suggestion
from bot.meetings.timefmt import ZONE_BY_LABEL, clock, local
from bot.regions import TimeZone

STEP = timedelta(minutes=30)
WIB_OFFSET = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(8, 0)
    end: time = time(16, 0)

    @property
    def middle_minutes(self) -> float:
        return (minutes_of(self.start) + minutes_of(self.end)) / 2


def minutes_of(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def candidates(day: date) -> list[datetime]:
    """Every half hour of the day, in WIB."""
    first = datetime.combine(day, time(0, 0), tzinfo=WIB_OFFSET)
    return [first + STEP * index for index in range(int(timedelta(days=1) / STEP))]


def fits(start: datetime, duration: timedelta, zone: TimeZone, day: date, hours: WorkingHours) -> bool:
    begins, ends = local(start, zone), local(start + duration, zone)
    return begins.date() == day and hours.start <= begins.time() and ends.time() <= hours.end and ends.date() == day


def distance(start: datetime, duration: timedelta, zone: TimeZone, hours: WorkingHours) -> float:
    """Minutes between the meeting's middle and the middle of the zone's working day."""
    middle = local(start + duration / 2, zone)
    return abs(middle.hour * 60 + middle.minute - hours.middle_minutes)


def score(start: datetime, duration: timedelta, zones: list[TimeZone], hours: WorkingHours) -> tuple[float, float]:
    distances = [distance(start, duration, zone, hours) for zone in zones]
    return max(distances), sum(distances)


def suggest_times(
    zone_labels: set[str],
    duration_minutes: int,
    day: date,
    now: datetime,
    hours: WorkingHours | None = None,
) -> list[Suggestion]:
    """Start times on `day` inside everyone's working hours, best first; none in the past."""
    hours = hours or WorkingHours()
    zones = [ZONE_BY_LABEL[label] for label in ZONE_BY_LABEL if label in zone_labels]
    duration = timedelta(minutes=duration_minutes)
    fitting = [
        start
        for start in candidates(day)
        if start > now and all(fits(start, duration, zone, day, hours) for zone in zones)
    ]
    fitting.sort(key=lambda start: (*score(start, duration, zones, hours), start))
    return [Suggestion(starts_at=start, local={zone.label: clock(start, zone) for zone in zones}) for start in fitting]
