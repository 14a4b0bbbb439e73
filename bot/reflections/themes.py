"""The most frequent themes of a meeting's free-text reflections, for a facilitator to read the
room in a minute. Words are read as the helpdesk's FAQ matcher reads them (bot/helpdesk/language.py:
chat spellings, phrases, synonyms, stop words, affix cuts), so "menerapkan", "penerapan" and
"terapkan" count as one theme."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from bot.content import read_yaml
from bot.helpdesk.language import SHORTEST_ROOT, WordTable, cuts, safe_cut, standard_words, word_table
from bot.reflections.questions import CONTENT_FILE

THEMES = 5
EXAMPLES = 3
QUOTE = 120  # characters of a quoted example
SHORTEST_THEME = 3


@dataclass
class Theme:
    word: str  # the form the teachers wrote most often
    count: int  # reflections that mention it
    examples: list[str] = field(default_factory=list)


@cache
def theme_words() -> WordTable:
    """The helpdesk's word table with the reflections' own stop words added."""
    table = word_table()
    extra = {str(word) for word in read_yaml(CONTENT_FILE).get("theme_stop_words") or []}
    return WordTable(table.spelling, table.phrases, table.synonyms, table.stop_words | extra, table.never_stem)


class Roots:
    """Each word's root: of the cuts (at least four letters, the word itself among them) that it
    shares with another word of the reflections, the one most words share, the longest on a tie;
    else the helpdesk's safe cut. Shared cuts group "kuis" with "kuisnya" and "menerapkan",
    "penerapan", "terapkan" under "terap"."""

    def __init__(self, words: Iterable[str]) -> None:
        self.owners: dict[str, set[str]] = {}
        for word in set(words):
            for cut in set(cuts(word)):
                if len(cut) >= SHORTEST_ROOT:
                    self.owners.setdefault(cut, set()).add(word)

    def root(self, word: str) -> str:
        shared = [cut for cut in set(cuts(word)) if len(self.owners.get(cut, ())) > 1]
        if not shared:
            return safe_cut(word)
        return max(shared, key=lambda cut: (len(self.owners[cut]), len(cut), cut))


def quote(text: str, limit: int = QUOTE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def find_themes(texts: list[str], limit: int = THEMES) -> list[Theme]:
    """The roots mentioned in the most reflections (at least two), each with quoted examples."""
    table = theme_words()
    words_by_text = [standard_words(text, table) for text in texts]
    roots_of = Roots(word for words in words_by_text for word in words)
    mentions: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    examples: dict[str, list[str]] = {}
    for text, words in zip(texts, words_by_text, strict=True):
        roots: dict[str, str] = {}
        for word in words:
            if word in table.stop_words or len(word) < SHORTEST_THEME or not word.isalpha():
                continue
            root = table.synonyms.get(roots_of.root(word), roots_of.root(word))
            if root not in table.stop_words:
                roots.setdefault(root, word)
                forms.setdefault(root, Counter())[word] += 1
        for root in roots:
            mentions[root] += 1
            examples.setdefault(root, []).append(quote(text))
    ranked = sorted((root for root, count in mentions.items() if count > 1), key=lambda r: (-mentions[r], r))
    return [
        Theme(forms[root].most_common(1)[0][0], mentions[root], examples[root][:EXAMPLES]) for root in ranked[:limit]
    ]
