"""The dashboard's table: failed sign-ins, counted per client to slow down token guessing.

All datetimes are aware UTC (see `bot.clock`). Rows older than the window are deleted as new
failures arrive; only a hash of the client's address is kept.
"""

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.clock import utcnow


class SignInFailure(SQLModel, table=True):
    __tablename__ = "staff_sign_in_failure"

    id: int | None = Field(default=None, primary_key=True)
    client_hash: str = Field(max_length=64, index=True)
    failed_at: datetime = Field(default_factory=utcnow, index=True)
