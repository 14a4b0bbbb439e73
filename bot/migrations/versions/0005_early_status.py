"""early provider statuses: callbacks that arrive before the send result is recorded

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "early_status",
        sa.Column("provider_message_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("provider_message_id"),
    )
    with op.batch_alter_table("early_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_early_status_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("early_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_early_status_received_at"))
    op.drop_table("early_status")
