"""The demo simulator: a web chat page and its JSON routes, talking to the same engine."""

import uuid
from datetime import datetime
from importlib import resources

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from bot.channels.base import ChannelTraits, Incoming, Outgoing
from bot.db import session_scope
from bot.models import InboundMessage, OutboundMessage, OutboundStatus

router = APIRouter(include_in_schema=False)
TRAITS = ChannelTraits("simulator")  # a web page: no limits, no window
HISTORY = 200  # messages each way the page shows
SHOWN = (OutboundStatus.SENT, OutboundStatus.DELIVERED, OutboundStatus.READ)


class SimulatorSender:
    """Nothing to send: the page reads sent messages back from the outbox."""

    traits = TRAITS

    async def send(self, message: Outgoing) -> str | None:
        return f"sim-{message.id}"

    async def close(self) -> None:
        return None


class TypedMessage(BaseModel):
    address: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    text: str = Field(max_length=10_000)


def require_demo(request: Request) -> None:
    if not request.app.state.runtime.settings.demo:
        raise HTTPException(status_code=404, detail="the simulator runs only in demo mode")


@router.get("/simulator", response_class=HTMLResponse)
async def simulator_page(request: Request) -> str:
    require_demo(request)
    return (resources.files("bot") / "static" / "simulator.html").read_text(encoding="utf-8")


@router.post("/simulator/messages", status_code=202)
async def simulator_send(message: TypedMessage, request: Request) -> dict[str, bool]:
    require_demo(request)
    incoming = Incoming("simulator", uuid.uuid4().hex, message.address, text=message.text)
    await request.app.state.runtime.accept(incoming)
    return {"accepted": True}


@router.get("/simulator/messages")
async def simulator_messages(request: Request, address: str) -> dict[str, list[dict[str, object]]]:
    """The conversation with `address` as it stands, oldest first: what was typed and what was sent.

    The whole recent conversation, not what came after a cursor: ids are not a safe cursor (SQLite
    reuses the ids of rows deleted by HAPUS DATA), and erased messages must leave the page too.
    A message typed before consent comes with an empty text: it was not kept.
    """
    require_demo(request)
    with session_scope(request.app.state.runtime.engine) as session:
        return {"messages": conversation(session, address)}


def conversation(session: Session, address: str) -> list[dict[str, object]]:
    typed = session.exec(
        select(InboundMessage)
        .where(InboundMessage.channel == "simulator", InboundMessage.address == address)
        .order_by(col(InboundMessage.id).desc())
        .limit(HISTORY)
    ).all()
    sent = session.exec(
        select(OutboundMessage)
        .where(
            OutboundMessage.channel == "simulator",
            OutboundMessage.address == address,
            col(OutboundMessage.status).in_(SHOWN),
            OutboundMessage.kind != "callback_answer",
        )
        .order_by(col(OutboundMessage.id).desc())
        .limit(HISTORY)
    ).all()
    entries: list[tuple[datetime, int, str, str, str, list[str]]]
    # A key with the time: SQLite gives a new row the id of one HAPUS DATA deleted.
    entries = [(row.received_at, 0, entry_key("i", row.id, row.received_at), "me", row.text, []) for row in typed]
    entries += [
        (row.created_at, 1, entry_key("o", row.id, row.created_at), "bot", row.text, row.options) for row in sent
    ]
    entries.sort(key=lambda entry: (entry[0], entry[1], entry[2]))
    return [{"key": key, "who": who, "text": text, "options": options} for _, _, key, who, text, options in entries]


def entry_key(side: str, row_id: int | None, moment: datetime) -> str:
    return f"{side}{row_id}-{moment.timestamp():.6f}"
