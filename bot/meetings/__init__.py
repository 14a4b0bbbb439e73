"""Meetings: invitations, RSVP and reminders in each teacher's own time zone.

Importing the package registers its tick job (`jobs.send_due_reminders`) in `bot.timed.TICK_JOBS`.
"""

from bot.meetings import jobs

__all__ = ["jobs"]
