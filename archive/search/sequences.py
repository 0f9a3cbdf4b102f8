"""Every word of every document by place: a side file per Whoosh segment that makes checking a
phrase a comparison of numbers, and stands in for Whoosh's positions.

Checking a phrase means knowing where its words stand. Whoosh would keep that as positions: a
small pickle per document and word, which a search must unpickle for every document holding the
word (most of a phrase's time, and all of it for "the" or "и"), and a third of the index. So
the text fields are indexed without positions, and each large segment gets a file holding, for
every document, the number of the word at each of its places: the words of the
segment's text field, sorted, numbered from 1. Sixteen bits a place where the segment holds
fewer than 65,536 words, thirty-two otherwise; the sorted word list is in the file, so a
query's word is found by a binary search.

A phrase is then checked (arrays.py) among the documents holding its rarest word (its
postings): the numbers of those documents' places are gathered and compared with the phrase's, or, when
they are most of the segment (a phrase of common words), the whole segment's are scanned.

The cross-script field (fold: capitalised words as their keys) has a file of its own, `.wfsq`,
of its words only, each with its place in the document (its text's place): a word in ten or so
is capitalised, so a phrase of names scans a tenth of the text's places (a phrase of common
words, "For the", checked every place of every document holding "For": half a phrase's time).
An index written before keeps every place in that file (0 where no word is capitalised): its
readers read it and keep its words with their places in memory, so nothing is built again.

The files are derived from the segment: built, once the segment is committed, by analysing each
document's stored text as the fields' analyzers did (a check against each document's length as
Whoosh recorded it, and against the segment's words, refuses a file that would disagree), named
after the segment so that Whoosh removes them when it merges the segment away. A segment without
a file (under 200 documents, or one whose file is not written yet or is damaged) has its
sequence built in memory by the reader, the same way: slower the first time, never different.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import mmap
import os
import re
import struct
from functools import partial
from pathlib import Path

import numpy as np
from whoosh.util.numeric import length_to_byte

from archive.search import whoosh_adapter
from archive.search.gazetteer import place_keys
from archive.search.language import fold_term, text_term, words_of

log = logging.getLogger(__name__)
MIN_DOCUMENTS = 200  # a smaller segment has no file: its readers build its sequences
# MAIN_<segment id>.<suffix>: Whoosh's pattern for a segment's files, one per field
SUFFIXES = {"text": ".wseq", "fold": ".wfsq"}
# write()'s temporary files: "." + a segment's file name + "." + the writing process's id
_TEMPORARY = re.compile(r"\.[A-Za-z0-9_]+(?:" + "|".join(map(re.escape, SUFFIXES.values())) + r")\.[0-9]+")
SUFFIX = SUFFIXES["text"]
_EVERY = b"WASEQ2\n\0"  # every place (the text field)
_KEPT = b"WASEQ3\n\0"  # the places holding a word, each with its place: 4 bytes, after the codes
# (the fold field; an index written before this kept every place there too: read, then kept)
_MAGICS = {"text": (_EVERY,), "fold": (_KEPT, _EVERY)}
# magic, documents, places, bytes a place, words, bytes of the word list
_HEADER = struct.Struct("<8sQQQQQ")
FIELD = "text"
FIELDS = tuple(SUFFIXES)
GATHER = 4  # gather the candidates' places when they are under a quarter of the segment's
_CHUNK = 256  # documents whose words are numbered in one pass


class Sequence:
    """One segment's words by place: document d's places are codes[starts[d]:starts[d + 1]],
    each the number of a word in the segment's sorted word list (1 for the first). Where only
    the places holding a word are kept (the fold field: capitalised words), `places` holds each
    one's place in its document; None: every place is kept (the text field)."""

    def __init__(
        self,
        starts: np.ndarray,
        codes: np.ndarray,
        offsets: np.ndarray,
        vocabulary: np.ndarray,
        places: np.ndarray | None = None,
    ):
        self.starts = starts
        self.codes = codes
        self.places = places
        self._offsets = offsets  # word n (from 1) is vocabulary[offsets[n - 1]:offsets[n]]
        self._vocabulary = vocabulary
        # the same, as memory views: a binary search reads Python ints and bytes from them
        # without making an array object per step
        self._ends = memoryview(np.ascontiguousarray(offsets, dtype="=u4")).cast("B").cast("I")
        self._letters = memoryview(np.ascontiguousarray(vocabulary))

    def __len__(self) -> int:
        return len(self._ends) - 1

    def __getitem__(self, n: int) -> bytes:
        """The n-th word of the sorted list (from 0), as UTF-8."""
        return self._letters[self._ends[n] : self._ends[n + 1]].tobytes()

    def number(self, word: str) -> int:
        """A word's number in this segment; 0 when the segment does not hold it."""
        key = word.encode("utf-8")
        at = bisect.bisect_left(self, key)
        return at + 1 if at < len(self) and self[at] == key else 0

    def phrase(self, numbers: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Every (document, start) of the segment where these words stand one after another."""
        length = len(numbers)
        at = _matches(self.codes, numbers, self.places)
        docs = np.searchsorted(self.starts, at, side="right") - 1
        within = at + length <= self.starts[docs + 1]  # not running into the next document
        first = at - self.starts[docs] if self.places is None else self.places[at].astype(np.int64)
        return docs[within], first[within]

    def counts(self, docs: np.ndarray, numbers: list[int]) -> np.ndarray:
        """How many times the words stand one after another in each of `docs` (sorted document
        numbers): their places gathered, or the whole segment scanned when they are most of it."""
        first = self.starts[docs]
        lengths = self.starts[docs + 1] - first
        total = int(lengths.sum())
        if total * GATHER > len(self.codes):
            return np.bincount(self.phrase(numbers)[0], minlength=len(self.starts) - 1)[docs]
        length = len(numbers)
        base = np.cumsum(lengths) - lengths  # where each document begins among the gathered
        gathered = np.repeat(first - base, lengths) + np.arange(total)
        at = _matches(self.codes[gathered], numbers, None if self.places is None else self.places[gathered])
        owner = np.searchsorted(base, at, side="right") - 1
        within = at + length <= base[owner] + lengths[owner]  # not running into the next one
        return np.bincount(owner[within], minlength=len(docs))


def _matches(codes: np.ndarray, numbers: list[int], places: np.ndarray | None = None) -> np.ndarray:
    """Where in `codes` the numbers stand one after another (document bounds not checked); with
    `places` (each code's place, where only some are kept), at places one after another too.

    The first two are looked for together: the codes read as numbers twice as wide, once from
    the first place and once from the second, each compared with the two codes' bytes. A
    common first word ("for the") otherwise left a position for one place in a hundred to
    check again, a scan 2-4 times as long (one segment of 4.7 million places: 8 ms -> 2)."""
    last = len(codes) - len(numbers)  # the last place a match can start
    if last < 0:
        return np.zeros(0, dtype=np.intp)
    if len(numbers) == 1:
        return np.flatnonzero(codes == numbers[0])
    if places is not None:
        at = _matches(codes, numbers)
        for offset in range(1, len(numbers)):
            at = at[places[at + offset] == places[at] + offset]
        return at
    wide = np.dtype(f"u{2 * codes.dtype.itemsize}")
    key = np.array(numbers[:2], dtype=codes.dtype).view(wide)[0]
    codes = np.ascontiguousarray(codes)
    even = codes[: len(codes) // 2 * 2].view(wide)  # places 0 and 1, 2 and 3…
    odd = codes[1 : 1 + (len(codes) - 1) // 2 * 2].view(wide)  # places 1 and 2, 3 and 4…
    at = np.concatenate((np.flatnonzero(even == key) * 2, np.flatnonzero(odd == key) * 2 + 1))
    at.sort()
    at = at[at <= last]
    for offset, number in enumerate(numbers[2:], start=2):
        at = at[codes[at + offset] == number]
    return at


def path(folder: Path, segment_id: str, field: str = FIELD) -> Path:
    return Path(folder) / f"{segment_id}{SUFFIXES[field]}"


def _analysis(field: str):
    """The field's analyzer, one token at a time: (its term, or None where the field keeps no
    term at that place; how many terms it adds to the field's length there). The terms are the
    query language's (language.text_term, fold_term: what a phrase's words are looked up as)."""
    if field == "text":  # lower case, ё and accents folded, stemmed by script
        return lambda token: (text_term(token), 1)

    def fold(token: str):  # capitalised words only, as their cross-script key, plus place keys
        if not token[:1].isupper():
            return None, 0
        return fold_term(token), 1 + len(place_keys(token.lower()))

    return fold


class Words:
    """Documents' words as numbers of distinct words, numbered as they come (4 bytes a place):
    what the sequences are built from, whether read from stored text or kept by the process
    that writes a segment (record()), which then reads and splits no text a second time."""

    def __init__(self):
        self.numbers: dict[str, int] = {}
        self.distinct: list[str] = []  # word n is distinct[n]
        self.parts: list[np.ndarray] = []  # each document's

    def add(self, words: list[str]) -> None:
        numbers, distinct = self.numbers, self.distinct
        for word in set(words).difference(numbers):
            numbers[word] = len(distinct)
            distinct.append(word)
        self.parts.append(np.fromiter(map(numbers.__getitem__, words), np.uint32, len(words)))


class _Builder:
    """One field's sequence of a segment, built document by document."""

    def __init__(self, leaf, field: str, count: int):
        self.field = field
        self.encoded = list(leaf.lexicon(field))  # sorted, as UTF-8
        self._numbers = {word.decode("utf-8"): n for n, word in enumerate(self.encoded, start=1)}
        self._analysed = _analysis(field)
        self.code_of = np.zeros(0, dtype=np.int64)  # each distinct word's number, analysed once
        self.length_of = np.zeros(0, dtype=np.int64)  # how many terms it adds to the field
        self.dtype = np.uint16 if len(self.encoded) < 2**16 - 1 else np.uint32
        self.parts: list[np.ndarray] = []
        self.places = np.zeros(count, dtype=np.int64)  # each document's words
        self.length = np.zeros(count, dtype=np.int64)  # the field's length: its terms
        self.agrees = True

    def add(self, first: int, words: Words) -> None:
        """The words of documents first, first + 1, … (`words.parts`)."""
        parts = words.parts
        known = len(self.code_of)
        if len(words.distinct) > known:
            codes, lengths = [], []
            for token in words.distinct[known:]:
                term, length = self._analysed(token)
                code = 0 if term is None else self._numbers.get(term, -1)
                self.agrees &= code >= 0  # else a word the segment does not hold
                codes.append(max(code, 0))
                lengths.append(length)
            self.code_of = np.concatenate([self.code_of, np.array(codes, dtype=np.int64)])
            self.length_of = np.concatenate([self.length_of, np.array(lengths, dtype=np.int64)])
        joined = np.concatenate(parts) if parts else np.zeros(0, np.uint32)
        self.parts.append(self.code_of[joined].astype(self.dtype))
        counted = np.fromiter(map(len, parts), np.int64, len(parts))
        self.places[first : first + len(parts)] = counted
        if self.field != "text":  # a word adds as many terms to the field as it has keys
            total = np.zeros(len(joined) + 1, dtype=np.int64)
            np.cumsum(self.length_of[joined], out=total[1:])
            ends = np.cumsum(counted)
            counted = total[ends] - total[ends - counted]
        self.length[first : first + len(parts)] = counted

    def sequence(self, leaf, count: int) -> tuple[Sequence, bool]:
        """The sequence, and whether it agrees with the index (every word one the segment
        holds, every document's length the one Whoosh recorded)."""
        recorded = whoosh_adapter.length_bytes(leaf, self.field, count)
        # (Whoosh records one byte a document: a length, approximate past a few dozen)
        lengths = np.fromiter(map(length_to_byte, self.length.tolist()), np.uint8, count)
        agrees = self.agrees and recorded is not None and np.array_equal(lengths, recorded)
        starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(self.places, out=starts[1:])
        offsets = np.zeros(len(self.encoded) + 1, dtype=np.uint32)
        np.cumsum([len(w) for w in self.encoded], out=offsets[1:])
        vocabulary = np.frombuffer(b"".join(self.encoded), dtype=np.uint8)
        codes = np.concatenate(self.parts) if self.parts else np.zeros(0, self.dtype)
        sequence = Sequence(starts, codes, offsets, vocabulary)
        return (sequence if self.field == "text" else kept(sequence)), agrees


def kept(sequence: Sequence) -> Sequence:
    """The sequence of the places holding a word only (not 0), each with its place in its
    document: the fold field's, where a word in ten or so is capitalised."""
    at = np.flatnonzero(sequence.codes)
    owner = np.searchsorted(sequence.starts, at, side="right") - 1
    starts = np.zeros(len(sequence.starts), dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(sequence.starts) - 1), out=starts[1:])
    places = (at - sequence.starts[owner]).astype(np.uint32)
    return Sequence(starts, sequence.codes[at], sequence._offsets, sequence._vocabulary, places)  # noqa: SLF001


