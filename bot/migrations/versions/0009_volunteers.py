"""helpdesk: Duta Teknologi volunteers, each ticket's routing and its timeline, FAQ self-service

Revision ID: 0009_volunteers
Revises: 0008
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_volunteers"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STRING = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "volunteer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", STRING(length=100), nullable=False),
        sa.Column("channel", STRING(length=16), nullable=False),
        sa.Column("address", STRING(length=64), nullable=False),
        sa.Column("provinces", sa.JSON(), nullable=False),
        sa.Column("regencies", sa.JSON(), nullable=False),
        sa.Column("time_zone", STRING(length=32), nullable=False),
        sa.Column("work_start", STRING(length=5), nullable=False),
        sa.Column("work_end", STRING(length=5), nullable=False),
        sa.Column("max_open_tickets", sa.Integer(), nullable=False),
        sa.Column("escalations", sa.Boolean(), nullable=False),
        sa.Column("join_code_hash", STRING(length=64), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", TIME(), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("last_offered_at", TIME(), nullable=True),
        sa.Column("created_by", STRING(length=100), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("removed_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_volunteer_join_code_hash"), ["join_code_hash"], unique=False)
    op.create_table(
        "ticket_routing",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("offered_to_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("waiting_since", TIME(), nullable=True),
        sa.Column("offered_at", TIME(), nullable=True),
        sa.Column("claimed_at", TIME(), nullable=True),
        sa.Column("first_answer_at", TIME(), nullable=True),
        sa.Column("escalated_at", TIME(), nullable=True),
        sa.Column("closed_at", TIME(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("due_at", TIME(), nullable=True),
        sa.Column("due_kind", STRING(length=16), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["offered_to_id"], ["volunteer.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["assignee_id"], ["volunteer.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    with op.batch_alter_table("ticket_routing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_routing_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_routing_due_at"), ["due_at"], unique=False)
    op.create_table(
        "ticket_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", STRING(length=16), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_event_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "faq_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("faq_id", STRING(length=40), nullable=False),
        sa.Column("province_code", STRING(length=2), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("faq_outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_outcome_province_code"), ["province_code"], unique=False)
    op.create_table(
        "ticket_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", STRING(length=2), nullable=True),
        sa.Column("regency_code", STRING(length=5), nullable=True),
        sa.Column("topic", STRING(length=24), nullable=False),
        sa.Column("status", STRING(length=16), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("first_answer_at", TIME(), nullable=True),
        sa.Column("closed_at", TIME(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_figure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_figure_province_code"), ["province_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_figure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_figure_province_code"))
    op.drop_table("ticket_figure")
    with op.batch_alter_table("faq_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_outcome_province_code"))
    op.drop_table("faq_outcome")
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_event_ticket_id"))
    op.drop_table("ticket_event")
    with op.batch_alter_table("ticket_routing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_routing_due_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_routing_assignee_id"))
    op.drop_table("ticket_routing")
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_join_code_hash"))
        batch_op.drop_index(batch_op.f("ix_volunteer_contact_id"))
    op.drop_table("volunteer")
