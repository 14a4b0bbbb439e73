"""Figures shaped for the templates: pivot tables and the bar lengths of the inline SVG charts."""

from dataclasses import dataclass

from bot.activation.funnel import ActivationFunnel, ProvinceFunnel, RegencyFunnel
from bot.teacher_stats import TeacherCount

BAR_WIDTH = 200  # the SVG's bar area, in its own units (the SVG scales to the screen)


@dataclass(frozen=True)
class Pivot:
    columns: list[str]
    rows: list[tuple[str, dict[str, int], int]]  # place name, count per column, total
    totals: dict[str, int]


def pivot(counts: list[TeacherCount], columns: list[str] | None = None) -> Pivot:
    """Counts per place (rows) and key (columns), with totals both ways."""
    keys = columns or sorted({count.key for count in counts})
    places: dict[str, dict[str, int]] = {}
    for count in counts:
        places.setdefault(count.regency_name, {})[count.key] = count.teachers
    rows = [(name, values, sum(values.values())) for name, values in sorted(places.items())]
    totals = {key: sum(values.get(key, 0) for _name, values, _total in rows) for key in keys}
    return Pivot(keys, rows, totals)


@dataclass(frozen=True)
class StepBar:
    number: int
    title: str
    reached: int
    completed: int
    stuck: int
    reached_width: int
    completed_width: int


def funnel_bars(funnel: ActivationFunnel) -> list[StepBar]:
    """One bar per step: teachers who reached it, and inside it those who completed it."""
    largest = max([funnel.started, *(step.reached for step in funnel.steps)], default=0) or 1
    return [
        StepBar(
            number=step.number,
            title=step.title,
            reached=step.reached,
            completed=step.completed,
            stuck=step.stuck,
            reached_width=round(BAR_WIDTH * step.reached / largest),
            completed_width=round(BAR_WIDTH * step.completed / largest),
        )
        for step in funnel.steps
    ]


@dataclass(frozen=True)
class PlaceBars:
    name: str
    started: int
    completed: int
    heights: list[int]  # per step, of 30: the share of starters who reached it


def place_bars_of(funnel: ActivationFunnel) -> list[PlaceBars]:
    """Per kabupaten/kota (per province when every province is in view), where teachers drop off:
    the share of starters reaching each step."""
    steps = [step.step for step in funnel.steps]
    places: list[RegencyFunnel | ProvinceFunnel] = [*funnel.by_regency] or [*funnel.by_province]
    return [place_bars(place, steps) for place in places]


def place_bars(place: RegencyFunnel | ProvinceFunnel, steps: list[str]) -> PlaceBars:
    base = max([place.started, *place.reached.values()], default=0) or 1
    heights = [round(30 * place.reached.get(step, 0) / base) for step in steps]
    return PlaceBars(place.name, place.started, place.completed, heights)
