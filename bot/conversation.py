"""What handlers work with: the turn being handled, the replies, and the flow registry types.

Handlers never see a provider: they get a `Turn` and add channel-neutral `Reply`s to it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from bot.clock import utcnow
from bot.content import Texts, texts
from bot.models import Contact, Priority

KEYCAP = "\ufe0f\u20e3"


@dataclass
class Reply:
    text: str
    options: list[str] = field(default_factory=list)
    kind: str = "reply"
    priority: int = Priority.REPLY


@dataclass
class Turn:
    """One inbound message being handled for one contact."""

    session: Session
    contact: Contact
    text: str
    replies: list[Reply] = field(default_factory=list)
    erased: bool = False

    @property
    def content(self) -> Texts:
        return texts()

    def say(self, key: str, **values: object) -> None:
        self.replies.append(Reply(self.content.render(key, **values)))

    def ask(self, key: str, options: list[str], **values: object) -> None:
        self.replies.append(Reply(self.content.render(key, **values), options))

    def goto(self, flow: str, step: str) -> None:
        """Move to a step and ask its question."""
        from handlers import FLOWS  # handlers import this module, so import late

        self.contact.flow, self.contact.step = flow, step
        FLOWS[flow].steps[step].ask(self)

    def finish(self) -> None:
        self.contact.flow = self.contact.step = None
        self.contact.flow_data = {}

    def remember(self, **values: Any) -> None:
        # Reassign so SQLAlchemy notices the JSON change.
        self.contact.flow_data = {**self.contact.flow_data, **values}

    def recall(self, key: str, default: Any = None) -> Any:
        return self.contact.flow_data.get(key, default)

    def now(self) -> Any:
        return utcnow()


@dataclass(frozen=True)
class Step:
    """A question (`ask`) and what to do with its answer (`answer` returns False when it doesn't fit)."""

    ask: Callable[[Turn], None]
    answer: Callable[[Turn], bool]


@dataclass(frozen=True)
class Flow:
    name: str
    steps: dict[str, Step]


def normalize_word(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(".!?")).lower()


def pick(text: str, options: list[str]) -> int | None:
    """The 1-based option a reply names, by number (`2`, `2.`, `2️⃣`) or by its label."""
    answer = normalize_word(text.replace(KEYCAP, ""))
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return int(answer)
    labels = [normalize_word(option) for option in options]
    return labels.index(answer) + 1 if answer in labels else None
