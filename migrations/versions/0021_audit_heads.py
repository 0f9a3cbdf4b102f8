"""audit_heads: the audit log's head, signed with the archive's Ed25519 key and time-stamped

Each row is one `archive audit anchor`: the last entry's id and hash, how many entries lead to
it, the signed statement and its signature, and the RFC 3161 time-stamp token an authority
gave for it. `archive audit verify` checks them against the chain as it stands.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 04:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_heads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("tsa_url", sa.String(2000), nullable=True),
        sa.Column("tsa_token", sa.LargeBinary(), nullable=True),
        sa.Column("principal", sa.String(120), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_heads")
