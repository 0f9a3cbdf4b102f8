"""The one module that reads Whoosh's private structures, for speed; everything else in the
archive uses Whoosh's public API.

Decoding a posting list through Whoosh's public matcher costs a Python call per posting; read
here a block (up to 128 postings) at a time, straight into numpy arrays, it is the difference
between a search in milliseconds and one in a second at 100,000 documents. The field-length
column is read here too (the public `doc_field_length` is one call per document). The text
fields keep no positions (sequences.py holds where words stand).

Writing, DirectWriter takes the text fields' terms already counted and fills the codec's blocks
of postings whole (about three times as fast as Whoosh's writer); write_segment and
commit_segments let forked processes write a segment each that one writer commits, as
whoosh.multiproc does. write_lock is the lock a writer takes, for an index that cannot be
opened (whose writer cannot be asked for).

These structures are whoosh3's codec ("whoosh3" in whoosh/codec/whoosh3.py) at the version
pinned below and in pyproject.toml. tests/search/test_whoosh_adapter.py checks, against the
public API, that each function here gives exactly what Whoosh itself gives (and DirectWriter
the very bytes Whoosh's writer writes): when whoosh3
changes them, that test fails loudly, and the pin stops an upgrade arriving unnoticed.
"""

from __future__ import annotations

import gc
import sys
import threading
from array import array
from contextlib import contextmanager
from importlib.metadata import version
from itertools import chain, groupby
from operator import itemgetter

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import TermNotFound
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

WHOOSH_VERSION = "3.54.0"  # as pinned in pyproject.toml
_NO_IDS = np.empty(0, dtype=np.int64)
_LITTLE_ENDIAN = sys.byteorder == "little"
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


