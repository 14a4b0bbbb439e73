"""HAPUS DATA for reflections: texts and answers go, badges lose their name, action items their
owner; ratings stay in the meeting's figures, with no one's id on them."""

from sqlalchemy import update
from sqlmodel import Session, col

from bot.reflections.models import ActionItem, Badge, Reflection


def erase_reflections(session: Session, contact_id: int) -> None:
    session.exec(
        update(Reflection)
        .where(col(Reflection.contact_id) == contact_id)
        .values(contact_id=None, answers={}, applied=None, due_at=None, followup_due_at=None)
    )
    session.exec(update(Badge).where(col(Badge.contact_id) == contact_id).values(contact_id=None, first_name=""))
    session.exec(update(ActionItem).where(col(ActionItem.owner_contact_id) == contact_id).values(owner_contact_id=None))
