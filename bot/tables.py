"""Imports every module that defines tables, so SQLModel.metadata knows them all (Alembic, tests)."""

from bot import models, staff
from bot.activation import models as activation
from bot.delivery import rate_limit as delivery
from bot.meetings import models as meetings

__all__ = ["activation", "delivery", "meetings", "models", "staff"]
