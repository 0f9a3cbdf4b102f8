"""Two writers of one document's index entry: the later copy stays.

A writer that read a document before another changed it, and wrote after the other's newer
copy, would put the older one back: a consent withdrawn, a name redacted or a document taken
out of review undone in the index, with nothing queued to mend it, so that counts, facets and
suggestions would tell of it again. Every index writer reads the document once it holds the
index's write lock (indexing.update); a rebuild, which reads ahead without the lock, writes a
copy only where no other writer indexed that document since and the database still holds it.
On both backends, with the real index and database.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from archive.search.backend import SearchRequest
from archive.search.errors import RebuildUnderWay
from archive.search.indexing import Indexer, check, indexable, indexed, make_backend, reindex, repair, sessions_like
from archive.search.query import search_documents
from archive.services import get_db
from archive.storage.models import Document, IndexOutbox
from tests import databases
from tests.conftest import CLI
from tests.search.test_indexing import index_bytes, index_dir

# a word each document's first copy carries (the one a redaction takes out below): a plain
# word, which no automatic redaction takes out before
NAME = "greenhouse"

# what another writer changes meanwhile, behind the first's back (raw SQL: its own index
# work not done yet), and whether the document stays in the index
CHANGES = {
    "consent withdrawn": ("UPDATE documents SET consent = 'custodians' WHERE id = :id", True),
    "name redacted": (
        "UPDATE documents SET title = 'A testimony', body_public = 'The account of [place].' WHERE id = :id",
        True,
    ),
    "taken out of review": ("UPDATE documents SET redaction_reviewed_at = NULL WHERE id = :id", False),
}


def _change(app, doc_id: int, change: str) -> None:
    with get_db(app).engine.begin() as connection:
        connection.execute(text(CHANGES[change][0]), {"id": doc_id})


def _queue(app, doc_id: int, purge: bool = False) -> None:
    """An outbox row for the document, as its change's transaction writes one (storage/db.py)."""
    with get_db(app).engine.begin() as connection:
        connection.execute(
            text("INSERT INTO index_outbox (document_id, purge, created_at) VALUES (:id, :purge, CURRENT_TIMESTAMP)"),
            {"id": doc_id, "purge": purge},
        )


def _public(backend, q: str = NAME):
    """What an anonymous reader's search computes from the index alone (no database check)."""
    return backend.search(SearchRequest(q=q))


def _told(backend) -> bool:
    """Whether the index tells an anonymous reader anything of the name: a hit, a total, a
    facet count or a suggestion (a misspelling of it)."""
    found, misspelt = _public(backend), _public(backend, NAME.replace("ou", "oo"))
    return bool(found.total or found.hits or misspelt.suggestion) or any(
        found.facets.get(name) for name in found.facets
    )


def _versions(app, ids: list[int]) -> dict[int, str]:
    """The documents' versions as the database holds them for the index now."""
    with app.app_context(), get_db(app).session() as session:
        docs = session.query(Document).filter(Document.id.in_(ids), Document.redaction_reviewed_at.is_not(None))
        return {d.id: indexed(d).version for d in docs}


@pytest.fixture
def witness(make_document):
    return make_document(slug="witness", title=f"Held in the {NAME}", body=f"The {NAME} held them for a week.\n")


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_an_indexer_waiting_for_the_lock_writes_the_document_as_it_is_once_it_holds_it(app, witness, change):
    """A's commit is indexed by A's indexer, which waits for another writer's lock; meanwhile
    B commits a change (its own indexer not run yet). A's indexer, once it holds the lock,
    writes the document as B left it: had it read before waiting, the older copy would be
    back, the name told to every reader until `check-index --repair`."""
    held, waiting = make_backend(app.config, get_db(app)), make_backend(app.config, get_db(app))
    assert _told(held)
    asked = threading.Event()
    writing = waiting.writing

    def spied(*args, **kwargs):
        asked.set()
        return writing(*args, **kwargs)

    waiting.writing = spied
    failed: list[BaseException] = []

    def index_a() -> None:
        try:
            Indexer(get_db(app), waiting)({witness}, set())
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failed.append(error)

    with held.writing():
        thread = threading.Thread(target=index_a)
        thread.start()
        assert asked.wait(10)
        time.sleep(0.3)  # A waits for the lock
        assert thread.is_alive()
        _change(app, witness, change)
    thread.join(60)
    assert not thread.is_alive() and not failed
    assert held.versions().get(witness) == _versions(app, [witness]).get(witness)
    assert (witness in held.versions()) == CHANGES[change][1]
    assert not _told(held)


