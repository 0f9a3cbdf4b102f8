"""The one module that reads Whoosh's private structures, for speed; everything else in the
archive uses Whoosh's public API.

Decoding a posting list through Whoosh's public matcher costs a Python call per posting; read
here a block (up to 128 postings) at a time, straight into numpy arrays, it is the difference
between a search in milliseconds and one in a second at 100,000 documents. The field-length
column is read here too (the public `doc_field_length` is one call per document). The text
fields keep no positions (sequences.py holds where words stand).

These structures are whoosh3's codec ("whoosh3" in whoosh/codec/whoosh3.py) at the version
pinned below and in pyproject.toml. tests/search/test_whoosh_adapter.py checks, against the
public API, that each function here gives exactly what Whoosh itself gives: when whoosh3
changes them, that test fails loudly, and the pin stops an upgrade arriving unnoticed.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from importlib.metadata import version

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.reading import TermNotFound

WHOOSH_VERSION = "3.54.0"  # as pinned in pyproject.toml
_NO_IDS = np.empty(0, dtype=np.int64)
_NO_WEIGHTS = np.empty(0, dtype=np.float32)


_PAUSES = [0, True]  # readers decoding now, in any thread; whether the collector was on
_PAUSES_LOCK = threading.Lock()


@contextmanager
def _collector_paused():
    """Unpickling blocks makes thousands of tuples at once, and each few hundred of them set
    off Python's cycle collector, which in a worker holding a large cache walks every object
    it has (0.4 s of a phrase's 0.5 in a warm worker, when positions were decoded too). None
    of them can be in a cycle, so the collector waits until no thread is decoding (its counts
    carry on; it runs after)."""
    with _PAUSES_LOCK:
        _PAUSES[0] += 1
        if _PAUSES[0] == 1:
            _PAUSES[1] = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _PAUSES_LOCK:
            _PAUSES[0] -= 1
            if _PAUSES[0] == 0 and _PAUSES[1]:
                gc.enable()


def installed_version() -> str:
    return version("whoosh3")


def postings(leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers in a segment (deleted documents included) and its frequency
    in each, as int64 and float32 arrays; empty when the segment does not hold it."""
    try:
        btext = leaf.schema[field].to_bytes(text)
        matcher = leaf._terms.matcher(field, btext, leaf.schema[field].format)  # noqa: SLF001
    except (TermNotFound, KeyError):
        return _NO_IDS, _NO_WEIGHTS
    if not isinstance(matcher, W3LeafMatcher):  # a rare term, inlined in the dictionary
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)
    with _collector_paused():
        return _read_blocks(matcher)


def _read_blocks(matcher: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """Decode every block of a posting list into arrays (whoosh3's on-disk block layout)."""
    ids, weights = [], []
    while True:
        matcher._read_data()  # noqa: SLF001 - the block's (ids, weights, values) tuple
        block_ids, block_weights = matcher._data[0], matcher._data[1]  # noqa: SLF001
        if matcher._byteids:  # noqa: SLF001
            block = np.frombuffer(bytes(block_ids), dtype=np.uint8).astype(np.int64)
        else:  # delta-encoded from 0
            block = np.cumsum(np.asarray(block_ids, dtype=np.int64))
        ids.append(block)
        if block_weights is None:
            weights.append(np.ones(len(block), dtype=np.float32))
        elif isinstance(block_weights, float):
            weights.append(np.full(len(block), block_weights, dtype=np.float32))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float32))
        if matcher._lastblock:  # noqa: SLF001
            break
        matcher._next_block()  # noqa: SLF001
    return np.concatenate(ids), np.concatenate(weights)


def end_parallel_writer(writer) -> None:
    """End the queue feeder threads a committed parallel writer (whoosh.multiproc.MpWriter)
    leaves running: while they live the process has more than one thread, and may not fork."""
    for queue in (getattr(writer, "jobqueue", None), getattr(writer, "resultqueue", None)):
        if queue is not None:
            queue.close()
            queue.join_thread()


def length_bytes(leaf, field: str, count: int) -> np.ndarray | None:
    """Each document's field length in a segment, as Whoosh stores it (one byte, see
    whoosh.util.numeric.byte_to_length); None when the field has no length column."""
    column = leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)  # noqa: SLF001
    if column is None:
        return None
    return np.fromiter((column[n] for n in range(count)), np.uint8, count)
