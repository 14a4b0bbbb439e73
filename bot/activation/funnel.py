"""The activation funnel for staff: per step, how many teachers started, reached, got stuck at,
completed and were handed over there, and which troubleshooting branches are most common.

Counted from `activation_event` as distinct teachers, so repeated answers do not inflate it.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, distinct, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col

from bot.activation.models import ActivationEvent, EventKind
from bot.activation.walkthrough import Walkthrough, walkthrough
from bot.regions import region_name

TOP_BRANCHES = 5
Event = ActivationEvent
# The per-step counts of the response, and the event kind each one counts.
STEP_FIELDS = {
    "started": EventKind.STARTED,
    "reached": EventKind.REACHED,
    "stuck": EventKind.STUCK,
    "completed": EventKind.PASSED,
    "handed_over": EventKind.HANDED_OVER,
}


class BranchCount(BaseModel):
    branch: str
    label: str
    teachers: int


class StepFunnel(BaseModel):
    step: str
    number: int
    title: str
    started: int = Field(description="teachers who began the walkthrough at this step")
    reached: int = Field(description="teachers who were shown this step")
    stuck: int = Field(description="teachers who reported a problem here (a branch, or asked for help)")
    completed: int = Field(description="teachers who said this step worked")
    handed_over: int = Field(description="teachers handed to a Duta Teknologi at this step")
    top_branches: list[BranchCount]


class ProvinceFunnel(BaseModel):
    province: str
    name: str
    started: int
    completed: int
    reached: dict[str, int] = Field(description="teachers who reached each step, by step id")


class RegencyFunnel(BaseModel):
    regency: str
    name: str
    started: int
    completed: int
    reached: dict[str, int] = Field(description="teachers who reached each step, by step id")


class ActivationFunnel(BaseModel):
    province: str | None
    regency: str | None
    started: int = Field(description="teachers who began the walkthrough")
    completed: int = Field(description="teachers who completed the whole walkthrough")
    steps: list[StepFunnel]
    top_branches: list[BranchCount]
    by_province: list[ProvinceFunnel]
    by_regency: list[RegencyFunnel] = Field(description="per kabupaten/kota, when one province is asked for")


def activation_funnel(session: Session, province: str | None, regency: str | None) -> ActivationFunnel:
    """The funnel of one region (a province, a kabupaten/kota) or, with neither, of everyone."""
    region = region_conditions(province, regency)
    walk = walkthrough()
    totals = count_teachers(session, region, [col(Event.kind)])
    return ActivationFunnel(
        province=province,
        regency=regency,
        started=totals.get((EventKind.STARTED,), 0),
        completed=totals.get((EventKind.FINISHED,), 0),
        steps=step_funnels(session, region, walk),
        top_branches=top_branches(session, region, walk),
        by_province=province_funnels(session, region),
        by_regency=regency_funnels(session, region) if province is not None else [],
    )


def region_conditions(province: str | None, regency: str | None) -> list[ColumnElement[bool]]:
    conditions = []
    if province is not None:
        conditions.append(col(Event.province_code) == province)
    if regency is not None:
        conditions.append(col(Event.regency_code) == regency)
    return conditions


def count_teachers(
    session: Session, conditions: Sequence[ColumnElement[bool]], columns: Sequence[Any]
) -> dict[tuple[Any, ...], int]:
    """Distinct teachers per combination of `columns`, among the events matching `conditions`."""
    teachers = func.count(distinct(col(Event.teacher_key)))
    query = sql_select(*columns, teachers).where(*conditions).group_by(*columns)
    return {tuple(row[:-1]): int(row[-1]) for row in session.execute(query)}


def step_funnels(session: Session, region: list[ColumnElement[bool]], walk: Walkthrough) -> list[StepFunnel]:
    counts = count_teachers(session, region, [col(Event.step), col(Event.kind)])
    branches = branch_counts(session, region, walk, [col(Event.step), col(Event.branch)])
    return [
        StepFunnel(
            step=step.id,
            number=step.number,
            title=step.title,
            **{field: counts.get((step.id, kind), 0) for field, kind in STEP_FIELDS.items()},
            top_branches=most_common([count for key, count in branches if key[0] == step.id]),
        )
        for step in walk.steps.values()
    ]


def branch_counts(
    session: Session, region: list[ColumnElement[bool]], walk: Walkthrough, columns: list[Any]
) -> list[tuple[tuple[Any, ...], BranchCount]]:
    """Teachers per branch (and whatever else `columns` groups by; the branch comes last)."""
    stuck = [*region, col(Event.kind) == EventKind.STUCK, col(Event.branch).is_not(None)]
    counts = count_teachers(session, stuck, columns)
    return [
        (key, BranchCount(branch=key[-1], label=label_of(walk, key[-1]), teachers=teachers))
        for key, teachers in counts.items()
    ]


def top_branches(session: Session, region: list[ColumnElement[bool]], walk: Walkthrough) -> list[BranchCount]:
    return most_common([count for _key, count in branch_counts(session, region, walk, [col(Event.branch)])])


def most_common(counts: list[BranchCount]) -> list[BranchCount]:
    return sorted(counts, key=lambda count: (-count.teachers, count.branch))[:TOP_BRANCHES]


def label_of(walk: Walkthrough, branch_id: str) -> str:
    branch = walk.branches.get(branch_id)
    return branch.label if branch else branch_id  # a branch staff have since removed keeps its id


def province_funnels(session: Session, region: list[ColumnElement[bool]]) -> list[ProvinceFunnel]:
    return [
        ProvinceFunnel(province=code, name=region_name(code) or code, **entry)
        for code, entry in place_funnels(session, region, col(Event.province_code))
    ]


def regency_funnels(session: Session, region: list[ColumnElement[bool]]) -> list[RegencyFunnel]:
    return [
        RegencyFunnel(regency=code, name=region_name(code) or code, **entry)
        for code, entry in place_funnels(session, region, col(Event.regency_code))
    ]


def place_funnels(session: Session, region: list[ColumnElement[bool]], place: Any) -> list[tuple[str, dict[str, Any]]]:
    """Started, completed and reached-per-step counts for each value of `place` (a province or regency code)."""
    kinds = col(Event.kind).in_([EventKind.STARTED, EventKind.REACHED, EventKind.FINISHED])
    counts = count_teachers(session, [*region, kinds], [place, col(Event.kind), col(Event.step)])
    by_place: dict[str, dict[str, Any]] = defaultdict(lambda: {"started": 0, "completed": 0, "reached": {}})
    for (code, kind, step), teachers in counts.items():
        if code is None:
            continue  # a teacher who skipped the region question
        entry = by_place[code]
        if kind == EventKind.REACHED:
            entry["reached"][step] = teachers
        else:
            entry["started" if kind == EventKind.STARTED else "completed"] += teachers
    return sorted(by_place.items())
