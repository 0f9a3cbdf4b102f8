"""search rows without text, PostgreSQL: a row holds its spelling words' numbers, not its body

Each row of search_index held the document's public text (2.2 KB compressed, out of the row:
a fifth of the index's size at 100,000 documents), read for two things: the snippets of a
page's hits, and the spelling words of a row replaced or deleted, taken out of
search_spelling's counts. A snippet is now made of the database's public text of the version
indexed, once the hit is checked (archive/search/query.py), and a row holds instead the numbers
of its spelling words (`spelling`: sorted, as differences, two or four bytes each, about 450
bytes a row), which `search_words` gives each word while a count holds it. The index then
holds no document's text as written (its words are there stemmed, with their places, as before).

Rows written before have no numbers, and their words can no longer be read from them: the
index is emptied (search_index, its vocabulary and counts), and `archive reindex` (or
`archive check-index --repair`) writes it again; until then a search finds nothing. On SQLite
this revision does nothing.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 06:30:00
"""

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

EMPTIED = "TRUNCATE search_index, search_terms, search_spelling RESTART IDENTITY"
RENEWED = "UPDATE search_generation SET value = value + 1, spelling = NULL WHERE id = 1"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(EMPTIED)
    op.execute("ALTER TABLE search_index DROP COLUMN body")
    # (out of the row, uncompressed: read only by a write replacing or deleting the row)
    op.execute("ALTER TABLE search_index ADD COLUMN spelling bytea NOT NULL")
    op.execute("ALTER TABLE search_index ALTER COLUMN spelling SET STORAGE EXTERNAL")
    op.execute('CREATE TABLE search_words (id serial PRIMARY KEY, word text COLLATE "C" NOT NULL UNIQUE)')
    op.execute(RENEWED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(EMPTIED)
    op.execute("DROP TABLE search_words")
    op.execute("ALTER TABLE search_index DROP COLUMN spelling")
    op.execute("ALTER TABLE search_index ADD COLUMN body text NOT NULL")
    lz4 = op.get_bind().exec_driver_sql(  # as 0029 set it
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    if lz4:
        op.execute("ALTER TABLE search_index ALTER COLUMN body SET COMPRESSION lz4")
    op.execute(RENEWED)
