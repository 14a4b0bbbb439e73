"""The finish estimate against the configured rates: the queue ahead, each channel's rate, quiet
hours; and against the real finish of the dispatcher (virtual time: exact however busy the machine)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from bot import clock
from bot.broadcasts import jobs
from bot.channels import telegram
from bot.config import Settings
from bot.delivery.rate_limit import HEADROOM
from bot.models import Contact, OutboundMessage
from bot.regions import time_zone_of
from tests.factories import Harness
from tests.fakes import FakeTelegram, FakeTwilio, NotingProvider, VirtualTime
from tests.test_broadcasts import ADMIN, MORNING, TEXT
from tests.test_meetings import travel_to

TELEGRAM_RATE, WHATSAPP_RATE = 30.0, 10.0


@pytest.fixture
async def paced(
    settings: Settings, db_engine: Engine, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> AsyncIterator[Harness]:
    """The app with Telegram at 30/s and WhatsApp at 10/s configured."""
    rates = settings.model_copy(update={"telegram_rate": TELEGRAM_RATE, "whatsapp_rate": WHATSAPP_RATE})
    async with Harness.running(rates, db_engine, fake_telegram, fake_twilio) as running:
        yield running


def teachers(engine: Engine, count: int, province: str, channel: str = "telegram", start: int = 0) -> None:
    """Onboarded teachers in bulk (one statement)."""
    now = clock.utcnow()
    rows = [
        {
            "channel": channel,
            "address": str(10_000 + number) if channel == "telegram" else f"whatsapp:+62812{number:07d}",
            "province_code": province,
            "time_zone": time_zone_of(province).iana,
            "role": "guru",
            "school_level": "sd",
            "consent_given_at": now,
            "onboarded_at": now,
            "last_inbound_at": now,
            "flow_data": {},
            "created_at": now,
        }
        for number in range(start, start + count)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Contact), rows)


def queue_ahead(engine: Engine, count: int) -> None:
    """Replies already waiting on Telegram, to chats outside the audience."""
    now = clock.utcnow()
    rows = [
        {"channel": "telegram", "address": str(90_000 + number), "text": "Balasan", "options": [], "payload": {}}
        | {"next_attempt_at": now, "created_at": now}
        for number in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(insert(OutboundMessage), rows)


async def estimated(harness: Harness, **body: Any) -> datetime:
    response = await harness.client.post("/api/broadcasts/preview", json={"text": TEXT, **body}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return datetime.fromisoformat(response.json()["estimated_finish"])


async def test_the_estimate_follows_the_configured_rates_and_the_queue_ahead(paced: Harness, db_engine: Engine) -> None:
    travel_to(MORNING)
    clock.freeze()
    teachers(db_engine, 300, "32")
    teachers(db_engine, 50, "73", channel="whatsapp", start=300)
    queue_ahead(db_engine, 120)
    finish = await estimated(paced, audience={"provinces": ["32", "73"]})
    telegram_seconds = (120 + 300) / (TELEGRAM_RATE * HEADROOM)  # WhatsApp's 50 at 10/s finish first
    assert finish.utcoffset() == timedelta(hours=7)
    assert abs((finish - clock.utcnow()).total_seconds() - telegram_seconds) < 0.05


async def test_the_estimate_waits_for_the_morning_when_quiet_hours_begin(paced: Harness, db_engine: Engine) -> None:
    travel_to(datetime(2026, 11, 25, 13, 59, 50, tzinfo=UTC))  # 20.59.50 WIB
    clock.freeze()
    teachers(db_engine, 300, "32")
    queue_ahead(db_engine, 291)  # 10 s of replies first: then it is 21.00 in Jakarta
    finish = await estimated(paced, confirm_all=True)
    morning = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)  # 06.00 WIB
    assert abs((finish - morning).total_seconds() - 300 / (TELEGRAM_RATE * HEADROOM)) < 0.05


async def test_the_estimate_is_within_five_percent_of_the_real_finish_at_30_per_second(
    paced: Harness, db_engine: Engine
) -> None:
    travel_to(MORNING)
    clock.freeze()
    teachers(db_engine, 300, "32")
    finish = await estimated(paced, confirm_all=True)
    virtual_time = VirtualTime(1000.0)
    provider = NotingProvider(telegram.TRAITS.at_rates(TELEGRAM_RATE), virtual_time)
    dispatcher = virtual_time.dispatcher(db_engine, {"telegram": provider}, paced.settings)
    response = await paced.client.post("/api/broadcasts", json={"text": TEXT, "confirm_all": True}, headers=ADMIN)
    assert response.status_code == 201
    jobs.run(db_engine)
    while await dispatcher.run_once():
        pass
    assert len(provider.arrivals) == 300
    real = max(arrival.moment for arrival in provider.arrivals) - 1000.0
    expected = (finish - clock.utcnow()).total_seconds()
    assert abs(expected - real) <= 0.05 * real, (expected, real)
