"""What handlers work with: the turn being handled, its replies, and the registry types (flows,
words, prompt kinds, menu entries) that features declare and the engine reads.

Handlers never see a provider: they get a `Turn` and add channel-neutral `Reply`s to it. They
never import each other either: they name another flow (`turn.goto("menu", "main")`) or call a
word through `turn.registry`.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.answers import choose
from bot.clock import utcnow
from bot.config import Settings
from bot.content import Texts, texts
from bot.erasure import ErasureHook
from bot.models import Contact, Priority
from bot.prompts import Prompt

MENU_FLOW = "menu"


@dataclass
class Reply:
    text: str
    options: list[str] = field(default_factory=list)
    kind: str = "reply"
    priority: int = Priority.REPLY
    # The question this reply asks: "p12" (prompt 12) or "q7" (the flow question asked 7th). Its
    # buttons name it, and a reply held for WhatsApp's window is dropped once it is no longer open.
    tag: str | None = None


@dataclass(frozen=True)
class Step:
    """A question (`ask`) and what to do with its answer (`answer` returns False when it doesn't fit)."""

    ask: Callable[["Turn"], None]
    answer: Callable[["Turn"], bool]


@dataclass(frozen=True)
class Flow:
    """A conversation a teacher is in. `label` names it in the one-line reminder after an
    interruption; `where` may give a better one ("aktivasi, langkah 3 dari 5"); a `resumable`
    flow left for another feature can be picked up again with `lanjut`; a `before_consent` flow
    answers a teacher who has not consented (it stores nothing personal)."""

    name: str
    steps: dict[str, Step]
    label: str = ""
    where: Callable[["Turn"], str] | None = None
    resumable: bool = False
    before_consent: bool = False


@dataclass(frozen=True)
class Word:
    """A word that works anywhere. `repeats` asks the open question again after it (briefly);
    `before_consent` lets it work before the teacher consented; `needs_profile` waits for onboarding."""

    handle: Callable[["Turn"], None]
    repeats: bool = False
    before_consent: bool = False
    needs_profile: bool = False


@dataclass(frozen=True)
class PromptKind:
    """How one kind of prompt is answered: `answer` gets the 1-based choice; `choices` names the
    options key whose phrases (`content/answers.yaml`: "hadir", "gk bisa") also answer it; `reads`,
    when given, reads a typed answer the options cannot ("1 3": several at once) and returns the
    choice it stands for, or None when the text does not answer the prompt."""

    name: str
    answer: Callable[["Turn", Prompt, int], None]
    choices: str
    reads: Callable[[str, Prompt], int | None] | None = None


@dataclass(frozen=True)
class MenuEntry:
    position: int
    label: str  # a content key
    start: Callable[["Turn"], None]


@dataclass(frozen=True)
class Role:
    """A kind of person the bot serves besides the teacher (a Duta Teknologi volunteer). Who is
    writing decides which words apply, and this is the one place that says so: `words` sees each
    text first, before consent and before the teacher's words, and handles it when it is this
    role's (returns True); `text` sees free text that no teacher flow is waiting for (after the
    teacher's words and prompts). A chat that is not this role's goes on as a teacher's."""

    name: str
    words: Callable[["Turn"], bool]
    text: Callable[["Turn"], bool]


@dataclass
class Registry:
    """Everything the conversation engine dispatches to, gathered from the features."""

    flows: dict[str, Flow] = field(default_factory=dict)
    words: dict[str, Word] = field(default_factory=dict)
    prompt_kinds: dict[str, PromptKind] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    erasure_hooks: list[ErasureHook] = field(default_factory=list)  # each feature's rows about a contact


@dataclass
class Turn:
    """One inbound message being handled for one contact."""

    session: Session
    contact: Contact
    text: str
    registry: Registry
    settings: Settings  # the app's, passed in: handlers never read the environment themselves
    replies: list[Reply] = field(default_factory=list)
    reply_to: str | None = None  # the provider's id of the bot's message this one replies to (Telegram)
    erased: bool = False
    moved: bool = False  # a flow question was asked (or the flow closed) during this turn
    again: bool = False  # the open question is being asked again (its short form, where it has one)

    @property
    def content(self) -> Texts:
        return texts()

    def say(self, key: str, **values: object) -> None:
        self.replies.append(Reply(self.render(key, **values)))

    def ask(self, key: str, options: list[str], **values: object) -> None:
        self.replies.append(Reply(self.render(key, **values), options))

    def render(self, key: str, **values: object) -> str:
        """A text; when a question is asked again, its short form (`<key>_again`) if it has one,
        so a long text never reaches a teacher's phone twice in a row."""
        again = f"{key}_again"
        return self.content.render(again if self.again and again in self.content.entries else key, **values)

    def show(self, text: str, options: list[str] | None = None) -> None:
        self.replies.append(Reply(text, options or []))

    def goto(self, flow: str, step: str) -> None:
        """Move to a step and ask its question."""
        self.contact.flow, self.contact.step = flow, step
        self.ask_current()

    def ask_current(self, again: bool = False) -> None:
        """Ask the current step's question; its buttons carry this question's number."""
        self.again = again
        if "misses" in self.contact.flow_data:
            self.contact.flow_data = {k: v for k, v in self.contact.flow_data.items() if k != "misses"}
        flow = self.registry.flows[self.contact.flow or ""]
        self.contact.question_seq += 1
        self.contact.question_asked_at = self.now()
        self.moved = True
        seq, before = self.contact.question_seq, len(self.replies)
        flow.steps[self.contact.step or ""].ask(self)
        self.again = False
        if self.contact.question_seq != seq:
            return  # the question moved on inside ask (a step that forwards to another)
        asked = [reply for reply in self.replies[before:] if reply.tag is None]
        for reply in asked:
            reply.tag = f"q{seq}"
        with_options = [reply for reply in asked if reply.options]
        self.contact.question_choices = len(with_options[-1].options) if with_options else 0

    def show_menu(self) -> None:
        self.contact.flow_data = {}
        self.goto(MENU_FLOW, "main")

    def finish(self) -> None:
        self.contact.flow = self.contact.step = None
        self.contact.flow_data = {}
        self.contact.question_choices = 0
        self.moved = True

    def remember(self, **values: Any) -> None:
        # Reassign so SQLAlchemy notices the JSON change.
        self.contact.flow_data = {**self.contact.flow_data, **values}

    def recall(self, key: str, default: Any = None) -> Any:
        return self.contact.flow_data.get(key, default)

    def choose(self, key: str) -> int | None:
        """The choice the teacher's reply means among the options `key` of content."""
        return choose(self.text, self.content.choices(key), key)

    def now(self) -> datetime:
        return utcnow()


def normalize_word(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(".!?")).lower()