def test_a_rebuild_writes_no_copy_read_before_another_writer_indexed_or_removed_the_document(app, make_document):
    """A rebuild reads its documents before it writes them, without the lock. Meanwhile one
    document's consent is withdrawn and indexed, one taken out of review and removed from the
    index, one taken out of review with its index work still queued (its indexer has not
    run), one deleted: none of the rebuild's copies of them is written; the one left alone
    is. The queued work stays queued, and is done by the drain."""
    ids = [
        make_document(slug=f"rebuilt-{n}", title=f"Testimony {n}: the {NAME}", body=f"The {NAME}, {n}.\n")
        for n in range(5)
    ]
    withdrawn, out, queued, deleted, alone = ids
    backend = make_backend(app.config, get_db(app))
    with app.app_context(), get_db(app).session() as session:
        sessions = sessions_like(session)
        with backend.rebuilding(indexable(sessions)):
            copies = [indexed(d) for d in session.query(Document).filter(Document.id.in_(ids))]
            _change(app, withdrawn, "consent withdrawn")
            _change(app, out, "taken out of review")
            Indexer(get_db(app), make_backend(app.config, get_db(app)))({withdrawn, out}, set())
            _change(app, queued, "taken out of review")
            _queue(app, queued)
            with get_db(app).engine.begin() as connection:
                connection.execute(text("DELETE FROM documents WHERE id = :id"), {"id": deleted})
            backend.index(copies)
    assert backend.versions() == _versions(app, ids)
    assert set(backend.versions()) == {withdrawn, alone}
    assert [h.id for h in _public(backend).hits] == [alone]
    with app.app_context(), get_db(app).session() as session:
        found = check(session, backend)
        assert (found.missing, found.stale, found.extra, found.queued) == ([], [], [], 1)
    assert Indexer(get_db(app), backend).drain() == 1
    with app.app_context(), get_db(app).session() as session:
        assert check(session, backend).ok


def test_archive_reindex_keeps_a_consent_withdrawn_while_it_ran(app, make_document, monkeypatch):
    """`archive reindex` end to end: the custodian withdraws a consent through the archive
    (its commit indexed at once) after the rebuild read that document and before it wrote
    it. The index holds the withdrawn copy, and nothing is left for check-index to find."""
    ids = [make_document(slug=f"reindexed-{n}", title=f"The {NAME} {n}", body=f"The {NAME}, {n}.\n") for n in range(4)]
    rebuilt = make_backend(app.config, get_db(app))
    index = rebuilt.index

    def read_then_withdrawn(documents, purge=False):
        documents = list(documents)  # read: as a rebuild's pipeline reads ahead
        with app.app_context(), get_db(app).session() as session:
            session.get(Document, ids[1]).consent = "custodians"
            session.commit()  # indexed by the app's own indexer, as the web's would be
        return index(documents, purge)

    monkeypatch.setattr(rebuilt, "index", read_then_withdrawn)
    with app.app_context(), get_db(app).session() as session:
        assert reindex(session, rebuilt, CLI) == 4
        assert check(session, rebuilt).ok
        assert session.query(IndexOutbox).count() == 0
    assert sorted(h.id for h in _public(rebuilt).hits) == [ids[0], ids[2], ids[3]]
    assert rebuilt.versions() == _versions(app, ids)


def test_a_repair_leaves_the_work_queued_after_its_check_began(app, witness, make_document):
    """The outbox rows a repair removes are those there when its check began, and those of
    the documents it indexes (read again after them): a change to another document queued
    since (its indexer not run) stays queued, for the drain to do."""
    other = make_document(slug="other", title="Another account", body="Nothing of note.\n")
    backend = make_backend(app.config, get_db(app))
    backend.delete([witness])
    _queue(app, witness)  # queued before the check: the repair's
    with app.app_context(), get_db(app).session() as session:
        found = check(session, backend)
        assert (found.missing, found.queued) == ([witness], 1)
        _change(app, witness, "consent withdrawn")
        _queue(app, witness)
        _queue(app, other)
        repair(session, backend, found, CLI)
    with app.app_context(), get_db(app).session() as session:
        assert session.query(IndexOutbox.document_id).all() == [(other,)]
    assert not _told(backend)  # the repair read the document as it is now
    assert backend.versions() == _versions(app, [witness, other])


