"""reflections: after-meeting fields of a meeting, reflections, outcomes and action items, badges

Revision ID: 0011_reflections
Revises: 0008
Depends on: 0003
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011_reflections"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0003"  # the meeting table (meetings' branch)

String = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reflection_delay_minutes", sa.Integer(), nullable=False, server_default="15"))
        batch_op.add_column(sa.Column("question_set", String(length=40), nullable=False, server_default="default"))
        batch_op.add_column(sa.Column("badge_title", String(length=100), nullable=True))
        batch_op.add_column(sa.Column("followup_days", sa.Integer(), nullable=False, server_default="14"))
        batch_op.add_column(sa.Column("reflections_planned_at", When(), nullable=True))
    # Meetings held before this version ask nobody for a reflection.
    op.execute("UPDATE meeting SET reflections_planned_at = updated_at")
    op.create_table(
        "reflection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("status", String(length=16), nullable=False),
        sa.Column("due_at", When(), nullable=True),
        sa.Column("question", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("prompted_at", When(), nullable=True),
        sa.Column("reminded_at", When(), nullable=True),
        sa.Column("completed_at", When(), nullable=True),
        sa.Column("followup_due_at", When(), nullable=True),
        sa.Column("followup_sent_at", When(), nullable=True),
        sa.Column("applied", sa.JSON(), nullable=True),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "contact_id"),
    )
    with op.batch_alter_table("reflection", schema=None) as batch_op:
        for column in ("meeting_id", "contact_id", "due_at", "followup_due_at"):
            batch_op.create_index(batch_op.f(f"ix_reflection_{column}"), [column], unique=False)
    op.create_table(
        "meeting_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_by", String(length=100), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meeting_outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_outcome_meeting_id"), ["meeting_id"], unique=True)
    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", String(length=500), nullable=False),
        sa.Column("owner_contact_id", sa.Integer(), nullable=True),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("state", String(length=16), nullable=False),
        sa.Column("remind_at", When(), nullable=True),
        sa.Column("reminded_at", When(), nullable=True),
        sa.Column("answered_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["outcome_id"], ["meeting_outcome.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_contact_id"], ["contact.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        for column in ("outcome_id", "meeting_id", "owner_contact_id", "remind_at"):
            batch_op.create_index(batch_op.f(f"ix_action_item_{column}"), [column], unique=False)
    op.create_table(
        "badge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", String(length=16), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("first_name", String(length=60), nullable=False),
        sa.Column("title", String(length=100), nullable=False),
        sa.Column("issued_at", When(), nullable=False),
        sa.Column("revoked_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("badge", schema=None) as batch_op:
        for column in ("meeting_id", "contact_id"):
            batch_op.create_index(batch_op.f(f"ix_badge_{column}"), [column], unique=False)


def downgrade() -> None:
    for table in ("badge", "action_item", "meeting_outcome", "reflection"):
        op.drop_table(table)
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        for column in ("reflections_planned_at", "followup_days", "badge_title", "question_set"):
            batch_op.drop_column(column)
        batch_op.drop_column("reflection_delay_minutes")
