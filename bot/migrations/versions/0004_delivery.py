"""reliable delivery: shared rate-limit slots and outbox indexes for claiming

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-24 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_rate_slot",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("next_free_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbound_claim", ["status", "channel", "priority", "id"], unique=False)
        batch_op.create_index("ix_outbound_contact_open", ["contact_id", "status", "id"], unique=False)
        batch_op.create_index("ix_outbound_contact_sent", ["contact_id", "sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_contact_sent")
        batch_op.drop_index("ix_outbound_contact_open")
        batch_op.drop_index("ix_outbound_claim")
    op.drop_table("delivery_rate_slot")
