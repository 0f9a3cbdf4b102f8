"""Small segments merged by a process of their own (whoosh_merge), never at a writer's cost,
never bringing back what a purge removed, never losing a replacement or a deletion."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from archive.search import sequences, whoosh_merge
from archive.search.backend import SearchRequest
from archive.search.whoosh_backend import WhooshSearch
from tests.search.test_backends import doc, ids

MAX = whoosh_merge.MAX_SMALL_SEGMENTS


def _sizes(search: WhooshSearch) -> list[int]:
    return sorted(s.doc_count_all() for s in search.ix._segments())


def _index_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


@contextmanager
def _merging_held(folder: Path):
    """The merge lock held as a stuck merging process would hold it: no merge starts."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / whoosh_merge.MERGE_LOCK, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _single_writes(search: WhooshSearch, numbers, words: str = "common") -> None:
    for n in numbers:
        search.index([doc(n, f"entry{n} {words}")])


def test_a_full_tier_is_merged_by_a_process_of_its_own(tmp_path):
    search = WhooshSearch(tmp_path / "index")
    _single_writes(search, range(1, 61))
    assert search.settle()
    sizes = _sizes(search)
    # every one-document segment of a full tier merged; those written after the last merge
    # began are fewer than a tier
    assert len(sizes) < MAX + 2 and max(sizes) >= MAX and sum(sizes) == 60
    assert search.search(SearchRequest(q="common")).total == 60
    assert all(ids(search, f"entry{n}") == [n] for n in (1, 24, 25, 60))
    assert not (tmp_path / "index" / whoosh_merge.MERGE_LOCK).read_bytes()  # a lock, never data
    search.close()


def test_writes_merge_a_tier_themselves_when_no_merging_process_can_work(tmp_path):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, whoosh_merge.INLINE * MAX + 1))
        assert _sizes(search) == [1] * (whoosh_merge.INLINE * MAX)  # left for the merging process
        _single_writes(search, [whoosh_merge.INLINE * MAX + 1])
        # ... but never more than this: the write merges them, its own document with them
        assert _sizes(search) == [whoosh_merge.INLINE * MAX + 1]
    assert search.search(SearchRequest(q="common")).total == whoosh_merge.INLINE * MAX + 1
    search.close()


def _planned(search: WhooshSearch, folder: Path) -> whoosh_merge.Merge:
    merge = whoosh_merge.Merge.plan(search.ix)
    assert merge is not None and len(merge.chosen) >= MAX
    merge.write()
    return merge


def test_a_merge_outrun_by_a_purge_is_dropped_and_leaves_no_copy_of_the_words(tmp_path):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, MAX))
        search.index([doc(7, "entry7 common witnesssecret7")])  # replaced: the old copy is deleted
        merge = _planned(search, folder)
        search.index([doc(7, "entry7 common, redacted")], purge=True)
        assert b"witnesssecret7" not in _index_bytes(folder)
        assert merge.commit(search._writer) is False
    assert b"witnesssecret7" not in _index_bytes(folder)
    assert ids(search, "witnesssecret7") == [] and ids(search, "redacted") == [7]
    assert search.search(SearchRequest(q="common")).total == MAX - 1
    search.close()


def test_documents_replaced_or_deleted_while_a_merge_is_written_stay_so(tmp_path):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, MAX), "oldword")
        search.index([doc(3, "entry3 oldword")])  # a deleted copy in a merged segment: skipped
        merge = _planned(search, folder)
        search.index([doc(5, "entry5 newword")])  # replaced meanwhile, without a purge
        search.index([doc(9, "entry9 newword")])
        assert merge.commit(search._writer) is True
        assert _sizes(search) == [1, 1, MAX - 1]  # the deleted copy of 3 left out
    assert ids(search, "oldword", per_page=100) == sorted(set(range(1, MAX)) - {5, 9})
    assert ids(search, "newword") == [5, 9]
    assert ids(search, "entry5") == [5] and ids(search, "entry3") == [3]
    assert search.search(SearchRequest(q="")).total == MAX - 1
    search.close()


