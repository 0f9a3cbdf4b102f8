"""Whoosh, embedded: one index folder under the data directory.

Writers wait for the lock (several processes may write) instead of failing. Small segments are
merged only once there are many of them, by a process of their own (whoosh_merge), so that
adding one document stays quick; a deletion or a purge rewrites only the segments that held the
removed text; `optimize()` merges everything.
Facets are counted from columns; date ranges use 32-bit day numbers; highlighting reads the
whole public text, not only its first 32K characters.
"""

from __future__ import annotations

import fcntl
import itertools
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader
from whoosh.writing import CLEAR

from archive.search import analysis, language, sequences, whoosh_adapter, whoosh_merge
from archive.search.arrays import POSTINGS, IndexArrays, top
from archive.search.backend import (
    FACETS,
    Hit,
    Indexable,
    IndexedDocument,
    SearchRequest,
    SearchResults,
)
from archive.search.cache import SIZE as CACHE_SIZE
from archive.search.cache import ResultCache
from archive.search.errors import IndexChanging, RebuildUnderWay
from archive.search.fields import ANALYSED, analysed_words, schema
from archive.search.snippets import warm as warm_snippets
from archive.search.whoosh_merge import SMALL_SEGMENT
from archive.search.whoosh_merge import retry as _retry

log = logging.getLogger(__name__)
# Bump when the schema or an analyzer changes: an index built by an older version is replaced
# by an empty one, which `archive init` (or check-index --repair) fills from the database.
SCHEMA_VERSION = "7"  # 6: no pairs field; 7: no positions (sequences.py)
LOCK_TIMEOUT = 60.0  # seconds a writer waits for another process to finish
WRITER_MB = 512  # a writer's sorting buffer: large batches spill to disk less often
IDLE_SEARCHERS = 2  # searchers kept open for reuse (each holds a few files per segment open)
BULK = 1000  # batches this large are analysed in parallel ...
PROCESSES = min(os.cpu_count() or 1, 4)  # ... by this many processes,
SENT = 250  # sent this many at a time
REBUILD_LOCK = ".rebuild.lock"  # held by a rebuild (or an emptying) in the index folder
VIEW_ATTEMPTS = 8  # readers opened while the index keeps changing under them, at most
DATE_COLUMNS = ("published", "events_start", "events_end")
_SCHEMA = schema()  # the tables of contents read by this code hold this schema (SCHEMA_VERSION)