def build(leaf, count: int, fields: tuple[str, ...] = FIELDS) -> dict[str, tuple[Sequence, bool]]:
    """A segment's sequences of these fields, from each document's stored title and body
    (read and split into words once) analysed as each field's analyzer does (analysis.py: its
    regular expression, then its filters); the fold field keeps only the places holding a word
    (a capitalised one), with their places. Each with whether it agrees with the index: a document's length as Whoosh
    recorded it, every word one the segment holds (no file is written of one that does not)."""

    def read():  # the stored text, a chunk of documents at a time
        words = Words()
        for first in range(0, count, _CHUNK):
            words.parts = []
            for n in range(first, min(first + _CHUNK, count)):
                stored = leaf.stored_fields(n)
                words.add(words_of(f"{stored.get('title', '')}\n{stored.get('body', '')}"))
            yield first, words

    return _sequences(leaf, count, fields, read())


def _sequences(leaf, count: int, fields: tuple[str, ...], chunks) -> dict[str, tuple[Sequence, bool]]:
    """The sequences of these fields from (first document, Words) chunks, with whether each
    agrees with the index."""
    builders = [_Builder(leaf, field, count) for field in fields]
    for first, words in chunks:
        for builder in builders:
            builder.add(first, words)
    return {builder.field: builder.sequence(leaf, count) for builder in builders}


