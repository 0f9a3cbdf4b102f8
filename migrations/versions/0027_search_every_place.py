"""search every place, PostgreSQL: whether a row's ranking vector holds every place

A phrase the whole query requires is checked by places in the row's ranking vector, kept in the
row, rather than in the matching vector PostgreSQL fetches from out of the row
(archive/search/postgres_backend.py, Compiler.checked). That holds only where the ranking
vector has every place of its words: PostgreSQL keeps 256 places of a word and none past the
16,383rd, and rows written before this revision kept four a word. Rows without this mark
(all of them until `archive check-index --repair` rewrites them, and any text too long to be
placed whole) are checked in the matching vector, as before. On SQLite this revision does
nothing.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 15:00:00
"""

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_index ADD COLUMN every_place boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_index DROP COLUMN every_place")