class WhooshSearch:
    """The embedded search backend."""

    rebuild_ending = None  # each segment is written whole as the documents come

    def __init__(self, folder: Path, cache: int = CACHE_SIZE):
        """The index in `folder`; the results of the latest `cache` searches are kept."""
        self.folder = Path(folder)
        self.cache = ResultCache(cache)
        self._ix = None
        self._lock = threading.Lock()
        self._idle: list[tuple] = []  # (stamp, searcher, arrays) ready for reuse
        self._segments: dict = {}  # segment id -> SegmentArrays
        self._rebuild: _Rebuild | None = None  # within rebuilding()
        self._holders = _Holders()  # readers of the segments, for writers replacing documents

    @property
    def ix(self):
        # A deleted index folder (an operator's cleanup, a restore) is recreated empty rather
        # than failing every search; `archive reindex` or check-index --repair fills it again.
        if self._ix is None or not self.folder.exists():
            self._ix = _open_or_create(self.folder)
        return self._ix

    def writing(self, purge: bool = False) -> AbstractContextManager[_Writing]:
        """Hold the index's writer (its lock: every process's writers wait, up to LOCK_TIMEOUT)
        until what is written inside is committed; a deletion or `purge` rewrites the segments
        that held the words taken out."""
        return self._writing(purge, None)

    @contextmanager
    def _writing(self, purge: bool, rebuild: _Rebuild | None) -> Iterator[_Writing]:
        writing = _Writing(self.folder, self._writer(), rebuild, purge, self._holders)
        try:
            yield writing
        except BaseException:
            writing.writer.cancel()
            raise
        mergetype = _merge_purge if writing.purge or writing.deleted else whoosh_merge.merge_inline
        if writing.segments:
            whoosh_adapter.commit_segments(writing.writer, writing.segments, mergetype)
        else:
            writing.writer.commit(mergetype=mergetype)
        if mergetype is _merge_purge:
            self._holders.close()
        self._complete()

    def index(self, documents: Iterable[IndexedDocument], purge: bool = False) -> int:
        """Add or replace documents; `purge` rewrites the segments so replaced words are gone
        (during a rebuild, only what rebuilding() lets it write)."""
        with self._writing(purge, self._rebuild) as writing:
            return writing.index(documents)

    def delete(self, ids: Iterable[int]) -> int:
        with self.writing() as writing:
            return writing.delete(ids)

    def optimize(self) -> None:
        self._writer().commit(optimize=True)
        self._complete()

    def _complete(self, merge: bool = True) -> None:
        """After a commit: the phrase sequence files (sequences.py) of the large segments that
        lack them, and (`merge`) a merging process if a tier of small segments is full (whoosh_merge).

        The latest version's segments are read from its table of contents, without the lock:
        most writes stop there (opening a writer for it was a fifth of a one-document write's
        time at 100,000 documents). The files are built under the write lock (a writer that
        writes nothing): another process's commit could otherwise remove a merged segment's
        files while its reader is being opened. The write itself is committed already: a
        failure here (another writer keeping the lock past the timeout, say) is logged, and
        readers build that segment's sequences in memory until a later write builds its files."""
        try:
            segments = self._latest_segments()
        except Exception as error:  # noqa: BLE001 - the commit stands
            log.warning("index version not read after a write: %s", type(error).__name__)
            return
        if sequences.missing(self.folder, segments):
            self._build_sequences()
        if merge and whoosh_merge.full_tiers(segments):
            whoosh_merge.start(self.folder)

    def _build_sequences(self) -> None:
        try:
            writer = self._writer()
        except Exception as error:  # noqa: BLE001 - the commit stands; the file waits
            log.warning("phrase sequence files not built now: %s", error)
            return
        try:
            if sequences.missing(self.folder, writer.segments):
                reader = writer.reader()
                try:
                    sequences.complete(self.folder, reader)
                finally:
                    reader.close()
        finally:
            writer.cancel()

    def merge_small(self) -> int:
        """Merge the full tiers of small segments now, in this process (the merging process's
        work: whoosh_merge); how many merges were committed."""
        return whoosh_merge.run(self.ix, self._writer, lambda: self._complete(merge=False))

    def settle(self, timeout: float = 120.0) -> bool:
        """Wait until no merging process is at work on this index (at most `timeout` seconds);
        whether none is."""
        return whoosh_merge.settle(self.folder, timeout)

    def _writer(self):
        """A writer that waits for the lock (its turn first: whoosh_merge.turn), is given the
        text fields' terms counted (fields.analysed), and writes plain segment files (Whoosh's
        compound file is copied whole into memory each time it is opened)."""
        try:
            with whoosh_merge.turn(self.folder, LOCK_TIMEOUT):
                writer = _retry(lambda: _writer_of(self.ix))
        except TimeoutError:
            raise whoosh_index.LockError("another process is waiting for the index's writer") from None
        try:  # what a process killed while writing sequences left (none write them now)
            sequences.sweep(self.folder)
        except OSError as error:
            log.warning("unfinished sequence files not removed: %s", type(error).__name__)
        return writer

    def lacking(self) -> list[str]:
        return []  # a segment is written whole, with its sequence files, or not at all

    def build_lacking(self) -> None:
        pass

    @contextmanager
    def rebuilding(self, indexable: Indexable | None = None) -> Iterator[None]:
        """A whole rebuild: the index emptied, then written as ever (each large batch in
        processes of its own), but only where, under the lock, no other writer has indexed
        the document since and `indexable` says the database still holds it (backend.py).
        One at a time (RebuildUnderWay): another's emptying would make that rule untrue."""
        with self.alone():
            self._clear()
            self._rebuild = _Rebuild(indexable)
            try:
                yield
            finally:
                self._rebuild = None

    def clear(self) -> None:
        """Empty the index (not while a rebuild runs: RebuildUnderWay)."""
        with self.alone():
            self._clear()

    @contextmanager
    def alone(self) -> Iterator[None]:
        """Hold the rebuilds' lock (a file lock: released when this process ends, however):
        RebuildUnderWay if a rebuild, an emptying or a repair holds it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / REBUILD_LOCK, "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RebuildUnderWay() from None
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _clear(self) -> None:
        """Commit an index of no segment, under the writer's lock as every write (another
        process's writer, holding it meanwhile, finishes first: the files are Whoosh's to
        remove, its lock file among them); an index of another schema is created anew
        (_open_or_create). One that cannot be opened at all (files lost or damaged: what a
        rebuild is for) is created anew, under the creation lock and the writer's (_create)."""
        try:
            writer = self._writer()
        except whoosh_index.LockError:
            raise
        except Exception as error:  # noqa: BLE001 - unreadable: replaced, not mended (an empty index either way)
            log.warning("search index unreadable (%s): created anew", type(error).__name__)
            self._ix = None
            with _creating(self.folder):
                self._ix = _create(self.folder)
            return
        writer.commit(mergetype=CLEAR)

    def versions(self) -> dict[int, str]:
        with self._view() as (_, searcher, _):
            return {int(f["id"]): f["version"] for f in searcher.all_stored_fields()}

    @contextmanager
    def _view(self):
        """The index's latest version (its stamp), a searcher of it and its arrays, for this
        thread's use.

        Searchers are not thread-safe, so each search borrows one from a small pool and puts
        it back; one left behind by a writer's commit (any process) is closed, not reused.
        Arrays of the segments that did not change are shared by all versions."""
        ix = self.ix
        stamp = _retry(lambda: self._stamp(ix))
        view = None
        with self._lock:
            while self._idle and view is None:
                candidate = self._idle.pop()
                if candidate[0] == stamp:
                    view = candidate
                else:
                    candidate[1].close()
        if view is None:
            stamp, searcher, arrays = self._new_view(ix)
            with self._lock:
                current = {a for _, a, _ in arrays.leaves}
                gone = [v for v in self._segments.values() if v not in current]
                self._segments = {k: v for k, v in self._segments.items() if v in current}
            for segment in gone:  # merged away: its decoded postings are of no more use
                POSTINGS.forget(segment.number)
            view = (stamp, searcher, arrays)
        try:
            yield view
        finally:
            with self._lock:
                if len(self._idle) < IDLE_SEARCHERS:
                    self._idle.append(view)
                    view = None
            if view is not None:
                view[1].close()

    def _new_view(self, ix) -> tuple:
        """A new searcher of the index's latest version, with what it would read from files
        later read or opened now (IndexArrays.hold), and checked to still be the latest
        version's segments afterwards: a commit (a merging process's, most often) removes the
        files of the segments it merged away, and a reader that opened them lazily after that
        failed on a hit's stored fields, or read a segment's dates as none. If they were
        replaced meanwhile, it is made again from the version that replaced them."""
        for _ in range(VIEW_ATTEMPTS):
            stamp = _retry(lambda: self._stamp(ix))
            searcher = _retry(ix.searcher)
            try:
                arrays = IndexArrays(searcher, self._segments, self.folder)
                whole = arrays.hold(DATE_COLUMNS)
                held = {leaf.segment().segment_id() for leaf, _, _ in arrays.leaves}
                if whole and held <= {s.segment_id() for s in self._latest_segments()}:
                    return stamp, searcher, arrays
            except FileNotFoundError:  # removed between Whoosh's look for a file and its opening
                pass
            except BaseException:
                searcher.close()
                raise
            searcher.close()
        raise IndexChanging()

    def _latest_segments(self) -> list:
        """The latest version's segments, read from its table of contents (no reader opened)."""
        return _retry(lambda: whoosh_index.TOC.read(self.ix.storage, self.ix.indexname, schema=_SCHEMA).segments)

    def warm(self) -> None:
        """Read what every search needs before the first reader asks (a server's worker calls
        it at start): the analysis's word lists, a snippet's code, and each segment's lengths,
        date columns, facet values and access postings, and where its stored texts are.

        Warming is for speed only: should the index's files refuse it (changing under every
        reader, a file gone or unreadable, the writer's lock held past its wait where the
        index is made), the worker starts all the same (gunicorn would stop the whole server
        on a worker failing to start), and says so in the log by the error's kind alone; a
        search meets the same error, and answers for it."""
        analysis.warm()
        warm_snippets()
        try:
            with self._view() as (_, _, arrays):
                arrays.warm(FACETS, DATE_COLUMNS)
                for leaf, _, _ in arrays.leaves:
                    leaf.stored_fields(0)  # its stored texts' offsets read
        except (OSError, IndexChanging, whoosh_index.IndexError, whoosh_index.LockError) as error:
            log.warning("search warm-up left undone: %s", type(error).__name__)

    def close(self) -> None:
        """Close the searchers and segment readers kept for reuse."""
        with self._lock:
            idle, self._idle = self._idle, []
        for view in idle:
            view[1].close()
        self._holders.close()

    def __del__(self):
        self.close()

    def _stamp(self, ix) -> tuple:
        """Identify the index's latest version: its generation, and the table of contents'
        file itself (a cleared and rebuilt index can reach the same generation again)."""
        generation = ix.latest_generation()
        toc = (self.folder / f"_MAIN_{generation}.toc").stat()
        return id(ix), generation, toc.st_ino, toc.st_mtime_ns

    def search(self, request: SearchRequest) -> SearchResults:
        with self._view() as (stamp, searcher, arrays):
            return self.cache.results(stamp, request, lambda: self._search(request, searcher, arrays))

    @staticmethod
    def _search(request: SearchRequest, searcher, arrays: IndexArrays) -> SearchResults:
        # parsed against the schema this code writes (SCHEMA_VERSION guarantees the index's is
        # the same): the index's own is unpickled from its table of contents on every access
        query = language.parse_query(request.q).tree
        # Access is a mask: nothing outside it is scored, counted, faceted or suggested.
        allowed = arrays.any_term_mask("access", [f"{c}:{s}" for c in request.consents for s in request.statuses])
        found = arrays.evaluate(query, allowed)
        mask = found.mask & allowed & _restrictions(arrays, request)
        total = int(np.count_nonzero(mask))
        order = found.score if request.sort == "relevance" else arrays.column("published")
        start = (request.page - 1) * request.per_page
        page = top(mask, order, True, start, start + request.per_page)
        hits = [_hit(searcher.stored_fields(n), float(found.score[n])) for n in page]
        counts = {n: arrays.facet_counts(n, mask) for n in FACETS} if request.facets else {}
        suggestion = None
        if total == 0 and request.q.strip():
            suggestion = _suggest(arrays, request.q, allowed)
        terms = frozenset(found.terms)
        return SearchResults(hits, total, request.page, request.per_page, counts, suggestion, terms=terms)


