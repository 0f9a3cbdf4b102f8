"""index outbox: index work written in the same transaction as the change it follows

A row per document a transaction wrote or deleted; the search index removes it once it has
taken the change. Work that failed (the writer busy, the disk full, the process killed) stays
and is done by the next server or command; until then search re-checks every hit against the
database and shows no figure the index alone computed.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("purge", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_outbox")),
    )
    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_index_outbox_document_id"), ["document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("index_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_index_outbox_document_id"))
    op.drop_table("index_outbox")
