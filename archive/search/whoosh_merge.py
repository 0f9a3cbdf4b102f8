"""Whoosh's small segments merged away from the writer's path.

Every write adds a segment, and searches slow down with each one, so small segments of like
size are merged into one once there are MAX_SMALL_SEGMENTS of them (sizes are tiered: 1–23
documents, 24–499; a merge rewrites two dozen small segments, never the larger ones again).
Done by the write that filled the tier, a merge made one write in 24 take half a second at
100,000 documents (Whoosh reads the merged segments' postings a term at a time). So that write
starts a merging process instead (`python -m archive.search.whoosh_merge FOLDER`) and returns;
the process, one per index at a time (it holds MERGE_LOCK from before it starts), merges each
full tier in turn (Merge):

1. It reads the index's latest version, without the writer's lock: the segments to merge, and
   which of their documents are deleted.
2. It writes the merged segment in memory (at most MERGE_BYTES of segments at a time), with
   its phrase sequences if it is large enough to have files of them: no file of it reaches
   the folder before it is committed (another writer's commit removes the files of no
   version; a purge must not find a merged copy of the words it removes left behind by a
   merge it outran), and no heavy work is done under the lock.
3. It takes the writer's lock. If any segment it merged has gone meanwhile (a purge or a
   deletion rewrote it, a rebuild emptied the index, a write merged it inline), the merge is
   dropped. Documents deleted since it read them (a replaced document's old copy) are deleted
   in the merged segment too. Its files and sequence files are copied in, the new version
   committed, and the lock released.

A merging process that fails or is killed leaves the index as it was (files of no version go
at the next commit, unfinished sequence files when the next writer takes the lock). Should
merges not keep up (a process that cannot start, a lock held by a stuck one), a write merges a
tier itself once it holds INLINE times MAX_SMALL_SEGMENTS, so the number of segments stays
bounded whatever happens.
"""

from __future__ import annotations

import fcntl
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from whoosh.filedb.filestore import RamStorage
from whoosh.reading import SegmentReader

from archive.search import sequences, whoosh_adapter
from archive.search.fields import ANALYSED

log = logging.getLogger(__name__)
SMALL_SEGMENT = 500  # documents: a segment this small is merged with its like ...
MAX_SMALL_SEGMENTS = 24  # ... once there are this many of like size, in the background,
INLINE = 3  # ... or by the write itself once a tier holds INLINE times as many
MERGE_LOCK = ".merge.lock"  # held by the index's merging process, from before it starts
TURN_LOCK = ".turn.lock"  # held while waiting for the writer's lock: one waiter at a time
MERGE_LOG = ".merge.log"  # its warnings (kinds of failure only), passed on by the next start
LOCKS = (MERGE_LOCK, TURN_LOCK)
NICENESS = 10  # the merging process's lower priority
ROUNDS = 8  # merges one process makes at most (a tier filled while it worked, the next one)
WRITER_MB = 64  # the merge's sorting buffer (in memory too, as its runs are)
MERGE_BYTES = 128 * 2**20  # a merge's segments' files at most (two at least): its memory bound
COPIED = 2**20  # bytes copied at a time
POLL = 0.002  # seconds between tries of a lock (the writer's, or the turn to wait for it)
LOCK_FD = 3  # the merge lock's descriptor in the merging process
_STARTED: list[int] = []  # merging processes this one started, until reaped
_REAPING = threading.Lock()


def retry(opener, attempts: int = 5):
    """Open a reader or writer, retrying when another process's commit just removed the
    table of contents being read (Whoosh reads it without the write lock)."""
    for attempt in range(attempts):
        try:
            return opener()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


@contextmanager
def turn(folder: Path, timeout: float) -> Iterator[None]:
    """Wait for the turn to take the writer's lock (a turnstile: whoever holds TURN_LOCK is
    the only process polling the writer's lock, and lets go once it has it). Whoosh's writers
    poll the lock, so a process writing one document after another re-took it before a merging
    process polling beside it ever found it free: merges waited until the writes stopped, and
    the small segments piled up to the inline merge. With the turnstile, the next writer waits
    for the merge's commit (a few milliseconds: its files are already written). TimeoutError
    after `timeout` seconds."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    with open(Path(folder) / TURN_LOCK, "a+b") as lock:
        ends = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > ends:
                    raise TimeoutError("another process is waiting for the index's writer") from None
                time.sleep(POLL)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def full_tiers(segments: list, factor: int = 1) -> list:
    """The small segments of the tiers that hold at least `factor` × MAX_SMALL_SEGMENTS."""
    tiers: dict[int, list] = {}
    for segment in segments:
        size = segment.doc_count_all()
        if size < SMALL_SEGMENT:
            tiers.setdefault(int(math.log(max(size, 1), MAX_SMALL_SEGMENTS)), []).append(segment)
    return [s for tier in tiers.values() if len(tier) >= factor * MAX_SMALL_SEGMENTS for s in tier]


def rewrite(writer, segments: list, chosen: list) -> list:
    """Add the chosen segments' live documents to `writer` (Whoosh's merge, within a commit);
    the segments left as they are."""
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in chosen]


def merge_inline(writer, segments: list) -> list:
    """A write's merge policy: tiers the background has let grow to INLINE × the limit."""
    chosen = full_tiers(segments, INLINE)
    return rewrite(writer, segments, chosen) if chosen else segments