class _Holders:
    """Which live documents of a writer's segments hold an id. Whoosh's update_document and
    delete_by_term open a reader of every segment each time (reading each one's term table):
    a third of a one-document write's time at 100,000 documents in 40 segments. A segment
    never changes, so one reader is kept for each (closed once it is merged away); which of
    its documents are deleted is the writer's version's, not the reader's (whose segment the
    writer's deletions change before they are committed, or not, if the write fails). After a
    purge or a deletion they are all closed: a reader kept open keeps the rewritten segment's
    words on the disk."""

    def __init__(self):
        self._readers: dict[str, SegmentReader] = {}
        self._lock = threading.Lock()

    def numbers(self, writer, key: str) -> list[int]:
        """The document numbers, in `writer`'s numbering, of its live documents whose id is
        `key`."""
        found, base = [], 0
        with self._lock:
            segments = writer.segments
            for segment in segments:
                numbers, _ = whoosh_adapter.postings(self._reader(writer, segment), "id", key)
                found += [base + n for n in numbers.tolist() if not segment.is_deleted(n)]
                base += segment.doc_count_all()
            self._forget({s.segment_id() for s in segments})
        return found

    def _reader(self, writer, segment) -> SegmentReader:
        reader = self._readers.get(segment.segment_id())
        if reader is None:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            self._readers[segment.segment_id()] = reader
        return reader

    def _forget(self, kept: set[str]) -> None:
        for identity in [i for i in self._readers if i not in kept]:
            self._readers.pop(identity).close()

    def close(self) -> None:
        with self._lock:
            self._forget(set())


