"""search compressed text, PostgreSQL: the body and the lexemes without places compressed

Migration 0011 stored the body and `terms` out of the row uncompressed (EXTERNAL), when `terms`
was the matching vector read again for every phrase's recheck. Since 0028 the words and names
with their places are in the ranking vector, kept in the row, and `terms` (spelling words,
pairs, facets, access) is read only where the GIN index is built and where a write asks which
terms a replaced row held; the body only for the page of results shown. Both are now compressed
(EXTENDED) with lz4, which reads back at several gigabytes a second (pglz, slower, where the
server is built without lz4 or is PostgreSQL 13), out of the row once large: at 100,000
documents of the benchmark's corpus, the body 2,750 → 2,234 bytes and `terms` 4,620 → 3,961 a
row on average (more for prose than for its words drawn at random).

Rows written before keep their values uncompressed until they are written again (`archive
reindex` writes them all); every row reads the same either way. On SQLite this revision does
nothing.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 21:30:00
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

_COLUMNS = ("body", "terms")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # a column's compression method is PostgreSQL 14's (13 compresses with pglz, always)
    lz4 = bind.exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    for column in _COLUMNS:
        op.execute(f"ALTER TABLE search_index ALTER COLUMN {column} SET STORAGE EXTENDED")
        if lz4:
            op.execute(f"ALTER TABLE search_index ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    methods = op.get_bind().exec_driver_sql("SELECT current_setting('server_version_num')::int >= 140000").scalar()
    for column in _COLUMNS:
        op.execute(f"ALTER TABLE search_index ALTER COLUMN {column} SET STORAGE EXTERNAL")
        if methods:
            op.execute(f"ALTER TABLE search_index ALTER COLUMN {column} SET COMPRESSION DEFAULT")
