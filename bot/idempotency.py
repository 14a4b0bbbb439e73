"""Creates that a retry does not repeat: the first request with an idempotency key creates and its
answer is remembered; a repeat by the same caller with the same body gets that answer again.

A key is claimed by inserting its row before the work, in the work's own transaction: a
concurrent request with the same key waits on the unique index until the first commits, then
fails the insert and replays the winner's answer (if the first rolls back, the second goes on).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import JSON, Column, Engine, UniqueConstraint, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from bot.clock import utcnow
from bot.db import session_scope
from bot.timed import TimedJob

KEY_RETENTION = timedelta(hours=24)  # a client retries within minutes; a day is generous
MAX_KEY_LENGTH = 255
Answer = TypeVar("Answer", bound=BaseModel)


class KeyReused(Exception):
    """The key was used before, by the same caller on the same route, with a different request."""


class IdempotencyKey(SQLModel, table=True):
    """A create done under a client's key: who asked, where, a hash of what, and the answer given."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("caller", "route", "key", name="uq_idempotency_key_caller_route_key"),)

    id: int | None = Field(default=None, primary_key=True)
    caller: str = Field(max_length=64)
    route: str = Field(max_length=64)
    key: str = Field(max_length=MAX_KEY_LENGTH)
    request_hash: str = Field(max_length=64)
    resource_id: int | None = None
    answer: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, index=True)


@dataclass(frozen=True)
class Attempt:
    """One request under a key: the caller's identity, the route and the body's fingerprint."""

    caller: str
    route: str
    key: str
    request_hash: str


def attempt(caller: str, route: str, key: str | None, body: BaseModel) -> Attempt | None:
    """The attempt of a request; None when it carries no key (then nothing is remembered)."""
    if key is None:
        return None
    # What the client sent, not the model's defaults: a retry across a deploy that adds a field is still a retry.
    sent = body.model_dump_json(exclude_unset=True)
    return Attempt(caller, route, key, hashlib.sha256(sent.encode()).hexdigest())


def once(session: Session, request: Attempt | None, kind: type[Answer], create: Callable[[], Answer]) -> Answer:
    """`create`'s answer, or the answer remembered for this key (KeyReused for another body)."""
    if request is None:
        return create()
    earlier = remembered(session, request)
    if earlier is None:
        with session.begin_nested():  # a create that fails takes its claim back with it
            earlier = claim(session, request)
            if earlier is None:
                answer = create()
                remember(session, request, answer)
                return answer
    return replay(earlier, request, kind)


def remembered(session: Session, request: Attempt) -> IdempotencyKey | None:
    query = select(IdempotencyKey).where(
        IdempotencyKey.caller == request.caller,
        IdempotencyKey.route == request.route,
        IdempotencyKey.key == request.key,
    )
    return session.exec(query).first()


def claim(session: Session, request: Attempt) -> IdempotencyKey | None:
    """Take the key for this transaction: None when taken, else the row a concurrent winner committed."""
    row = IdempotencyKey(caller=request.caller, route=request.route, key=request.key, request_hash=request.request_hash)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the winner committed meanwhile; each statement sees what is committed
        winner = remembered(session, request)
        if winner is None:
            raise
        return winner
    return None


def replay(earlier: IdempotencyKey, request: Attempt, kind: type[Answer]) -> Answer:
    if earlier.request_hash != request.request_hash or earlier.answer is None:
        raise KeyReused(f"Idempotency-Key {request.key!r} was used before with a different request")
    return kind.model_validate(earlier.answer)


def remember(session: Session, request: Attempt, answer: Answer) -> None:
    row = remembered(session, request)
    assert row is not None, "claimed in this transaction"
    row.answer = answer.model_dump(mode="json")
    row.resource_id = getattr(answer, "id", None)
    session.add(row)


def forget_old_keys(engine: Engine) -> int:
    """Keys are remembered a day; a retry after that creates again."""
    with session_scope(engine) as session:
        result = session.exec(delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < utcnow() - KEY_RETENTION))
        return int(result.rowcount or 0)


FORGET_OLD_KEYS = TimedJob("forget_idempotency_keys", forget_old_keys, every=timedelta(hours=1))