def test_a_second_rebuild_or_an_emptying_is_refused_while_one_runs(app, witness):
    """One rebuild at a time: a rebuild writes only what no other writer indexed since it
    emptied the index, which another's emptying meanwhile would make untrue (its older copy
    of a document changed since written where the other had emptied the newer)."""
    first, second = make_backend(app.config, get_db(app)), make_backend(app.config, get_db(app))
    with first.rebuilding():
        with pytest.raises(RebuildUnderWay, match="another process is rebuilding"), second.rebuilding():
            pytest.fail("a second rebuild ran")
        with pytest.raises(RebuildUnderWay):
            second.clear()
        with app.app_context(), get_db(app).session() as session:
            with pytest.raises(RebuildUnderWay):
                reindex(session, second, CLI)
            first.index([indexed(session.get(Document, witness))])
        with app.app_context(), get_db(app).session() as session, pytest.raises(RebuildUnderWay):
            repair(session, second, check(session, second), CLI)
    with pytest.raises(ValueError, match="midway"), second.rebuilding():  # once it is done
        raise ValueError("a rebuild failing midway")
    second.clear()  # ... the lock released all the same
    with first.rebuilding():
        pass
    assert first.versions() == {}
    if app.config["SEARCH_BACKEND"] == "postgres":  # no connection left holding it, in the pool or not
        held = """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
        with first.engine.connect() as connection:
            assert connection.execute(text(held)).scalar() == 0


_REBUILDING_TILL_KILLED = """
import multiprocessing, sys, time
from archive.search.postgres_backend import PostgresSearch
with PostgresSearch(sys.argv[1], cache=0).rebuilding():
    print(" ".join(str(process.pid) for process in multiprocessing.active_children()), flush=True)
    time.sleep(300)