@dataclass
class _Rebuild:
    indexable: Indexable | None


class _Writing:
    """The writes of one WhooshSearch.writing(): a large batch (a reindex, a bulk load) is
    analysed and written by one forked process per core, each writing a segment of its own,
    while this process goes on reading the documents and sends them on (fork() is only safe in
    a process with one thread, such as the command line; a web server indexes in its own
    process)."""

    def __init__(self, folder: Path, writer, rebuild: _Rebuild | None, purge: bool, holders: _Holders):
        self.folder = folder
        self.writer = writer
        self.holders = holders
        self.purge = purge  # set inside: rewrite the segments holding replaced words too
        self.rebuild = rebuild
        self.segments: list = []  # written by other processes, committed with the writer
        self.deleted = False

    def index(self, documents: Iterable[IndexedDocument]) -> int:
        documents = iter(documents)
        if self.rebuild is not None:
            documents = self._not_since(documents)
        first = list(itertools.islice(documents, BULK))
        documents = itertools.chain(first, documents)
        if len(first) >= BULK and PROCESSES > 1 and threading.active_count() == 1:
            count, segments = _write_in_processes(self.folder, self.writer, documents)
            self.segments += segments
            return count
        count = 0
        for doc in documents:
            fields = _fields(doc)
            self._delete(str(doc.id))  # (Whoosh's update_document, without its reader of every segment)
            self.writer.add_document(**fields)
            count += 1
        return count

    def _delete(self, key: str) -> int:
        numbers = self.holders.numbers(self.writer, key)
        for number in numbers:
            self.writer.delete_document(number)
        return len(numbers)

    def delete(self, ids: Iterable[int]) -> int:
        count = sum(self._delete(str(i)) for i in ids)
        # A deleted document's words stay in its segment until it is rewritten: rewritten at
        # the commit.
        self.deleted = True
        return count

    def _not_since(self, documents: Iterator[IndexedDocument]) -> Iterator[IndexedDocument]:
        """A rebuild's documents, less those another writer indexed since it began (a copy
        read later) and those the database no longer holds (`indexable`, asked now, under
        the lock), SENT at a time."""
        searcher = self.writer.searcher()
        try:
            held = set(searcher.reader().lexicon("id"))  # with deleted ones: checked below
            for chunk in _chunks(documents, SENT):
                ids = [doc.id for doc in chunk]
                kept = set(ids) if self.rebuild.indexable is None else self.rebuild.indexable(ids)
                for doc in chunk:
                    key = str(doc.id)
                    if doc.id in kept and not (key.encode() in held and searcher.document_number(id=key) is not None):
                        yield doc
        finally:
            searcher.close()


