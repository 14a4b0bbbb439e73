"""When each meeting message is due, in UTC, from the start time and the teacher's quiet hours.

Rules (quiet hours are local, 21.00–06.00 by default):
- a reminder more than an hour before the start that would land in quiet hours moves to the last
  minute before they began (a 24-hour reminder due at 23.00 goes at 20.59);
- reminders an hour or less before the start are always on time;
- invitations and change notices found in quiet hours wait for their end, but never past the
  last hour before the start;
- reminders whose moment has already passed collapse into one, sent right away (catch-up).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

URGENT = timedelta(hours=1)
LAST_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class QuietHours:
    start: time = time(21, 0)
    end: time = time(6, 0)


DEFAULT_QUIET_HOURS = QuietHours()


@dataclass(frozen=True)
class PlannedReminder:
    offset_minutes: int
    due_at: datetime


def in_quiet_hours(moment: datetime, iana: str, quiet: QuietHours = DEFAULT_QUIET_HOURS) -> bool:
    clock = moment.astimezone(ZoneInfo(iana)).time()
    if quiet.start <= quiet.end:
        return quiet.start <= clock < quiet.end
    return clock >= quiet.start or clock < quiet.end


def quiet_began(moment: datetime, iana: str, quiet: QuietHours = DEFAULT_QUIET_HOURS) -> datetime:
    """When the quiet hours that hold `moment` began (today's or yesterday's evening, local)."""
    here = moment.astimezone(ZoneInfo(iana))
    start = here.replace(hour=quiet.start.hour, minute=quiet.start.minute, second=0, microsecond=0)
    return start if start <= here else start - timedelta(days=1)


def quiet_ends(moment: datetime, iana: str, quiet: QuietHours = DEFAULT_QUIET_HOURS) -> datetime:
    """When the quiet hours that hold `moment` end (this morning or tomorrow morning, local)."""
    here = moment.astimezone(ZoneInfo(iana))
    end = here.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    return end if end > here else end + timedelta(days=1)


def notice_due(now: datetime, starts_at: datetime, iana: str, quiet: QuietHours = DEFAULT_QUIET_HOURS) -> datetime:
    """An invitation or change notice: now, or when quiet hours end, but no later than an hour before the start."""
    if not in_quiet_hours(now, iana, quiet):
        return now
    return max(now, min(quiet_ends(now, iana, quiet), starts_at - URGENT))


def reminder_moment(starts_at: datetime, offset_minutes: int, iana: str, quiet: QuietHours) -> datetime:
    """The moment of one reminder, moved before quiet hours unless it is an urgent one."""
    moment = starts_at - timedelta(minutes=offset_minutes)
    if timedelta(minutes=offset_minutes) <= URGENT or not in_quiet_hours(moment, iana, quiet):
        return moment
    return quiet_began(moment, iana, quiet) - LAST_MINUTE


def plan_reminders(
    starts_at: datetime,
    offsets: list[int],
    iana: str,
    now: datetime,
    catch_up: bool = True,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
) -> list[PlannedReminder]:
    """The reminders still to send, earliest first. Passed ones become one catch-up reminder when
    `catch_up` (a meeting set 40 minutes ahead still gets its reminder) and are dropped otherwise."""
    if now >= starts_at:
        return []
    moments = {offset: reminder_moment(starts_at, offset, iana, quiet) for offset in offsets}
    planned = [PlannedReminder(offset, due) for offset, due in moments.items() if due > now]
    passed = [offset for offset, due in moments.items() if due <= now]
    planned.sort(key=lambda reminder: reminder.due_at)
    if passed and catch_up:
        late = PlannedReminder(min(passed), notice_due(now, starts_at, iana, quiet))
        if not planned or late.due_at < planned[0].due_at:  # else the next reminder comes first anyway
            planned.insert(0, late)
    return planned
