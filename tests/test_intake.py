"""Intake's group commit: deliveries that arrive together are stored together, and one that the
database refuses takes none of the others with it."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.channels.base import Incoming
from bot.intake import IntakeWriter


async def test_one_refused_delivery_fails_alone_and_the_others_are_stored(db_engine: Engine, monkeypatch: Any) -> None:
    writer = IntakeWriter(db_engine, 4000)
    real_store_batch = writer.store_batch

    def refuse_the_bad_one(batch: list[Incoming]) -> list[bool]:
        if any(incoming.text == "bad" for incoming in batch):
            raise ValueError("refused by the database")
        return real_store_batch(batch)

    monkeypatch.setattr(writer, "store_batch", refuse_the_bad_one)
    deliveries = [
        Incoming("telegram", f"i{number}", str(900 + number), text=text)
        for number, text in enumerate(["a", "bad", "c"])
    ]
    answers = await asyncio.gather(*(writer.store(incoming) for incoming in deliveries), return_exceptions=True)
    await writer.close()
    assert answers[0] is True and answers[2] is True
    assert isinstance(answers[1], ValueError)


async def test_a_closed_intake_refuses_instead_of_leaving_a_webhook_waiting(db_engine: Engine) -> None:
    writer = IntakeWriter(db_engine, 4000)
    assert await writer.store(Incoming("telegram", "c1", "950", text="halo")) is True
    assert await writer.store(Incoming("telegram", "c1", "950", text="halo")) is False  # a repeat
    await writer.close()
    with pytest.raises(RuntimeError):
        await writer.store(Incoming("telegram", "c2", "950", text="halo"))