def _merge_purge(writer, segments):
    """Rewrite every segment holding a deleted or replaced document, so that its words are
    gone from the files, and the small segments with them."""
    chosen = [s for s in segments if s.has_deletions() or s.doc_count_all() < SMALL_SEGMENT]
    return whoosh_merge.rewrite(writer, segments, chosen)


def _writer_of(ix, **options):
    options = {"timeout": LOCK_TIMEOUT, "delay": whoosh_merge.POLL, "limitmb": WRITER_MB, "compound": False, **options}
    return whoosh_adapter.DirectWriter(ix, direct=ANALYSED, **options)


def _write_in_processes(folder: Path, writer, documents: Iterator[IndexedDocument]) -> tuple[int, list]:
    """Analyse and write the documents as one segment per process: forked processes, each
    with a writer that does not take the lock (`writer`, this process's, holds it, deletes the
    documents these replace, and commits the segments), sent the documents a few hundred at
    a time as this process reads them. How many were sent, and the segments."""
    reader = writer.reader()
    try:
        held = set(reader.lexicon("id"))  # the documents these may replace (a reindex's: none)
    finally:
        reader.close()
    context = multiprocessing.get_context("fork")
    workers = []
    for _ in range(PROCESSES):
        taking, giving = context.Pipe(duplex=False)
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=_write_part, args=(folder, taking, sending))
        process.start()
        taking.close()
        sending.close()
        workers.append((process, giving, receiving))
    count = 0
    try:
        for turn, chunk in enumerate(_chunks(documents, SENT)):
            for doc in chunk:
                if str(doc.id).encode() in held:
                    writer.delete_by_term("id", str(doc.id))
            workers[turn % len(workers)][1].send(chunk)
            count += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # a writing process failed: its report follows
    finally:
        for _, giving, _ in workers:
            with suppress(OSError):  # one that failed has gone
                giving.send(None)
            giving.close()
        results = []
        for process, _, receiving in workers:
            try:
                results.append(receiving.recv())
            except EOFError:
                results.append(("error", f"the writing process ended with {process.exitcode}"))
            process.join()
    failed = [message for outcome, message in results if outcome == "error"]
    if failed:
        raise RuntimeError("indexing failed: " + "; ".join(failed))
    return count, [segment for _, segment in results if segment is not None]


