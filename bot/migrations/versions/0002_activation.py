"""activation walkthrough: progress, funnel events, tickets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activation_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("teacher_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("branch", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("reports", sa.JSON(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("nudge_due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("nudges_sent", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contact_id"),
    )
    with op.batch_alter_table("activation_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activation_progress_nudge_due_at"), ["nudge_due_at"], unique=False)

    op.create_table(
        "activation_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("teacher_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("province_code", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("regency_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("branch", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activation_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activation_event_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_activation_event_region", ["province_code", "regency_code"], unique=False)

    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("regency_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("branch", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_ticket_status_province", ["status", "province_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_status_province")
        batch_op.drop_index(batch_op.f("ix_ticket_contact_id"))
    op.drop_table("ticket")

    with op.batch_alter_table("activation_event", schema=None) as batch_op:
        batch_op.drop_index("ix_activation_event_region")
        batch_op.drop_index(batch_op.f("ix_activation_event_contact_id"))
    op.drop_table("activation_event")

    with op.batch_alter_table("activation_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activation_progress_nudge_due_at"))
    op.drop_table("activation_progress")
