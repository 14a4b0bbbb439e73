"""The activation walkthrough as data: loaded from `content/activation.yaml`, checked at start-up.

A broken file raises `ContentError` naming the step or branch, so the bot refuses to start rather
than leave a teacher at a dead end. Also here: what a teacher types, matched to a branch.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.channels.base import Outgoing, render_text
from bot.content import SCREEN_BUDGET, Texts, read_yaml, texts
from bot.errors import ContentError

FLOW_NAME = "activation"  # the conversation flow (handlers/activation.py)
RESUME_STATE = "resume"  # its state that offers to continue where the teacher left off
SOURCE = "activation.yaml"
DONE = "selesai"
HAPPY_PATH_BUDGET = 3000
LONGEST_NAME = "N" * 60  # onboarding accepts names up to 60 characters
SAMPLE_NAME = "Bu Sari"
SAMPLE_DATE = "30 September 2026"
STEP_FIELDS = ("title", "text", "question", "next")
BRANCH_FIELDS = ("label", "text", "who", "bring")


@dataclass(frozen=True)
class WalkStep:
    id: str
    number: int
    title: str
    text: str
    question: str
    problems: tuple[str, ...]
    next: str


@dataclass(frozen=True)
class Branch:
    id: str
    label: str
    text: str
    who: str
    bring: str
    typed: tuple[str, ...]


@dataclass(frozen=True)
class Walkthrough:
    steps: dict[str, WalkStep]  # in walking order
    branches: dict[str, Branch]
    first_step: str
    skip_to: str
    already_active: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.steps)

    def next_step(self, step_id: str) -> WalkStep | None:
        return self.steps.get(self.steps[step_id].next)

    def home_step(self, branch_id: str) -> WalkStep:
        """The first step that offers a branch: where a branch typed before any step belongs."""
        return next(step for step in self.steps.values() if branch_id in step.problems)

    def match_branch(self, text: str) -> Branch | None:
        """The branch whose typed phrase occurs in the text; the longest phrase wins."""
        said = f" {normalize(text)} "
        found = [(len(p), b) for b in self.branches.values() for p in b.typed if f" {normalize(p)} " in said]
        return max(found, key=lambda pair: pair[0])[1] if found else None

    def says_already_active(self, text: str) -> bool:
        said = f" {normalize(text)} "
        return any(f" {normalize(phrase)} " in said for phrase in self.already_active)


def normalize(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces: "Akun  TIDAK ditemukan!" → "akun tidak ditemukan"."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@lru_cache
def walkthrough() -> Walkthrough:
    """The walkthrough, parsed and checked against the texts (once per process)."""
    walk = parse_walkthrough(read_yaml(SOURCE).get("walkthrough"))
    check_message_lengths(walk, texts())
    check_happy_path(walk, texts())
    return walk


def parse_walkthrough(data: Any) -> Walkthrough:
    """The `walkthrough:` section, or a ContentError naming the step or branch that is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("steps"), dict) or not data["steps"]:
        raise ContentError(f"{SOURCE}: `walkthrough` needs `steps`")
    raw_steps: dict[str, Any] = data["steps"]
    raw_branches: dict[str, Any] = data.get("branches") or {}
    first = str(data.get("first_step", ""))
    if first not in raw_steps:
        raise ContentError(f"{SOURCE}: first_step {first!r} is not a step")
    order = walking_order(raw_steps, first)
    steps = {step_id: parse_step(step_id, number, raw_steps[step_id], raw_branches) for number, step_id in order}
    branches = {branch_id: parse_branch(branch_id, raw) for branch_id, raw in raw_branches.items()}
    check_branches_offered(steps, branches)
    skip_to, already_active = parse_already_active(data.get("already_active"), steps, branches)
    return Walkthrough(steps, branches, first, skip_to, already_active)


def walking_order(raw_steps: dict[str, Any], first: str) -> list[tuple[int, str]]:
    """Steps numbered along `next` from the first; a loop, a missing step or an orphan is an error."""
    order: list[str] = []
    current = first
    while current != DONE:
        if current in order:
            raise ContentError(f"{SOURCE}: step {order[-1]!r}: next {current!r} loops back, the walk never ends")
        order.append(current)
        following = required(raw_steps[current], "next", f"step {current!r}")
        if following != DONE and following not in raw_steps:
            raise ContentError(f"{SOURCE}: step {current!r}: next {following!r} is not a step (nor {DONE!r})")
        current = following
    orphans = [step_id for step_id in raw_steps if step_id not in order]
    if orphans:
        raise ContentError(f"{SOURCE}: step {orphans[0]!r} is never reached from {first!r}")
    return list(enumerate(order, start=1))


def parse_step(step_id: str, number: int, raw: Any, raw_branches: dict[str, Any]) -> WalkStep:
    where = f"step {step_id!r}"
    fields = [required(raw, name, where) for name in STEP_FIELDS]
    problems = tuple(str(problem) for problem in raw.get("problems") or [])
    unknown = [problem for problem in problems if problem not in raw_branches]
    if unknown:
        raise ContentError(f"{SOURCE}: {where}: problem {unknown[0]!r} is not a branch")
    title, text, question, following = fields
    return WalkStep(step_id, number, title, text, question, problems, following)