def _chunks(documents: Iterator[IndexedDocument], size: int) -> Iterator[list[IndexedDocument]]:
    while chunk := list(itertools.islice(documents, size)):
        yield chunk


def _write_part(folder: Path, taking, sending) -> None:
    """Write one segment of a bulk load from the documents sent (until None), and its phrase
    sequence files from the words kept while writing (the parent commits the segment, and
    finds the files there)."""
    try:
        writer = _writer_of(whoosh_index.open_dir(folder), _lk=False)
        words = sequences.Words()
        while (chunk := taking.recv()) is not None:
            for doc in chunk:
                try:
                    split = language.words_of(f"{doc.title}\n{doc.body}")
                    words.add(split)
                    writer.add_document(**_fields(doc, split))
                except Exception as error:
                    # the error's text may quote the document's: only its kind and the id
                    raise _Refused(f"{type(error).__name__} on document {doc.id}") from None
        if not writer.doc_count():
            sending.send(("ok", None))  # (its empty files go at the next commit)
            return
        segment = whoosh_adapter.write_segment(writer)
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            sequences.record(folder, reader, words)
        finally:
            reader.close()
        sending.send(("ok", segment))
    except _Refused as error:
        sending.send(("error", str(error)))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which fails
        sending.send(("error", type(error).__name__))
    finally:
        sending.close()


class _Refused(Exception):
    """A document a writing process could not index (the message names only the error's kind
    and the document's id: the parent logs it, and an error's text may quote the text)."""


