"""Handles stored inbound messages: loads the contact and its state, picks the handler,
stores the replies in the outbox, all in one transaction so each message is handled once."""

import logging
import time
from datetime import timedelta

from sqlalchemy import Engine, bindparam, exists, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from bot import metrics
from bot.clock import utcnow
from bot.config import Settings
from bot.content import texts
from bot.conversation import MENU_FLOW, Reply, Turn, normalize_word
from bot.db import is_database_outage, is_lock_conflict, is_postgres, session_scope
from bot.features import registry
from bot.models import Contact, InboundMessage, InboundStatus, OutboundMessage
from bot.outbox import drop_parked_announcements, enqueue, enqueue_callback_answer, release_parked
from bot.privacy_log import mask
from bot.respond import respond

log = logging.getLogger(__name__)
RESUME_GAP = timedelta(hours=6)
HANDLING_BATCH = 20  # messages (of different senders) handled in one transaction at most
STOP_WORDS = ("berhenti", "stop")
# Replies to the WhatsApp "there is a new message, reply to read it" template that ask for nothing
# else; any other text is answered as usual after the held messages.
WINDOW_ACKNOWLEDGEMENTS = {"1", "ok", "oke", "okay", "ya", "iya", "baik", "siap", "baca", "lihat", "halo", "hai", ""}


def next_waiting_query() -> SelectOfScalar[InboundMessage]:
    """Built once: the oldest waiting messages whose sender has no older one waiting."""
    older = aliased(InboundMessage)
    older_waiting = exists().where(
        col(older.channel) == col(InboundMessage.channel),
        col(older.address) == col(InboundMessage.address),
        col(older.status) == InboundStatus.RECEIVED,
        col(older.id) < col(InboundMessage.id),
    )
    waiting = col(InboundMessage.status) == InboundStatus.RECEIVED
    query = select(InboundMessage).where(waiting, ~older_waiting).order_by(col(InboundMessage.id))
    return query.limit(bindparam("batch_size"))


NEXT_WAITING = next_waiting_query()
NEXT_WAITING_LOCKED = NEXT_WAITING.with_for_update(skip_locked=True, of=InboundMessage)


def process_pending(engine: Engine, settings: Settings, limit: int = 100) -> int:
    """Handle stored messages in arrival order; returns how many were handled."""
    handled = 0
    while handled < limit:
        count = handle_batch(engine, settings, min(HANDLING_BATCH, limit - handled))
        if count == 0:
            return handled
        handled += count
    return handled


def handle_batch(engine: Engine, settings: Settings, size: int) -> int:
    """Up to `size` waiting messages, each of a different sender, handled in one transaction (under
    load one commit serves many). When one of them fails, or the transaction meets another in a
    deadlock, they are handled again one at a time, so that only a failing one fails; 0 when
    nothing waits."""
    with session_scope(engine) as session:
        batch = claim_waiting(session, size)
        ids = [inbound.id or 0 for inbound in batch]
        if handle_claimed(session, batch, settings):
            return len(batch)
    for inbound_id in ids:
        with session_scope(engine) as session:
            handle_claimed(session, claim_by_id(session, inbound_id), settings)
    return len(ids)


def handle_claimed(session: Session, batch: list[InboundMessage], settings: Settings) -> bool:
    """Handle claimed messages in this transaction; False when it was rolled back so that they are
    handled one at a time (a batch that failed or deadlocked)."""
    try:
        for inbound in batch:
            started = time.perf_counter()
            handle_inbound(session, inbound, settings)
            metrics.HANDLING_SECONDS.observe(time.perf_counter() - started)
        session.flush()
        return True
    except Exception as error:  # a bug must not lose the message nor leave silence
        if len(batch) > 1 and (is_lock_conflict(error) or not is_database_outage(error)):
            session.rollback()
            return False
        if is_database_outage(error):
            raise  # not the message's fault: it stays waiting, and the next round takes it again
        inbound_id = batch[0].id or 0
        log.exception("handling inbound %s failed", inbound_id)
        session.rollback()
        fail_inbound(session, inbound_id, error)
        return True


