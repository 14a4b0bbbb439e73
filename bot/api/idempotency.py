"""The `Idempotency-Key` request header of the staff API's creates (IETF httpapi draft
"The Idempotency-Key HTTP Header Field"); what is remembered is in `bot.idempotency`."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header, HTTPException
from pydantic import BaseModel
from sqlmodel import Session

from bot.api.deps import Caller
from bot.api.error_body import ErrorBody
from bot.idempotency import MAX_KEY_LENGTH, Answer, KeyReused, attempt, once

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        pattern=r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$",  # visible ASCII, spaces only inside
        description=(
            "A key the client chooses (a UUID, say) to make a retry safe: a repeat with the same key and body "
            "answers 201 with the first answer and creates nothing; the same key with another body is a 422. "
            "Keys are the caller's own and are remembered 24 hours."
        ),
    ),
]

KEY_REUSED: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "invalid, or the Idempotency-Key was used with a different request"}
}


def created_once(
    session: Session,
    caller: Caller,
    route: str,
    key: str | None,
    body: BaseModel,
    kind: type[Answer],
    create: Callable[[], Answer],
) -> Answer:
    """`create`'s answer, or with a key used before for this body the answer given then; 422 for another body."""
    try:
        return once(session, attempt(caller.identity, route, key, body), kind, create)
    except KeyReused as error:
        problem = {"loc": ["header", "Idempotency-Key"], "msg": str(error), "type": "idempotency_key_reused"}
        raise HTTPException(status_code=422, detail=[problem]) from None
