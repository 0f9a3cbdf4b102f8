"""postgres search: the tables of the PostgreSQL search backend (PostgreSQL only)

The index of ARCHIVE_SEARCH_BACKEND=postgres: one row per indexed document with its public
text, the fields to filter and facet on, and a tsvector of analysed terms under a GIN index;
and the vocabulary those tsvectors hold, for fuzzy~, wildcard and range terms and spelling
suggestions. Derived from the documents (`archive reindex` rebuilds it), so not in the models
nor in backups. On SQLite this revision does nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 07:10:00
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # levenshtein() for fuzzy terms and suggestions (a trusted extension: the owner may add it)
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
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
    # Ranking reads the vector of every match: kept inline (compressed), not in TOAST, whose
    # per-row fetches made a common word's search four times slower; the body, read only for
    # the page shown, goes out of line. No index on access: with one, the planner filtered
    # every public row's vector instead of asking the GIN index.
    op.execute("ALTER TABLE search_index ALTER COLUMN terms SET STORAGE MAIN")
    op.execute("ALTER TABLE search_index ALTER COLUMN body SET STORAGE EXTERNAL")
    op.execute("CREATE INDEX ix_search_index_terms ON search_index USING gin (terms)")
    op.execute("CREATE INDEX ix_search_index_published ON search_index (published)")
    op.execute('CREATE TABLE search_terms (term text COLLATE "C" PRIMARY KEY)')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_terms")
    op.execute("DROP TABLE search_index")