def test_a_merge_of_segments_rewritten_by_a_deletion_is_dropped(tmp_path):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, MAX + 1))
        merge = _planned(search, folder)
        search.delete([4])  # a deletion rewrites the small segments (its words gone)
        assert merge.commit(search._writer) is False
        assert search.merge_small() == 0  # nothing left to merge: they were merged by the deletion
    assert ids(search, "entry4") == [] and search.search(SearchRequest(q="")).total == MAX - 1
    search.close()


def test_a_merged_segment_large_enough_gets_its_phrase_sequence_files(tmp_path):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    size = MAX  # each write a segment of the second tier
    with _merging_held(folder):
        for n in range(MAX):
            search.index([doc(n * size + k, f"the walrus of the sea number{n}") for k in range(1, size + 1)])
    assert MAX * size >= sequences.MIN_DOCUMENTS
    assert whoosh_merge.start(folder) is not None
    assert search.settle()
    assert _sizes(search) == [MAX * size]
    assert not sequences.missing(folder, search.ix._segments())
    hits = search.search(SearchRequest(q='"walrus of the sea"', per_page=1)).total
    assert hits == MAX * size
    search.close()


def test_one_merging_process_at_a_time(tmp_path):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, MAX + 1))
        assert whoosh_merge.start(folder) is None
        assert not search.settle(timeout=0.1)
    first = whoosh_merge.start(folder)
    assert first is not None
    assert whoosh_merge.start(folder) is None  # the first holds the lock from before it ran
    assert search.settle()
    assert os.waitpid(first, 0) == (first, 0)  # it ended well
    assert _sizes(search) == [MAX]
    search.close()


def _strays(search: WhooshSearch, folder: Path) -> set[str]:
    """Files of no segment of the latest version, and unfinished sequence files."""
    live = {s.segment_id() for s in search.ix._segments()}
    return {p.name for p in folder.glob("*MAIN_*") if p.name.lstrip(".").split(".")[0] not in live}


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5, 2.5])
def test_a_killed_merging_process_leaves_the_index_as_it_was(tmp_path, delay):
    """Killed while it starts, merges in memory, or commits (its segment of 480 documents
    has phrase sequence files, written under the writer's lock with its other files)."""
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    words = " ".join(f"word{k}" for k in range(300))
    with _merging_held(folder):
        for n in range(MAX):
            search.index([doc(n * 20 + k, f"entry{n * 20 + k} common {words}") for k in range(1, 21)])
    process = subprocess.Popen([sys.executable, "-m", "archive.search.whoosh_merge", str(folder)])
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert search.settle(timeout=1)  # its lock went with it
    count = search.search(SearchRequest(q="common")).total
    assert count == MAX * 20 and ids(search, "entry137") == [137]
    left = _strays(search, folder) - {"MAIN_WRITELOCK"}  # a merged segment's files copied in part
    search.index([doc(10_000, "entry10000 common")])  # the next commit removes them
    assert search.settle()
    assert not left & {p.name for p in folder.iterdir()}
    assert search.search(SearchRequest(q="common")).total == MAX * 20 + 1
    search.close()


def test_the_merging_process_run_by_hand_waits_for_none_and_merges(tmp_path):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, MAX + 1))
        held = subprocess.run([sys.executable, "-m", "archive.search.whoosh_merge", str(folder)], timeout=120)
        assert held.returncode == 0 and _sizes(search) == [1] * MAX  # another was at work
    done = subprocess.run([sys.executable, "-m", "archive.search.whoosh_merge", str(folder)], timeout=120)
    assert done.returncode == 0 and _sizes(search) == [MAX]
    search.close()