@contextmanager
def _creating(folder: Path) -> Iterator[None]:
    """Hold the creation lock, so that processes opening or creating the index together agree."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".create.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _open_or_create(folder: Path):
    """Open the index, creating it under the creation lock (_creating). Whoosh reads the
    latest table of contents without the writer's lock: another process's commit may remove
    it between Whoosh finding it and opening it (a server's worker starting while `archive
    ingest` writes failed so, and gunicorn stopped the server), so each opening is tried
    again then (_retry)."""
    with _creating(folder):
        marker = folder / "SCHEMA_VERSION"
        current = marker.read_text().strip() if marker.exists() else None
        exists = _retry(lambda: whoosh_index.exists_in(folder))
        if exists and current == SCHEMA_VERSION:
            return _retry(lambda: whoosh_index.open_dir(folder))
        if exists:
            log.warning(
                "search index schema %s replaced by %s; it must be rebuilt "
                "(archive init or archive check-index --repair)",
                current,
                SCHEMA_VERSION,
            )
        return _create(folder)


def _create(folder: Path):
    """Create an empty index in place of whatever the folder holds (the caller holds the
    creation lock), under Whoosh's write lock: a writer of another process (an older
    release's, one whose index cannot be read) finishes first, and its lock file stays."""
    lock, name = whoosh_adapter.write_lock(str(folder))
    waited = time.monotonic() + LOCK_TIMEOUT
    while not lock.acquire(False):
        if time.monotonic() > waited:
            raise whoosh_index.LockError("the index's writer is held by another process")
        time.sleep(0.05)
    try:
        for path in folder.iterdir():
            if path.is_file() and path.name not in (".create.lock", REBUILD_LOCK, *whoosh_merge.LOCKS, name):
                path.unlink()
        ix = whoosh_index.create_in(folder, schema())
        (folder / "SCHEMA_VERSION").write_text(SCHEMA_VERSION + "\n")
        return ix
    finally:
        lock.release()


def _fields(doc: IndexedDocument, words: list[str] | None = None) -> dict:
    """A document as the index's fields; `words`: its title and body already split
    (language.words_of)."""
    if words is None:
        words = language.words_of(f"{doc.title}\n{doc.body}")
    fields = {
        "id": str(doc.id),
        "version": doc.version,
        "title": doc.title,
        "body": doc.body,
        "access": f"{doc.consent}:{doc.status}",
        **analysed_words(words),  # text, fold, words
    }
    for name, values in language.facet_values(doc).items():
        fields[name] = ",".join(v.replace(",", " ") for v in values)
    if doc.published:
        fields["published"] = doc.published.toordinal()
        fields["published_iso"] = doc.published.isoformat()
    if doc.events_start:
        fields["events_start"] = doc.events_start.toordinal()
    if doc.events_end:
        fields["events_end"] = doc.events_end.toordinal()
    return fields


def _restrictions(arrays: IndexArrays, request: SearchRequest) -> np.ndarray:
    """The request's filters (facet values, the period of events) as one mask."""
    mask = arrays.live.copy()
    for name, value in request.filters.items():
        if value in (None, "") or name not in FACETS:
            continue
        mask &= arrays.term_mask(name, str(value))
    if request.among is not None:
        among = np.zeros_like(mask)
        for doc_id in request.among:
            among |= arrays.term_mask("id", str(doc_id), cache=False)
        mask &= among
    if request.date_from or request.date_to:
        # a document matches when the period of events it describes overlaps the range
        starts, ends = arrays.column("events_start"), arrays.column("events_end")
        mask &= starts > 0
        if request.date_to:
            mask &= starts <= request.date_to.toordinal()
        if request.date_from:
            mask &= ends >= request.date_from.toordinal()
    return mask


def _hit(fields: dict, score: float) -> Hit:
    published = fields.get("published_iso")
    return Hit(
        id=int(fields["id"]),
        title=fields.get("title", ""),
        snippet="",  # made of the database's text once the hit is checked (search/query.py)
        kind=fields.get("kind", ""),
        language=fields.get("language", ""),
        case=fields.get("case", ""),
        published=date.fromisoformat(published) if published else None,
        score=score,
        version=fields.get("version", ""),
    )


def _suggest(arrays: IndexArrays, text: str, allowed: np.ndarray) -> str | None:
    """Correct each word to the nearest word of a document the reader may see."""

    def visible(word: str) -> bool:
        return bool((arrays.term_mask("words", word, cache=False) & allowed).any())

    return language.suggest(text, visible, lambda word: arrays.near_words("words", word, limit=8))
