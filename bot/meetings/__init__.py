"""Meetings: invitations, RSVP and reminders in each teacher's own time zone.

The timed job is `jobs.MEETING_MESSAGES`; the conversation and the feature's entry in
`bot/features.py` are in handlers/meetings.py.
"""
