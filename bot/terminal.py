"""Prints the bot's replies for the terminal chat."""

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.channels.base import render_text
from bot.db import session_scope
from bot.dispatcher import to_outgoing
from bot.models import OutboundMessage


def print_new_replies(engine: Engine, address: str, after: int) -> int:
    """Print replies sent to `address` after message id `after`; returns the last id printed."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(OutboundMessage)
            .where(col(OutboundMessage.address) == address, col(OutboundMessage.id) > after)
            .order_by(col(OutboundMessage.id))
        ).all()
        for row in rows:
            if row.kind != "callback_answer":
                print("\n" + render_text(to_outgoing(row)) + "\n")
            after = row.id or after
    return after
