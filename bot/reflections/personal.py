"""What DATA SAYA says about a teacher's reflections, action items and badges, in one line."""

from sqlmodel import Session, col, func, select

from bot.content import texts
from bot.models import Contact
from bot.reflections.models import ActionItem, Badge, Reflection


def after_meetings_text(session: Session, contact: Contact) -> str:
    """ "1 refleksi, 1 tugas tindak lanjut, 1 lencana" (`lencana` lists the badges themselves)."""
    reflections = session.exec(select(func.count()).where(col(Reflection.contact_id) == contact.id)).one()
    items = session.exec(select(func.count()).where(col(ActionItem.owner_contact_id) == contact.id)).one()
    badges = session.exec(select(func.count()).where(col(Badge.contact_id) == contact.id)).one()
    content = texts()
    parts = [
        content.render("privacy.reflections", count=reflections) if reflections else "",
        content.render("privacy.action_items", count=items) if items else "",
        content.render("privacy.badges", count=badges) if badges else "",
    ]
    return ", ".join(part for part in parts if part) or content.render("privacy.after_none")
