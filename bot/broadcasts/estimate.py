"""When the last recipient will have a broadcast: per channel, the queue ahead goes first at the
configured rate, then the recipients, each zone only while it is awake (06.00–21.00 local).
Channels send in parallel; the finish is the latest channel's."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.channels import telegram, whatsapp
from bot.config import Settings
from bot.delivery.rate_limit import HEADROOM
from bot.local_time import AWAKE, QUIET
from bot.regions import TimeZone

UNLIMITED_RATE = 1000.0  # a channel without a provider limit (the simulator)


@dataclass
class ChannelLoad:
    """What one channel still has to send: messages already ahead in the outbox, then ours per zone."""

    rate: float
    ahead: int = 0
    waiting: dict[TimeZone, int] = field(default_factory=dict)


def configured_rates(settings: Settings) -> dict[str, float]:
    """Messages per second each channel really leaves at (the rate limiter's slot spacing)."""
    rates = {
        "telegram": settings.telegram_rate or telegram.TRAITS.send_rate or UNLIMITED_RATE,
        "whatsapp": settings.whatsapp_rate or whatsapp.TRAITS.send_rate or UNLIMITED_RATE,
    }
    return {channel: rate * HEADROOM for channel, rate in rates.items()}


def rate_of(rates: Mapping[str, float], channel: str) -> float:
    return rates.get(channel, UNLIMITED_RATE)


def finish_time(loads: Mapping[str, ChannelLoad], start: datetime) -> datetime:
    """The moment the slowest channel sends its last message."""
    return max((channel_finish(load, start) for load in loads.values()), default=start)


def channel_finish(load: ChannelLoad, start: datetime) -> datetime:
    moment = start + timedelta(seconds=load.ahead / load.rate)
    waiting = {zone: count for zone, count in load.waiting.items() if count > 0}
    while waiting:
        awake = [zone for zone in waiting if AWAKE.allows(moment, zone)]
        if not awake:
            moment = min(AWAKE.next_allowed(moment, zone) for zone in waiting)
            continue
        boundary = min(QUIET.next_allowed(moment, zone) for zone in awake)  # the first zone to fall asleep
        capacity = int((boundary - moment).total_seconds() * load.rate)
        sent = drain(waiting, awake, capacity)
        moment = moment + timedelta(seconds=sent / load.rate) if sent < capacity else boundary
    return moment


def drain(waiting: dict[TimeZone, int], awake: list[TimeZone], capacity: int) -> int:
    """Send up to `capacity` messages from the awake zones; returns how many went."""
    sent = 0
    for zone in awake:
        taken = min(waiting[zone], capacity - sent)
        waiting[zone] -= taken
        sent += taken
        if waiting[zone] == 0:
            del waiting[zone]
    return sent
