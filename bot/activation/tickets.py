"""Tickets a teacher opened for a human. Routing them to volunteers is the helpdesk feature's job."""

import re

from sqlmodel import Session, col, select

from bot.activation.models import Ticket, TicketStatus
from bot.content import texts
from bot.models import Contact

# Phone numbers and NIKs (10 or more digits, maybe spaced) never reach a volunteer; an 8-digit NPSN does.
LONG_NUMBER = re.compile(r"\+?\d(?:[\s.-]?\d){9,}")


def find_open_ticket(session: Session, contact: Contact) -> Ticket | None:
    query = select(Ticket).where(Ticket.contact_id == contact.id, Ticket.status == TicketStatus.OPEN)
    return session.exec(query.order_by(col(Ticket.id).desc())).first()


def has_open_ticket(session: Session, contact: Contact) -> bool:
    return find_open_ticket(session, contact) is not None


def mask_long_numbers(text: str) -> str:
    return LONG_NUMBER.sub(texts().render("activation.masked"), " ".join(text.split()))
