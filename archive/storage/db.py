"""The database engine, sessions and migrations."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.resources import resource_dir
from archive.storage.sealing import Sealer, register

log = logging.getLogger(__name__)


class Database:
    """An engine and its session factory for one SQLAlchemy URL.

    Listeners registered with `on_documents_committed` hear, after each successful commit,
    which documents were written and which deleted (ids only), and whether text was taken out
    of public view (`session.info["purge"]`, set by redaction): the search index follows the
    database this way, and never learns of a change that was rolled back.
    """

    def __init__(self, url: str, sealer: Sealer | None = None):
        self.url = driver_url(url)
        self.engine = _make_engine(self.url)
        # seals what a copy of the database file must not reveal (storage/sealing.py)
        self.sealer = sealer or Sealer(None)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False, info={_DATABASE: self})
        self._listeners: list[Callable[[set[int], set[int], bool], None]] = []
        event.listen(self.sessionmaker, "after_flush", _note_documents)
        event.listen(self.sessionmaker, "after_commit", self._after_commit)
        event.listen(self.sessionmaker, "after_rollback", _forget_documents)

    @property
    def sealer(self) -> Sealer:
        return self._sealer

    @sealer.setter
    def sealer(self, sealer: Sealer) -> None:
        """Seal with `sealer` from now on, in sessions and in the columns sealed in place."""
        self._sealer = sealer
        register(self.engine.dialect, sealer)

    def on_documents_committed(self, listener: Callable[[set[int], set[int], bool], None]) -> None:
        self._listeners.append(listener)

    def _after_commit(self, session: Session) -> None:
        written = session.info.pop("documents_written", set())
        deleted = session.info.pop("documents_deleted", set())
        purge = session.info.pop("purge", False)
        if not (written or deleted):
            return
        batch = session.info.get(_BATCH)
        if batch is not None:  # inside index_in_batches(): heard once the batch is full
            batch.add(written, deleted, purge)
            if len(batch.written) + len(batch.deleted) < batch.size:
                return
            written, deleted, purge = batch.take()
        self._notify(written, deleted, purge)

    def _notify(self, written: set[int], deleted: set[int], purge: bool) -> None:
        for listener in self._listeners:
            try:
                listener(written - deleted, deleted, purge)
            except Exception:  # noqa: BLE001 - the commit stands; check-index repairs drift
                log.exception("after-commit listener failed for %d documents", len(written))

    def session(self) -> Session:
        return self.sessionmaker()

    def upgrade(self) -> None:
        """Create the schema or migrate it to the newest revision."""
        with self.engine.begin() as connection:
            cfg = _alembic_config(self.url)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head(self) -> str | None:
        return ScriptDirectory.from_config(_alembic_config(self.url)).get_current_head()

    def purge_free_space(self, tables: tuple[str, ...]) -> None:
        """Rewrite the database so that values replaced in place (plain texts now sealed) leave
        no copy in free pages or the write-ahead log: VACUUM (SQLite: the whole file, then the
        log truncated; PostgreSQL: VACUUM FULL of the tables named)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if self.engine.dialect.name == "sqlite":
                connection.exec_driver_sql("VACUUM")
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
                if busy:  # a reader held the log: its old pages stay until the next checkpoint
                    log.warning(
                        "the write-ahead log could not be truncated (a reader was busy); retried at the next purge"
                    )
            else:
                names = ", ".join(f'"{name}"' for name in tables if name.isidentifier())
                # never waits behind a reader for long: what is left is taken by the next purge
                connection.exec_driver_sql("SET lock_timeout = '30s'")
                try:
                    connection.exec_driver_sql(f"VACUUM FULL {names}")
                except OperationalError:
                    log.warning("VACUUM FULL of %s gave up waiting for a lock; dead rows stay until the next", names)

    def dispose(self) -> None:
        self.engine.dispose()


_DATABASE = "archive.database"  # session.info: the Database the session belongs to
_BATCH = "archive.index_batch"  # session.info: the commits index_in_batches() is gathering