def write(folder: Path, segment_id: str, sequence: Sequence, field: str = FIELD) -> None:
    """Write atomically: a reader sees the whole file or none (the temporary name starts with a
    dot, which Whoosh's clean-up passes over)."""
    final = path(folder, segment_id, field)
    temporary = final.with_name(f".{final.name}.{os.getpid()}")
    count = len(sequence.starts) - 1
    width = sequence.codes.dtype.itemsize
    magic = _EVERY if sequence.places is None else _KEPT
    if magic not in _MAGICS[field]:
        raise ValueError(f"a sequence of the {field} field keeps {'every place' if field == 'text' else 'its words'}")
    places, words, letters = len(sequence.codes), len(sequence), len(sequence._vocabulary)  # noqa: SLF001
    with open(temporary, "wb") as out:
        out.write(_HEADER.pack(magic, count, places, width, words, letters))
        out.write(sequence.starts.astype("<i8").tobytes())
        out.write(sequence._offsets.astype("<u4").tobytes())  # noqa: SLF001
        out.write(sequence.codes.astype(f"<u{width}").tobytes())
        if magic == _KEPT:  # aligned for reading as 4-byte numbers
            out.write(bytes(_layout(count, places, width, words)[1] - out.tell()))
            out.write(sequence.places.astype("<u4").tobytes())
        out.write(sequence._vocabulary.tobytes())  # noqa: SLF001
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, final)


