"""The main menu, help, and the features behind each menu number."""

from collections.abc import Callable

from bot.conversation import Flow, Step, Turn, normalize_word, pick

FLOW_NAME = "menu"


def show_menu(turn: Turn) -> None:
    """Show the main menu and wait for a number."""
    turn.contact.flow_data = {}
    turn.goto(FLOW_NAME, "main")


def ask_main(turn: Turn) -> None:
    turn.ask("menu.main", turn.content.choices("main_menu"))


def answer_main(turn: Turn) -> bool:
    from handlers import FEATURE_WORDS

    word = normalize_word(turn.text)
    if word in FEATURE_WORDS:  # a feature word works from the menu too (e.g. `jadwal`)
        FEATURE_WORDS[word](turn)
        return True
    choice = pick(turn.text, turn.content.choices("main_menu"))
    if choice is None:
        return False
    menu_actions()[choice](turn)
    return True


def not_ready(label_index: int) -> Callable[[Turn], None]:
    def say_not_ready(turn: Turn) -> None:
        label = turn.content.choices("main_menu")[label_index - 1]
        turn.say("menu.not_ready", feature=label)
        turn.goto(FLOW_NAME, "main")

    return say_not_ready


def menu_actions() -> dict[int, Callable[[Turn], None]]:
    """What each main-menu number starts; features not built yet say so honestly."""
    from handlers import activation, meetings, privacy

    return {
        1: activation.start,
        2: meetings.start,
        3: not_ready(3),
        4: not_ready(4),
        5: privacy.privacy_menu,
    }


def show_help(turn: Turn) -> None:
    turn.say("menu.help")


FLOW = Flow(FLOW_NAME, {"main": Step(ask_main, answer_main)})
