"""One broadcast message to one teacher: its text (with the poll's question and numbered
options, as Telegram buttons), put in the outbox at the broadcast priority; on WhatsApp outside
the window as the announcement template when the text can be its variable (`templating`)."""

from datetime import timedelta

from sqlmodel import Session

from bot.broadcasts.models import POLL_PROMPT, Broadcast
from bot.broadcasts.templating import ANNOUNCEMENT_TEMPLATE, closed_window_delivery
from bot.content import texts
from bot.conversation import Reply
from bot.models import Contact, OutboundMessage, Priority
from bot.outbox import enqueue
from bot.prompts import button_tag, open_prompt

POLL_OPEN_FOR = timedelta(days=7)
MESSAGE_KIND = "broadcast"


def message_text(broadcast: Broadcast) -> str:
    if broadcast.poll:
        return texts().render("broadcasts.poll", text=broadcast.text, question=broadcast.poll["question"])
    return texts().render("broadcasts.message", text=broadcast.text)


def deliver(session: Session, broadcast: Broadcast, contact: Contact) -> OutboundMessage:
    """Put the message in the outbox (not yet flushed: a batch is written in one go); returns its row."""
    reply = Reply(message_text(broadcast), kind=MESSAGE_KIND, priority=Priority.BROADCAST)
    if broadcast.poll:
        options = list(broadcast.poll["options"])
        prompt = open_prompt(
            session,
            contact.id or 0,
            POLL_PROMPT,
            options,
            subject_id=broadcast.id,
            expires_at=broadcast.send_at + POLL_OPEN_FOR,
        )
        reply.options, reply.tag = options, button_tag(prompt)
    as_template = closed_window_delivery(broadcast.text, broadcast.poll is not None) == "template"
    return enqueue(
        session,
        contact,
        reply,
        template=ANNOUNCEMENT_TEMPLATE if as_template else None,
        template_variables={"text": broadcast.text} if as_template else None,
    )
