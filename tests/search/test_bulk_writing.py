"""Bulk loads through the Whoosh backend: a batch of BULK documents or more is written by one
forked process per core, each sent documents as they are read, while this process deletes the
ones they replace and commits. What a reader then finds is what writing them one by one gives;
a failure anywhere commits nothing and leaves the index writable."""

from __future__ import annotations

import threading

import pytest

from archive.search import whoosh_backend
from archive.search.backend import SearchRequest
from archive.search.whoosh_backend import WhooshSearch
from tests.search.test_backends import doc

pytestmark = pytest.mark.skipif(
    whoosh_backend.PROCESSES < 2 or threading.active_count() > 1,
    reason="one core, or threads running: a batch is written in this process",
)
COUNT = whoosh_backend.BULK + 321


def _found(search: WhooshSearch, q: str) -> set[int]:
    results = search.search(SearchRequest(q=q, per_page=5000))
    return {hit.id for hit in results.hits}


def _segments(search: WhooshSearch) -> int:
    with search._view() as (_, _, arrays):
        return len(arrays.leaves)


def test_a_bulk_load_is_read_as_it_goes_and_written_by_several_processes(tmp_path):
    search = WhooshSearch(tmp_path / "index")
    read = []

    def documents():
        for n in range(1, COUNT + 1):
            read.append(n)
            yield doc(n, f"walrus number{n} {'odd' if n % 2 else 'even'}", title=f"Title {n}")

    assert search.index(documents()) == COUNT
    assert len(read) == COUNT and _segments(search) == whoosh_backend.PROCESSES
    assert _found(search, "walrus") == set(range(1, COUNT + 1))
    assert _found(search, "odd") == set(range(1, COUNT + 1, 2))
    assert _found(search, "number777") == {777}
    assert search.versions() == {n: f"v{n}" for n in range(1, COUNT + 1)}
    search.close()


def test_a_bulk_load_replaces_the_documents_it_holds_again(tmp_path):
    search = WhooshSearch(tmp_path / "index")
    search.index(doc(n, "narwhal before") for n in range(1, COUNT + 1))
    search.index([doc(n, "beluga alone") for n in range(5000, 5010)])  # untouched
    search.index(doc(n, "orca after") for n in range(1, COUNT + 1))
    assert _found(search, "narwhal") == set()
    assert _found(search, "orca") == set(range(1, COUNT + 1))
    assert _found(search, "beluga") == set(range(5000, 5010))
    assert search.search(SearchRequest(q="")).total == COUNT + 10
    search.close()


def test_a_writing_process_that_fails_commits_nothing(tmp_path, monkeypatch):
    search = WhooshSearch(tmp_path / "index")
    search.index([doc(1, "walrus kept")])
    fields = whoosh_backend._fields

    def failing(document, words=None):
        if document.id == 700:  # in a forked writing process
            raise ValueError("a document the writer refuses")
        return fields(document, words)

    monkeypatch.setattr(whoosh_backend, "_fields", failing)
    with pytest.raises(RuntimeError, match="indexing failed: ValueError on document 700") as failed:
        search.index(doc(n, "walrus lost") for n in range(2, COUNT + 2))
    assert "refuses" not in str(failed.value)  # what the error says may quote the text
    monkeypatch.undo()
    assert _found(search, "walrus") == {1}
    search.index([doc(2, "walrus later")])  # the lock was released
    assert _found(search, "walrus") == {1, 2}
    search.close()


def test_a_source_that_fails_midway_commits_nothing_and_leaves_no_process(tmp_path):
    import multiprocessing

    search = WhooshSearch(tmp_path / "index")
    search.index([doc(1, "walrus kept")])

    def documents():
        for n in range(2, COUNT + 2):
            if n == COUNT - 5:
                raise OSError("the database went away")
            yield doc(n, "walrus lost")

    with pytest.raises(OSError, match="went away"):
        search.index(documents())
    assert not multiprocessing.active_children()
    assert _found(search, "walrus") == {1}
    assert search.index(doc(n, "walrus again") for n in range(2, COUNT + 2)) == COUNT
    assert len(_found(search, "walrus")) == COUNT + 1
    # the segments the failed load had written are gone with that commit
    with search._view() as (_, _, arrays):
        current = {leaf.segment().segment_id() for leaf, _, _ in arrays.leaves}
    written = {p.name.split(".")[0] for p in (tmp_path / "index").glob("MAIN_*.pst") if p.stat().st_size}
    assert written == current  # (a writer that wrote nothing leaves empty files until a commit)
    search.close()


def test_a_purging_bulk_load_leaves_no_replaced_word_in_the_files(tmp_path):
    """`purge` (a redaction's reindex): the segments that held the replaced documents are
    rewritten, so their words are gone from the index's files, not only from results."""
    search = WhooshSearch(tmp_path / "index")
    search.index(doc(n, f"narwhal{n % 7} before") for n in range(1, COUNT + 1))
    search.index((doc(n, "orca after") for n in range(1, COUNT + 1)), purge=True)
    with search._view() as (_, searcher, _):
        words = {word.decode() for word in searcher.reader().lexicon("text")}
    assert "orca" in words and not any(word.startswith("narwhal") for word in words)
    assert _found(search, "orca") == set(range(1, COUNT + 1))
    search.close()
