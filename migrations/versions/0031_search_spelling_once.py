"""search spelling once, PostgreSQL: the spelling words counted per reader's access, not in every row

Each row held its spelling words (folded, unstemmed words of four letters or more, `!word`, about
200 a document): what suggestions offer and wildcards match. They were half of `terms`' bytes
(2.1 of 4.0 KB a row at 100,000 documents of the benchmark's corpus) and a third of the GIN
index's entries (at 10,000 documents: 32 → 22 MB, built in 6.1 → 3.5 s without them).
`search_spelling` now holds each word once for each kind of access (`=access:consent:status`),
with the number of rows holding it; a write adds its rows' words and takes out those of the rows
it replaces (read again from their stored text), so a word leaves with the last row holding it.
`search_generation.spelling` names the analysis the counts were made with: counts of another
(or none, as here, where the index has rows) are not used: suggestions are left out and
wildcards refused until `archive check-index --repair` counts every row's words (or `archive
reindex` writes them all). A writer keeping the counts says so for its transaction
(`archive.spelling`); a trigger takes the mark away after any other write to the rows (a
worker of the release before, still running during an upgrade, would leave a redacted word
counted).

The vocabulary's `!word` terms are deleted (a downgrade puts back one for each word counted);
rows written before keep their `!word` lexemes, unused, until written again (`archive reindex`
gives the table and the GIN index their new size). On SQLite this revision does nothing.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 00:10:00
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        'CREATE TABLE search_spelling (word text COLLATE "C" NOT NULL, access text COLLATE "C" NOT NULL, '
        "rows integer NOT NULL, PRIMARY KEY (word, access))"
    )
    op.execute("ALTER TABLE search_generation ADD COLUMN spelling text")
    op.execute("DELETE FROM search_terms WHERE starts_with(term, '!')")
    # a write to the rows that does not say it keeps the counts (a worker of a release before
    # this one, still running; a migration rewriting rows) takes their mark away
    op.execute(
        "CREATE FUNCTION search_spelling_unkept() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF current_setting('archive.spelling', true) IS DISTINCT FROM 'kept' THEN "
        "UPDATE search_generation SET spelling = NULL WHERE id = 1 AND spelling IS NOT NULL; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER search_index_spelling AFTER INSERT OR UPDATE OR DELETE ON search_index "
        "FOR EACH STATEMENT EXECUTE FUNCTION search_spelling_unkept()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # the spelling words as the vocabulary held them; rows written since lack their `!word`
    # lexemes: `archive reindex` after the downgrade writes them again
    op.execute(
        "INSERT INTO search_terms (term) SELECT DISTINCT '!' || word FROM search_spelling "
        "WHERE rows > 0 ON CONFLICT DO NOTHING"
    )
    op.execute("DROP TRIGGER search_index_spelling ON search_index")
    op.execute("DROP FUNCTION search_spelling_unkept()")
    op.execute("ALTER TABLE search_generation DROP COLUMN spelling")
    op.execute("DROP TABLE search_spelling")
