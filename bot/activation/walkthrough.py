"""The activation walkthrough as data: loaded from `content/activation.yaml`, checked at start-up.

A broken file raises `ContentError` naming the step or branch, so the bot refuses to start rather
than leave a teacher at a dead end. Also here: what a teacher types, matched to a branch.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, get_args

from bot.audience import Role
from bot.channels.base import Outgoing, render_text
from bot.content import SCREEN_BUDGET, Texts, read_yaml, texts
from bot.errors import ContentError

FLOW_NAME = "activation"  # the conversation flow (handlers/activation.py)
GUIDE_FLOW = "activation_guide"  # the same, read without consent (handlers/activation_guide.py)
RESUME_STATE = "resume"  # its state that offers to continue where the teacher left off
SOURCE = "activation.yaml"
DONE = "selesai"
HAPPY_PATH_BUDGET = 3000
LONGEST_NAME = "N" * 60  # onboarding accepts names up to 60 characters
SAMPLE_NAME = "Bu Sari"
SAMPLE_DATE = "30 September 2026"
STEP_FIELDS = ("title", "text", "question", "yes_option", "next")
BRANCH_FIELDS = ("label", "text", "who", "bring")
ROLES: tuple[str, ...] = get_args(Role)
# They run the school's accounts themselves: a text that sends a teacher to the operator needs
# its own version for them (`by_role`).
SCHOOL_ADMINS = ("operator", "kepala_sekolah")
# How a fact confirmed only by news or blogs (`sekunder:`) is worded with care.
CAREFUL = "menurut informasi terakhir"
MAIN_PATH = "belajar_id"
MADRASAH_PATH = "madrasah"


@dataclass(frozen=True)
class Versioned:
    """Texts that may differ for a school's admins: `by_role` maps a role to the fields it replaces."""

    by_role: dict[str, dict[str, str]]

    def part(self, name: str, role: str | None) -> str:
        version = self.by_role.get(role or "", {})
        return version.get(name) or str(getattr(self, name))


@dataclass(frozen=True)
class WalkStep(Versioned):
    id: str
    number: int
    total: int  # steps in its path
    path: str
    title: str
    text: str
    question: str
    yes_option: str  # the first option: the question answered yes ("Sudah lengkap")
    problems: tuple[str, ...]
    next: str


@dataclass(frozen=True)
class Branch(Versioned):
    id: str
    label: str
    text: str
    who: str
    bring: str
    typed: tuple[str, ...]


@dataclass(frozen=True)
class Path:
    """A second way through for teachers whose accounts come from elsewhere (madrasah: Kemenag)."""

    first_step: str
    typed: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Walkthrough:
    steps: dict[str, WalkStep]  # in walking order
    branches: dict[str, Branch]
    first_step: str
    skip_to: str
    already_active: tuple[str, ...]
    madrasah: Path

    @property
    def total(self) -> int:
        """Steps of the main (belajar.id) path."""
        return self.steps[self.first_step].total

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
        return says_one_of(text, self.already_active)

    def says_madrasah(self, text: str) -> bool:
        return says_one_of(text, self.madrasah.typed)

    def path_steps(self, path: str) -> list[WalkStep]:
        return [step for step in self.steps.values() if step.path == path]

    def intro_target(self, choice: int) -> str:
        """Where the intro's options lead: step 1, the PMM step (already active), the madrasah path."""
        return (self.first_step, self.skip_to, self.madrasah.first_step)[choice - 1]

    def typed_meaning(self, text: str, step: WalkStep | None) -> tuple[str, str] | None:
        """Words instead of a number: ("branch", id) for an error message, ("step", id) for a
        madrasah teacher or "sudah aktif" (both off the madrasah path); None when neither."""
        branch = self.match_branch(text)
        if branch is not None:
            return "branch", branch.id
        on_madrasah_path = step is not None and step.path == MADRASAH_PATH
        if self.says_madrasah(text) and not on_madrasah_path:
            return "step", self.madrasah.first_step
        if self.says_already_active(text) and not on_madrasah_path:  # its PMM step is belajar.id's
            return "step", self.skip_to
        return None


