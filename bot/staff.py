"""BTIKP staff and admins of the staff API; tokens are stored only as hashes."""

import hashlib
import secrets
from datetime import datetime
from typing import Literal

from sqlmodel import Field, SQLModel

from bot.clock import utcnow


class StaffBase(SQLModel):
    name: str = Field(min_length=2, max_length=100)
    role: Literal["admin", "staff"] = Field(default="staff", max_length=8)
    province: str | None = Field(default=None, max_length=2)


class StaffCreate(StaffBase):
    pass


class StaffPublic(StaffBase):
    id: int
    created_at: datetime


class StaffCreated(StaffPublic):
    token: str


class Staff(StaffBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(default="staff", max_length=8)  # type: ignore[assignment]
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


def new_token() -> tuple[str, str]:
    """A fresh bearer token and the hash we keep of it."""
    token = "gbs_" + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
