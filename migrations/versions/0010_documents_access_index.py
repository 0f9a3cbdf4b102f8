"""documents access index: what a reader may see, newest first

Lists of documents count and page through (consent, status, published_start, id) in the
index alone: at 100,000 documents a page of the documents API took half a second on SQLite.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 08:25:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_documents_access_published",
        "documents",
        ["consent", "status", "published_start", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_documents_access_published", table_name="documents")
