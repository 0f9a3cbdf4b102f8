"""search facet bytes, PostgreSQL: a row's facet numbers as bytes, counted by the reader

A search counts the facet values of every match (a common word: 21,000 rows, 173,000 values at
100,000 documents). Unnesting each row's array of numbers and counting them in a hash took a
third of a six-facet search (about 30 ms for that word), most of it for each row rather than
each value. A row now holds its facet values' numbers as bytes (`facet_numbers`: four bytes
each, big-endian, kept in the row: compressed only where the row would not fit otherwise), a
search joins every match's bytes into one
value (a few milliseconds) and counts the numbers where it reads them
(postgres_backend._facet_counts), then names them from the vocabulary in the same snapshot.

Rows written before are given their bytes here: the table is rewritten (its GIN index built
again), a downgrade gives them their arrays back. On SQLite this revision does nothing.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 09:30:00
"""

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

# (a rewrite builds the GIN index again: the memory a rebuild gives it)
_MEMORY = "SET LOCAL maintenance_work_mem = '512MB'"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # a row holds numbers of search_terms (an identity: never above its largest)
    op.execute(
        "DO $$ BEGIN IF (SELECT max(id) FROM search_terms) > 4294967295 THEN "
        "RAISE EXCEPTION 'a facet number does not fit in four bytes: run archive reindex first'; END IF; END $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION pg_temp.facet_bytes(numbers bigint[]) RETURNS bytea LANGUAGE sql IMMUTABLE "
        "AS $$ SELECT coalesce(string_agg(substring(int8send(n) FROM 5 FOR 4), ''::bytea ORDER BY o), ''::bytea) "
        "FROM unnest(numbers) WITH ORDINALITY AS u(n, o) $$"
    )
    op.execute(_MEMORY)
    # the storage set in the same statement as the type: the rows rewritten are written with it
    op.execute(
        "ALTER TABLE search_index ALTER COLUMN facet_ids TYPE bytea USING pg_temp.facet_bytes(facet_ids), "
        "ALTER COLUMN facet_ids SET STORAGE MAIN"
    )
    op.execute("ALTER TABLE search_index RENAME COLUMN facet_ids TO facet_numbers")
    op.execute("DROP FUNCTION pg_temp.facet_bytes(bigint[])")  # (the connection may migrate again)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION pg_temp.facet_array(numbers bytea) RETURNS bigint[] LANGUAGE sql IMMUTABLE AS $$ "
        "SELECT coalesce(array_agg((CAST(get_byte(numbers, 4 * i) AS bigint) << 24) "
        "| (get_byte(numbers, 4 * i + 1) << 16) | (get_byte(numbers, 4 * i + 2) << 8) "
        "| get_byte(numbers, 4 * i + 3) ORDER BY i), '{}') "
        "FROM generate_series(0, length(numbers) / 4 - 1) AS i $$"
    )
    op.execute(_MEMORY)
    op.execute(
        "ALTER TABLE search_index ALTER COLUMN facet_numbers TYPE bigint[] USING pg_temp.facet_array(facet_numbers), "
        "ALTER COLUMN facet_numbers SET STORAGE MAIN"
    )
    op.execute("ALTER TABLE search_index RENAME COLUMN facet_numbers TO facet_ids")
    op.execute("DROP FUNCTION pg_temp.facet_array(bytea)")