"""


def test_a_rebuild_killed_leaves_neither_its_lock_nor_its_processes(app, witness):
    """A rebuild's command killed (SIGKILL: no code of its runs) midway: the server releases
    the rebuilds' lock with its connection, which no process of its pool holds (forked before
    it), and the pool's processes die with the command (they would otherwise wait for work for
    ever): the next rebuild is not refused."""
    if app.config["SEARCH_BACKEND"] != "postgres":
        pytest.skip("PostgreSQL's advisory lock (Whoosh's is a file lock, gone with the process)")
    backend = make_backend(app.config, get_db(app))
    url = backend.engine.url.render_as_string(hide_password=False)
    command = subprocess.Popen([sys.executable, "-c", _REBUILDING_TILL_KILLED, url], stdout=subprocess.PIPE, text=True)
    pool: list[int] = []
    try:
        ready, _, _ = select.select([command.stdout], [], [], 120)
        assert ready, "the rebuild did not begin"
        pool = [int(pid) for pid in command.stdout.readline().split()]
        assert pool, "the rebuild's pool was not forked"
        with pytest.raises(RebuildUnderWay):
            backend.clear()
        command.kill()
        command.wait()
        assert _eventually(lambda: not any(_alive(pid) for pid in pool)), "the pool outlived its command"
        assert _eventually(lambda: _lock_free(backend)), "the rebuilds' lock outlived its command"
    finally:
        command.kill()
        for pid in filter(_alive, pool):
            os.kill(pid, signal.SIGKILL)
        command.stdout.close()


def test_a_rebuild_whose_lock_connection_was_lost_ends_and_says_so(app, witness, caplog):
    """The rebuilds' lock's connection closed midway (a server restarted, an administrator's
    pg_terminate_backend): the rebuild still ends whole, and the lost lock is logged, not
    raised in place of what the rebuild did."""
    if app.config["SEARCH_BACKEND"] != "postgres":
        pytest.skip("PostgreSQL's advisory lock")
    backend = make_backend(app.config, get_db(app))
    lock = """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'SELECT pg_try_advisory_lock%'"""
    with backend.rebuilding():
        with app.app_context(), get_db(app).session() as session:
            backend.index([indexed(session.get(Document, witness))])
        with backend.engine.begin() as connection:
            assert connection.execute(text(lock)).scalars().all() == [True]
    assert "the rebuilds' lock was not released" in caplog.text
    assert backend.lacking() == [] and list(backend.versions()) == [witness]
    assert _lock_free(backend)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # (a zombie is dead, not yet waited for)


def _lock_free(backend) -> bool:
    try:
        with backend.alone():
            return True
    except RebuildUnderWay:
        return False


def _eventually(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_outbox_rows_purge_is_done_by_the_update_that_takes_them(app, make_document):
    """A redaction's index work that failed (its outbox row asks a purge) and is then taken by
    a later change's update (which asks none): the words it took out leave the index's files."""
    doc_id = make_document(slug="purged", title="Purged account", body="The Vyshgorodets were there.\n")
    assert b"vyshgorodet" in index_bytes(app).lower()
    with get_db(app).engine.begin() as connection:
        connection.execute(
            text("UPDATE documents SET body_public = 'The [name] were there.' WHERE id = :id"), {"id": doc_id}
        )
    _queue(app, doc_id, purge=True)
    Indexer(get_db(app), make_backend(app.config, get_db(app)))({doc_id}, set())
    assert b"vyshgorodet" not in index_bytes(app).lower()
    with app.app_context(), get_db(app).session() as session:
        assert session.query(IndexOutbox).count() == 0


def test_a_search_reads_the_index_as_lagging_when_work_was_queued_as_it_began(app, witness, monkeypatch):
    """Work queued when a search begins and done before it ends (its rows removed): the
    figures the index computed from the copy before are not given (`partial`)."""
    _change(app, witness, "consent withdrawn")  # the index still holds the public copy
    _queue(app, witness)
    backend = make_backend(app.config, get_db(app))
    search = backend.search

    def done_meanwhile(request):
        found = search(request)
        with get_db(app).engine.begin() as connection:  # its indexer finishes meanwhile
            connection.execute(text("DELETE FROM index_outbox"))
        return found

    monkeypatch.setattr(backend, "search", done_meanwhile)
    with app.app_context(), get_db(app).session() as session:
        # (its second page: no hit of the first to fail the database's check and tell)
        results = search_documents(backend, None, session, q="week", page=2)
    assert results.partial and results.hits == [] and not results.facets


@pytest.mark.skipif(databases.SEARCH_BACKEND != "whoosh", reason="Whoosh's files")
def test_emptying_the_whoosh_index_waits_for_the_writer_of_another(app, witness):
    """An emptying (a rebuild's first step) waits for another writer's commit, as any write
    does, instead of deleting the files under it (its lock file among them: two writers at
    once, and a table of contents naming segments gone)."""
    held, emptying = make_backend(app.config, get_db(app)), make_backend(app.config, get_db(app))
    with app.app_context(), get_db(app).session() as session:
        copy = indexed(session.get(Document, witness))
    done: list[BaseException | None] = []

    def empty() -> None:
        try:
            emptying.clear()
            done.append(None)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            done.append(error)

    with held.writing() as writer:
        thread = threading.Thread(target=empty)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive() and not done  # waiting for the writer
        writer.index([copy])
    thread.join(60)
    assert done == [None]
    assert emptying.versions() == {} and held.versions() == {} and not _told(held)
    held.index([copy])
    assert emptying.versions() == {witness: copy.version}


@pytest.mark.skipif(databases.SEARCH_BACKEND != "whoosh", reason="Whoosh's files")
# Whoosh leaves the damaged table of contents' file open when it fails to read it
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_rebuild_replaces_a_whoosh_index_that_cannot_be_opened(app, witness):
    """What a rebuild is for: an index whose table of contents is damaged (a disk fault, a
    copy cut short) is created anew, and filled."""
    folder = index_dir(app)
    for toc in folder.glob("_MAIN_*.toc"):
        toc.write_bytes(b"\x00" * 7)
    rebuilt = make_backend(app.config, get_db(app))
    with app.app_context(), get_db(app).session() as session:
        assert reindex(session, rebuilt, CLI) == 1
        assert check(session, rebuilt).ok
    assert [h.id for h in _public(rebuilt).hits] == [witness]
