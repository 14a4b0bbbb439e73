"""Tickets a teacher opened for a human. Routing them to volunteers is the helpdesk feature's job."""

import re
from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.activation.models import Ticket, TicketStatus
from bot.content import texts
from bot.models import Contact

# Phone numbers and NIKs (10 or more digits, maybe spaced) never reach a volunteer; an 8-digit NPSN does.
# Nine or more digits with at most a few separators between them: phone numbers written as
# 0812-3456-7890, (0812) 3456 7890, +62 (812) 3456/7890, NIKs. An 8-digit NPSN stays readable.
LONG_NUMBER = re.compile(r"\+?\(?\d(?:[\s./()\u2013\u2014-]{0,3}\d){8,}")


def find_open_ticket(session: Session, contact: Contact) -> Ticket | None:
    """The teacher's ticket that is not closed yet (whoever holds it)."""
    query = select(Ticket).where(Ticket.contact_id == contact.id, Ticket.status != TicketStatus.CLOSED)
    return session.exec(query.order_by(col(Ticket.id).desc())).first()


def has_open_ticket(session: Session, contact: Contact) -> bool:
    return find_open_ticket(session, contact) is not None


def mask_long_numbers(text: str) -> str:
    return LONG_NUMBER.sub(texts().render("activation.masked"), " ".join(text.split()))


# Statuses of a ticket no one has finished with yet (the helpdesk adds those past `open`).
UNFINISHED = ("open", "offered", "claimed", "escalated")


def unfinished_tickets(session: Session, province: str | None, limit: int = 50) -> Sequence[Ticket]:
    """Tickets still waiting for a person, oldest first (staff views: the dashboard's overview)."""
    query = select(Ticket).where(col(Ticket.status).in_(UNFINISHED))
    if province is not None:
        query = query.where(Ticket.province_code == province)
    return session.exec(query.order_by(col(Ticket.created_at)).limit(limit)).all()

