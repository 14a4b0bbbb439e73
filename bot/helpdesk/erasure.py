"""HAPUS DATA and the helpdesk. A teacher's tickets go with their texts (the figures stay, in
`ticket_figure`, pointing to no one), and a volunteer holding one is told in a line; a
volunteer's own erasure takes them off the roster and hands their tickets on."""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.activation.models import Ticket, TicketStatus
from bot.content import texts
from bot.helpdesk.models import TicketFigure, TicketRouting, Volunteer
from bot.helpdesk.routing import tell_volunteer
from bot.helpdesk.timers import hand_back_all
from bot.models import OutboundMessage, OutboundStatus


def forget_teacher(session: Session, contact_id: int) -> None:
    """The teacher's tickets: figures kept, texts and the tickets themselves deleted."""
    rows = session.exec(
        select(Ticket, TicketRouting)
        .outerjoin(TicketRouting, col(TicketRouting.ticket_id) == col(Ticket.id))
        .where(col(Ticket.contact_id) == contact_id)
    ).all()
    for ticket, routing in rows:
        session.add(figure_of(ticket, routing))
        holder = routing.assignee_id or routing.offered_to_id if routing else None
        volunteer = session.get(Volunteer, holder) if holder else None
        if volunteer is not None and ticket.status != TicketStatus.CLOSED:
            tell_volunteer(session, volunteer, texts().render("duta.ticket_erased", ticket=ticket.id))
    blank_copies_sent_to_others(session, [ticket for ticket, _ in rows])
    session.exec(delete(Ticket).where(col(Ticket.contact_id) == contact_id))  # messages, routing, timeline go too


def blank_copies_sent_to_others(session: Session, tickets: list[Ticket]) -> None:
    """The teacher's words went to volunteers and staff too (offers, "#12 Guru: …", escalations):
    those messages, named by their ticket, lose their text like the teacher's own."""
    ids = {ticket.id for ticket in tickets}
    if not ids:
        return
    since = min(ticket.created_at for ticket in tickets)
    sent = session.exec(
        select(OutboundMessage).where(
            col(OutboundMessage.kind) == "helpdesk", col(OutboundMessage.created_at) >= since
        )
    ).all()
    for message in sent:
        if message.payload.get("ticket") in ids:
            message.text = ""
            if message.status in (OutboundStatus.QUEUED, OutboundStatus.PARKED):  # not out yet: never
                message.status, message.last_error = OutboundStatus.FAILED, "the teacher erased their data"


def figure_of(ticket: Ticket, routing: TicketRouting | None) -> TicketFigure:
    return TicketFigure(
        province_code=ticket.province_code,
        regency_code=ticket.regency_code,
        topic=ticket.topic,
        status=ticket.status,
        rating=routing.rating if routing else None,
        created_at=ticket.created_at,
        first_answer_at=routing.first_answer_at if routing else None,
        closed_at=routing.closed_at if routing else None,
    )


def forget_volunteer(session: Session, contact_id: int, now: datetime) -> None:
    """Off the roster (the row goes), what they held or were offered handed on."""
    for volunteer in session.exec(select(Volunteer).where(col(Volunteer.contact_id) == contact_id)).all():
        hand_back_all(session, volunteer, now)
        session.flush()
        session.exec(delete(Volunteer).where(col(Volunteer.id) == volunteer.id))


def forget_contact(session: Session, contact_id: int, now: datetime) -> None:
    forget_teacher(session, contact_id)
    forget_volunteer(session, contact_id, now)
