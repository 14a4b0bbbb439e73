"""Long texts become several messages, cut at paragraph, line or sentence boundaries under the
channel's text limit (counted as the providers do, in UTF-16 code units: an emoji counts two);
numbered options stay with the last part."""

import re

from bot.channels.base import render_options
from bot.channels.registry import traits_of

SENTENCE_END = re.compile(r"[.!?…][\"')\]]*\s")
WORD_GAP = re.compile(r"\s")


def units(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text) + sum(1 for character in text if ord(character) > 0xFFFF)


def split_reply(text: str, options: list[str], channel: str) -> list[tuple[str, list[str]]]:
    """(text, options) per message, in order; only the last part carries the options."""
    limit = traits_of(channel).text_limit
    if limit is None:
        return [(text, options)]
    parts = split_text(text, limit)
    suffix = units(render_options(options))
    if suffix and units(parts[-1]) + suffix > limit:
        parts[-1:] = split_text(parts[-1], max(limit - suffix, limit // 4))
    return [(part, options if number == len(parts) else []) for number, part in enumerate(parts, start=1)]


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` units each, cut at the best boundary found."""
    parts: list[str] = []
    rest = text
    while units(rest) > limit:
        cut = best_cut(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [part for part in parts if part] or [""]


def best_cut(text: str, limit: int) -> int:
    """Where to end the next part: a paragraph, line, sentence or word end in its second half."""
    window = text[: fitting_prefix(text, limit)]
    floor = len(window) // 2
    for boundary in ("\n\n", "\n"):
        position = window.rfind(boundary)
        if position >= floor:
            return position + len(boundary)
    for pattern in (SENTENCE_END, WORD_GAP):
        ends = [match.end() for match in pattern.finditer(window) if match.end() >= floor]
        if ends:
            return ends[-1]
    return len(window)


def fitting_prefix(text: str, limit: int) -> int:
    """The most characters from the start of `text` that fit in `limit` units."""
    length = min(len(text), limit)
    while units(text[:length]) > limit:
        length -= (units(text[:length]) - limit + 1) // 2  # a character is at most two units
    return max(length, 1)