@dataclass
class _Batch:
    size: int
    written: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    purge: bool = False

    def add(self, written: set[int], deleted: set[int], purge: bool) -> None:
        self.written = (self.written | written) - deleted
        self.deleted |= deleted
        self.purge |= purge

    def take(self) -> tuple[set[int], set[int], bool]:
        taken = (self.written, self.deleted, self.purge)
        self.written, self.deleted, self.purge = set(), set(), False
        return taken


@contextmanager
def index_in_batches(session: Session, size: int = 500) -> Iterator[None]:
    """Let the listeners (the search index) hear the commits made inside once per `size`
    documents and at the end, instead of after each: a bulk load indexes its documents
    together (the sample corpus: 6 s of one commit per document, 0.5 s together). Documents
    committed when the process dies inside are found by `archive check-index`."""
    batch = session.info[_BATCH] = _Batch(size)
    try:
        yield
    finally:
        del session.info[_BATCH]
        written, deleted, purge = batch.take()
        if written or deleted:
            session.info[_DATABASE]._notify(written, deleted, purge)


def _note_documents(session: Session, _context) -> None:
    from archive.storage.models import Document, IndexOutbox, MediaFile, utcnow

    written = session.info.setdefault("documents_written", set())
    deleted = session.info.setdefault("documents_deleted", set())
    before = written | deleted
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Document) and obj.id is not None:
            written.add(obj.id)
        elif isinstance(obj, MediaFile):
            written.add(obj.document_id)
    for obj in session.deleted:
        if isinstance(obj, Document) and obj.id is not None:
            deleted.add(obj.id)
    database = session.info.get(_DATABASE)
    new = (written | deleted) - before
    if new and database is not None and database._listeners:
        # The index's work, in the same transaction as the change: done after the commit and
        # removed then, or left for the next server or command when it cannot be done.
        purge = bool(session.info.get("purge"))
        session.connection().execute(
            insert(IndexOutbox.__table__), [{"document_id": i, "purge": purge, "created_at": utcnow()} for i in new]
        )


def database_of(session: Session) -> Database | None:
    """The Database this session belongs to (None outside one)."""
    return session.info.get(_DATABASE)


def sealer_of(session: Session) -> Sealer:
    """The sealer of the database this session belongs to (a plain one outside a Database)."""
    database = session.info.get(_DATABASE)
    return database.sealer if database is not None else Sealer(None)


def committed_version(session: Session) -> tuple | None:
    """A version of everything committed to the session's database, for values kept across
    requests (archive/kept.py), or None where there is none to be had cheaply.

    On PostgreSQL it is the engine (one database; kept values of one archive are never
    another's, even in a process that opens several) and the current snapshot
    (`xmin:xmax:in-progress ids`), which is exactly what a statement may see: it changes
    when any transaction that wrote anything commits or aborts, and reading never changes
    it. None in a transaction that has written (flushed) anything itself: what it reads is
    not what anyone else may see yet. On SQLite a process cannot tell cheaply whether
    another committed (the file's times are too coarse), so there nothing is kept."""
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return None
    snapshot = session.execute(
        text("SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN CAST(pg_current_snapshot() AS text) END")
    ).scalar()
    return (engine, snapshot) if snapshot is not None else None


def _forget_documents(session: Session) -> None:
    session.info.pop("documents_written", None)
    session.info.pop("documents_deleted", None)
    session.info.pop("purge", None)
    session.info.pop("archive.document_keys", None)  # a key made in the rolled-back work is gone


def _alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def driver_url(url: str) -> str:
    """Name psycopg 3 as the driver of a plain `postgresql://` URL (SQLAlchemy would pick
    psycopg2, which the archive does not use)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url.removeprefix(plain)
    return url


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Foreign keys are off in SQLite unless asked; WAL lets readers work during a bulk ingest;
    # the busy timeout makes a second writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
