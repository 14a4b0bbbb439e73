"""Engine, sessions and migrations. Schema changes only through Alembic."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlmodel import Session, create_engine

from bot.config import get_settings

if TYPE_CHECKING:
    from alembic.config import Config

# Several processes may share one SQLite file (`gurubot serve` with `gurubot worker`); a
# transaction waits up to this long for the write lock before SQLite gives up.
SQLITE_BUSY_SECONDS = 30


def make_engine(url: str) -> Engine:
    """`hide_parameters`: a database error's text (logged, stored as a message's error) must not
    carry the values of the statement, which are teachers' numbers, names and texts."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
    engine = create_engine(url, connect_args=connect_args, hide_parameters=True)
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite would BEGIN only before the first write, so a transaction's reads were not part of
    # it (lost updates); SQLAlchemy now emits BEGIN itself (`_begin_immediate`).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    """Take the write lock when the transaction starts, waiting for it under busy_timeout.

    A deferred transaction that read first and then writes must upgrade its lock; when another
    process wrote in between, SQLite answers `database is locked` at once, without waiting.
    Every transaction here may write, so all take the lock up front: one writer at a time.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def is_database_outage(error: BaseException) -> bool:
    """The database is away or refused for now (connection lost, refused, timed out, locked,
    deadlocked), not a bug: the work should wait and be tried again."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError | SQLAlchemyTimeoutError)


def is_lock_conflict(error: BaseException) -> bool:
    """PostgreSQL ended the transaction to break a deadlock (or a serialization conflict): trying
    the same work again in smaller pieces succeeds."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) in ("40P01", "40001")


def database_answers(engine: Engine | None = None) -> bool:
    try:
        with (engine or get_engine()).connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def alembic_config(url: str) -> "Config":
    from alembic.config import Config  # imported here: Alembic is a tenth of the server's start

    config = Config()
    config.set_main_option("script_location", str(resources.files("bot") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str | None = None) -> None:
    """Apply every migration (features may add branches of their own, hence "heads")."""
    target = url or get_settings().database_url
    parsed = make_url(target)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    from alembic import command

    command.upgrade(alembic_config(target), "heads")
