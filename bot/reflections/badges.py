"""Badges: earned by attending (RSVP yes) and answering the reflection, verified in public at
`/v/{code}` (first name, meeting title and date, valid or revoked), revoked by staff."""

import html
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from bot.config import get_settings
from bot.content import texts
from bot.local_time import WIB, date_text, zone_of
from bot.meetings.models import Invitation, Meeting, Rsvp
from bot.models import Contact
from bot.profile import first_name, greeting_name
from bot.reflections.models import Badge, Reflection
from bot.reflections.service import answered_any


def verify_link(code: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/v/{code}"


def attended(session: Session, meeting: Meeting, contact: Contact) -> bool:
    """RSVP yes; for a meeting recorded after it was held (no RSVP asked), being in its audience."""
    if meeting.created_at >= meeting.starts_at:
        return True
    answer = session.exec(
        select(Invitation.rsvp).where(Invitation.meeting_id == meeting.id, Invitation.contact_id == contact.id)
    ).first()
    return answer == Rsvp.YES


def award_badge(session: Session, reflection: Reflection, meeting: Meeting, contact: Contact, now: datetime) -> str:
    """The meeting's badge for an attendee who reflected; returns the message telling them ("" if none)."""
    if not meeting.badge_title or not answered_any(reflection) or not attended(session, meeting, contact):
        return ""
    held = session.exec(select(Badge).where(Badge.meeting_id == meeting.id, Badge.contact_id == contact.id)).first()
    if held is not None:
        return ""
    badge = Badge(
        meeting_id=meeting.id or 0,
        contact_id=contact.id,
        first_name=first_name(contact.name),
        title=meeting.badge_title,
        issued_at=now,
    )
    session.add(badge)
    name = greeting_name(contact.name) or badge.first_name
    return texts().render(
        "reflections.badge", name=name, badge=badge.title, title=meeting.title, link=verify_link(badge.code)
    )


def badges_of(session: Session, contact: Contact) -> Sequence[tuple[Badge, Meeting]]:
    return session.exec(
        select(Badge, Meeting)
        .join(Meeting, col(Meeting.id) == col(Badge.meeting_id))
        .where(Badge.contact_id == contact.id)
        .order_by(col(Badge.issued_at).desc())
    ).all()


def badge_list_text(session: Session, contact: Contact) -> str:
    """`lencana`: each badge with its meeting, date and verification link."""
    content, zone = texts(), zone_of(contact)
    lines = [
        content.render(
            "reflections.badge_line",
            badge=badge.title,
            title=meeting.title,
            date=date_text(meeting.starts_at, zone, weekday=False),
            revoked=content.render("reflections.badge_revoked") if badge.revoked_at else "",
            link=verify_link(badge.code),
        )
        for badge, meeting in badges_of(session, contact)[:10]
    ]
    return (
        content.render("reflections.badges", lines="\n".join(lines))
        if lines
        else content.render("reflections.no_badges")
    )


def meeting_badges(session: Session, meeting: Meeting) -> Sequence[Badge]:
    return session.exec(select(Badge).where(Badge.meeting_id == meeting.id).order_by(col(Badge.id))).all()


def find_badge(session: Session, code: str) -> Badge | None:
    return session.exec(select(Badge).where(Badge.code == code)).first() if len(code) <= 16 else None


def revoke_badge(badge: Badge, now: datetime) -> Badge:
    if badge.revoked_at is None:
        badge.revoked_at = now
    return badge


def verification_page(session: Session, code: str) -> tuple[str, int]:
    """The public page of a badge code: valid, revoked or unknown (404), nothing personal but a first name."""
    content = texts()
    badge = find_badge(session, code)
    meeting = session.get(Meeting, badge.meeting_id) if badge else None
    if badge is None or meeting is None:
        return page([content.render("badge_page.unknown")]), 404
    verdict = content.render("badge_page.revoked" if badge.revoked_at else "badge_page.valid")
    lines = [verdict, content.render("badge_page.badge", badge=badge.title)]
    if badge.first_name:
        lines.append(content.render("badge_page.holder", name=badge.first_name))
    lines.append(content.render("badge_page.meeting", title=meeting.title, date=date_text(meeting.starts_at, WIB)))
    return page(lines), 200


def page(lines: list[str]) -> str:
    title = html.escape(texts().render("badge_page.title"))
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    )
