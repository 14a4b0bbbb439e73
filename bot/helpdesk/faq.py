"""The helpdesk's FAQ: entries from `content/faq.yaml`, checked at start-up, and the matcher that
finds the entry a teacher's question is about.

A question is answered (`CONFIDENT`), offered the closest titles (`WEAK`), or given to a person
(`NONE`). The thresholds below were chosen on tests/test_faq_matching.py, which prints the rates.
"""

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from bot.channels.base import Outgoing, render_text
from bot.content import SCREEN_BUDGET, Texts, read_yaml, texts
from bot.errors import ContentError
from bot.helpdesk.language import Analyzer, WordTable, standard_words, word_table
from bot.helpdesk.ranking import Bm25

FAQ_FILE = "faq.yaml"
ID_FORM = re.compile(r"^[a-z][a-z0-9_]{2,39}$")
TITLE_LIMIT = 60  # a Telegram button shows 64 characters, its number included
ANSWER_TEXT = "helpdesk.answer"
ANSWER_OPTIONS = "helpdesk.answered"

ANSWER_WEIGHT = 0.4  # a word of the answer says less about the question than the title or the asked phrases
TYPO_SIMILARITY = 0.8  # difflib ratio from which an unknown word counts as the FAQ's word ("pasward")
SHORTEST_TYPO = 4  # shorter words must be typed right
CONFIDENT_COVERAGE = 0.4  # share of the question's weight the best entry must explain to be answered,
CONFIDENT_FIT = 0.5  # share of one of its asked phrases the question must hold,
CONFIDENT_LEAD = 0.2  # and the share of its score by which it must lead the second
WEAK_COVERAGE = 0.3  # below this nothing is offered: the question goes to a person
FIT_FLOOR = 0.5  # an entry none of whose phrases the question holds keeps a third of its score
WEAK_SHARE = 0.5  # an entry is offered beside the best when it scores at least this share of it
OFFERED = 3


class Certainty(StrEnum):
    CONFIDENT = "confident"
    WEAK = "weak"
    NONE = "none"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    answer: str
    asked: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    coverage: float  # 0–1: how much of the question's weight the entry explains
    fit: float  # 0–1: how much of the entry's closest asked phrase the question holds


@dataclass(frozen=True)
class Verdict:
    certainty: Certainty
    candidates: tuple[Candidate, ...]  # best first: one when confident, up to three when weak


class FaqIndex:
    """The entries, ranked for a question by BM25 over their titles and asked phrases (and, at a
    lower weight, their answers)."""

    def __init__(self, entries: tuple[Entry, ...], table: WordTable) -> None:
        self.entries = entries
        own_words = {word for entry in entries for text in texts_of(entry) for word in standard_words(text, table)}
        self.analyzer = Analyzer(table, own_words)
        self.phrases = [[set(self.analyzer.terms(text)) for text in (entry.title, *entry.asked)] for entry in entries]
        self.asked = Bm25([self.analyzer.terms(" ".join((entry.title, *entry.asked))) for entry in entries])
        self.answers = Bm25([self.analyzer.terms(entry.answer) for entry in entries])
        self.vocabulary = sorted(set(self.asked.idf) | set(self.answers.idf))

    def query(self, text: str) -> dict[str, float]:
        """The question's terms, each with how sure we are it is the FAQ's word (typos < 1)."""
        query: dict[str, float] = {}
        for term in self.analyzer.terms(text):
            known, certainty = self.closest_known(term)
            query[known] = max(query.get(known, 0.0), certainty)
        return query

    def closest_known(self, term: str) -> tuple[str, float]:
        if term in self.asked.idf or term in self.answers.idf or len(term) < SHORTEST_TYPO:
            return term, 1.0
        close = difflib.get_close_matches(term, self.vocabulary, n=1, cutoff=TYPO_SIMILARITY)
        if not close:
            return term, 1.0  # unknown: it counts against every entry
        return close[0], difflib.SequenceMatcher(None, term, close[0]).ratio()

    def rank(self, text: str) -> list[Candidate]:
        query = self.query(text)
        if not query:
            return []
        candidates = [self.candidate(index, query) for index in range(len(self.entries))]
        return sorted((c for c in candidates if c.score > 0), key=lambda c: (-c.score, -c.coverage))

    def candidate(self, index: int, query: dict[str, float]) -> Candidate:
        fit = self.fit(index, query)
        relevance = self.asked.score(index, query) + ANSWER_WEIGHT * self.answers.score(index, query)
        return Candidate(self.entries[index], relevance * (FIT_FLOOR + fit), self.coverage(index, query), fit)

    def fit(self, index: int, query: dict[str, float]) -> float:
        """How fully the question holds one of the entry's asked phrases: "lupa password akun admin"
        holds all of "lupa password" but only part of "password akun admin lupa"."""
        asked = sum(self.asked.weight(term) for term in query)
        best = 0.0
        for phrase in self.phrases[index]:
            total = sum(self.asked.weight(term) for term in phrase)
            held = sum(self.asked.weight(term) * query.get(term, 0.0) for term in phrase)
            if held:
                recall, precision = held / total, held / asked
                best = max(best, 2 * recall * precision / (recall + precision))
        return best

    def coverage(self, index: int, query: dict[str, float]) -> float:
        total = sum(self.asked.weight(term) for term in query)
        explained = sum(self.asked.weight(term) * sure * self.found(index, term) for term, sure in query.items())
        return explained / total if total else 0.0

    def found(self, index: int, term: str) -> float:
        if self.asked.has(index, term):
            return 1.0
        return ANSWER_WEIGHT if self.answers.has(index, term) else 0.0

    def match(self, text: str) -> Verdict:
        ranked = self.rank(text)
        if not ranked or ranked[0].coverage < WEAK_COVERAGE:
            return Verdict(Certainty.NONE, ())
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if (
            best.coverage >= CONFIDENT_COVERAGE
            and best.fit >= CONFIDENT_FIT
            and best.score - runner_up >= CONFIDENT_LEAD * best.score
        ):
            return Verdict(Certainty.CONFIDENT, (best,))
        offered = [c for c in ranked[:OFFERED] if c is best or c.score >= WEAK_SHARE * best.score]
        return Verdict(Certainty.WEAK, tuple(offered))

    def entry(self, entry_id: str) -> Entry | None:
        return next((entry for entry in self.entries if entry.id == entry_id), None)


