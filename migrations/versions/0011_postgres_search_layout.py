"""postgres search layout: narrow rows for counting, ranking and facets (PostgreSQL only)

A common word matches thousands of documents, and a search reads each matching row three
times over (count, rank, facets). Migration 0009 kept the whole tsvector inline in each row
(about 2.3 KB compressed), so those rows filled 280 MB at 100,000 documents and every match
was decompressed to be ranked.

The row now holds only what is read for every match: the access and filter values are
lexemes of the matching vector (the GIN index answers them, the rows of documents the reader
may not see are never visited); the facet values are one array; ranking reads a small
vector of stems and name keys with at most four positions each, and the length of the text.
The matching vector and the body are stored out of line: they are read only to recheck a
phrase and to make the page's snippets. The small columns are never compressed.

The search tables are derived from the documents: this revision empties them, and
`archive init` (or `archive check-index --repair`) fills them again. On SQLite it does nothing.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 10:15:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_INLINE = ("version", "case", "kind", "language", "facets", "rank", "title")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_index")
    op.execute("TRUNCATE search_terms")
    op.execute("""
        CREATE TABLE search_index (
            id integer PRIMARY KEY,
            version text NOT NULL,
            "case" text NOT NULL,
            kind text NOT NULL,
            language text NOT NULL,
            published date,
            events_start date,
            events_end date,
            facets text[] NOT NULL,
            length integer NOT NULL,
            rank tsvector NOT NULL,
            title text NOT NULL,
            body text NOT NULL,
            terms tsvector NOT NULL
        )
    """)
    # MAIN: kept in the row and compressed only if the row is still too large once the
    # EXTERNAL columns are out of it (without this the facets array was compressed, and
    # decompressed for every match, because the inline vector made the row large first).
    for column in _INLINE:
        op.execute(f'ALTER TABLE search_index ALTER COLUMN "{column}" SET STORAGE MAIN')
    op.execute("ALTER TABLE search_index ALTER COLUMN terms SET STORAGE EXTERNAL")
    op.execute("ALTER TABLE search_index ALTER COLUMN body SET STORAGE EXTERNAL")
    op.execute("CREATE INDEX ix_search_index_terms ON search_index USING gin (terms)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_index")
    op.execute("TRUNCATE search_terms")
    op.execute("""
        CREATE TABLE search_index (
            id integer PRIMARY KEY,
            version text NOT NULL,
            "case" text NOT NULL,
            kind text NOT NULL,
            language text NOT NULL,
            year text,
            places text[] NOT NULL DEFAULT '{}',
            tags text[] NOT NULL DEFAULT '{}',
            consent text NOT NULL,
            status text NOT NULL,
            published date,
            events_start date,
            events_end date,
            title text NOT NULL,
            body text NOT NULL,
            terms tsvector NOT NULL
        )
    """)
    op.execute("ALTER TABLE search_index ALTER COLUMN terms SET STORAGE MAIN")
    op.execute("ALTER TABLE search_index ALTER COLUMN body SET STORAGE EXTERNAL")
    op.execute("CREATE INDEX ix_search_index_terms ON search_index USING gin (terms)")
    op.execute("CREATE INDEX ix_search_index_published ON search_index (published)")
