"""The terminal chat (`gurubot chat`): its chat names, and the bot's replies printed as they come."""

import re

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.channels.base import render_text
from bot.db import session_scope
from bot.dispatcher import to_outgoing
from bot.models import OutboundMessage

ADDRESS_PREFIX = "terminal-"
NAME_CHARACTERS = 40


def chat_name(typed: str) -> str:
    """ "Bu Sari" → "bu-sari": the name a chat is continued by (`--as`)."""
    return re.sub(r"[^a-z0-9]+", "-", typed.lower()).strip("-")[:NAME_CHARACTERS] or "guru"


def address_of(name: str) -> str:
    return ADDRESS_PREFIX + name


def show(row: OutboundMessage) -> None:
    if row.kind != "callback_answer":
        print("\n" + render_text(to_outgoing(row)) + "\n")


def show_where_we_were(engine: Engine, address: str) -> int:
    """A chat continued: its last message from the bot again, so the teacher sees the open question;
    returns its id (0 for a new chat)."""
    with session_scope(engine) as session:
        last = session.exec(
            select(OutboundMessage)
            .where(col(OutboundMessage.address) == address, OutboundMessage.kind != "callback_answer")
            .order_by(col(OutboundMessage.id).desc())
            .limit(1)
        ).first()
        if last is None:
            return 0
        show(last)
        return last.id or 0


def print_new_replies(engine: Engine, address: str, after: int) -> int:
    """Print replies sent to `address` after message id `after`; returns the last id printed."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(OutboundMessage)
            .where(col(OutboundMessage.address) == address, col(OutboundMessage.id) > after)
            .order_by(col(OutboundMessage.id))
        ).all()
        for row in rows:
            show(row)
            after = row.id or after
    return after
