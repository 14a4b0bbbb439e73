"""What every channel shares: the parsed inbound message, the traits and the sender interface,
and intake."""

import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from bot.clock import utcnow
from bot.models import InboundMessage, InboundStatus

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Incoming:
    """One message from a person, whatever the channel. `kind` is text, unsupported, blocked or unblocked."""

    channel: str
    provider_id: str
    address: str
    kind: str = "text"
    text: str = ""
    profile_name: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outgoing:
    """A stored outbox row, as a sender needs it. With `template` set (WhatsApp outside the
    24-hour window) the channel sends that approved template instead of the text."""

    id: int
    channel: str
    address: str
    kind: str
    text: str
    options: list[str]
    payload: dict[str, Any]
    template: str | None = None
    template_variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelTraits:
    """What delivery must know of a channel, declared by its adapter; None where the channel
    sets no bound. `text_limit`: the longest text of one message, in UTF-16 code units as the
    providers count; `send_rate`: messages per second for the whole sender; `chat_rate`:
    messages per second to one chat; `reply_window`: how long after a contact's last message
    free text may go (later only approved templates); `status_callbacks`: whether the provider
    reports a message's fate later (delivered, failed), which may overtake the send's result."""

    name: str
    text_limit: int | None = None
    send_rate: float | None = None
    chat_rate: float | None = None
    reply_window: timedelta | None = None
    status_callbacks: bool = False

    def at_rates(self, send_rate: float | None, chat_rate: float | None = None) -> "ChannelTraits":
        """The same channel at the rates an operator configured (None keeps the channel's own)."""
        return replace(
            self,
            send_rate=self.send_rate if send_rate is None else send_rate,
            chat_rate=self.chat_rate if chat_rate is None else chat_rate,
        )


class Sender(Protocol):
    """Sends one message; returns the provider's message id or raises a `SendError`."""

    traits: ChannelTraits

    async def send(self, message: Outgoing) -> str | None: ...

    async def close(self) -> None: ...


def render_text(message: Outgoing) -> str:
    """Numbered choices as plain text, readable on any phone."""
    return message.text + render_options(message.options)


def render_options(options: list[str]) -> str:
    """The numbered choices that follow a text ("" without choices)."""
    if not options:
        return ""
    lines = [f"{number}. {label}" for number, label in enumerate(options, start=1)]
    return "\n\n" + "\n".join(lines)


def clean_text(text: str, limit: int) -> tuple[str, bool]:
    """Drop control characters (PostgreSQL refuses NUL) and lone surrogates (JSON allows "\\ud83d",
    UTF-8 does not), and cut overlong text."""
    cleaned = CONTROL_CHARACTERS.sub("", text).encode("utf-8", "replace").decode("utf-8").strip()
    return cleaned[:limit], len(cleaned) > limit


def store_incoming(session: Session, incoming: Incoming, text_limit: int) -> bool:
    """Store a message under its provider id before handling; False when it was seen before."""
    return store_incoming_batch(session, [incoming], text_limit)[0]


def store_incoming_batch(session: Session, batch: list[Incoming], text_limit: int) -> list[bool]:
    """Store messages (one statement: insert unless the provider id is known), each answered
    True when new, False when it was seen before (or comes twice in this batch)."""
    rows = {(incoming.channel, incoming.provider_id[:64]): inbound_row(incoming, text_limit) for incoming in batch}
    statement = INSERT_NEW[session.get_bind().dialect.name]
    stored = {tuple(row) for row in session.connection().execute(statement, list(rows.values()))}
    answers = []
    for incoming in batch:
        key = (incoming.channel, incoming.provider_id[:64])
        answers.append(key in stored)
        stored.discard(key)  # a second delivery of it in the same batch is a repeat
    return answers


def inbound_row(incoming: Incoming, text_limit: int) -> dict[str, Any]:
    text, truncated = clean_text(incoming.text, text_limit)
    return {
        "channel": incoming.channel,
        "provider_id": incoming.provider_id[:64],
        "address": incoming.address,
        "kind": incoming.kind,
        "text": text,
        "truncated": truncated,
        "profile_name": clean_text(incoming.profile_name or "", 100)[0] or None,
        "payload": incoming.payload,
        "status": InboundStatus.RECEIVED,
        "received_at": utcnow(),
    }


def insert_unless_seen(dialect: Any) -> Any:
    """Built once per dialect: INSERT … ON CONFLICT (channel, provider_id) DO NOTHING RETURNING them."""
    statement = dialect.insert(InboundMessage).on_conflict_do_nothing(index_elements=["channel", "provider_id"])
    return statement.returning(col(InboundMessage.channel), col(InboundMessage.provider_id))


INSERT_NEW = {"postgresql": insert_unless_seen(postgresql), "sqlite": insert_unless_seen(sqlite)}
