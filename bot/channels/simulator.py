"""The demo simulator: a web chat page and its JSON routes, talking to the same engine."""

import uuid
from importlib import resources

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlmodel import col, select

from bot.channels.base import ChannelTraits, Incoming, Outgoing
from bot.db import session_scope
from bot.models import OutboundMessage, OutboundStatus

router = APIRouter(include_in_schema=False)
TRAITS = ChannelTraits("simulator")  # a web page: no limits, no window


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
async def simulator_messages(request: Request, address: str, after: int = 0) -> list[dict[str, object]]:
    require_demo(request)
    engine = request.app.state.runtime.engine
    with session_scope(engine) as session:
        rows = session.exec(
            select(OutboundMessage)
            .where(
                OutboundMessage.channel == "simulator",
                OutboundMessage.address == address,
                col(OutboundMessage.id) > after,
                OutboundMessage.status == OutboundStatus.SENT,
                OutboundMessage.kind != "callback_answer",
            )
            .order_by(col(OutboundMessage.id))
        ).all()
        return [{"id": row.id, "text": row.text, "options": row.options} for row in rows]