def claim_waiting(session: Session, size: int) -> list[InboundMessage]:
    """The oldest waiting messages whose sender has no older one waiting (so one sender's messages
    are handled in order, one at a time, by any number of workers: the row locks are skipped by the
    others, and the older-one test keeps a sender's next message back until this one commits).

    On PostgreSQL the handling transaction commits without waiting for the disk: a crash loses at
    most its last fraction of a second, and those messages are still stored (intake commits
    durably) and handled again, while replies only leave after a later, durable commit."""
    query = NEXT_WAITING_LOCKED if begin_handling(session) else NEXT_WAITING
    return list(session.exec(query, params={"batch_size": size}).all())


def claim_by_id(session: Session, inbound_id: int) -> list[InboundMessage]:
    """One message of a batch handled again on its own, if it still waits (and nobody holds it)."""
    query = select(InboundMessage).where(
        InboundMessage.id == inbound_id, InboundMessage.status == InboundStatus.RECEIVED
    )
    if begin_handling(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())


def begin_handling(session: Session) -> bool:
    """A handling transaction commits without waiting for the disk (see `claim_waiting`); True on
    PostgreSQL, where the claimed rows are locked (SQLite has one writer at a time)."""
    if not is_postgres(session):
        return False
    session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    return True


def fail_inbound(session: Session, inbound_id: int, error: Exception) -> None:
    """After a failed handling (rolled back): the message is marked failed and the teacher gets
    the apology, unless another worker settled it meanwhile."""
    still_waiting = (InboundMessage.id == inbound_id, InboundMessage.status == InboundStatus.RECEIVED)
    query = select(InboundMessage).where(*still_waiting)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)  # a worker holding it now will settle it
    inbound = session.exec(query).first()
    if inbound is None:
        return
    inbound.status = InboundStatus.FAILED
    inbound.error = f"{type(error).__name__}: {error}"[:500]
    inbound.processed_at = utcnow()
    contact = find_contact(session, inbound.channel, inbound.address)
    apology = Reply(texts().render("common.error"))
    enqueue(session, contact, apology, channel=inbound.channel, address=inbound.address)


CONTACT_BY_ADDRESS = select(Contact).where(
    Contact.channel == bindparam("contact_channel"), Contact.address == bindparam("contact_address")
)
# FOR NO KEY UPDATE: one message of a contact at a time, while another contact's handling may
# still queue a message to this one (a volunteer's answer to a teacher who is writing: FOR UPDATE
# would block that insert's key check and the two would deadlock).
CONTACT_BY_ADDRESS_LOCKED = CONTACT_BY_ADDRESS.with_for_update(key_share=True)


def find_contact(session: Session, channel: str, address: str) -> Contact | None:
    query = CONTACT_BY_ADDRESS_LOCKED if is_postgres(session) else CONTACT_BY_ADDRESS
    return session.exec(query, params={"contact_channel": channel, "contact_address": address}).first()


def load_contact(session: Session, inbound: InboundMessage) -> Contact:
    contact = find_contact(session, inbound.channel, inbound.address)
    if contact is None:
        contact = Contact(channel=inbound.channel, address=inbound.address)
        session.add(contact)
        session.flush()
    return contact


def handle_inbound(session: Session, inbound: InboundMessage, settings: Settings) -> None:
    contact = load_contact(session, inbound)
    inbound.contact_id = contact.id
    metrics.MESSAGES_IN.labels(channel=inbound.channel).inc()
    log.info("inbound %s from %s kind=%s", inbound.id, mask(inbound.address), inbound.kind)
    if inbound.kind in ("blocked", "unblocked"):
        contact.unreachable_since = utcnow() if inbound.kind == "blocked" else None
    elif inbound.kind == "inline_button":  # a press on an inline message: nowhere to write back
        enqueue_callback_answer(session, contact, str(inbound.payload.get("callback_query_id")))
    else:
        converse(session, contact, inbound, settings)
    inbound.status = InboundStatus.PROCESSED
    inbound.processed_at = utcnow()


def converse(session: Session, contact: Contact, inbound: InboundMessage, settings: Settings) -> None:
    gap = utcnow() - contact.last_inbound_at if contact.last_inbound_at else None
    contact.unreachable_since = None
    contact.last_inbound_at = utcnow()
    word = normalize_word(inbound.text)
    if word in STOP_WORDS:  # BERHENTI first: what waited behind the window must not go out now
        drop_parked_announcements(session, contact)
    released = release_parked(session, contact)  # WhatsApp's window is open again: held messages go first
    reply_to = inbound.payload.get("reply_to")
    turn = Turn(session, contact, inbound.text, registry(), settings, reply_to=str(reply_to) if reply_to else None)
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
