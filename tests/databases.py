"""Where the tests' databases live: an SQLite file in each data folder, or, when
ARCHIVE_TEST_POSTGRES names a server, one PostgreSQL database per data folder.

The suite is written against data folders ("copy the migrated folder, open an app on it"); this
module makes each folder's database follow it, so the same tests run on both engines. A
PostgreSQL copy is `CREATE DATABASE … TEMPLATE …`, as cheap as copying the SQLite file; every
database a test made is dropped after it (`drop_created`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from pathlib import Path

SERVER = os.environ.get("ARCHIVE_TEST_POSTGRES", "").strip()
ENGINE = "postgresql" if SERVER else "sqlite"
# On PostgreSQL the suite runs as a multi-server deployment would: search in the database too.
SEARCH_BACKEND = "postgres" if SERVER else "whoosh"
SQLITE_FILES = ("archive.sqlite3", "archive.sqlite3-wal", "archive.sqlite3-shm")
_created: list[str] = []


def name(folder: Path) -> str:
    """The PostgreSQL database of a data folder (a name derived from its path)."""
    return "t_" + hashlib.sha1(str(Path(folder).resolve()).encode()).hexdigest()[:24]  # noqa: S324


def url(folder: Path) -> str:
    """The SQLAlchemy URL of the database of a data folder."""
    if not SERVER:
        return f"sqlite:///{Path(folder) / 'archive.sqlite3'}"
    return f"{SERVER.rsplit('/', 1)[0]}/{name(folder)}"


def _admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


@functools.cache
def _copy_strategy() -> str:
    """PostgreSQL 15+ copies a small template faster file by file than through the WAL (the
    default): 65 ms instead of 90 for each test's database here."""
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as connection:
        version = connection.execute("SHOW server_version_num").fetchone()[0]
    return " STRATEGY FILE_COPY" if int(version) >= 150000 else ""


def create(folder: Path, template: Path | None = None, keep: bool = False) -> None:
    """Give a data folder its own database: empty, or a copy of another folder's. A kept one
    (a template for a session or a module) outlives the test that made it."""
    if not SERVER:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for file in SQLITE_FILES if template else ():
            if (Path(template) / file).exists():
                shutil.copy(Path(template) / file, Path(folder) / file)
        return
    target = name(folder)
    source = f" TEMPLATE {name(template)}{_copy_strategy()}" if template else ""
    _admin(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)", f"CREATE DATABASE {target}{source}")
    if not keep:
        _created.append(target)


def copytree(source: Path, target: Path, keep: bool = False) -> None:
    """Copy a data folder (index, media, files) and its database. On PostgreSQL with its
    search, a folder may hold nothing at all yet."""
    if Path(source).exists():
        shutil.copytree(source, target)
    if SERVER:
        create(target, source, keep)


def drop_created() -> None:
    """Drop every database made since the last call (PostgreSQL); nothing for SQLite."""
    while _created:
        _admin(f"DROP DATABASE IF EXISTS {_created.pop()} WITH (FORCE)")


def search_tables_text(engine) -> str:
    """Everything the PostgreSQL search backend holds: each row's title and terms, its
    vocabulary and its spelling words (counted, and numbered), as one text to scan."""
    from sqlalchemy import text

    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT concat_ws(E'\\n', title, terms::text, rank::text, encode(spelling, 'escape'), "
                "(SELECT string_agg(t.term, E'\\n') FROM generate_series(0, length(facet_numbers) / 4 - 1) AS i "
                "JOIN search_terms t ON t.id = (CAST(get_byte(facet_numbers, 4 * i) AS bigint) << 24) "
                "| (get_byte(facet_numbers, 4 * i + 1) << 16) | (get_byte(facet_numbers, 4 * i + 2) << 8) "
                "| get_byte(facet_numbers, 4 * i + 3))) "
                "FROM search_index "
                "UNION ALL SELECT term FROM search_terms "
                "UNION ALL SELECT word FROM search_spelling "
                "UNION ALL SELECT word FROM search_words"
            )
        ).scalars()
        return "\n".join(rows)
