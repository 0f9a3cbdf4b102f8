"""users: a session generation, raised to end every session of an account

Sign-out and an admin's revocation raise it; a session cookie made before names an older
generation and is refused (archive/web/login.py), wherever it was copied to.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
