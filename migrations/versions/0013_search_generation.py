"""search generation, PostgreSQL: the version of the search index, for kept results

Each process keeps the results of recent searches (archive/search/cache.py) for the version
of the index they were computed from. On PostgreSQL that version is this one-row table's
counter: every write to the search tables adds one to it in the same transaction, and every
search reads it first, so results kept by any process on any server are used only while
the index is exactly as it was when they were computed. Whoosh's version is its table of
contents' generation; on SQLite this revision does nothing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 13:40:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE search_generation ("
        "id integer PRIMARY KEY CHECK (id = 1), value bigint NOT NULL)"
    )
    op.execute("INSERT INTO search_generation (id, value) VALUES (1, 0)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_generation")
