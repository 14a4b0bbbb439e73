"""The durable outbox: every message is stored here first; the dispatcher sends it later.

A text longer than its channel allows is stored as several messages, in order, cut at
paragraph, line or sentence boundaries; the options go with the last one.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.channels.registry import traits_of
from bot.clock import utcnow
from bot.conversation import Reply
from bot.db import session_scope
from bot.delivery.splitting import split_reply
from bot.delivery.templates import template_payload
from bot.delivery.window import release_parked as release_parked_messages
from bot.models import Contact, OutboundMessage, OutboundStatus, Priority
from bot.prompts import still_open


def enqueue(
    session: Session,
    contact: Contact | None,
    reply: Reply,
    *,
    channel: str = "",
    address: str = "",
    template: str | None = None,
    template_variables: Mapping[str, object] | None = None,
) -> OutboundMessage:
    """Store one message for sending; returns its (first) row. Without a contact (after erasure)
    channel and address are given. On WhatsApp outside the 24-hour window a message with a
    `template` (e.g. "meeting_reminder" with its variables) is sent as that approved template;
    one without is held until the teacher writes."""
    channel = contact.channel if contact else channel
    payload = template_payload(template, template_variables) if template else {}
    # Every part names the question it asks: its buttons answer exactly that question, and a part
    # held for WhatsApp's window is dropped once the question is no longer open.
    tagged = {"question_tag": reply.tag} if reply.tag else {}
    rows = [
        OutboundMessage(
            contact_id=contact.id if contact else None,
            channel=channel,
            address=contact.address if contact else address,
            kind=reply.kind,
            priority=reply.priority,
            text=text,
            options=options,
            payload={**payload, **tagged} if number == 0 else dict(tagged),
        )
        for number, (text, options) in enumerate(split_reply(reply.text, reply.options, channel))
    ]
    session.add_all(rows)
    return rows[0]


def enqueue_callback_answer(
    session: Session, contact: Contact | None, callback_query_id: str, channel: str = "", address: str = ""
) -> None:
    """Telegram wants every button press answered, or the button keeps spinning (after an erasure
    too: then without a contact, to the address it had)."""
    session.add(
        OutboundMessage(
            contact_id=contact.id if contact else None,
            channel=contact.channel if contact else channel,
            address=contact.address if contact else address,
            kind="callback_answer",
            payload={"callback_query_id": callback_query_id},
        )
    )


def release_parked(session: Session, contact: Contact) -> int:
    """The contact wrote: messages held for WhatsApp's window go out now, in their order. A held
    question that is no longer current (the conversation moved on, the prompt closed) is dropped."""
    if contact.id is None or traits_of(contact.channel).reply_window is None:
        return 0  # a channel without a reply window never holds messages: no query at all
    parked = session.exec(
        select(OutboundMessage.id, OutboundMessage.payload).where(
            col(OutboundMessage.contact_id) == contact.id, col(OutboundMessage.status) == OutboundStatus.PARKED
        )
    ).all()
    if not parked:
        return 0  # the common case: one indexed look, no writes
    stale = stale_questions(session, contact, [(row_id, payload) for row_id, payload in parked])
    fail_messages(session, stale, "stale", "a held question that was no longer current")
    return release_parked_messages(session, contact.id)


def stale_questions(session: Session, contact: Contact, rows: list[tuple[int | None, Mapping[str, Any]]]) -> list[int]:
    """Held messages whose buttons belong to a question that is no longer open."""
    tags = {row_id: str(payload.get("question_tag") or "") for row_id, payload in rows if row_id is not None}
    prompt_ids = {int(tag[1:]) for tag in tags.values() if tag.startswith("p") and tag[1:].isdecimal()}
    open_prompts = still_open(session, prompt_ids, utcnow())
    current = f"q{contact.question_seq}"
    return [
        row_id
        for row_id, tag in tags.items()
        if (tag.startswith("q") and tag != current) or (tag.startswith("p") and int(tag[1:]) not in open_prompts)
    ]


def fail_messages(session: Session, ids: list[int], error_class: str, reason: str) -> None:
    if ids:
        session.exec(
            update(OutboundMessage)
            .where(col(OutboundMessage.id).in_(ids))
            .values(status=OutboundStatus.FAILED, status_at=utcnow(), error_class=error_class, last_error=reason)
        )


def drop_parked_announcements(session: Session, contact: Contact) -> int:
    """BERHENTI: held reminders, nudges and broadcasts fail instead of going out; replies stay."""
    result = session.exec(
        update(OutboundMessage)
        .where(
            col(OutboundMessage.contact_id) == contact.id,
            col(OutboundMessage.status) == OutboundStatus.PARKED,
            col(OutboundMessage.priority) > Priority.REPLY,
        )
        .values(
            status=OutboundStatus.FAILED,
            status_at=utcnow(),
            error_class="opted_out",
            last_error="the teacher said BERHENTI",
        )
    )
    return int(result.rowcount or 0)


def channels_with_due_messages(engine: Engine) -> set[str]:
    """The channels with a message waiting to be sent now (queued, its attempt due): a claim on
    any other channel would find nothing."""
    queued_and_due = (
        col(OutboundMessage.status) == OutboundStatus.QUEUED,
        col(OutboundMessage.next_attempt_at) <= utcnow(),
    )
    with session_scope(engine) as session:
        return set(session.exec(select(OutboundMessage.channel).where(*queued_and_due).distinct()).all())
