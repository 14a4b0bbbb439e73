"""Reading a question the way the FAQ matcher compares it: lower case, chat spelling and phrases
normalised and stop words dropped (the table is `content/faq_words.yaml`), affixes stripped.

The affix stripper is written here, small, on purpose: the Indonesian stemmer packages rest on
root-word lists the project cannot ship (Sastrawi's comes from Kateglo under CC BY-NC-SA). It is
conservative: a word is cut to a root the FAQ itself uses, else only by a few safe rules that
leave at least four letters ("direset" → "reset", "mengaktifkan" → "aktif").
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from bot.content import read_yaml
from bot.errors import ContentError

WORDS_FILE = "faq_words.yaml"
SHORTEST_ROOT = 4  # a safe rule never leaves fewer letters
SHORTEST_KNOWN_ROOT = 3  # a cut to a root the FAQ uses may leave three ("ubah" from "perubahan": four)
REPEATS = re.compile(r"([a-z])\1{2,}")  # "tolonggg", "pleaseee"
NOT_A_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]+")

PARTICLES = ("nya", "lah", "kah")
SAFE_PARTICLES = ("nya",)
SUFFIXES = ("kan", "an", "in", "i")  # "-in" is chat Indonesian for "-kan" ("aktifin")
SAFE_SUFFIXES = ("kan", "an")
PREFIXES = ("meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen", "per", "pe", "di", "ber", "ter", "ke")
SAFE_PREFIXES = ("meng", "meny", "mem", "men", "me", "di", "ber", "ter")
# A nasal prefix before a vowel replaced a root's first letter: "menyimpan" ← simpan, "memakai" ← pakai.
LOST_LETTERS = {"meny": "s", "peny": "s", "mem": "pm", "pem": "p", "men": "tn", "pen": "t", "meng": "k", "peng": "k"}
VOWELS = "aeiou"


@dataclass(frozen=True)
class WordTable:
    spelling: dict[str, str]
    phrases: tuple[tuple[re.Pattern[str], str], ...]  # longest first
    synonyms: dict[str, str]
    stop_words: frozenset[str]
    never_stem: frozenset[str]


@cache
def word_table() -> WordTable:
    data = read_yaml(WORDS_FILE)
    sections = ("spelling", "phrases", "synonyms")
    if any(not isinstance(data.get(name), dict) for name in sections):
        raise ContentError(f"content/{WORDS_FILE}: needs the mappings {', '.join(sections)}")
    phrases = sorted(((plain(str(k)), plain(str(v))) for k, v in data["phrases"].items()), key=lambda p: -len(p[0]))
    return WordTable(
        spelling={plain(str(k)): plain(str(v)) for k, v in data["spelling"].items()},
        phrases=tuple((re.compile(rf"(?<!\S){re.escape(k)}(?!\S)"), v) for k, v in phrases),
        synonyms={plain(str(k)): plain(str(v)) for k, v in data["synonyms"].items()},
        stop_words=frozenset(plain(str(word)) for word in data.get("stop_words") or []),
        never_stem=frozenset(plain(str(word)) for word in data.get("never_stem") or []),
    )


def plain(text: str) -> str:
    """Lower case, letters and digits only, single spaces, no letter three times in a row."""
    lowered = REPEATS.sub(r"\1", text.lower())
    return " ".join(NOT_A_LETTER_OR_DIGIT.sub(" ", lowered).split())


def standard_words(text: str, table: WordTable) -> list[str]:
    """The words after spelling, phrases and synonyms, stop words still in:
    "Gk bisa masuk belajar.id" → ["tidak", "bisa", "login", "belajarid"]."""
    spelled = " ".join(table.spelling.get(word, word) for word in plain(text).split())
    for pattern, replacement in table.phrases:
        spelled = pattern.sub(replacement, spelled)
    return [table.synonyms.get(word, word) for word in spelled.split()]


class Analyzer:
    """Turns a text into the terms the FAQ index compares. `known` are the FAQ's own words: an
    affix is cut away whenever what remains is one of them."""

    def __init__(self, table: WordTable, known: Iterable[str]) -> None:
        self.table = table
        self.known = frozenset(known)
        self.roots: dict[str, str] = {}

    def terms(self, text: str) -> list[str]:
        found: list[str] = []
        for word in standard_words(text, self.table):
            if word in self.table.stop_words:
                continue
            root = self.table.synonyms.get(self.root(word), self.root(word))
            if root not in self.table.stop_words:
                found.append(root)
        return found

    def root(self, word: str) -> str:
        if word not in self.roots:
            self.roots[word] = self.strip_affixes(word)
        return self.roots[word]

    def strip_affixes(self, word: str) -> str:
        """The word's root: the root of the shortest word the FAQ knows that the affixes leave,
        else the safe rules' cut."""
        if word in self.table.never_stem or len(word) <= SHORTEST_ROOT or not word.isalpha():
            return word
        candidates = [cut for cut in cuts(word) if cut != word and len(cut) >= SHORTEST_KNOWN_ROOT]
        whole = [cut for cut in candidates if cut in self.table.never_stem]
        if whole:
            return max(whole, key=len)  # "bermasalah" → "masalah", never "masa"
        known = [cut for cut in candidates if cut in self.known]
        # The known word's own root, so "disimpan" and "simpan" end alike whatever "simpan" becomes.
        return self.root(min(known, key=len)) if known else safe_cut(word)


def cuts(word: str) -> Iterator[str]:
    """Every way the affixes could come off the word (most are not words)."""
    bases = [word, *(word[: -len(particle)] for particle in PARTICLES if word.endswith(particle))]
    for base in bases:
        for stem in without_prefix(base):
            yield stem
            yield from (stem[: -len(suffix)] for suffix in SUFFIXES if stem.endswith(suffix))


def without_prefix(word: str) -> Iterator[str]:
    yield word
    for prefix in PREFIXES:
        if word.startswith(prefix):
            rest = word[len(prefix) :]
            yield rest
            if rest[:1] in VOWELS:
                yield from (letter + rest for letter in LOST_LETTERS.get(prefix, ""))


def safe_cut(word: str) -> str:
    """The cut made without knowing the root: "-nya", one safe prefix, one safe suffix, each only
    when at least four letters remain. A prefix that matches but would leave too little stops the
    search ("menu" is not "me-" + "nu")."""
    for particle in SAFE_PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= SHORTEST_ROOT:
            word = word[: -len(particle)]
    prefix = next((prefix for prefix in SAFE_PREFIXES if word.startswith(prefix)), "")
    if prefix and len(word) - len(prefix) >= SHORTEST_ROOT:
        word = word[len(prefix) :]
    suffix = next((suffix for suffix in SAFE_SUFFIXES if word.endswith(suffix)), "")
    if suffix and len(word) - len(suffix) >= SHORTEST_ROOT:
        word = word[: -len(suffix)]
    return word
