"""Conversation features. The registry: flows by name, and the words that work anywhere."""

from collections.abc import Callable

from bot.conversation import Flow, Turn
from handlers import activation, meetings, menu, onboarding, privacy

FLOWS: dict[str, Flow] = {
    flow.name: flow for flow in (onboarding.FLOW, menu.FLOW, privacy.FLOW, meetings.FLOW, activation.FLOW)
}

# Words a teacher can type anywhere (CONTRACT), normalized to lower case.
GLOBAL_WORDS: dict[str, Callable[[Turn], None]] = {
    "menu": menu.show_menu,
    "0": menu.show_menu,
    "/start": menu.show_menu,  # Telegram sends it when a teacher opens the bot
    "/menu": menu.show_menu,
    "/help": menu.show_help,
    "bantuan": menu.show_help,
    "berhenti": privacy.stop_announcements,
    "stop": privacy.stop_announcements,
    "mulai": privacy.start_announcements,
    "data saya": privacy.show_my_data,
    "hapus data": privacy.ask_erase,
}

# Words that open a feature once onboarding is done.
FEATURE_WORDS: dict[str, Callable[[Turn], None]] = {
    "jadwal": meetings.start,
    "aktivasi": activation.start,
    "belajar.id": activation.start,
}
