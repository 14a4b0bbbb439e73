"""Imports every module that defines tables, so SQLModel.metadata knows them all (Alembic, tests)."""

from bot import models, staff

__all__ = ["models", "staff"]