def _layout(count: int, places: int, width: int, words: int) -> tuple[int, int]:
    """Where a file's codes begin, and where its places begin (kept form: after the codes,
    at a multiple of 4)."""
    codes = _HEADER.size + 8 * (count + 1) + 4 * (words + 1)
    end = codes + width * places
    return codes, end + (-end) % 4


def _header(file: Path, count: int, field: str) -> tuple[bytes, int, int, int, int] | None:
    """(magic, places, bytes a place, words, bytes of the word list) of a sequence file, read
    from its header alone; None when there is no file, or it is not of a segment of `count`
    documents, or not whole, or not of a form the field's sequence is kept in."""
    try:
        with open(file, "rb") as source:
            header = source.read(_HEADER.size)
            size = os.fstat(source.fileno()).st_size
    except OSError:
        return None
    if len(header) != _HEADER.size:
        return None
    magic, documents, places, width, words, letters = _HEADER.unpack(header)
    if magic not in _MAGICS[field] or documents != count or width not in (2, 4):
        return None
    codes, after = _layout(count, places, width, words)
    expected = (after + 4 * places if magic == _KEPT else codes + width * places) + letters
    return (magic, places, width, words, letters) if size == expected else None


def load(folder: Path, segment_id: str, count: int, field: str = FIELD) -> Sequence | None:
    """The segment's sequence of a field, memory-mapped (shared by every worker through the
    page cache); None when there is none yet, or it is not of this segment's size, or damaged."""
    file = path(folder, segment_id, field)
    found = _header(file, count, field)
    if found is None:
        return None
    magic, places, width, words, letters = found
    try:
        with open(file, "rb") as source:  # one map of the file, read through views
            whole = mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None

    def mapped(dtype, offset: int, length: int) -> np.ndarray:
        return np.frombuffer(whole, dtype=dtype, count=length, offset=offset)

    at = _HEADER.size
    starts = mapped("<i8", at, count + 1)
    at += 8 * (count + 1)
    offsets = mapped("<u4", at, words + 1)
    at += 4 * (words + 1)
    codes = mapped(f"<u{width}", at, places)
    at += width * places
    where = None
    if magic == _KEPT:
        at = _layout(count, places, width, words)[1]
        where = mapped("<u4", at, places)
        at += 4 * places
    vocabulary = mapped(np.uint8, at, letters)
    if int(starts[-1]) != places or int(offsets[-1]) != letters:
        return None
    sequence = Sequence(starts, codes, offsets, vocabulary, where)
    return kept(sequence) if field != "text" and magic == _EVERY else sequence