class Merge:
    """One tier's merge (see the module's docstring): planned from the index's latest version,
    written in memory, committed under the writer's lock if what it merged is still there."""

    def __init__(self, ix, chosen: list):
        self.ix = ix
        self.chosen = chosen
        # as read: the documents deleted then, and the live ones, in the order merged
        self.deleted = {s.segment_id(): set(s.deleted_docs()) for s in chosen}
        self.live: dict[str, list[int]] = {}
        self.memory = RamStorage()
        self.segment = None
        self.sequences: dict = {}  # its phrase sequences (sequences.py), if it is large enough

    @classmethod
    def plan(cls, ix) -> Merge | None:
        """The merge of the smallest full tier of the index's latest version, or None."""
        reader = ix.reader()
        try:
            segments = [leaf.segment() for leaf, _ in reader.leaf_readers()]
        finally:
            reader.close()
        chosen = full_tiers([s for s in segments if s is not None])
        if not chosen:
            return None
        tier = min(_tier(s) for s in chosen)
        # MAX_SMALL_SEGMENTS at a time (those that fell behind, in the next rounds), and no
        # more than MERGE_BYTES of files: a merge's memory stays bounded
        files = ix.storage.list()
        taken, total = [], 0
        for segment in [s for s in chosen if _tier(s) == tier][:MAX_SMALL_SEGMENTS]:
            size = sum(ix.storage.file_length(n) for n in files if n.startswith(segment.segment_id() + "."))
            if len(taken) >= 2 and total + size > MERGE_BYTES:
                break
            taken.append(segment)
            total += size
        return cls(ix, taken)

    def write(self) -> None:
        """Write the merged segment into memory (no lock is held: segments are never changed in
        place, and a commit that removes their files leaves the open ones readable)."""
        target = self.memory.create_index(self.ix.schema)
        writer = whoosh_adapter.DirectWriter(target, direct=ANALYSED, _lk=False, limitmb=WRITER_MB, compound=False)
        try:
            for segment in self.chosen:
                reader = SegmentReader(self.ix.storage, self.ix.schema, segment)
                try:
                    gone = self.deleted[segment.segment_id()]
                    self.live[segment.segment_id()] = [n for n in range(segment.doc_count_all()) if n not in gone]
                    writer.add_reader(reader)
                finally:
                    reader.close()
            self.segment = whoosh_adapter.write_segment(writer)
        except BaseException:
            writer.cancel()
            raise
        count = self.segment.doc_count_all()
        if count >= sequences.MIN_DOCUMENTS:  # built here, not under the writer's lock
            reader = SegmentReader(self.memory, self.ix.schema, self.segment)
            try:
                self.sequences = sequences.build(reader, count)
            finally:
                reader.close()

    def commit(self, open_writer: Callable) -> bool:
        """Commit the merged segment in place of those it merged, under the writer's lock
        (`open_writer()` takes it), if all of them are still there, with the documents deleted
        since they were read deleted in it too; False if the merge is dropped."""
        writer = open_writer()
        try:
            current = {s.segment_id(): s for s in writer.segments}
            if any(s.segment_id() not in current for s in self.chosen):
                writer.cancel()
                return False
            base = 0
            for segment in self.chosen:
                identity = segment.segment_id()
                since = set(current[identity].deleted_docs()) - self.deleted[identity]
                for rank, docnum in enumerate(self.live[identity]):
                    if docnum in since:
                        self.segment.delete_document(base + rank)
                base += len(self.live[identity])
            self._copy(writer.storage)
            sequences.store(Path(writer.storage.folder), self.segment.segment_id(), self.sequences)
        except BaseException:
            writer.cancel()
            raise
        merged = {s.segment_id() for s in self.chosen}

        def without_merged(_, segments: list) -> list:
            return [s for s in segments if s.segment_id() not in merged]

        whoosh_adapter.commit_segments(writer, [self.segment], without_merged)
        return True

    def _copy(self, storage) -> None:
        """The merged segment's files, from memory into the index's folder."""
        prefix = self.segment.segment_id() + "."  # (its index's name, "MAIN_", included)
        for name in self.memory.list():
            if name.startswith(prefix):
                source, target = self.memory.open_file(name), storage.create_file(name)
                try:
                    while chunk := source.read(COPIED):
                        target.write(chunk)
                finally:
                    source.close()
                    target.close()


