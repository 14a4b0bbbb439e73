"""Handles stored inbound messages: loads the contact and its state, picks the handler,
stores the replies in the outbox, all in one transaction so each message is handled once."""

import logging
import time
from datetime import timedelta

from sqlalchemy import Engine, text
from sqlmodel import Session, col, func, select

from bot import metrics
from bot.clock import utcnow
from bot.content import texts
from bot.conversation import MENU_FLOW, Reply, Turn, normalize_word
from bot.db import is_postgres, session_scope
from bot.features import registry
from bot.models import Contact, InboundMessage, InboundStatus, OutboundMessage
from bot.outbox import drop_parked_announcements, enqueue, enqueue_callback_answer, release_parked
from bot.privacy_log import mask
from bot.respond import respond

log = logging.getLogger(__name__)
RESUME_GAP = timedelta(hours=6)
STOP_WORDS = ("berhenti", "stop")
# Replies to the WhatsApp "there is a new message, reply to read it" template that ask for nothing
# else; any other text is answered as usual after the held messages.
WINDOW_ACKNOWLEDGEMENTS = {"1", "ok", "oke", "okay", "ya", "iya", "baik", "siap", "baca", "lihat", "halo", "hai", ""}


def process_pending(engine: Engine, limit: int = 100) -> int:
    """Handle stored messages in arrival order; returns how many were handled."""
    handled, waiting = 0, set[int]()
    while handled < limit:
        with session_scope(engine) as session:
            inbound = claim_next(session, waiting)
            if inbound is None:
                return handled
            inbound_id = inbound.id
            if not first_of_its_sender(session, inbound):
                waiting.add(inbound.id or 0)  # another worker handles an older one of this sender
                continue
            try:
                started = time.perf_counter()
                with session.begin_nested():
                    handle_inbound(session, inbound)
                metrics.HANDLING_SECONDS.observe(time.perf_counter() - started)
            except Exception as error:  # a bug must not lose the message nor leave silence
                log.exception("handling inbound %s failed", inbound_id)
                fail_inbound(session, inbound, error)
        handled += 1
    return handled


def claim_next(session: Session, waiting: set[int]) -> InboundMessage | None:
    query = (
        select(InboundMessage)
        .where(col(InboundMessage.status) == InboundStatus.RECEIVED, col(InboundMessage.id).not_in(waiting))
        .order_by(col(InboundMessage.id))
        .limit(1)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()


def first_of_its_sender(session: Session, inbound: InboundMessage) -> bool:
    """Serialise one sender's messages across workers (PostgreSQL): take the sender's lock without
    waiting, then make sure no older message of theirs is still waiting (another worker holds it)."""
    if not is_postgres(session):
        return True  # SQLite: one worker
    locked = session.execute(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:sender))"),
        {"sender": f"{inbound.channel}:{inbound.address}"},
    ).scalar_one()
    if not locked:
        return False
    older = select(InboundMessage.id).where(
        InboundMessage.channel == inbound.channel,
        InboundMessage.address == inbound.address,
        col(InboundMessage.status) == InboundStatus.RECEIVED,
        col(InboundMessage.id) < inbound.id,
    )
    return session.exec(older.limit(1)).first() is None


def fail_inbound(session: Session, inbound: InboundMessage, error: Exception) -> None:
    inbound.status = InboundStatus.FAILED
    inbound.error = f"{type(error).__name__}: {error}"[:500]
    inbound.processed_at = utcnow()
    contact = find_contact(session, inbound.channel, inbound.address)
    apology = Reply(texts().render("common.error"))
    enqueue(session, contact, apology, channel=inbound.channel, address=inbound.address)


def find_contact(session: Session, channel: str, address: str) -> Contact | None:
    query = select(Contact).where(Contact.channel == channel, Contact.address == address)
    if is_postgres(session):
        query = query.with_for_update()
    return session.exec(query).first()


def load_contact(session: Session, inbound: InboundMessage) -> Contact:
    contact = find_contact(session, inbound.channel, inbound.address)
    if contact is None:
        contact = Contact(channel=inbound.channel, address=inbound.address)
        session.add(contact)
        session.flush()
    return contact


def handle_inbound(session: Session, inbound: InboundMessage) -> None:
    contact = load_contact(session, inbound)
    inbound.contact_id = contact.id
    metrics.MESSAGES_IN.labels(channel=inbound.channel).inc()
    log.info("inbound %s from %s kind=%s", inbound.id, mask(inbound.address), inbound.kind)
    if inbound.kind in ("blocked", "unblocked"):
        contact.unreachable_since = utcnow() if inbound.kind == "blocked" else None
    else:
        converse(session, contact, inbound)
    inbound.status = InboundStatus.PROCESSED
    inbound.processed_at = utcnow()


def converse(session: Session, contact: Contact, inbound: InboundMessage) -> None:
    gap = utcnow() - contact.last_inbound_at if contact.last_inbound_at else None
    contact.unreachable_since = None
    contact.last_inbound_at = utcnow()
    word = normalize_word(inbound.text)
    if word in STOP_WORDS:  # BERHENTI first: what waited behind the window must not go out now
        drop_parked_announcements(session, contact)
    released = release_parked(session, contact)  # WhatsApp's window is open again: held messages go first
    turn = Turn(session, contact, inbound.text, registry())
    if released and word in WINDOW_ACKNOWLEDGEMENTS:
        # "Reply to read it" answered with a bare "ok" or "1": the held messages are the answer.
        store_replies(session, turn, inbound)
        return
    if inbound.truncated:
        turn.say("common.too_long")
    if returns_to_an_old_question(session, contact, gap):
        turn.say("common.welcome_back")
    respond(turn, inbound.kind)
    store_replies(session, turn, inbound)


def returns_to_an_old_question(session: Session, contact: Contact, gap: timedelta | None) -> bool:
    """A teacher back after hours of silence, to a question the bot asked long ago (not a fresh
    invitation or nudge, which set a flow themselves)."""
    if gap is None or gap <= RESUME_GAP or contact.flow in (None, MENU_FLOW):
        return False
    last_bot_message = session.exec(
        select(func.max(OutboundMessage.created_at)).where(
            OutboundMessage.contact_id == contact.id, OutboundMessage.kind != "callback_answer"
        )
    ).one()
    return last_bot_message is None or utcnow() - last_bot_message > RESUME_GAP


def store_replies(session: Session, turn: Turn, inbound: InboundMessage) -> None:
    """The replies go to the outbox; a button press is answered too (after an erasure as well,
    or the teacher's button keeps spinning)."""
    callback_id = inbound.payload.get("callback_query_id")
    if turn.erased:  # the contact row is gone; the last words go to the address it had
        for reply in turn.replies:
            reply.kind = "erasure_notice"
            enqueue(session, None, reply, channel=turn.contact.channel, address=turn.contact.address)
        if callback_id:
            enqueue_callback_answer(session, None, str(callback_id), turn.contact.channel, turn.contact.address)
        return
    if callback_id:
        enqueue_callback_answer(session, turn.contact, str(callback_id))
    for reply in turn.replies:
        enqueue(session, turn.contact, reply)
    if turn.contact.consent_given_at is None:
        # No consent, nothing personal kept: the text goes as soon as it is handled.
        inbound.text = ""
        inbound.profile_name = None
