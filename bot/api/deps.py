"""Dependencies of the staff API: the database session and the caller."""

import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from bot.api.error_body import STAFF_RESPONSES
from bot.config import Settings
from bot.db import session_scope
from bot.staff import Staff, hash_token

# Declared for OpenAPI (the "Authorize" button, 401 on every route); checked by `authenticate`.
bearer = HTTPBearer(auto_error=False, description="A staff token, or the national admin's (GURUBOT_ADMIN_TOKEN).")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.runtime.engine) as session:
        yield session


# scope="function": the transaction commits when the route returns, before the response is sent, so
# a client that reads right after a 201 finds what it created (with the default scope the commit
# ran after the response had gone out).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the built-in national admin, an admin, or staff of one province."""

    name: str
    role: str
    province: str | None
    staff_id: int | None = None  # None: the built-in national admin

    @property
    def identity(self) -> str:
        """Who this is, for what is remembered per caller (two staff may share a name)."""
        return "admin" if self.staff_id is None else f"staff:{self.staff_id}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def require_admin(self) -> None:
        if not self.is_admin:
            raise HTTPException(status_code=403, detail="admin only")

    def check_province(self, province: str | None) -> None:
        if not self.is_admin and province != self.province:
            raise HTTPException(status_code=403, detail="outside your province")

    def scope(self, requested: str | None) -> str | None:
        """The province a query may look at: staff are held to their own."""
        if self.is_admin:
            return requested
        self.check_province(requested or self.province)
        return self.province


def get_caller(request: Request, session: SessionDep, _credentials: BearerDep) -> Caller:
    """The authenticated caller; 401 without a valid token (before the body is judged: bot/api/errors.py)."""
    caller = authenticate(request, session)
    if caller is None:
        raise unauthenticated(request)
    return caller


def authenticate(request: Request, session: Session) -> Caller | None:
    """The caller the bearer token names: the built-in admin or a staff member; None for no or a wrong token."""
    token = bearer_token(request)
    if not token:
        return None
    return caller_of(session, request.app.state.runtime.settings, hash_token(token))


def caller_of(session: Session, settings: Settings, token_hash: str) -> Caller | None:
    """Who holds the token with this hash (the API's bearer, the dashboard's session), if anyone."""
    admin_token = settings.admin_token
    if admin_token is not None and hmac.compare_digest(token_hash, hash_token(admin_token.get_secret_value())):
        return Caller("admin", "admin", None)
    staff = session.exec(select(Staff).where(Staff.token_hash == token_hash)).first()
    return None if staff is None else Caller(staff.name, staff.role, staff.province, staff.id)


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def unauthenticated(request: Request) -> HTTPException:
    detail = "invalid token" if bearer_token(request) else "a bearer token is required"
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_admin(caller: CallerDep) -> Caller:
    """An admin caller; staff get 403 before their body is judged (a dependency runs first)."""
    caller.require_admin()
    return caller


AdminDep = Annotated[Caller, Depends(get_admin)]


async def storable_body(request: Request) -> None:
    """422 for a JSON body whose text the database cannot store (NUL, a lone surrogate: both valid
    JSON escapes), instead of a 500 at the INSERT."""
    body = (await request.body()).lower()
    if b"\\u0000" not in body and b"\\ud" not in body:
        return
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the body's own validation answers
    message = "text the service cannot store (NUL or a lone surrogate)"
    problems = [{"loc": ["body", *loc], "msg": message, "type": "string_unstorable"} for loc in unstorable(data, [])]
    if problems:
        raise RequestValidationError(problems)


def unstorable(value: Any, loc: list[str | int]) -> Iterator[list[str | int]]:
    """Where in a JSON value a string (or a key) holds NUL or a lone surrogate."""
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value):
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from unstorable(key, [*loc, key])
            yield from unstorable(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable(item, [*loc, index])


def staff_router(prefix: str, tags: list[str | Enum], **options: Any) -> APIRouter:
    """A router of the staff API: every route needs a valid token (even one that forgets to ask
    for `CallerDep`), a body with text the database cannot store is a 422, and 401/403/422 are
    documented; declare 404/409/400 where they occur."""
    dependencies = [Depends(get_caller), Depends(storable_body)]
    return APIRouter(prefix=prefix, tags=tags, dependencies=dependencies, responses=STAFF_RESPONSES, **options)