def _tier(segment) -> int:
    return int(math.log(max(segment.doc_count_all(), 1), MAX_SMALL_SEGMENTS))


def run(ix, open_writer: Callable, complete: Callable) -> int:
    """Merge the full tiers of the index `ix`, one after another (ROUNDS at most): each merge
    committed with `open_writer` (which takes the writer's lock), then `complete()` (the phrase
    sequence files). How many merges were committed."""
    merged = 0
    for _ in range(ROUNDS):
        merge = retry(lambda: Merge.plan(ix))
        if merge is None:
            break
        try:
            merge.write()
        except FileNotFoundError:  # a segment's files removed before they were opened: rewritten
            log.info("a merge of %d segments dropped: they were rewritten meanwhile", len(merge.chosen))
            continue
        if merge.commit(open_writer):
            merged += 1
            complete()
        else:
            log.info("a merge of %d segments dropped: they were rewritten meanwhile", len(merge.chosen))
    return merged


def start(folder: Path) -> int | None:
    """Start the index's merging process, unless one is at work (MERGE_LOCK): the lock is
    taken here and handed to the process, so that it is held from before the process starts
    until it ends (`settle` waits for it). Its process id, or None if none was started.

    posix_spawn, not subprocess: a Popen left running when the interpreter ends warns on the
    way out, and this process does not wait for the merge. Ended ones are reaped at the next
    start (until then, each is a zombie of a few bytes). Its warnings go to MERGE_LOG (as git's
    background gc writes gc.log), not to this process's stderr, which a caller reading this
    process's output until it closes would wait on; the next start logs them here."""
    _reap()
    if not sys.executable:
        log.warning("small segments not merged in the background: no Python executable known")
        return None
    try:
        lock = _above_standard(os.open(Path(folder) / MERGE_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    except OSError as error:
        log.warning("small segments not merged in the background: %s", type(error).__name__)
        return None
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        _pass_on(Path(folder) / MERGE_LOG)  # (once: the process started now empties it)
        package = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (package, os.environ.get("PYTHONPATH")) if p)
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, str(Path(folder) / MERGE_LOG), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
            (os.POSIX_SPAWN_DUP2, lock, LOCK_FD),  # (dup2 leaves the copy open across exec)
        ]
        pid = os.posix_spawn(
            sys.executable,
            [sys.executable, "-m", __name__, str(folder), "--lock", str(LOCK_FD)],
            {**os.environ, "PYTHONPATH": path},
            file_actions=actions,
            setsid=True,  # a Ctrl-C meant for the server leaves a merge to end
        )
        _STARTED.append(pid)
        return pid
    except OSError as error:  # the writes merge inline instead, later (INLINE)
        log.warning("small segments not merged in the background: %s", type(error).__name__)
        return None
    finally:
        os.close(lock)  # the process keeps the lock (its own descriptor of the same file)


def _pass_on(path: Path) -> None:
    """Log what the last merging process warned of (its log's first lines)."""
    try:
        with open(path, "rb") as file:
            said = file.read(2000).decode("utf-8", "replace").strip()
    except OSError:
        return
    if said:
        log.warning("the last background merge of small segments: %s", " | ".join(said.splitlines()[:5]))


def _reap() -> None:
    with _REAPING:  # (a web worker's request threads and its index queue's write at once)
        for pid in list(_STARTED):
            with suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue  # still at work
            _STARTED.remove(pid)


def _above_standard(fd: int) -> int:
    """The descriptor, moved to 3 or above if it is 0, 1 or 2 (a process started with one of
    them closed): the spawned process's first three are opened anew, over it."""
    if fd > 2:
        return fd
    try:
        return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
    finally:
        os.close(fd)


def settle(folder: Path, timeout: float = 120.0) -> bool:
    """Wait until no merging process is at work on the index in `folder` (at most `timeout`
    seconds); whether none is."""
    path = Path(folder) / MERGE_LOCK
    if not path.exists():
        return True
    with open(path, "a+b") as lock:
        ends = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > ends:
                    return False
                time.sleep(0.01)
                continue
            fcntl.flock(lock, fcntl.LOCK_UN)
            return True


def main(argv: list[str]) -> int:
    """The merging process: `python -m archive.search.whoosh_merge FOLDER [--lock FD]`."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with suppress(OSError):
        os.nice(NICENESS)  # the writers and readers it works beside come first
    folder = Path(argv[0])
    if "--lock" in argv:
        lock = int(argv[argv.index("--lock") + 1])  # taken by start(), held until this ends
    else:
        lock = os.open(folder / MERGE_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # another is at work
    from archive.search.whoosh_backend import WhooshSearch

    try:
        if folder.is_dir():
            WhooshSearch(folder).merge_small()
    except Exception as error:  # noqa: BLE001 - the index stays as it was; its kind only (no text)
        log.warning("small segments not merged: %s", type(error).__name__)
        return 1
    finally:
        os.close(lock)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
