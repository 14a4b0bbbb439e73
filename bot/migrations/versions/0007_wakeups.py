"""wake-ups: PostgreSQL notifies workers of new inbound and outbound rows (LISTEN/NOTIFY)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """
CREATE OR REPLACE FUNCTION gurubot_wake() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify(TG_ARGV[0], CASE WHEN TG_LEVEL = 'ROW' THEN NEW.channel ELSE '' END);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: one process, woken in memory
    op.execute(FUNCTION)
    op.execute(
        "CREATE TRIGGER inbound_wake AFTER INSERT ON inbound_message "
        "FOR EACH STATEMENT EXECUTE FUNCTION gurubot_wake('gurubot_inbound')"
    )
    op.execute(
        "CREATE TRIGGER outbound_wake AFTER INSERT ON outbound_message "
        "FOR EACH ROW EXECUTE FUNCTION gurubot_wake('gurubot_outbox')"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS outbound_wake ON outbound_message")
    op.execute("DROP TRIGGER IF EXISTS inbound_wake ON inbound_message")
    op.execute("DROP FUNCTION IF EXISTS gurubot_wake()")
