"""The feature registry and the shape of the code: one explicit list, no import circles, and
interval jobs that run once per interval across processes (their last run is a row)."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from bot import clock, features
from bot.conversation import Word
from bot.timed import JobRun, TimedJob, tick

ROOT = Path(__file__).resolve().parents[1]


def test_every_table_belongs_to_a_feature() -> None:
    declared = {
        table.name
        for feature in features.FEATURES
        for module in feature.tables
        for table in SQLModel.metadata.sorted_tables
        if any(getattr(value, "__tablename__", None) == table.name for value in vars(module).values())
    }
    assert declared == {table.name for table in SQLModel.metadata.sorted_tables}


def test_a_word_declared_by_two_features_fails_at_start_up() -> None:
    words = {"jadwal": Word(lambda turn: None)}
    with pytest.raises(ValueError, match="jadwal"):
        features.add_unique(words, {"jadwal": Word(lambda turn: None)}, "broadcasts")


def project_imports() -> dict[str, set[str]]:
    """Module → the project modules it imports at module level (imports inside functions count too)."""
    graph: dict[str, set[str]] = {}
    for path in [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[module] = {name for name in found if name.split(".")[0] in ("bot", "handlers")}
    return {module: {name for name in names if name in graph and name != module} for module, names in graph.items()}


def test_the_import_graph_has_no_circles() -> None:
    graph = project_imports()
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open" and not is_package_of(imported, module):
                pytest.fail("import circle: " + " → ".join([*path[path.index(imported) :], imported]))
            if imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def is_package_of(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def test_handlers_never_import_each_other() -> None:
    graph = project_imports()
    for module, imported in graph.items():
        if module.startswith("handlers."):
            assert not {name for name in imported if name.startswith("handlers")}, module


def test_an_interval_job_runs_once_per_interval_whatever_the_number_of_ticks(db_engine: Engine) -> None:
    runs: list[str] = []
    job = TimedJob("counting", lambda engine: runs.append("ran") or 1, every=timedelta(hours=1))
    tick(db_engine, [job])
    tick(db_engine, [job])  # a second process's tick, or the next one five seconds later
    assert runs == ["ran"]
    clock.advance(timedelta(minutes=61))
    second_run = clock.utcnow()
    tick(db_engine, [job])
    assert runs == ["ran", "ran"]
    with Session(db_engine) as session:
        assert session.exec(select(JobRun).where(JobRun.name == "counting")).one().last_run_at >= second_run


def test_a_failing_job_does_not_stop_the_others(db_engine: Engine) -> None:
    def broken(engine: Engine) -> int:
        raise RuntimeError("boom")

    assert tick(db_engine, [TimedJob("broken", broken), TimedJob("fine", lambda engine: 3)]) == 3
