"""Which common word stands at each place of a document: a side file per Whoosh segment that
makes a phrase with common words a comparison of bytes instead of a walk through positions.

Checking a phrase means reading where its words stand. For a rare word that is quick; for "the"
or "и" it means unpickling a position list in nearly every document (a third of a second at
100,000 documents). So each large segment gets a file holding, for every document, one byte
per word position: the number of the common word standing there (analysis.common_terms(): the most
frequent English and Russian words, stemmed as in the text field), 0 for any other word.

A phrase is then checked (arrays.py):
- with a rarer word: that word's positions in the documents holding every word (Whoosh's
  postings, through whoosh_adapter), each common word looked up at its offset in the bytes;
- of common words only: found by scanning the segment's bytes (two megabytes per 5,000
  documents), which replaced an index field of common word pairs.

The file is derived from the segment (the positions Whoosh stored, so the two cannot disagree)
and built by the writer once the segment is committed; it is named after the segment so that
Whoosh removes it when it merges the segment away. Until it exists, or when it is damaged or of
another word list, the phrase is checked through positions: slower, never different.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np

from archive.search import whoosh_adapter
from archive.search.analysis import common_numbers, common_terms

log = logging.getLogger(__name__)
MIN_DOCUMENTS = 200  # a smaller segment's phrases are quick through positions
SUFFIX = ".wseq"  # MAIN_<segment id>.wseq: Whoosh's pattern for a segment's files
_MAGIC = b"WASEQ1\n\0"
_HEADER = struct.Struct("<8s32sQQ")  # magic, the word list's digest, documents, bytes
FIELD = "text"


words = common_terms  # the common words' text-field terms; a word's number: its place + 1
numbers = common_numbers


@lru_cache(maxsize=1)
def digest() -> bytes:
    return hashlib.sha256("\n".join(words()).encode("utf-8")).digest()


class Sequence:
    """One segment's common words by place: document d's places are
    codes[starts[d]:starts[d + 1]] (a document's run ends at its last common word)."""

    def __init__(self, starts: np.ndarray, codes: np.ndarray):
        self.starts = starts
        self.codes = codes

    def holds(self, docs: np.ndarray, places: np.ndarray, number: int) -> np.ndarray:
        """Whether common word `number` stands at each (document, place)."""
        at = self.starts[docs] + places
        inside = (places >= 0) & (at < self.starts[docs + 1])
        found = np.zeros(len(docs), dtype=bool)
        found[inside] = self.codes[at[inside]] == number
        return found

    def phrase(self, numbers_in_order: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Every (document, start) where these common words stand one after another."""
        codes = self.codes
        length = len(numbers_in_order)
        at = np.flatnonzero(codes[: len(codes) - length + 1] == numbers_in_order[0])
        for offset, number in enumerate(numbers_in_order[1:], start=1):
            at = at[codes[at + offset] == number]
        docs = np.searchsorted(self.starts, at, side="right") - 1
        within = at + length <= self.starts[docs + 1]  # not running into the next document
        return docs[within], (at - self.starts[docs])[within]


def path(folder: Path, segment_id: str) -> Path:
    return Path(folder) / f"{segment_id}{SUFFIX}"


def build(leaf, count: int) -> Sequence:
    """A segment's sequence, from the positions Whoosh stored for each common word."""
    found = []
    lengths = np.zeros(count, dtype=np.int64)
    for number, term in enumerate(words(), start=1):
        if (FIELD, term) not in leaf:
            continue
        ids, _, starts, places = whoosh_adapter.postings_and_positions(leaf, FIELD, term)
        docs = np.repeat(ids, np.diff(starts))
        if len(docs):
            found.append((number, docs, places))
            np.maximum.at(lengths, docs, places + 1)
    starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    codes = np.zeros(int(starts[-1]), dtype=np.uint8)
    for number, docs, places in found:
        codes[starts[docs] + places] = number
    return Sequence(starts, codes)


def write(folder: Path, segment_id: str, sequence: Sequence) -> None:
    """Write atomically: a reader sees the whole file or none (the temporary name starts with a
    dot, which Whoosh's clean-up passes over)."""
    final = path(folder, segment_id)
    temporary = final.with_name(f".{final.name}.{os.getpid()}")
    count = len(sequence.starts) - 1
    with open(temporary, "wb") as out:
        out.write(_HEADER.pack(_MAGIC, digest(), count, len(sequence.codes)))
        out.write(sequence.starts.astype("<i8").tobytes())
        out.write(sequence.codes.tobytes())
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, final)


def _length(file: Path, count: int) -> int | None:
    """The number of bytes of places a sequence file holds, read from its header alone; None
    when there is no file, or it is not of a segment of `count` documents or of this word list."""
    try:
        with open(file, "rb") as source:
            header = source.read(_HEADER.size)
            size = os.fstat(source.fileno()).st_size
    except OSError:
        return None
    if len(header) != _HEADER.size:
        return None
    magic, listed, documents, length = _HEADER.unpack(header)
    if magic != _MAGIC or listed != digest() or documents != count:
        return None
    return length if size == _HEADER.size + 8 * (count + 1) + length else None


def load(folder: Path, segment_id: str, count: int) -> Sequence | None:
    """The segment's sequence, memory-mapped (shared by every worker through the page cache);
    None when there is none yet, or it is not of this segment's size or of this word list."""
    file = path(folder, segment_id)
    length = _length(file, count)
    if length is None:
        return None
    starts = np.memmap(file, dtype="<i8", mode="r", offset=_HEADER.size, shape=(count + 1,))
    if int(starts[-1]) != length:
        return None
    if not length:  # no common word at all (a memory map cannot be empty)
        return Sequence(starts, np.zeros(0, dtype=np.uint8))
    codes = np.memmap(file, dtype=np.uint8, mode="r", offset=_HEADER.size + 8 * (count + 1), shape=(length,))
    return Sequence(starts, codes)


def missing(folder: Path, segments) -> bool:
    """Whether a large segment of these (Whoosh's segment objects) has no usable file (its
    header read only: a writer asks after every commit)."""
    return any(
        s.doc_count_all() >= MIN_DOCUMENTS and _length(path(folder, s.segment_id()), s.doc_count_all()) is None
        for s in segments
    )


def complete(folder: Path, reader) -> int:
    """Build the missing sequences of an index version's large segments; how many were built.
    A failure is logged and leaves that segment to positions (never a failed write)."""
    built = 0
    for leaf, _ in reader.leaf_readers():
        segment = leaf.segment()
        if segment is None or leaf.doc_count_all() < MIN_DOCUMENTS:
            continue
        segment_id = segment.segment_id()
        if load(folder, segment_id, leaf.doc_count_all()) is not None:
            continue
        try:
            write(folder, segment_id, build(leaf, leaf.doc_count_all()))
            built += 1
        except (OSError, ValueError) as error:
            log.warning("phrase sequence of segment %s not built: %s", segment_id, error)
    return built