def test_a_merging_process_that_fails_says_only_what_kind_of_failure(tmp_path):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, MAX + 1), "witnesssecret")
    for path in folder.glob("MAIN_*.trm"):
        path.write_bytes(b"witnesssecret damaged")
    failed = subprocess.run(
        [sys.executable, "-m", "archive.search.whoosh_merge", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert failed.returncode == 1
    assert "not merged" in failed.stderr and "witnesssecret" not in failed.stderr


def test_a_background_merge_that_failed_is_logged_by_the_next_write(tmp_path, caplog):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, MAX), "witnesssecret")
    for path in folder.glob("MAIN_*.trm"):
        path.write_bytes(b"witnesssecret damaged")
    with caplog.at_level("WARNING", logger="archive.search.whoosh_merge"):
        whoosh_merge.start(folder)  # the merging process fails: its warning goes to its log
        assert search.settle()
        assert "not merged" in (folder / whoosh_merge.MERGE_LOG).read_text()
        whoosh_merge.start(folder)
    said = [r.getMessage() for r in caplog.records if "last background merge" in r.getMessage()]
    assert said and "not merged" in said[0] and "witnesssecret" not in said[0]
    search.settle()


def test_a_reader_opened_before_a_merge_reads_on_once_the_merged_files_are_gone(tmp_path, caplog):
    """A merge's commit removes the merged segments' files: a searcher opened before it must
    still read every hit's stored fields, the dates, and build the segments' phrase sequences
    (from their stored text, checked against their field lengths), though an earlier reader
    had read the same segments' lengths and dates already."""
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, MAX + 1))
        assert search.search(SearchRequest(q="common")).total == MAX  # their arrays kept
        search.index([doc(MAX + 1, "entry common")])  # a new version: a new reader
        with search._view() as (_, searcher, arrays):
            assert WhooshSearch(folder).merge_small() == 1
            leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
            still = [
                leaf.doc_count_all() for leaf in leaves if (folder / f"{leaf.segment().segment_id()}.trm").exists()
            ]
            assert len(leaves) == MAX + 1 and still == [1]  # the merged ones' files are gone
            assert sorted(int(f["id"]) for f in searcher.all_stored_fields()) == list(range(1, MAX + 2))
            assert (arrays.column("published") > 0).all()
            with caplog.at_level("WARNING"):
                for leaf, kept, _ in arrays.leaves:
                    for field in sequences.FIELDS:
                        assert len(kept.sequence(leaf, field).starts) == 2
            assert not caplog.records  # (no sequence disagreed with the index)
    assert search.search(SearchRequest(q="common")).total == MAX + 1
    search.close()


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_reader_whose_segments_are_merged_away_while_it_is_made_is_made_again(tmp_path, monkeypatch, when):
    """A merging process's commit just as a reader is made: before it opens the segments'
    files (some are gone), or just after (all opened, but a version already replaced, whose
    column files may have gone one by one while they were read): made again either way."""
    from archive.search.arrays import IndexArrays

    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    hold = IndexArrays.hold
    merged = []

    def merged_meanwhile(arrays, columns):
        if when == "after":
            whole = hold(arrays, columns)
        if not merged:
            merged.append(WhooshSearch(folder).merge_small())
        return whole if when == "after" else hold(arrays, columns)

    with _merging_held(folder):
        _single_writes(search, range(1, MAX + 1))
        monkeypatch.setattr(IndexArrays, "hold", merged_meanwhile)
        found = search.search(SearchRequest(q="common", per_page=100))
    assert merged == [1]
    assert sorted(h.id for h in found.hits) == list(range(1, MAX + 1))
    ((_, _, used),) = search._idle  # the reader the search used: the new version's
    assert [leaf.doc_count_all() for leaf, _, _ in used.leaves] == [MAX]
    search.close()


def test_a_writer_waits_its_turn_behind_a_merge_waiting_for_the_lock(tmp_path):
    """Whoever holds the turn is the only one polling the writer's lock: a process writing one
    document after another cannot re-take it each time ahead of a merge."""
    import threading

    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    search.index([doc(1, "entry1 common")])
    done = threading.Event()
    with open(folder / whoosh_merge.TURN_LOCK, "a+b") as turn:
        fcntl.flock(turn, fcntl.LOCK_EX)
        writer = threading.Thread(target=lambda: (search.index([doc(2, "entry2 common")]), done.set()))
        writer.start()
        assert not done.wait(0.5)  # the lock is free, but it is not this writer's turn
        fcntl.flock(turn, fcntl.LOCK_UN)
    assert done.wait(30)
    writer.join()
    assert ids(search, "common") == [1, 2]
    search.close()


