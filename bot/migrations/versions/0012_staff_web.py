"""staff web: failed dashboard sign-ins, for the rate limit

Revision ID: 0012_staff_web
Revises: 0008
Create Date: 2026-12-04 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_staff_web"
down_revision: str | None = "0008"  # the brief's "0008_helpdesk": the lead re-chains at merge
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_sign_in_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sign_in_failure_client_hash"), ["client_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_sign_in_failure_failed_at"), ["failed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sign_in_failure_failed_at"))
        batch_op.drop_index(batch_op.f("ix_staff_sign_in_failure_client_hash"))
    op.drop_table("staff_sign_in_failure")
