"""The main menu (its entries come from the features), help, and the words that lead back to it."""

from bot.answers import choose
from bot.conversation import MENU_FLOW, Flow, Step, Turn, Word
from bot.feature import Feature
from bot.respond import resume_paused


def show_menu(turn: Turn) -> None:
    """Show the main menu and wait for a number."""
    turn.show_menu()


def menu_labels(turn: Turn) -> list[str]:
    return [turn.content.render(entry.label) for entry in turn.registry.menu]


def ask_main(turn: Turn) -> None:
    turn.ask("menu.main", menu_labels(turn))


def answer_main(turn: Turn) -> bool:
    choice = choose(turn.text, menu_labels(turn))
    if choice is None:
        return False
    turn.registry.menu[choice - 1].start(turn)
    return True


def show_help(turn: Turn) -> None:
    turn.say("menu.help")


FLOW = Flow(MENU_FLOW, {"main": Step(ask_main, answer_main)}, label="menu.label")
MENU_WORD = Word(show_menu, needs_profile=True)
FEATURE = Feature(
    "menu",
    flows=(FLOW,),
    words={
        "menu": MENU_WORD,
        "0": MENU_WORD,
        "/start": MENU_WORD,  # Telegram sends it when a teacher opens the bot
        "/menu": MENU_WORD,
        "/help": Word(show_help, repeats=True, before_consent=True),
        "bantuan": Word(show_help, repeats=True, before_consent=True),
        "lanjut": Word(resume_paused, needs_profile=True),
    },
)
