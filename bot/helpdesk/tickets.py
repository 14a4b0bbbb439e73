"""A teacher's question for a person: it goes on the teacher's open ticket, or on a new one, with
the context a Duta Teknologi needs (the region on the ticket, the walkthrough's step and branch
when the teacher is part-way). Offering it to a volunteer is the next increment (routing)."""

from sqlmodel import Session

from bot.activation.models import Ticket
from bot.activation.progress import find_progress
from bot.activation.tickets import find_open_ticket, mask_long_numbers
from bot.helpdesk.models import Author, TicketMessage
from bot.models import Contact

QUESTION_TOPIC = "question"  # `Ticket.topic` of a ticket opened by a question (the walkthrough's: "activation")
QUESTION_CHARACTERS = 1000


def ask_a_person(session: Session, contact: Contact, question: str, faq_id: str | None) -> tuple[Ticket, bool]:
    """Put the question on the teacher's open ticket, or open one; returns it and whether it is new.
    `faq_id` names the FAQ entry the teacher was shown that did not help."""
    ticket = find_open_ticket(session, contact)
    created = ticket is None
    if ticket is None:
        assert contact.id is not None
        ticket = Ticket(contact_id=contact.id, topic=QUESTION_TOPIC)
        session.add(ticket)
    ticket.province_code, ticket.regency_code = contact.province_code, contact.regency_code
    add_walkthrough_context(session, contact, ticket)
    session.flush()
    assert ticket.id is not None
    text = mask_long_numbers(question)[:QUESTION_CHARACTERS]
    session.add(TicketMessage(ticket_id=ticket.id, author=Author.TEACHER, text=text, faq_id=faq_id))
    session.flush()
    return ticket, created


def add_walkthrough_context(session: Session, contact: Contact, ticket: Ticket) -> None:
    """A teacher part-way through the activation walkthrough: the ticket says where."""
    progress = find_progress(session, contact)
    if progress is None or progress.completed_at is not None or progress.step is None or ticket.step:
        return
    ticket.step, ticket.branch = progress.step, progress.branch


