"""search partitions, PostgreSQL: the search rows in two partitions, so that a rebuild builds
their GIN indexes at once

A rebuild builds the GIN index once all its rows are written, and PostgreSQL (before 18) builds
one index on one core: 51 s of a 181 s rebuild of 100,000 documents, the other core idle. Four
fifths of it are comparisons in the tree of keys it gathers in memory, so more memory does not
make it faster (2 GB: 57 s against 53). `search_index` is now partitioned by its id's hash into
PARTS tables, and a rebuild builds each one's index on a connection of its own, then the
table's index of them (postgres_backend._build_gin): 25 s for the two halves at once. Searches
read the partitions as one table; PostgreSQL reads each one's index.

The rows are copied into the new table (6.7 s at 100,000 documents) and its GIN index built;
the trigger that takes the spelling counts' mark away is made again, on the table and on each
partition (a statement on a partition itself fires only the partition's). A downgrade copies
them back into one table. On SQLite this revision does nothing.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 22:40:00
"""

from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

PARTS = 2  # (postgres_backend finds them in pg_inherits: a table of more would be built the same)
_MEMORY = "SET LOCAL maintenance_work_mem = '512MB'"
_GIN = "CREATE INDEX ix_search_index_terms ON search_index USING gin ((rank || terms))"
_TRIGGER = (
    "CREATE TRIGGER search_index_spelling AFTER INSERT OR UPDATE OR DELETE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION search_spelling_unkept()"
)


def _copied(partitioned: bool) -> None:
    """search_index made again with its rows (partitioned or not), its key, its GIN index and
    its trigger."""
    # the columns as they are: types, defaults, NOT NULL, storage and compression
    layout = "(LIKE search_index INCLUDING ALL EXCLUDING INDEXES)"
    if partitioned:
        op.execute(f"CREATE TABLE search_index_copy {layout} PARTITION BY HASH (id)")
        for part in range(PARTS):
            op.execute(
                f"CREATE TABLE search_index_{part} PARTITION OF search_index_copy "
                f"FOR VALUES WITH (MODULUS {PARTS}, REMAINDER {part})"
            )
    else:
        op.execute(f"CREATE TABLE search_index_copy {layout}")
    op.execute("INSERT INTO search_index_copy SELECT * FROM search_index")
    op.execute("DROP TABLE search_index")  # (its key, GIN index and trigger with it)
    op.execute("ALTER TABLE search_index_copy RENAME TO search_index")
    op.execute("ALTER TABLE search_index ADD CONSTRAINT search_index_pkey PRIMARY KEY (id)")
    op.execute(_MEMORY)
    op.execute(_GIN)
    op.execute(_TRIGGER.format(table="search_index"))
    for part in range(PARTS) if partitioned else ():
        op.execute(_TRIGGER.format(table=f"search_index_{part}"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _copied(partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _copied(partitioned=False)
