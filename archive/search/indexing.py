"""Keep the index in step with the database, which is the source of truth.

Only documents whose redaction has been reviewed are indexed: a draft's automatic redaction
may still miss something, and an index keeps the words of a replaced document on disk until
its segments are merged. When a commit takes text out of public view (a review, a newly
protected name), the backend merges its segments so those words are gone from the files too.

Documents are indexed after each commit that wrote them (Database.on_documents_committed);
`reindex` rebuilds from the database; `check` reports documents missing, stale or extra in the
index, and `repair` fixes exactly those.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, load_only, selectinload, sessionmaker

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.errors import NotPermitted
from archive.search.analysis import ANALYSIS_VERSION
from archive.search.backend import Indexable, IndexCheck, IndexedDocument, NullSearch, SearchBackend
from archive.storage.db import Database, database_of
from archive.storage.models import Case, Document, IndexOutbox, Place, Tag, document_places, document_tags

log = logging.getLogger(__name__)
BATCH = 25_000  # documents per index commit in bulk work (analysed in parallel; large segments)
IN_LIMIT = 900  # ids in one statement's IN (...): under SQLite's bound-parameter limit


def make_backend(config: dict, database: Database | None = None) -> SearchBackend:
    """Return the configured search backend (PostgreSQL's shares the database's engine)."""
    if config["SEARCH_BACKEND"] == "none":
        return NullSearch()
    if config["SEARCH_BACKEND"] == "postgres":
        from archive.search.postgres_backend import PostgresSearch

        return PostgresSearch(database.engine if database else config["DATABASE_URL"], config["SEARCH_CACHE"])
    from archive.search.whoosh_backend import WhooshSearch

    return WhooshSearch(Path(config["DATA_DIR"]) / "index", config["SEARCH_CACHE"])


# what indexed() reads of a document: its public text and description, never its original
# (sealed: each one opened as it was read, in a rebuild's main process), its rendered page or
# its redactions' spans (another column of a document loaded so is read when first asked for)
INDEXED_COLUMNS = (
    Document.id,
    Document.case_id,
    Document.kind,
    Document.language,
    Document.title,
    Document.body_public,
    Document.consent,
    Document.status,
    Document.published_start,
    Document.published_end,
    Document.events_start,
    Document.events_end,
)


def indexed_loads(*more) -> tuple:
    """The loader options for documents read to be indexed (`more`: other columns read too)."""
    return (
        load_only(*INDEXED_COLUMNS, *more),
        selectinload(Document.places),
        selectinload(Document.tags),
        selectinload(Document.case),
    )


def indexed(document: Document) -> IndexedDocument:
    """Describe a document for the index: its public text only, never the original."""
    places = tuple(p.name for p in document.places)
    tags = tuple(t.name for t in document.tags)
    return described(document, document.case.slug, places, tags)


def described(document, case: str, places: tuple, tags: tuple) -> IndexedDocument:
    """What indexed() makes of a document, given as a Document or as a row of INDEXED_COLUMNS,
    with its case's slug and its places' and tags' names (each in order of name)."""
    return IndexedDocument(
        id=document.id,
        version=version_of(document, case, places, tags),
        case=case,
        kind=document.kind,
        language=document.language,
        title=document.title,
        body=document.body_public,
        places=places,
        tags=tags,
        consent=document.consent,
        status=document.status,
        published=document.published_start,
        events_start=document.events_start or document.published_start,
        events_end=document.events_end or document.published_end,
    )


