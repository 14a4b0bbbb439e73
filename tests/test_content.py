"""Content: every key the code uses exists, every text fits its budget, broken files are refused."""

import re
from pathlib import Path

import pytest

from bot.content import SCREEN_BUDGET, parse_texts, texts
from bot.errors import ContentError

ROOT = Path(__file__).resolve().parents[1]
KEY_USE = re.compile(r"""\b(?:say|ask|render|choices|version)\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""")


def keys_used_in_code() -> set[str]:
    found: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        found.update(KEY_USE.findall(path.read_text()))
    return found


def test_every_text_key_used_in_code_exists() -> None:
    loaded = texts()
    known = set(loaded.entries) | set(loaded.options)
    missing = sorted(keys_used_in_code() - known)
    assert keys_used_in_code(), "the scan found the keys"
    assert missing == []


def test_every_text_with_its_options_fits_one_phone_screen() -> None:
    loaded = texts()
    for key, text in loaded.entries.items():
        assert len(text) <= loaded.budgets.get(key, SCREEN_BUDGET), key


def test_text_over_budget_is_refused_with_its_key() -> None:
    with pytest.raises(ContentError, match=r"common\.long has 700 characters"):
        parse_texts({"texts": {"common": {"long": "x" * 700}}})


def test_empty_text_is_refused() -> None:
    with pytest.raises(ContentError, match=r"text a\.b is empty"):
        parse_texts({"texts": {"a": {"b": ""}}})
