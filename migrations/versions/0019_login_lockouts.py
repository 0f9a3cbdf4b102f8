"""login_lockouts: failed sign-ins counted per account and client

A stranger's wrong passwords lock that stranger's client out of the account, not the account:
each row is one account and one client (a keyed hash of an address, or a device the account
signed in from before). The account's own counter (users.failed_logins) now counts failures
from clients without such a device cookie, from every address, against a higher threshold.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 22:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_lockouts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "client", name="uq_login_lockouts_user_client"),
    )


def downgrade() -> None:
    op.drop_table("login_lockouts")
