"""Dependencies of the staff API: the database session and the caller."""

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from bot.config import Settings
from bot.db import session_scope
from bot.staff import Staff, hash_token

bearer = HTTPBearer(auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.runtime.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the built-in national admin, an admin, or staff of one province."""

    name: str
    role: str
    province: str | None

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


def get_caller(
    request: Request, session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    if credentials is None or not credentials.credentials:
        raise HTTPException(
            status_code=401, detail="a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    caller = caller_of(session, request.app.state.runtime.settings, hash_token(credentials.credentials))
    if caller is None:
        raise HTTPException(status_code=401, detail="invalid token", headers={"WWW-Authenticate": "Bearer"})
    return caller


def caller_of(session: Session, settings: Settings, token_hash: str) -> Caller | None:
    """Who holds the token with this hash (the API's bearer, the dashboard's session), if anyone."""
    admin_token = settings.admin_token
    if admin_token is not None and hmac.compare_digest(token_hash, hash_token(admin_token.get_secret_value())):
        return Caller("admin", "admin", None)
    staff = session.exec(select(Staff).where(Staff.token_hash == token_hash)).first()
    return None if staff is None else Caller(staff.name, staff.role, staff.province)


CallerDep = Annotated[Caller, Depends(get_caller)]