def says_one_of(text: str, phrases: tuple[str, ...]) -> bool:
    said = f" {normalize(text)} "
    return any(f" {normalize(phrase)} " in said for phrase in phrases)


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
    madrasah = parse_path(data.get(MADRASAH_PATH), raw_steps)
    steps: dict[str, WalkStep] = {}
    for path, start in ((MAIN_PATH, first), (MADRASAH_PATH, madrasah.first_step)):
        order = walking_order(raw_steps, start, taken=set(steps))
        for number, step_id in order:
            steps[step_id] = parse_step(step_id, (number, len(order), path), raw_steps[step_id], raw_branches)
    orphans = [step_id for step_id in raw_steps if step_id not in steps]
    if orphans:
        raise ContentError(f"{SOURCE}: step {orphans[0]!r} is never reached from {first!r} nor the madrasah path")
    branches = {branch_id: parse_branch(branch_id, raw) for branch_id, raw in raw_branches.items()}
    check_branches_offered(steps, branches)
    skip_to, already_active = parse_already_active(data.get("already_active"), steps, branches)
    return Walkthrough(steps, branches, first, skip_to, already_active, madrasah)


def parse_path(raw: Any, raw_steps: dict[str, Any]) -> Path:
    first = str(raw.get("first_step", "")) if isinstance(raw, dict) else ""
    if first not in raw_steps:
        raise ContentError(f"{SOURCE}: {MADRASAH_PATH}: first_step {first!r} is not a step")
    return Path(first, tuple(str(phrase) for phrase in raw.get("typed") or []))


def walking_order(raw_steps: dict[str, Any], first: str, taken: set[str]) -> list[tuple[int, str]]:
    """Steps numbered along `next` from the first; a loop, a missing step or one shared with
    another path is an error."""
    order: list[str] = []
    current = first
    while current != DONE:
        if current in order:
            raise ContentError(f"{SOURCE}: step {order[-1]!r}: next {current!r} loops back, the walk never ends")
        if current in taken:
            raise ContentError(f"{SOURCE}: step {current!r} belongs to two paths")
        order.append(current)
        following = required(raw_steps[current], "next", f"step {current!r}")
        if following != DONE and following not in raw_steps:
            raise ContentError(f"{SOURCE}: step {current!r}: next {following!r} is not a step (nor {DONE!r})")
        current = following
    return list(enumerate(order, start=1))


def parse_step(step_id: str, place: tuple[int, int, str], raw: Any, raw_branches: dict[str, Any]) -> WalkStep:
    where = f"step {step_id!r}"
    title, text, question, yes_option, following = (required(raw, name, where) for name in STEP_FIELDS)
    problems = tuple(str(problem) for problem in raw.get("problems") or [])
    unknown = [problem for problem in problems if problem not in raw_branches]
    if unknown:
        raise ContentError(f"{SOURCE}: {where}: problem {unknown[0]!r} is not a branch")
    by_role = parse_versions(raw, where, ("text", "question"))
    number, total, path = place
    return WalkStep(by_role, step_id, number, total, path, title, text, question, yes_option, problems, following)


def parse_branch(branch_id: str, raw: Any) -> Branch:
    where = f"branch {branch_id!r}"
    label, text, who, bring = (required(raw, name, where) for name in BRANCH_FIELDS)
    typed = tuple(str(phrase) for phrase in raw.get("typed") or [] if normalize(str(phrase)))
    if not typed:
        raise ContentError(f"{SOURCE}: {where}: needs at least one `typed` phrase")
    by_role = parse_versions(raw, where, ("text", "who", "bring"))
    return Branch(by_role, branch_id, label, text, who, bring, typed)