def built(leaf, count: int, field: str) -> Sequence:
    """A segment's sequence of a field built in memory, for a reader (a small segment has no
    file; a large one's may not be written yet). One that disagrees with the index is logged
    and used: Whoosh keeps no positions to check phrases otherwise."""
    sequence, agrees = build(leaf, count, (field,))[field]
    if not agrees:
        log.error("the %s field's sequence of a segment disagrees with the index: check-index --repair", field)
    return sequence


def _lacks(folder: Path, segment) -> bool:
    """Whether a large segment (Whoosh's segment object) has no usable file of some field
    (their headers read only)."""
    count = segment.doc_count_all()
    return count >= MIN_DOCUMENTS and any(
        _header(path(folder, segment.segment_id(), f), count, f) is None for f in FIELDS
    )


def missing(folder: Path, segments) -> bool:
    """Whether a large segment of these has no usable file (a writer asks after every commit,
    before opening a reader)."""
    return any(_lacks(folder, segment) for segment in segments)


def complete(folder: Path, reader, only: set[str] | None = None) -> int:
    """Build the missing sequences of an index version's large segments (`only` these, when
    given); how many files were built. A failure is logged and leaves that segment's sequences
    to be built in memory by its readers (never a failed write)."""
    built = 0
    for leaf, _ in reader.leaf_readers():
        segment = leaf.segment()
        if segment is None or leaf.doc_count_all() < MIN_DOCUMENTS:
            continue
        segment_id = segment.segment_id()
        if only is not None and segment_id not in only:
            continue
        fields = tuple(f for f in FIELDS if load(folder, segment_id, leaf.doc_count_all(), f) is None)
        if fields:
            built += _written(folder, segment_id, partial(build, leaf, leaf.doc_count_all(), fields))
    return built


def record(folder: Path, leaf, words: Words) -> int:
    """Write the files of a segment just written (`leaf`, its reader) from its documents'
    words as its writer kept them; checked against the segment as complete()'s are."""
    count = leaf.doc_count_all()
    if count < MIN_DOCUMENTS or len(words.parts) != count:
        return 0
    return _written(folder, leaf.segment().segment_id(), partial(_sequences, leaf, count, FIELDS, [(0, words)]))


def store(folder: Path, segment_id: str, made: dict[str, tuple[Sequence, bool]]) -> int:
    """Write sequences already built (build()) that agree with the index; how many."""
    return _written(folder, segment_id, lambda: made)


def sweep(folder: Path) -> int:
    """Remove the temporary files of sequence writes that never ended (a process killed while
    writing one: its name begins with a dot, which Whoosh's clean-up passes over, and it holds a
    segment's words, which a purge must not leave behind). Called under the writer's lock, when
    no such write can be under way (they are all made under it); how many were removed."""
    removed = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if _TEMPORARY.fullmatch(entry.name):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def _written(folder: Path, segment_id: str, made) -> int:
    """Write the sequences `made()` gives that agree with the index; how many. A failure is
    logged and leaves them to be built in memory by the segment's readers."""
    written = 0
    try:
        for field, (sequence, agrees) in made().items():
            if not agrees:
                log.warning(
                    "phrase sequence of segment %s (%s) not built: the analysed text disagrees with the index",
                    segment_id,
                    field,
                )
                continue
            write(folder, segment_id, sequence, field)
            written += 1
    except (OSError, ValueError) as error:
        log.warning("phrase sequence of segment %s not built: %s", segment_id, error)
    return written
