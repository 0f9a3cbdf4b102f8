"""The schema comes from Alembic migrations, and the models agree with them, on the suite's
engine (SQLite, or PostgreSQL when ARCHIVE_TEST_POSTGRES names a server)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from archive.storage.db import Database
from archive.storage.models import Base
from tests import databases

# The PostgreSQL search backend's tables (migrations 0009, 0013, 0031 and 0032) are derived data, not models.
DERIVED = {"search_index", "search_terms", "search_generation", "search_spelling", "search_words"}
DERIVED_PARTS = {"search_index_0", "search_index_1"}  # search_index's partitions (migration 0034)
# On PostgreSQL this index keeps NULL first (migration 0012), which SQLite cannot declare and
# the models therefore do not say; test_the_access_index_orders_lists_on_postgresql checks it.
POSTGRES_ONLY_ORDER = {"ix_documents_access_published"}


def _fresh(tmp_path) -> Database:
    databases.create(tmp_path)
    return Database(databases.url(tmp_path))


def test_upgrade_creates_every_table_at_head(tmp_path):
    db = _fresh(tmp_path)
    db.upgrade()
    assert db.revision() == db.head()
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    db.dispose()


def test_models_match_the_migrations(tmp_path):
    db = _fresh(tmp_path)
    db.upgrade()
    if databases.ENGINE == "postgresql":
        assert set(inspect(db.engine).get_table_names()) >= DERIVED | DERIVED_PARTS

    def include_name(name, type_, _parents) -> bool:
        return not (type_ == "table" and name in DERIVED | DERIVED_PARTS)

    def include_object(_object, name, type_, _reflected, _compare_to) -> bool:
        return not (type_ == "index" and name in POSTGRES_ONLY_ORDER and databases.ENGINE == "postgresql")

    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "include_object": include_object}
        )
        diff = compare_metadata(context, Base.metadata)
    db.dispose()
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"


def test_upgrade_twice_changes_nothing(tmp_path):
    db = _fresh(tmp_path)
    db.upgrade()
    db.upgrade()
    assert db.revision() == db.head()
    db.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    db.upgrade()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


def test_the_access_index_orders_lists_on_postgresql(tmp_path):
    """The documents API's order (newest first, undated last) is read from the index, not
    sorted again, on either engine."""
    from sqlalchemy import select

    from archive.storage.models import Document

    db = _fresh(tmp_path)
    db.upgrade()
    stmt = (
        select(Document.id)
        .where(Document.consent.in_(["public"]), Document.status.in_(["published"]))
        .order_by(Document.published_start.desc().nulls_last(), Document.id.desc())
        .limit(20)
    )
    with db.engine.connect() as connection:
        sql = str(stmt.compile(connection, compile_kwargs={"literal_binds": True}))
        if databases.ENGINE == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {sql}").scalars())
        else:
            plan = "\n".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    db.dispose()
    assert "ix_documents_access_published" in plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