def parse_versions(raw: dict[str, Any], where: str, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """`by_role:` versions for the school's admins; each is checked like the text it replaces:
    one that sends the teacher to the operator needs them, a `sekunder` fact is worded with care."""
    versions: dict[str, dict[str, str]] = {}
    for role, version in (raw.get("by_role") or {}).items():
        if role not in ROLES or not isinstance(version, dict) or not set(version) <= {*fields, "sekunder"}:
            raise ContentError(f"{SOURCE}: {where}: by_role {role!r} must be a role with some of {fields}")
        versions[str(role)] = {name: " ".join(str(value).split()) for name, value in version.items()}
        check_careful(version, f"{where} by_role {role!r}", version.get("sekunder") or raw.get("sekunder"))
    check_careful(raw, where, raw.get("sekunder"))
    mentions_operator = any("operator" in str(raw.get(name, "")).lower() for name in fields)
    missing = [role for role in SCHOOL_ADMINS if mentions_operator and not versions.get(role, {}).get("text")]
    if missing:
        raise ContentError(f"{SOURCE}: {where}: names the operator; it needs a by_role text for {missing[0]!r}")
    return versions


def check_careful(raw: dict[str, Any], where: str, secondary: Any) -> None:
    if secondary and "text" in raw and CAREFUL not in str(raw["text"]).lower():
        raise ContentError(f"{SOURCE}: {where}: a `sekunder` fact must be worded with care ({CAREFUL!r})")


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


def step_message(step: WalkStep, content: Texts, role: str | None = None, again: bool = False) -> str:
    """The step; asked again, its short form (the title and question, not the whole text)."""
    return content.render(
        "activation.step_again" if again else "activation.step_message",
        number=step.number,
        total=step.total,
        title=step.title,
        text=step.part("text", role),
        question=step.part("question", role),
    )


def step_options(step: WalkStep, content: Texts) -> list[str]:
    """ "Sudah lengkap" (the step's own yes), then "Belum / ada masalah", "Hubungi Duta Teknologi"."""
    return [step.yes_option, *content.choices("activation.step")]


def problem_options(walk: Walkthrough, step: WalkStep, content: Texts) -> list[str]:
    return [walk.branches[branch_id].label for branch_id in step.problems] + content.choices("activation.other_problem")


def problems_message(step: WalkStep, content: Texts) -> str:
    return content.render("activation.problems", number=step.number, title=step.title)


def branch_message(branch: Branch, content: Texts, role: str | None = None, again: bool = False) -> str:
    values = {name: branch.part(name, role) for name in ("label", "text", "who", "bring")}
    return content.render("activation.branch_again" if again else "activation.branch_message", **values)


def done_key(step: WalkStep) -> str:
    return "activation.done_madrasah" if step.path == MADRASAH_PATH else "activation.done"


def every_message(walk: Walkthrough, content: Texts) -> Iterator[tuple[str, str]]:
    """(where, message as shown) for every message the walkthrough can send, in every version."""
    yield "intro", as_shown(intro_message(walk, content), content.choices("activation.intro"))
    for role in (None, *SCHOOL_ADMINS):
        version = f" ({role})" if role else ""
        for step in walk.steps.values():
            yield f"step {step.id!r}{version}", as_shown(step_message(step, content, role), step_options(step, content))
        for branch in walk.branches.values():
            message = branch_message(branch, content, role)
            yield f"branch {branch.id!r}{version}", as_shown(message, content.choices("activation.branch"))
    for step in walk.steps.values():
        where = f"step {step.id!r}"
        yield f"{where} (problems)", as_shown(problems_message(step, content), problem_options(walk, step, content))
        values = {"name": LONGEST_NAME, "number": step.number, "total": step.total, "title": step.title}
        for key in ("activation.resume", "activation.nudge_first", "activation.nudge_second"):
            yield f"{where} ({key})", as_shown(content.render(key, **values), content.choices("activation.resume"))
    for key in ("activation.done", "activation.done_madrasah"):
        yield key, content.render(key, name=LONGEST_NAME, date=SAMPLE_DATE)


def check_message_lengths(walk: Walkthrough, content: Texts) -> None:
    for where, message in every_message(walk, content):
        if len(message) > SCREEN_BUDGET:
            raise ContentError(f"{SOURCE}: {where}: message has {len(message)} characters, budget {SCREEN_BUDGET}")


def happy_path(walk: Walkthrough, content: Texts, path: str = MAIN_PATH, role: str | None = None) -> list[str]:
    """Every message of a path from the intro to the end when each step works at once."""
    messages = [as_shown(intro_message(walk, content), content.choices("activation.intro"))]
    steps = walk.path_steps(path)
    for step in steps:
        messages.append(as_shown(step_message(step, content, role), step_options(step, content)))
    return [*messages, content.render(done_key(steps[-1]), name=SAMPLE_NAME, date=SAMPLE_DATE)]


def check_happy_path(walk: Walkthrough, content: Texts) -> None:
    for path in (MAIN_PATH, MADRASAH_PATH):
        for role in (None, *SCHOOL_ADMINS):
            total = sum(map(len, happy_path(walk, content, path, role)))
            if total > HAPPY_PATH_BUDGET:
                raise ContentError(f"{SOURCE}: the {path} path has {total} characters, budget {HAPPY_PATH_BUDGET}")
