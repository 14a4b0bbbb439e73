"""What a feature declares: its flows, words, prompt kinds, menu entries, timed jobs, API routers,
tables, erasure hook and WhatsApp templates. `bot/features.py` lists the features; nothing
registers itself by being imported."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType

from fastapi import APIRouter

from bot.conversation import Flow, MenuEntry, PromptKind, Role, Word
from bot.erasure import ErasureHook
from bot.timed import Keeper, TimedJob


@dataclass(frozen=True)
class Feature:
    name: str
    flows: tuple[Flow, ...] = ()
    words: Mapping[str, Word] = field(default_factory=dict)
    prompt_kinds: tuple[PromptKind, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    roles: tuple[Role, ...] = ()  # people besides teachers, and the words that are theirs
    jobs: tuple[TimedJob, ...] = ()
    routers: tuple[APIRouter, ...] = ()
    tables: tuple[ModuleType, ...] = ()  # modules whose tables Alembic and the tests must know
    erase: ErasureHook | None = None  # deletes or anonymises the feature's rows about a contact
    # A condition on `Contact`: the contacts it holds are kept by retention although they never
    # consented as teachers (a Duta Teknologi's chat: their data is the roster staff keep).
    keeps: Keeper | None = None
    templates: tuple[str, ...] = ()  # WhatsApp templates the feature sends outside the window
