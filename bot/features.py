"""The one explicit list of features. The engine, the app, the timed tick, erasure and the
migrations read it; adding a feature is its folder plus one line in `FEATURES`."""

from collections.abc import Mapping, Sequence
from functools import cache
from typing import TypeVar

from fastapi import APIRouter

from bot import idempotency, models, prompts, staff, timed
from bot.api.routes import staff as staff_routes
from bot.channels import simulator, telegram, whatsapp
from bot.conversation import Registry
from bot.delivery import rate_limit
from bot.delivery.templates import NEW_MESSAGE
from bot.erasure import ErasureHook
from bot.feature import Feature
from bot.web import routes as web
from handlers import (
    activation,
    activation_guide,
    broadcasts,
    duta,
    helpdesk,
    meetings,
    menu,
    onboarding,
    privacy,
    reflections,
)

Named = TypeVar("Named")

CORE = Feature(
    "core",
    routers=(telegram.router, whatsapp.router, simulator.router, staff_routes.router),
    tables=(models, staff, prompts, timed, rate_limit, idempotency),
    jobs=(idempotency.FORGET_OLD_KEYS,),
    templates=(NEW_MESSAGE,),
)

FEATURES: tuple[Feature, ...] = (
    CORE,
    onboarding.FEATURE,
    menu.FEATURE,
    privacy.FEATURE,
    duta.FEATURE,  # before activation: its erasure keeps the figures of the tickets erased
    activation.FEATURE,
    activation_guide.FEATURE,
    meetings.FEATURE,
    helpdesk.FEATURE,
    reflections.FEATURE,
    broadcasts.FEATURE,
    web.FEATURE,
)


@cache
def registry() -> Registry:
    """Everything the conversation engine dispatches to; a name declared twice fails at start-up."""
    found = Registry(erasure_hooks=erasure_hooks())
    for feature in FEATURES:
        add_unique(found.flows, {flow.name: flow for flow in feature.flows}, feature.name)
        add_unique(found.words, feature.words, feature.name)
        add_unique(found.prompt_kinds, {kind.name: kind for kind in feature.prompt_kinds}, feature.name)
        found.menu.extend(feature.menu)
        found.roles.extend(feature.roles)
    found.menu.sort(key=lambda entry: entry.position)
    return found


def add_unique(into: dict[str, Named], new: Mapping[str, Named], feature: str) -> None:
    clash = sorted(into.keys() & new.keys())
    if clash:
        raise ValueError(f"feature {feature} declares {', '.join(clash)} again")
    into.update(new)


def erasure_hooks() -> list[ErasureHook]:
    return [feature.erase for feature in FEATURES if feature.erase is not None]


def timed_jobs() -> Sequence[timed.TimedJob]:
    """The core's retention (which erases through every feature's hook) and each feature's jobs."""
    kept = [feature.keeps for feature in FEATURES if feature.keeps is not None]
    return (timed.retention_job(erasure_hooks(), kept), *(job for feature in FEATURES for job in feature.jobs))


def routers() -> list[APIRouter]:
    return [router for feature in FEATURES for router in feature.routers]


def required_templates() -> set[str]:
    return {name for feature in FEATURES for name in feature.templates}
