"""search matching expression, PostgreSQL: each placed lexeme written once

A row's words and names with their places were written twice: in the ranking vector (`rank`,
kept in the row, read to rank each match and to check phrases) and again in the matching
vector (`terms`, out of the row, under the GIN index), with the lexemes that have no places
(spelling words, pairs, facets, access). From this revision `terms` holds only the latter, and
the GIN index is of the expression `rank || terms`, which holds the same lexemes as before: a
fifth of the index's size, and a third of the server's work in writing a row, saved
(archive/search/postgres_backend.py).

Rows written before keep their vectors: `rank || terms` then holds each placed lexeme twice,
the second time moved past the text's last place, so it matches the words, names, facets and
access `terms` matched; a phrase is checked in the ranking vector as before where the row has
every place (`every_place`), and otherwise in the two as one, where `terms`' places moved past
16,383 are lost (rows written before analysis version 5, which `archive check-index` reports
stale, and texts too long for PostgreSQL's places) until `archive reindex` (or the row's next
change) writes it anew. On SQLite this revision does nothing.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 18:00:00
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_index_terms")
    op.execute("CREATE INDEX ix_search_index_terms ON search_index USING gin ((rank || terms))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # a row written since holds its placed lexemes in `rank` only: the matching vector again
    # (the index dropped first: not updated row by row)
    op.execute("DROP INDEX IF EXISTS ix_search_index_terms")
    op.execute("UPDATE search_index SET terms = rank || terms WHERE terms = strip(terms)")
    op.execute("CREATE INDEX ix_search_index_terms ON search_index USING gin (terms)")
