"""documents access index, PostgreSQL: undated documents sorted where lists put them

Lists show the newest first and undated documents last (`published_start DESC NULLS LAST`).
Read backwards, the index of 0010 gives NULLS FIRST on PostgreSQL (where NULL sorts above
every date), so PostgreSQL sorted the 50,000 public documents again for each page of the
documents API (20 of its 40 ms). There the index now keeps NULL first, which read backwards
is exactly the lists' order. SQLite sorts NULL below every date already, and cannot declare
NULLS FIRST in an index: there this revision does nothing.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 10:30:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_documents_access_published")
    op.execute(
        "CREATE INDEX ix_documents_access_published ON documents "
        "(consent, status, published_start NULLS FIRST, id)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_documents_access_published")
    op.execute(
        "CREATE INDEX ix_documents_access_published ON documents "
        "(consent, status, published_start, id)"
    )
