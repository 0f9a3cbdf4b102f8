"""consent_records, legal_holds, removals, document_keys, documents.review_after

Consent as a record (who, when, uses, conditions, obtained by whom, evidence), legal holds
that block deletion, tombstones of withdrawn or deleted documents, each document's own data
key (deleting it crypto-shreds the document's sealed revisions and originals), and the date a
document is due for a retention review.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("review_after", sa.Date(), nullable=True))
        batch.create_index(op.f("ix_documents_review_after"), ["review_after"])
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("given_by", sa.Text(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("uses", sa.JSON(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("obtained_by", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("principal", sa.String(120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
    )
    op.create_index(op.f("ix_consent_records_document_id"), "consent_records", ["document_id"])
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("placed_principal", sa.String(120), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("released_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
    )
    op.create_index(op.f("ix_legal_holds_document_id"), "legal_holds", ["document_id"])
    op.create_table(
        "removals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("principal", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('withdrawn', 'deleted')", name=op.f("ck_removals_kind")),
        sa.CheckConstraint(
            "reason IN ('consent_withdrawn', 'source_request', 'safety', 'legal_order', 'error')", name=op.f("ck_removals_reason")
        ),
        sa.CheckConstraint("audience IN ('public', 'researchers', 'custodians')", name=op.f("ck_removals_audience")),
    )
    op.create_index(op.f("ix_removals_document_id"), "removals", ["document_id"])
    op.create_table(
        "document_keys",
        sa.Column("document_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_keys")
    op.drop_table("removals")
    op.drop_table("legal_holds")
    op.drop_table("consent_records")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_review_after")
        batch.drop_column("review_after")
