"""The named question sets of `content/reflections.yaml` and how each kind of answer is read:
a rating ("4", "empat", "4/5", "⭐⭐⭐⭐"), free text (up to 1,000 characters), three things (in one
message or several). Checked when first read; a broken set names itself in the error."""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from bot.answers import words_of
from bot.content import SCREEN_BUDGET, read_yaml
from bot.errors import ContentError

CONTENT_FILE = "reflections.yaml"
DEFAULT_SET = "default"
TEXT_LIMIT = 1000  # characters of one free-text answer
THINGS = 3
STARS = ("⭐", "★", "🌟")
RATING = re.compile(r"^(-?\d+)\s*(?:(?:/|dari)\s*5|bintang)?$")
BULLET = re.compile(r"^\s*(?:\d{1,2}\s*[.)]|[-•*])\s*")
INLINE_NUMBER = re.compile(r"(?:^|\s)\d\s*[.)]\s+")
NUMBERS = re.compile(r"\d+")
ONLY_NUMBERS = re.compile(r"^[\d\s]*(?:dan|and|sama)?[\d\s]*$")  # "1 3", "1 2 dan 3" (as words_of leaves them)
ALL = "semua"


class Kind(StrEnum):
    RATING = "rating"
    TEXT = "text"
    THREE = "three"


@dataclass(frozen=True)
class Question:
    id: str
    kind: Kind
    text: str
    hint: str
    example: str


def question_from(raw: dict[str, Any], name: str) -> Question:
    try:
        question = Question(str(raw["id"]), Kind(raw["kind"]), str(raw["text"]), str(raw["hint"]), str(raw["example"]))
    except (KeyError, ValueError, TypeError) as error:
        raise ContentError(f"content/{CONTENT_FILE}: question set {name}: {error!r}") from None
    if len(question.text) + len(question.hint) > SCREEN_BUDGET // 2:
        raise ContentError(f"content/{CONTENT_FILE}: question {name}.{question.id} is too long")
    return question


@cache
def question_sets() -> dict[str, tuple[Question, ...]]:
    raw = read_yaml(CONTENT_FILE).get("question_sets") or {}
    sets = {str(name): tuple(question_from(item, str(name)) for item in items) for name, items in raw.items()}
    if DEFAULT_SET not in sets or any(not questions for questions in sets.values()):
        raise ContentError(f"content/{CONTENT_FILE}: needs a non-empty question set {DEFAULT_SET!r}")
    for name, questions in sets.items():
        if len({question.id for question in questions}) != len(questions):
            raise ContentError(f"content/{CONTENT_FILE}: question set {name} repeats an id")
    return sets


def question_set_names() -> set[str]:
    return set(question_sets())


def questions_of(name: str) -> tuple[Question, ...]:
    """A meeting's questions; the default set when staff removed the one it named."""
    return question_sets().get(name) or question_sets()[DEFAULT_SET]


@cache
def rating_words() -> dict[str, int]:
    return {str(word): int(value) for word, value in (read_yaml(CONTENT_FILE).get("rating_words") or {}).items()}


def read_rating(text: str) -> int | None:
    """1–5 from "4", "4/5", "4 dari 5", "empat", "⭐⭐⭐⭐"; None for anything else ("10", "-1")."""
    typed = " ".join(text.lower().split()).strip(".!")
    stars = sum(typed.count(star) for star in STARS)
    if stars and not re.search(r"[0-9a-z]", typed):
        return stars if 1 <= stars <= 5 else None
    words = typed.removesuffix(" bintang").split()
    if len(words) in (1, 3) and words[0] in rating_words() and words[1:] in ([], ["dari", "5"], ["dari", "lima"]):
        return rating_words()[words[0]]
    match = RATING.match(typed)
    value = int(match[1]) if match else None
    return value if value is not None and 1 <= value <= 5 else None


def has_words(text: str) -> bool:
    """An answer in words: an empty or emoji-only one is not."""
    return any(character.isalpha() for character in text)


def cut_text(text: str) -> tuple[str, bool]:
    """The answer kept (at most 1,000 characters) and whether it was cut."""
    text = text.strip()
    return (text, False) if len(text) <= TEXT_LIMIT else (text[: TEXT_LIMIT - 1].rstrip() + "…", True)


def split_things(text: str) -> list[str]:
    """The things listed in one message: one per line, "1. … 2. … 3. …" inline, or "a; b; c"."""
    lines = [BULLET.sub("", line).strip() for line in text.splitlines()]
    items = [line for line in lines if line]
    if len(items) == 1:
        inline = [part.strip() for part in INLINE_NUMBER.split(" " + items[0]) if part.strip()]
        items = inline if len(inline) > 1 else [part.strip() for part in items[0].split(";") if part.strip()]
    return [item for item in items if has_words(item)]


def read_applied(text: str, count: int, none: list[str]) -> list[int] | None:
    """Which of `count` things were applied: "1 3", "1, 2 dan 3", "semua", or one of `none`
    ("belum"); None when the text is no such answer."""
    words = words_of(text)
    if words in {words_of(phrase) for phrase in none}:
        return []
    if words == ALL:
        return list(range(1, count + 1))
    numbers = [int(number) for number in NUMBERS.findall(words)]
    if not numbers or not ONLY_NUMBERS.match(words) or any(not 1 <= number <= count for number in numbers):
        return None
    return sorted(set(numbers))