def version_of(document, case: str, places: tuple, tags: tuple) -> str:
    """Hash everything the index holds, and the analysis it was made with, so a change
    anywhere shows as stale (`archive check-index --repair` then rewrites it, on either backend)."""
    parts = (
        ANALYSIS_VERSION,
        case,
        document.kind,
        document.language,
        document.title,
        document.body_public,
        "|".join(places),
        "|".join(tags),
        document.consent,
        document.status,
        str(document.published_start),
        str(document.events_start),
        str(document.events_end),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def described_documents(session: Session, ids: Iterable[int] | None) -> Iterator[IndexedDocument]:
    """indexed() of the documents to be indexed among `ids` (None: all), in order of id, read
    by SQL IN_LIMIT at a time, not loaded as the ORM's objects: a rebuild or a check reads every
    document, and the objects took 0.17 ms each (0.11 so, at 10,000 documents)."""
    reviewed = Document.redaction_reviewed_at.is_not(None)
    if ids is None:
        ids = session.scalars(select(Document.id).where(reviewed))
    for chunk in _slices(ids):
        places = _names_of(session, document_places.c.place_id, Place, chunk)
        tags = _names_of(session, document_tags.c.tag_id, Tag, chunk)
        rows = session.execute(
            select(*INDEXED_COLUMNS, Case.slug.label("case_slug"))
            .join(Case, Case.id == Document.case_id)
            .where(Document.id.in_(chunk), reviewed)
            .order_by(Document.id)
        )
        for row in rows:
            yield described(row, row.case_slug, tuple(places.get(row.id, ())), tuple(tags.get(row.id, ())))


def _names_of(session: Session, key, named, ids: list[int]) -> dict[int, list[str]]:
    """The names of each document's places or tags (`key`: the association table's column of
    `named`'s ids), in order of name, as the relationships (Document.places) give them."""
    table = key.table
    held: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(table.c.document_id, named.name)
        .join(named, named.id == key)
        .where(table.c.document_id.in_(ids))
        .order_by(table.c.document_id, named.name)
    )
    for document_id, name in rows:
        held[document_id].append(name)
    return held


class Indexer:
    """Index the documents a commit wrote; remove those it deleted."""

    def __init__(self, db: Database, backend: SearchBackend):
        self.db = db
        self.backend = backend

    def __call__(self, written: set[int], deleted: set[int], purge: bool = False) -> None:
        gone = update(self.db.session, self.backend, written, deleted, purge)
        log.info("index updated: %d written, %d deleted", len(written - gone), len(gone))

    def drain(self, limit: int = 5_000) -> int:
        """Do the index work left in the outbox (a failed or interrupted update); return how
        many documents it held. Raises as the backend does when it still cannot be done."""
        with self.db.session() as session:
            pending = session.scalars(select(IndexOutbox.document_id).distinct().limit(limit)).all()
        if pending:
            # words a failed update should have taken out may still be in the index files
            self(set(pending), set(), purge=True)
            log.info("index outbox: %d documents indexed", len(pending))
        return len(pending)


def index_lags(session: Session, document_ids: list[int] | None = None) -> bool:
    """Whether the index has work queued (for these documents): one indexed row looked up,
    not counted; search asks on every request."""
    stmt = select(IndexOutbox.id).limit(1)
    if document_ids is not None:
        stmt = stmt.where(IndexOutbox.document_id.in_(document_ids))
    return session.scalar(stmt) is not None


def pending_index_work(session: Session) -> int:
    """How many documents the index has not yet taken (0 when it agrees with the database)."""
    return session.scalar(select(func.count(func.distinct(IndexOutbox.document_id)))) or 0


def update(
    sessions: Callable[[], Session], backend: SearchBackend, written: set[int], deleted: set[int], purge: bool = False
) -> set[int]:
    """Index the documents `written` as the database holds them now (those it no longer holds
    for the index are deleted from it), delete those `deleted`, and remove the outbox rows of
    the work done; return the ids deleted from the index.

    The documents are read in a session of their own (`sessions`) begun once the index's
    write lock is held (SearchBackend.writing), so that of two writers of one document the
    later reads the later copy: one that read first and wrote last would put the older copy
    back (a consent withdrawn, a document deleted, undone in the index, with nothing queued
    to mend it). The outbox rows removed are those read before the documents, in the same
    session: a change still being committed meanwhile keeps its own."""
    gone = set(deleted)
    with sessions() as session:
        session.connection()  # taken from the pool before the lock is waited for (reads nothing)
        with backend.writing(purge=purge) as writer:
            seen = _outbox_rows(session, written | deleted)
            # a redaction's work whose own update failed: the words it took out are rewritten
            # out of the index's files now
            writer.purge = writer.purge or any(purge for _, purge in seen)
            if written:
                found = list(described_documents(session, written))
                writer.index(found)
                gone |= written - {d.id for d in found}
            if gone:
                writer.delete(gone)
    _outbox_removed(sessions, [row for row, _ in seen])
    return gone


