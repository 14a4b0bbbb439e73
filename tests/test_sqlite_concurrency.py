"""Two engines on one SQLite file, as `gurubot serve` and `gurubot worker` use it, write at once."""

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.db import make_engine, session_scope

WRITES_PER_WORKER = 150


def create_schema(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter (id, value) VALUES (1, 0)"))
        connection.execute(text("CREATE TABLE handled (id INTEGER PRIMARY KEY, worker TEXT NOT NULL)"))


def read_then_write(engine: Engine, worker: str) -> None:
    """The app's pattern: read inside the transaction, then write what the read decided."""
    with session_scope(engine) as session:
        value = session.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
        session.execute(text("UPDATE counter SET value = :value WHERE id = 1"), {"value": value + 1})
        session.execute(text("INSERT INTO handled (worker) VALUES (:worker)"), {"worker": worker})


def run_workers(engines: list[Engine]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def work(engine: Engine, worker: str) -> None:
        start.wait()
        try:
            for _ in range(WRITES_PER_WORKER):
                read_then_write(engine, worker)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(engine, f"w{i}")) for i, engine in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_processes_writing_one_sqlite_file_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engines = [make_engine(url), make_engine(url)]
    create_schema(engines[0])

    errors = run_workers(engines)

    assert errors == []
    with engines[0].connect() as connection:
        assert connection.execute(text("SELECT value FROM counter")).scalar_one() == 2 * WRITES_PER_WORKER
        per_worker = dict(connection.execute(text("SELECT worker, count(*) FROM handled GROUP BY worker")).all())
    assert per_worker == {"w0": WRITES_PER_WORKER, "w1": WRITES_PER_WORKER}
    for engine in engines:
        engine.dispose()


def test_a_transaction_holds_the_write_lock_from_its_first_statement(tmp_path: Path) -> None:
    """So a transaction that read first never has to upgrade its lock (which fails at once)."""
    database = tmp_path / "mode.db"
    engine = make_engine(f"sqlite:///{database}")
    create_schema(engine)
    other_writer = sqlite3.connect(database, timeout=0, isolation_level=None)
    with session_scope(engine) as session:
        session.execute(text("SELECT value FROM counter"))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other_writer.execute("BEGIN IMMEDIATE")
    other_writer.execute("BEGIN IMMEDIATE")
    other_writer.execute("ROLLBACK")
    other_writer.close()
    engine.dispose()