def test_unfinished_sequence_files_are_removed_by_the_next_writer(tmp_path):
    """A process killed while writing a sequence file leaves its temporary file (a dot file,
    which Whoosh's clean-up passes over) holding a segment's words: the next writer, alone
    under the lock, removes it."""
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    search.index([doc(1, "entry1 common")])
    left = folder / f".{search.ix._segments()[0].segment_id()}.wseq.4194304"
    left.write_bytes(b"witnesssecret")
    kept = folder / ".MAIN_notours.wseq"  # not a temporary file's name: left alone
    kept.write_bytes(b"")
    search.index([doc(1, "entry1 common, redacted")], purge=True)
    assert not left.exists() and kept.exists()
    assert b"witnesssecret" not in _index_bytes(folder)
    search.close()


def test_a_replacement_after_a_failed_write_finds_the_old_copy(tmp_path):
    """The failed write deleted the old copy in its writer's segments, and did not commit: the
    next write must still find it live (the readers kept per segment share those segments)."""
    WhooshSearch(tmp_path / "index").index([doc(1, "entry1 oldword"), doc(2, "entry2 common")])
    search = WhooshSearch(tmp_path / "index")  # its first write, the failed one, opens its readers
    with pytest.raises(RuntimeError), search.writing() as writing:
        writing.index([doc(1, "entry1 failedword")])
        raise RuntimeError("the write fails")
    search.index([doc(1, "entry1 newword")])
    assert ids(search, "entry1") == [1] and ids(search, "oldword") == [] and ids(search, "newword") == [1]
    assert search.search(SearchRequest(q="")).total == 2
    search.close()


def test_a_reader_whose_file_is_removed_while_it_is_made_is_made_again(tmp_path, monkeypatch):
    from archive.search.arrays import IndexArrays

    search = WhooshSearch(tmp_path / "index")
    search.index([doc(1, "entry1 common")])
    hold, calls = IndexArrays.hold, []

    def removed_once(arrays, columns):  # Whoosh found the file, then could not open it
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError("removed meanwhile")
        return hold(arrays, columns)

    monkeypatch.setattr(IndexArrays, "hold", removed_once)
    assert ids(search, "common") == [1] and len(calls) == 2
    search.close()


def test_an_index_opened_while_another_process_commits_is_opened_at_its_latest(tmp_path, monkeypatch):
    """Whoosh finds the latest table of contents, then opens it, without the writer's lock: a
    commit between the two removes it (a server's worker starting while `archive ingest`
    wrote failed so, and gunicorn stopped the server). The opening is tried again, and opens
    the commit's version. Here the other writer commits for real, at that very moment."""
    from whoosh.filedb.filestore import FileStorage

    folder = tmp_path / "index"
    WhooshSearch(folder).index([doc(1, "entry1 common")])
    other = WhooshSearch(folder)
    other.ix  # noqa: B018 - opened before: the commit below must not wait for the creation lock
    open_file, committed = FileStorage.open_file, []

    def committed_first(storage, name, **kwargs):
        if name.endswith(".toc") and not committed:
            committed.append(name)
            other.index([doc(2, "entry2 common")])  # ... after Whoosh chose `name`
        return open_file(storage, name, **kwargs)

    monkeypatch.setattr(FileStorage, "open_file", committed_first)
    search = WhooshSearch(folder)
    assert ids(search, "common") == [1, 2]
    assert committed and not (folder / committed[0]).exists()  # the table of contents it first chose
    search.close()
    other.close()


def test_a_merge_takes_no_more_than_its_bytes(tmp_path, monkeypatch):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    with _merging_held(folder):
        _single_writes(search, range(1, MAX + 1))
        monkeypatch.setattr(whoosh_merge, "MERGE_BYTES", 1)
        merge = whoosh_merge.Merge.plan(search.ix)
        assert merge is not None and len(merge.chosen) == 2  # two at least, however large
        merge.write()
        assert merge.commit(search._writer)
    assert _sizes(search) == [1] * (MAX - 2) + [2]
    search.close()