def texts_of(entry: Entry) -> tuple[str, ...]:
    return (entry.title, entry.answer, *entry.asked)


@cache
def faq() -> FaqIndex:
    """The FAQ, parsed, checked against the texts it is shown with, and indexed (once per process)."""
    entries = parse_entries(read_yaml(FAQ_FILE).get("entries"))
    check_message_lengths(entries, texts())
    return FaqIndex(entries, word_table())


def parse_entries(raw: Any) -> tuple[Entry, ...]:
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"content/{FAQ_FILE}: `entries` must be a list of entries")
    entries = tuple(parse_entry(number, item) for number, item in enumerate(raw, start=1))
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ContentError(f"content/{FAQ_FILE}: id {entry.id!r} is used twice")
        seen.add(entry.id)
    return entries


def parse_entry(number: int, raw: Any) -> Entry:
    where = f"content/{FAQ_FILE}: entry {number}"
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: expected a mapping")
    entry_id = str(raw.get("id", ""))
    if not ID_FORM.match(entry_id):
        raise ContentError(f"{where}: id {entry_id!r} must be 3–40 lower-case letters, digits or _")
    title, answer = (" ".join(str(raw.get(name) or "").split()) for name in ("title", "answer"))
    asked = tuple(str(phrase) for phrase in raw.get("asked") or [] if str(phrase).strip())
    if not title or len(title) > TITLE_LIMIT:
        raise ContentError(f"{where} ({entry_id}): title must have 1–{TITLE_LIMIT} characters")
    if not answer:
        raise ContentError(f"{where} ({entry_id}): answer is missing")
    if len(asked) < 2:
        raise ContentError(f"{where} ({entry_id}): needs at least two `asked` phrases, in teachers' words")
    return Entry(entry_id, title, answer, asked)


def answer_message(entry: Entry, content: Texts) -> str:
    """The answer as the teacher's phone shows it, with "1. Terjawab 2. Masih perlu bantuan"."""
    text = content.render(ANSWER_TEXT, title=entry.title, answer=entry.answer)
    return render_text(Outgoing(0, "", "", "reply", text, content.choices(ANSWER_OPTIONS), {}))


def check_message_lengths(entries: tuple[Entry, ...], content: Texts) -> None:
    for entry in entries:
        length = len(answer_message(entry, content))
        if length > SCREEN_BUDGET:
            shown = f"the answer shown has {length} characters, budget {SCREEN_BUDGET}"
            raise ContentError(f"content/{FAQ_FILE}: {entry.id}: {shown}")
