"""audit log: the principal of every entry (who acted: a user, the system, an anonymous reader)

Entries record `user:<id>`, `system:<operating-system user>` or `anonymous`. Entries written
before this revision keep an empty principal: their hashes were computed without one, and
filling it in now would break the chain that proves they were not edited.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("principal", sa.String(length=120), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("principal")