class DirectWriter(SegmentWriter):
    """Whoosh's segment writer, except that the fields named in `direct` come to add_document
    already analysed, as {term: frequency}, and are kept so, one dictionary a document, instead
    of a tuple per posting in Whoosh's sorting pool; the segment's postings of those fields are
    inverted at the end at once (numpy: no tuples, no sort in Python, no field length read back
    from disk per posting) and written a block of postings at a time through the codec's own
    block writer. The segment is the one Whoosh's own writer writes from the same terms, byte
    for byte (test_whoosh_adapter.py). Only frequency-format fields (no positions) may be direct;
    boosts (`_boost` keys) are not supported."""

    def __init__(self, ix, direct: tuple[str, ...] = (), **options):
        for name in direct:  # (before the lock is taken)
            if type(ix.schema[name].format).__name__ != "Frequency":
                raise ValueError(f"field {name!r} keeps more than frequencies")
        super().__init__(ix, **options)
        self._direct: dict[str, list[dict[str, int]]] = {name: [] for name in direct}
        # each document's length in each direct field, as Whoosh reads it back (one byte)
        self._lengths = {name: array("I") for name in direct}

    def add_document(self, **fields) -> None:
        self._check_state()
        if any(name.startswith("_") for name in fields):
            raise ValueError("boosts are not supported")
        schema, perdoc, docnum, add_post = self.schema, self.perdocwriter, self.docnum, self.pool.add
        names = sorted(fields)
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if name in self._direct:
                    length = sum(value.values())
                elif field.indexed:
                    for tbytes, freq, weight, vbytes in field.index(value):
                        length += freq if field.scorable else 0
                        add_post((name, tbytes, docnum, weight, vbytes))
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type and value is not None:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except ValueError:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        for name, documents in self._direct.items():
            terms = fields.get(name) or {}
            documents.append(terms)
            self._lengths[name].append(byte_to_length(length_to_byte(sum(terms.values()))))
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        direct = [name for name, documents in self._direct.items() if any(documents)]
        if set(direct) & self.pool.fieldnames:
            # merged segments' postings of a direct field are in the pool (add_reader): the
            # new documents' go there too, and Whoosh writes them all
            for name in direct:
                boost = self.schema[name].format.field_boost
                for docnum, terms in enumerate(self._direct[name], start=self.docbase):
                    for term, freq in terms.items():
                        self.pool.add((name, term.encode("utf-8"), docnum, freq * boost, pack_uint(freq)))
            direct = []
        if not direct:
            super()._flush_segment()
            return
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        writer = self.fieldwriter
        pending = sorted(direct)
        try:
            for name, postings in groupby(self.pool.iter_postings(), key=itemgetter(0)):
                while pending and pending[0] < name:
                    self._write_direct(pending.pop(0))
                writer.add_postings(self.schema, lengths, postings)
            for name in pending:
                self._write_direct(name)
        finally:
            writer.close()
            if lengths is not None:
                lengths.close()

    def _write_direct(self, name: str) -> None:
        """Write a direct field's postings: inverted at once, then each term's blocks (of the
        codec's size) filled whole and encoded by the codec's own block writer."""
        field, writer = self.schema[name], self.fieldwriter
        boost = field.format.field_boost
        terms, bounds, docs, freqs = _inverted(self._direct[name])
        writer.start_field(name, field)
        size = writer._postwriter._blocklimit  # noqa: SLF001
        # blocks: each term's postings cut every `size`
        blocks = -(-np.diff(bounds) // size)
        first_block = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(blocks, out=first_block[1:])
        owner = np.repeat(np.arange(len(terms)), blocks)
        starts = bounds[owner] + (np.arange(len(owner)) - first_block[owner]) * size
        ends = np.minimum(starts + size, bounds[owner + 1])
        held = np.frombuffer(self._lengths[name], dtype=np.uint32)[docs]
        most = (np.maximum.reduceat(freqs, starts) * boost).tolist()
        shortest = np.minimum.reduceat(held, starts).tolist()
        longest = np.maximum.reduceat(held, starts).tolist()
        values = freqs.astype(">u4").tobytes()  # the frequency format's values: big-endian uint32
        docs = (docs + self.docbase).tolist()
        weights = freqs.tolist() if boost == 1.0 else (freqs * boost).tolist()
        starts, ends, first_block = starts.tolist(), ends.tolist(), first_block.tolist()
        for number, term in enumerate(terms):
            writer.start_term(term.encode("utf-8"))
            block = writer._postwriter  # noqa: SLF001
            for at in range(first_block[number], first_block[number + 1]):
                if at > first_block[number]:
                    block._write_block()  # noqa: SLF001 - the previous block (not the last)
                start, end = starts[at], ends[at]
                block._ids = docs[start:end]  # noqa: SLF001
                block._weights = array("f", weights[start:end])  # noqa: SLF001
                block._values = [values[4 * start : 4 * end]]  # noqa: SLF001
                block._maxweight = most[at]  # noqa: SLF001
                block._minlength, block._maxlength = shortest[at], longest[at]  # noqa: SLF001
            writer.finish_term()  # writes the last block
        writer.finish_field()


def _inverted(documents: list[dict[str, int]]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Documents' {term: frequency} as posting lists: the terms sorted (code point order, which
    is their UTF-8 bytes' order), where each term's postings begin and end (bounds), and the
    postings' document numbers (from 0) and frequencies, in term order then document order."""
    counts = np.fromiter(map(len, documents), np.int64, len(documents))
    total = int(counts.sum())
    every = list(chain.from_iterable(documents))
    terms = sorted(set(every))
    numbers = {term: n for n, term in enumerate(terms)}
    ids = np.fromiter(map(numbers.__getitem__, every), np.int64, total)
    freqs = np.fromiter(chain.from_iterable(map(dict.values, documents)), np.int64, total)
    docs = np.repeat(np.arange(len(documents), dtype=np.int64), counts)
    order = np.argsort(ids, kind="stable")
    bounds = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(np.bincount(ids, minlength=len(terms)), out=bounds[1:])
    return terms, bounds, docs[order], freqs[order]


def write_segment(writer: DirectWriter):
    """Write out the segment of a writer opened without the lock (`_lk=False`) in another
    process, without committing it; the segment, for commit_segments()."""
    return writer._finalize_segment()  # noqa: SLF001


def commit_segments(writer: SegmentWriter, segments: list, mergetype) -> None:
    """Commit `writer` (which holds the lock) with segments other processes' writers wrote
    (write_segment), as whoosh.multiproc.MpWriter does: the merge policy over the existing
    segments, this writer's own segment if it has one, then the new table of contents."""
    try:
        final = writer._merge_segments(mergetype, None, None) + list(segments)  # noqa: SLF001
        if writer._added:  # noqa: SLF001
            final.append(writer._finalize_segment())  # noqa: SLF001
        else:
            writer._close_segment()  # noqa: SLF001
        writer._commit_toc(final)  # noqa: SLF001
    except Exception:
        writer._cleanup_on_error()  # noqa: SLF001 - the lock released, as commit() does
        raise
    writer._finish()  # noqa: SLF001


def length_bytes(leaf, field: str, count: int) -> np.ndarray | None:
    """Each document's field length in a segment, as Whoosh stores it (one byte, see
    whoosh.util.numeric.byte_to_length); None when the field has no length column."""
    column = leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)  # noqa: SLF001
    if column is None:
        return None
    return np.fromiter((column[n] for n in range(count)), np.uint8, count)


def open_columns(leaf, scored: tuple[str, ...]) -> bool:
    """Open a segment's stored fields and the `scored` fields' lengths (Whoosh opens each
    column file when it is first read); False if the stored fields' file is gone."""
    perdoc = leaf._perdoc  # noqa: SLF001
    for field in scored:  # (a field no document of the segment holds has none)
        perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)  # noqa: SLF001
    return perdoc._cached_reader("_stored", STORED_COLUMN) is not None  # noqa: SLF001


def write_lock(folder: str):
    """The lock Whoosh's writer of the index in `folder` takes (`FileIndex.lock("WRITELOCK")`:
    the storage's lock of the index's name, MAIN, and WRITELOCK), without opening the index;
    and the name of its file, which must outlive the index's other files."""
    name = "MAIN_WRITELOCK"
    return FileStorage(folder).lock(name), name
