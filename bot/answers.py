"""Reading a teacher's answer the way people chat: a number ("2", "2.", "2️⃣"), an option's label
(with a small typo), or a phrase of `content/answers.yaml` ("iya", "gk bisa", "insya allah
hadir"); and telling small talk ("makasih", "🙏", "?") from an answer.
"""

import difflib
import re
from dataclasses import dataclass
from functools import cache

from bot.content import read_yaml
from bot.errors import ContentError

ANSWERS_FILE = "answers.yaml"
KEYCAP = "\ufe0f\u20e3"
LABEL_SIMILARITY = 0.85  # difflib ratio from which a typed label counts as that label ("stuju")
WORD_SIMILARITY = 0.88
SHORT_SMALL_TALK_WORDS = 5


@dataclass(frozen=True)
class Answers:
    phrases: dict[str, dict[str, int]]  # options key → phrase → choice
    small_talk: dict[str, str]  # message → kind ("thanks", "greeting", "question", "after")


@cache
def answers() -> Answers:
    data = read_yaml(ANSWERS_FILE)
    groups = {str(name): [words_of(str(phrase)) for phrase in phrases] for name, phrases in data["groups"].items()}
    phrases: dict[str, dict[str, int]] = {}
    for key, entries in data["choices"].items():
        phrases[str(key)] = expand(entries, groups, str(key))
    small_talk = {chat_form(str(text)): str(kind) for kind, texts in data["small_talk"].items() for text in texts}
    return Answers(phrases, small_talk)


def expand(entries: dict[str, int], groups: dict[str, list[str]], key: str) -> dict[str, int]:
    """A key's phrases, with each group name replaced by the group's phrases."""
    expanded: dict[str, int] = {}
    for phrase, choice in entries.items():
        if not isinstance(choice, int) or choice < 1:
            raise ContentError(f"content/{ANSWERS_FILE}: {key}.{phrase} must name a choice (1, 2, …)")
        for words in groups.get(str(phrase), [words_of(str(phrase))]):
            expanded.setdefault(words, choice)
    return expanded


def words_of(text: str) -> str:
    """Lower case, letters and digits only, single spaces: "Ya, setuju!! 🙏" → "ya setuju"."""
    return " ".join(re.sub(r"[^\w]+", " ", text.lower().replace(KEYCAP, " ")).split())


def chat_form(text: str) -> str:
    """Lower case and single spaces, emoji and "?" kept, trailing dots and commas dropped."""
    return " ".join(text.lower().split()).rstrip(".,!")


def choose(text: str, options: list[str], key: str | None = None) -> int | None:
    """The 1-based option a reply means, or None when it is not clear."""
    words = words_of(text)
    if words.isdecimal():  # isdigit() takes "²", which int() refuses
        return int(words) if 1 <= int(words) <= len(options) else None
    labels = [words_of(option) for option in options]
    if words in labels:
        return labels.index(words) + 1
    by_phrase = choice_by_phrase(words, answers().phrases.get(key or "", {}), len(options))
    return by_phrase if by_phrase is not None else choice_by_similar_label(words, labels)


def choice_by_phrase(words: str, phrases: dict[str, int], count: int) -> int | None:
    """The choice of the phrases found in the reply, when they agree (the longest ones count)."""
    if not words or not phrases:
        return None
    padded = f" {words} "
    found = [phrase for phrase in phrases if f" {phrase} " in padded]
    if not found:
        found = [phrase for phrase in phrases if similar_single_word(words, phrase)]
    longest = [phrase for phrase in found if not any(phrase != other and phrase in other for other in found)]
    choices = {phrases[phrase] for phrase in longest}
    if len(choices) != 1:
        return None  # nothing found, or "ya tidak": not guessed
    choice = choices.pop()
    return choice if choice <= count else None


def similar_single_word(words: str, phrase: str) -> bool:
    """A one-word reply with a small typo ("stuju" for "setuju"); short words must be exact."""
    if " " in words or len(phrase) < 5:
        return False
    return difflib.SequenceMatcher(None, words, phrase).ratio() >= WORD_SIMILARITY


def choose_label(text: str, options: list[str]) -> int | None:
    """Only an option's own label (or a near miss of it): how an older question is still answered."""
    words = words_of(text)
    labels = [words_of(option) for option in options]
    return labels.index(words) + 1 if words in labels else choice_by_similar_label(words, labels)


def choice_by_similar_label(words: str, labels: list[str]) -> int | None:
    close = difflib.get_close_matches(words, labels, n=2, cutoff=LABEL_SIMILARITY)
    return labels.index(close[0]) + 1 if len(close) == 1 else None


def small_talk_kind(text: str) -> str | None:
    """ "thanks", "greeting", "question" or "after" for a short message that is small talk."""
    message = chat_form(text)
    kind = answers().small_talk.get(message)
    if kind is not None or len(message.split()) > SHORT_SMALL_TALK_WORDS:
        return kind
    # "makasih ya bu 🙏": a thanks phrase at the start of a short message.
    for phrase, phrase_kind in answers().small_talk.items():
        if phrase_kind == "thanks" and len(phrase) > 3 and message.startswith(phrase + " "):
            return phrase_kind
    return None
