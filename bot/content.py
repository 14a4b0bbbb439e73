"""Words a user reads, loaded from `content/*.yaml` once and validated at start-up.

Every text has a length budget (one phone screen by default); `render` fills placeholders.
"""

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from bot.errors import ContentError

SCREEN_BUDGET = 640


@dataclass(frozen=True)
class Texts:
    entries: dict[str, str]
    options: dict[str, list[str]]
    budgets: dict[str, int]

    def render(self, key: str, **values: object) -> str:
        try:
            template = self.entries[key]
        except KeyError:
            raise ContentError(f"missing text: {key}") from None
        return template.format(**values) if values else template

    def choices(self, key: str) -> list[str]:
        try:
            return list(self.options[key])
        except KeyError:
            raise ContentError(f"missing options: {key}") from None

    def version(self, key: str, **values: object) -> str:
        """A short fingerprint of a text as shown (with its values), recorded with consent to prove
        what the teacher read."""
        digest = hashlib.sha256(self.render(key, **values).encode()).hexdigest()[:12]
        return f"{key}@{digest}"


def read_yaml(name: str) -> dict[str, Any]:
    raw = (resources.files("content") / name).read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise ContentError(f"{name}: expected a mapping at the top")
    return data


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def parse_texts(data: dict[str, Any], source: str = "messages.yaml") -> Texts:
    entries = {k: str(v).strip() for k, v in flatten(data.get("texts", {})).items()}
    options = {k: [str(o) for o in v] for k, v in flatten(data.get("options", {})).items()}
    budgets = {str(k): int(v) for k, v in (data.get("budgets") or {}).items()}
    texts = Texts(entries, options, budgets)
    validate_texts(texts, source)
    return texts


def validate_texts(texts: Texts, source: str) -> None:
    for key, value in texts.entries.items():
        budget = texts.budgets.get(key, SCREEN_BUDGET)
        if not value:
            raise ContentError(f"{source}: text {key} is empty")
        if len(value) > budget:
            raise ContentError(f"{source}: text {key} has {len(value)} characters, budget {budget}")
    for key, labels in texts.options.items():
        if not labels or any(not label.strip() for label in labels):
            raise ContentError(f"{source}: options {key} are empty")


def content_files() -> list[str]:
    return sorted(item.name for item in resources.files("content").iterdir() if item.name.endswith(".yaml"))


@lru_cache
def texts() -> Texts:
    """All texts of every content file, merged; a key defined twice is an error."""
    merged = Texts({}, {}, {})
    for name in content_files():
        part = parse_texts(read_yaml(name), name)
        clash = (merged.entries.keys() & part.entries.keys()) | (merged.options.keys() & part.options.keys())
        if clash:
            raise ContentError(f"{name}: defined twice: {', '.join(sorted(clash))}")
        merged.entries.update(part.entries)
        merged.options.update(part.options)
        merged.budgets.update(part.budgets)
    return merged
