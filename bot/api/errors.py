"""One error body everywhere: FastAPI's own validation shape, `{"detail": [{"loc", "msg", "type"}]}`.

A refusal raised as `HTTPException(status, "text")`, a `GurubotError`, a routing 404/405 and a
validation error all answer in that shape, so a client parses one thing. On a staff route the
caller is authenticated before their input is judged: a caller without a valid token gets 401,
never a 422 that would tell them about the body.
"""

import logging
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.api.deps import authenticate, get_caller, unauthenticated
from bot.api.error_body import ERROR_TYPES
from bot.db import is_database_outage, session_scope

log = logging.getLogger(__name__)

# A body that is not UTF-8 comes back as the problem's `input`: shown with replacement characters.
SAFE_BYTES: dict[Any, Any] = {bytes: lambda data: data.decode("utf-8", "replace")}


def error_content(status: int, detail: Any) -> dict[str, Any]:
    """The body for `detail`: a list of problems is kept (made JSON-safe), a text becomes one item."""
    if isinstance(detail, list) and all(isinstance(item, dict) for item in detail):
        return {"detail": jsonable_encoder(detail, custom_encoder=SAFE_BYTES)}
    message = detail if isinstance(detail, str) and detail else ERROR_TYPES.get(status, "error").replace("_", " ")
    return {"detail": [{"loc": [], "msg": message, "type": ERROR_TYPES.get(status, "http_error")}]}


def error_json(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_content(status, detail), status_code=status, headers=headers)


async def http_error(request: Request, error: Exception) -> JSONResponse:
    """The refusal in the one shape; a body FastAPI could not even read (400) is judged after the caller."""
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and (refusal := await caller_refusal(request)) is not None:
        return refusal
    return error_json(error.status_code, error.detail, dict(error.headers or {}))


async def validation_error(request: Request, error: Exception) -> JSONResponse:
    """422 with the problems, unless the route is a staff route and the caller has no valid token."""
    assert isinstance(error, RequestValidationError)
    if (refusal := await caller_refusal(request)) is not None:
        return refusal
    return error_json(422, list(error.errors()))


async def database_error(_request: Request, error: Exception) -> JSONResponse:
    """503 while the database is away (providers retry a 503; staff see it is temporary), else 500."""
    if is_database_outage(error):
        log.warning("database unavailable: %s", type(error).__name__)
        return error_json(503, "the database is unavailable; try again shortly", {"Retry-After": "5"})
    log.error("database error", exc_info=error)
    return error_json(500, "internal error")


async def caller_refusal(request: Request) -> JSONResponse | None:
    """401 when the request went to a staff route without a valid token; None otherwise."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not needs_caller(route.dependant):
        return None
    return await run_in_threadpool(refuse_unknown_caller, request)


def refuse_unknown_caller(request: Request) -> JSONResponse | None:
    with session_scope(request.app.state.runtime.engine) as session:
        if authenticate(request, session) is not None:
            return None
    refusal = unauthenticated(request)
    return error_json(refusal.status_code, refusal.detail, dict(refusal.headers or {}))


def needs_caller(dependant: Dependant) -> bool:
    """Whether the route (or any dependency of it) asks who is calling."""
    return any(dep.call is get_caller or needs_caller(dep) for dep in dependant.dependencies)
