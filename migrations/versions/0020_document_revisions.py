"""document_revisions: every change to a document kept, with the bytes that came in, sealed

Each revision holds the whole submission it made (sealed JSON) and the exact bytes received
for it (a file, an API body, the form's fields; sealed), which hash to `received_sha256`:
revision 1's is the document's custody hash. An edit of a published document that changes
what a review covers waits as a "pending" revision while the reviewed one stays public.
Documents stored before get their present state as a revision at `archive init` (with no
received bytes: those were not kept).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("received_sha256", sa.String(64), nullable=False),
        sa.Column("received", sa.LargeBinary(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("principal", sa.String(120), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("document_id", "number", name="uq_document_revisions_number"),
        sa.CheckConstraint("state IN ('applied', 'pending', 'superseded')", name=op.f("ck_document_revisions_state")),
    )
    op.create_index(op.f("ix_document_revisions_document_id"), "document_revisions", ["document_id"])
    op.create_index(op.f("ix_document_revisions_received_sha256"), "document_revisions", ["received_sha256"])


def downgrade() -> None:
    op.drop_table("document_revisions")
