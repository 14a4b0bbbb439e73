"""The channels the bot speaks, by name: the one list where delivery finds a channel's traits
when it has only the name (splitting a text as it is stored in the outbox)."""

from bot.channels import simulator, telegram, whatsapp
from bot.channels.base import ChannelTraits

CHANNEL_TRAITS = {traits.name: traits for traits in (telegram.TRAITS, whatsapp.TRAITS, simulator.TRAITS)}


def traits_of(channel: str) -> ChannelTraits:
    """A channel's own traits; a name the bot does not know has no bounds."""
    return CHANNEL_TRAITS.get(channel, ChannelTraits(channel))