def parse_branch(branch_id: str, raw: Any) -> Branch:
    where = f"branch {branch_id!r}"
    label, text, who, bring = (required(raw, name, where) for name in BRANCH_FIELDS)
    typed = tuple(str(phrase) for phrase in raw.get("typed") or [] if normalize(str(phrase)))
    if not typed:
        raise ContentError(f"{SOURCE}: {where}: needs at least one `typed` phrase")
    return Branch(branch_id, label, text, who, bring, typed)


def required(raw: Any, name: str, where: str) -> str:
    value = raw.get(name) if isinstance(raw, dict) else None
    if value is None or not str(value).strip():
        raise ContentError(f"{SOURCE}: {where}: `{name}` is missing or empty")
    return " ".join(str(value).split()) if name != "text" else str(value).strip()


def check_branches_offered(steps: dict[str, WalkStep], branches: dict[str, Branch]) -> None:
    offered = {problem for step in steps.values() for problem in step.problems}
    for branch_id in branches:
        if branch_id not in offered:
            raise ContentError(f"{SOURCE}: branch {branch_id!r} is not offered at any step, so it is unreachable")
    owner: dict[str, str] = {}
    for branch in branches.values():
        for phrase in map(normalize, branch.typed):
            if owner.setdefault(phrase, branch.id) != branch.id:
                raise ContentError(
                    f"{SOURCE}: branch {branch.id!r}: typed {phrase!r} also belongs to {owner[phrase]!r}"
                )


def parse_already_active(
    raw: Any, steps: dict[str, WalkStep], branches: dict[str, Branch]
) -> tuple[str, tuple[str, ...]]:
    target = str(raw.get("go_to", "")) if isinstance(raw, dict) else ""
    if target not in steps:
        raise ContentError(f"{SOURCE}: already_active: go_to {target!r} is not a step")
    phrases = tuple(str(phrase) for phrase in raw.get("typed") or [])
    claimed = {normalize(p) for branch in branches.values() for p in branch.typed} & set(map(normalize, phrases))
    if claimed:
        raise ContentError(f"{SOURCE}: already_active: typed {sorted(claimed)[0]!r} also belongs to a branch")
    return target, phrases


# --- Messages, as the teacher's phone shows them ---------------------------------------------


def as_shown(text: str, options: list[str]) -> str:
    """The text with its numbered options, exactly as the channels render it."""
    return render_text(Outgoing(0, "", "", "reply", text, options, {}))


def intro_message(walk: Walkthrough, content: Texts) -> str:
    return content.render("activation.intro", total=walk.total)


def step_message(walk: Walkthrough, step: WalkStep, content: Texts) -> str:
    return content.render(
        "activation.step_message",
        number=step.number,
        total=walk.total,
        title=step.title,
        text=step.text,
        question=step.question,
    )


def problem_options(walk: Walkthrough, step: WalkStep, content: Texts) -> list[str]:
    return [walk.branches[branch_id].label for branch_id in step.problems] + content.choices("activation.other_problem")


def problems_message(step: WalkStep, content: Texts) -> str:
    return content.render("activation.problems", number=step.number, title=step.title)


def branch_message(branch: Branch, content: Texts) -> str:
    values = {"label": branch.label, "text": branch.text, "who": branch.who, "bring": branch.bring}
    return content.render("activation.branch_message", **values)


def done_message(name: str, date: str, content: Texts) -> str:
    return content.render("activation.done", name=name, date=date)


def every_message(walk: Walkthrough, content: Texts) -> Iterator[tuple[str, str]]:
    """(where, message as shown) for every message the walkthrough can send."""
    yield "intro", as_shown(intro_message(walk, content), content.choices("activation.intro"))
    for step in walk.steps.values():
        where = f"step {step.id!r}"
        yield where, as_shown(step_message(walk, step, content), content.choices("activation.step"))
        yield f"{where} (problems)", as_shown(problems_message(step, content), problem_options(walk, step, content))
        values = {"name": LONGEST_NAME, "number": step.number, "total": walk.total, "title": step.title}
        for key in ("activation.resume", "activation.nudge_first", "activation.nudge_second"):
            yield f"{where} ({key})", as_shown(content.render(key, **values), content.choices("activation.resume"))
    for branch in walk.branches.values():
        yield f"branch {branch.id!r}", as_shown(branch_message(branch, content), content.choices("activation.branch"))
    yield "done", done_message(LONGEST_NAME, SAMPLE_DATE, content)


def check_message_lengths(walk: Walkthrough, content: Texts) -> None:
    for where, message in every_message(walk, content):
        if len(message) > SCREEN_BUDGET:
            raise ContentError(f"{SOURCE}: {where}: message has {len(message)} characters, budget {SCREEN_BUDGET}")


def happy_path(walk: Walkthrough, content: Texts) -> list[str]:
    """Every message of the walk from the intro to the end when each step works at once."""
    messages = [as_shown(intro_message(walk, content), content.choices("activation.intro"))]
    for step in walk.steps.values():
        messages.append(as_shown(step_message(walk, step, content), content.choices("activation.step")))
    return [*messages, done_message(SAMPLE_NAME, SAMPLE_DATE, content)]


def check_happy_path(walk: Walkthrough, content: Texts) -> None:
    total = sum(map(len, happy_path(walk, content)))
    if total > HAPPY_PATH_BUDGET:
        raise ContentError(f"{SOURCE}: the happy path has {total} characters, budget {HAPPY_PATH_BUDGET}")