def _slices(ids: Iterable[int]) -> Iterator[list[int]]:
    """The ids, sorted, each once, IN_LIMIT at a time (one statement's bound parameters: SQLite's limit)."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), IN_LIMIT):
        yield ids[start : start + IN_LIMIT]


def _outbox_rows(session: Session, ids: set[int]) -> list[tuple[int, bool]]:
    """The outbox rows of these documents: (id, purge)."""
    select_rows = select(IndexOutbox.id, IndexOutbox.purge)
    return [
        (row, purge)
        for chunk in _slices(ids)
        for row, purge in session.execute(select_rows.where(IndexOutbox.document_id.in_(chunk)))
    ]


def _outbox_removed(sessions: Callable[[], Session], rows: list[int]) -> None:
    """Remove these outbox rows (their work done), in a session of its own."""
    if not rows:
        return
    with sessions() as session:
        for chunk in _slices(rows):
            session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(chunk)))
        session.commit()


def sessions_like(session: Session) -> Callable[[], Session]:
    """New sessions on the database of `session` (each begins its own reading)."""
    database = database_of(session)
    return database.session if database is not None else sessionmaker(session.get_bind())


def indexable(sessions: Callable[[], Session]) -> Indexable:
    """Which of some documents the database holds for the index (reviewed, not deleted) when
    asked: a rebuild's check, under the index's lock, before it writes what it read earlier."""

    def now(ids: list[int]) -> set[int]:
        held = select(Document.id).where(Document.redaction_reviewed_at.is_not(None))
        with sessions() as session:
            return {found for chunk in _slices(ids) for found in session.scalars(held.where(Document.id.in_(chunk)))}

    return now


def reindex(
    session: Session,
    backend: SearchBackend,
    actor: Actor,
    progress: Callable[[int], None] | None = None,
    ending: Callable[[str], None] | None = None,
) -> int:
    """Rebuild the whole index from the database (a derived store: not an audited change).
    `progress` is told of each batch of documents written; `ending`, once they all are, what
    the backend still does before the rebuild is done (its rebuild_ending), if anything.

    `session`'s transaction (whatever it holds) is committed before the rebuild begins, and
    each batch of documents is read in a transaction of its own: none is left open meanwhile,
    holding back the database's oldest snapshot (on PostgreSQL, the vacuum at a rebuild's end
    could then not mark its rows visible to every transaction)."""
    if not can(actor, "index:rebuild"):
        raise NotPermitted("only an administrator rebuilds the index")
    sessions = sessions_like(session)
    queued = list(session.scalars(select(IndexOutbox.id)))  # done by this rebuild: read before the documents
    ids = list(
        session.scalars(select(Document.id).where(Document.redaction_reviewed_at.is_not(None)).order_by(Document.id))
    )
    session.commit()
    with backend.rebuilding(indexable(sessions)):
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            with sessions() as reading:
                backend.index(described_documents(reading, chunk))
            if progress:
                progress(len(chunk))
        if ending and backend.rebuild_ending:
            ending(backend.rebuild_ending)
    _outbox_removed(sessions, queued)
    return len(ids)


def check(session: Session, backend: SearchBackend) -> IndexCheck:
    """Compare the index with the database."""
    queued = list(session.scalars(select(IndexOutbox.id)))  # read before the documents: see repair
    in_index = backend.versions()
    missing, stale, seen = [], [], set()
    for document in described_documents(session, None):
        seen.add(document.id)
        version = in_index.get(document.id)
        if version is None:
            missing.append(document.id)
        elif version != document.version:
            stale.append(document.id)
    extra = sorted(set(in_index) - seen)
    return IndexCheck(
        sorted(missing),
        sorted(stale),
        extra,
        pending_index_work(session),
        backend.lacking(),
        outbox=queued,
        held=len(in_index),
    )


def repair(session: Session, backend: SearchBackend, found: IndexCheck, actor: Actor) -> None:
    """Index what is missing or stale; remove what is extra."""
    if not can(actor, "index:rebuild"):
        raise NotPermitted("only an administrator repairs the index")
    with backend.alone():  # not while a rebuild runs (RebuildUnderWay): it builds them itself
        _repair(session, backend, found)


def _repair(session: Session, backend: SearchBackend, found: IndexCheck) -> None:
    if found.lacking:  # the engine's own structures (PostgreSQL's GIN index)
        backend.build_lacking()
    sessions = sessions_like(session)
    # each read again under the index's lock (update): what changed since the check is
    # indexed as it is now, and what the database no longer holds is deleted
    todo = sorted(set(found.missing) | set(found.stale) | set(found.extra))
    for start in range(0, len(todo), BATCH):
        update(sessions, backend, set(todo[start : start + BATCH]), set())
    if found.stale:
        # The stale versions' words stay in the index until rewritten (what a redaction took
        # out since, among them), and searches keep reading their deleted slots: purge once,
        # after the last batch, not every segment rewritten for each batch.
        with backend.writing(purge=True):
            pass
    # the work queued when the check began: its changes were in what the check compared
    _outbox_removed(sessions, found.outbox)
