"""Evaluate searches over whole posting blocks with numpy, not Whoosh's per-match loop.

Whoosh stays the index: it analyses, writes, stores and merges. What it does slowly in pure
Python is the search itself: one loop iteration per matching document to score it, check it
against the access filter, count it and add it to six facet groups. At 100,000 documents a
common word matches thousands of documents, and that loop was most of the time.

Here a query is evaluated over arrays as long as the index:
- a term's postings are read a block (up to 128 documents) at a time, straight into arrays;
- its BM25 score is computed for all of them at once (Whoosh's formula, so ranking is the same);
- AND, OR and NOT are boolean operations on masks; access, filters and date ranges are masks;
- the total is the mask's sum, facet counts are sums over each facet term's postings;
- only the page's hits are then fetched, and highlighted.

Prefixes and fuzzy terms are expanded through Whoosh's term dictionary. A phrase is checked
among the documents holding its rarest word, in the segments' sequences (sequences.py: every
word by place, as numbers; Whoosh keeps no positions); then it combines here like any other
clause.

Arrays that only depend on a segment (field lengths, facet postings, columns) are kept per
segment, which never changes once written (they are shared by all threads: they are only ever
replaced by equal values); a commit adds segments or deletes documents, so after a write only
the new, small segment and the deletions are read again.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh.util.numeric import byte_to_length

from archive.search import language as lang
from archive.search import sequences, whoosh_adapter
from archive.search.analysis import common_numbers

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults
SCORED = ("text", "fold", "words")
MAX_CACHED = 256  # arrays kept per index version (each one byte or four per document)
POSTINGS_CACHE_BYTES = 64 * 2**20  # decoded posting lists kept per process, most recent first
_LENGTH_TABLE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
_NUMERIC_MISSING = 2**31 - 1  # what a 32-bit column holds for a document without a value
_NO_IDS = np.empty(0, dtype=np.int64)
_NO_WEIGHTS = np.empty(0, dtype=np.float32)
FOLD_BOOST = 0.6  # a cross-script match counts for less than the word as written


@dataclass
class Evaluated:
    mask: np.ndarray  # bool per document number: matches
    score: np.ndarray  # float32 per document number (meaningful where mask is set)
    terms: set  # (field, text) of the words that matched positively, for highlighting


class PostingsCache:
    """Decoded posting lists, least recently used dropped first past a size in bytes.

    Decoding is most of a search's time (Whoosh unpickles each block of 128 postings); a
    segment never changes, so its decoded lists stay right until it is
    merged away, and the words people search for repeat."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self._lists: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._lists.get(key)
            if found is not None:
                self._lists.move_to_end(key)
            return found

    def put(self, key, value: tuple[np.ndarray, np.ndarray]) -> None:
        for array in value:
            array.flags.writeable = False  # shared by every search from now on
        size = _size(value)
        with self._lock:
            if key in self._lists or size > self.limit:
                return
            self._lists[key] = value
            self.size += size
            while self.size > self.limit:
                _, dropped = self._lists.popitem(last=False)
                self.size -= _size(dropped)

    def forget(self, segment: int) -> None:
        """Drop the lists of a segment that is gone (merged, or its index replaced)."""
        with self._lock:
            for key in [k for k in self._lists if k[0] == segment]:
                self.size -= _size(self._lists.pop(key))


def _size(value: tuple[np.ndarray, np.ndarray]) -> int:
    return 200 + sum(array.nbytes for array in value)  # an empty list still takes room


POSTINGS = PostingsCache(POSTINGS_CACHE_BYTES)
_SEGMENT_NUMBERS = itertools.count()


class SegmentArrays:
    """What a segment holds, as arrays; a segment never changes once written."""

    def __init__(self, count: int, sequence_file: Path | None = None):
        self.count = count
        self._sequence_file = sequence_file  # (folder, segment id) of its sequence files
        self._sequences: dict[str, sequences.Sequence] = {}
        self.number = next(_SEGMENT_NUMBERS)  # this process's name for it, in POSTINGS
        # (the backend forgets a segment's lists once no version of the index holds it)
        self._lengths: dict[str, np.ndarray] = {}
        self._columns: dict[str, np.ndarray] = {}
        self._facets: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}
        self._words: dict[str, list[str]] = {}

    def postings(self, leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers and term frequencies of a term, deleted documents included."""
        key = (self.number, field, text)
        found = POSTINGS.get(key)
        if found is None:
            found = self._decode(leaf, field, text)
            POSTINGS.put(key, found)
        return found

    def sequence(self, leaf, field: str) -> sequences.Sequence:
        """The segment's words of a field by place (sequences.py): its file, memory-mapped, once
        the writer has built it; a small segment (which has none), or one whose file is not
        written yet or is damaged, has them built here from the stored text, once: the same
        numbers a file would hold."""
        found = self._sequences.get(field)
        if found is None:
            if self._sequence_file is not None:
                found = sequences.load(*self._sequence_file, self.count, field)
            if found is None:
                found = sequences.built(leaf, self.count, field)
            self._sequences[field] = found
        return found

    def words(self, leaf, field: str) -> list[str]:
        """The field's terms in this segment (the spelling-suggestion list)."""
        if field not in self._words:
            self._words[field] = [w.decode("utf-8") for w in leaf.lexicon(field)]
        return self._words[field]

    @staticmethod
    def _decode(leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        return whoosh_adapter.postings(leaf, field, text)

    def lengths(self, leaf, field: str) -> np.ndarray:
        if field not in self._lengths:
            raw = whoosh_adapter.length_bytes(leaf, field, self.count)
            self._lengths[field] = np.ones(self.count, dtype=np.float32) if raw is None else _LENGTH_TABLE[raw]
        return self._lengths[field]

    def column(self, leaf, field: str) -> np.ndarray:
        """A numeric sortable column as int64, with 0 where the document has no value."""
        if field not in self._columns:
            if leaf.has_column(field):
                reader = leaf.column_reader(field)
                values = np.fromiter((reader[n] or 0 for n in range(self.count)), np.int64, self.count)
                values[values == _NUMERIC_MISSING] = 0  # Whoosh fills in its largest number
            else:
                values = np.zeros(self.count, dtype=np.int64)
            self._columns[field] = values
        return self._columns[field]

    def facet(self, leaf, field: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """A facet field's values, and each document's value numbers (document n's are
        numbers[starts[n]:starts[n + 1]]): counting reads the matching documents' values
        only, however many documents and values the segment has."""
        if field not in self._facets:
            values = [t.decode("utf-8") for t in leaf.lexicon(field)]
            postings = [self._decode(leaf, field, value)[0] for value in values]
            documents = np.concatenate(postings) if postings else _NO_IDS
            numbers = np.repeat(np.arange(len(values)), [len(p) for p in postings])
            order = np.argsort(documents, kind="stable")
            starts = np.zeros(self.count + 1, dtype=np.int64)
            np.cumsum(np.bincount(documents, minlength=self.count), out=starts[1:])
            self._facets[field] = (values, starts, numbers[order])
        return self._facets[field]


class IndexArrays:
    """One version of the index (a searcher) seen as arrays over its document numbers."""

    def __init__(self, searcher, segments: dict[str, SegmentArrays], folder: Path | None = None):
        """`folder`: the index's, where segments' sequence files are (none: each process builds
        the sequences it needs)."""
        self.searcher = searcher
        reader = searcher.reader()
        self.count = reader.doc_count_all()
        self.leaves: list[tuple[object, SegmentArrays, int]] = []  # reader, arrays, offset
        self.live = np.ones(self.count, dtype=bool)
        for leaf, offset in reader.leaf_readers():
            if leaf.segment() is None:  # an empty index
                continue
            segid = leaf.segment().segment_id()
            if segid not in segments:
                where = (folder, segid) if folder is not None else None
                segments[segid] = SegmentArrays(leaf.doc_count_all(), where)
            self.leaves.append((leaf, segments[segid], offset))
            deleted = leaf.segment().deleted_docs()
            if deleted:
                self.live[offset + np.fromiter(deleted, np.int64)] = False
        self.live_count = int(np.count_nonzero(self.live)) or 1
        self._field_lengths = {f: reader.field_length(f) for f in SCORED}
        self._masks: dict = {}

    def hold(self, columns) -> bool:
        """Read now what searches would read from the segments' column files later (the field
        lengths and `columns`, kept per segment) and open each one's stored fields and field
        lengths (a sequence built later reads both): once read or open, they stay readable
        after a commit removes the files of a segment merged away (its postings' files are
        open already). False if a segment's stored fields were gone (this version is already
        replaced)."""
        for field in SCORED:
            self.lengths(field)
        for field in columns:
            self.column(field)
        return all(whoosh_adapter.open_columns(leaf, SCORED) for leaf, _, _ in self.leaves)

    def warm(self, facets, columns) -> None:
        """Read every segment's field lengths, columns, facet values, access postings and
        sequences."""
        self.hold(columns)
        for field in facets:
            self.facet_counts(field, np.zeros(self.count, dtype=bool))
        reader = self.searcher.reader()
        for access in reader.lexicon("access"):
            self.term_mask("access", access.decode("utf-8"))
        for leaf, arrays, _ in self.leaves:  # mapped, or built (a small segment's)
            for field in sequences.FIELDS:
                arrays.sequence(leaf, field)

    # -- per-term arrays ---------------------------------------------------------------------

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        parts = [(a.postings(leaf, field, text), offset) for leaf, a, offset in self.leaves]
        ids = [p[0] + offset for p, offset in parts if len(p[0])]
        if not ids:
            return _NO_IDS, _NO_WEIGHTS
        return np.concatenate(ids), np.concatenate([p[1] for p, _ in parts if len(p[0])])

    def term_mask(self, field: str, text: str, cache: bool = True) -> np.ndarray:
        """Live documents holding a term; cached for filters and access, whose values repeat."""
        key = ("term", field, text)
        if key in self._masks:
            return self._masks[key]
        mask = np.zeros(self.count, dtype=bool)
        mask[self.postings(field, text)[0]] = True
        mask &= self.live
        if cache:
            if len(self._masks) >= MAX_CACHED:  # filter values come from URLs: bound them
                del self._masks[next(iter(self._masks))]
            self._masks[key] = mask
        return mask

    def any_term_mask(self, field: str, texts) -> np.ndarray:
        """Documents holding any of the terms (cached: access filters repeat)."""
        key = ("any", field, tuple(sorted(texts)))
        if key not in self._masks:
            mask = np.zeros(self.count, dtype=bool)
            for text in texts:
                mask |= self.term_mask(field, text)
            self._masks[key] = mask
        return self._masks[key]

    def near_words(self, field: str, word: str, limit: int, maxdist: int = 2) -> list[str]:
        """The field's words within `maxdist` edits of `word` (not the word itself), nearest
        first, then the most frequent, then in order."""
        distances: dict[str, int] = {}
        for leaf, arrays, _ in self.leaves:
            found = process.extract(
                word, arrays.words(leaf, field), limit=None, scorer=Levenshtein.distance, score_cutoff=maxdist
            )
            for candidate, distance, _ in found:
                if candidate != word:
                    distances[candidate] = min(distance, distances.get(candidate, maxdist))
        reader = self.searcher.reader()

        def rank(candidate: str):
            return distances[candidate], -reader.doc_frequency(field, candidate), candidate

        return sorted(distances, key=rank)[:limit]

    def lengths(self, field: str) -> np.ndarray:
        return self._concat(("lengths", field), lambda leaf, a: a.lengths(leaf, field), np.float32)

    def column(self, field: str) -> np.ndarray:
        return self._concat(("column", field), lambda leaf, a: a.column(leaf, field), np.int64)

    def _concat(self, key, part, dtype) -> np.ndarray:
        if key not in self._masks:
            pieces = [part(leaf, arrays) for leaf, arrays, _ in self.leaves]
            self._masks[key] = np.concatenate(pieces) if pieces else np.empty(0, dtype)
        return self._masks[key]

    def facet_counts(self, field: str, mask: np.ndarray) -> dict[str, int]:
        counts: dict[str, int] = {}
        for leaf, arrays, offset in self.leaves:
            values, starts, numbers = arrays.facet(leaf, field)
            matched = np.flatnonzero(mask[offset : offset + arrays.count])
            first, lengths = starts[matched], starts[matched + 1] - starts[matched]
            # the positions first[i], first[i] + 1 … of every matched document, in one array
            within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            found = np.bincount(numbers[np.repeat(first, lengths) + within], minlength=len(values))
            for n in np.flatnonzero(found):
                counts[values[n]] = counts.get(values[n], 0) + int(found[n])
        return counts

    # -- scoring and evaluation --------------------------------------------------------------

    def term(self, field: str, text: str, boost: float = 1.0) -> Evaluated:
        ids, weights = self.postings(field, text)
        mask = np.zeros(self.count, dtype=bool)
        score = np.zeros(self.count, dtype=np.float32)
        if len(ids):
            keep = self.live[ids]
            ids, weights = ids[keep], weights[keep]
            mask[ids] = True
            if field in SCORED:
                score[ids] = boost * self._bm25(field, len(ids), ids, weights)
        return Evaluated(mask, score, {(field, text)} if len(ids) else set())

    def _bm25(self, field: str, df: int, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        idf = math.log(self.live_count / (df + 1)) + 1.0
        average = (self._field_lengths[field] / self.live_count) or 1.0
        length = self.lengths(field)[ids]
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length / average)))

    # -- the query language, compiled for Whoosh: each node of language.py as arrays ----------

    def evaluate(self, node, allowed: np.ndarray) -> Evaluated:
        """Evaluate a parsed query's tree (archive/search/language.py); `allowed`: the documents
        the reader may see, whose spelling words alone a wildcard stands for."""
        if isinstance(node, lang.Word):
            return self._any(
                [self.term("text", lang.text_term(node.text), node.boost)]
                + [self.term("fold", key, node.boost * FOLD_BOOST) for key in lang.fold_terms(node.text)]
            )
        if isinstance(node, lang.Phrase):
            return self._any(
                [
                    self._phrase("text", [lang.text_term(w) for w in node.words], node.boost),
                    self._phrase("fold", [lang.fold_term(w) for w in node.words], node.boost * FOLD_BOOST),
                ]
            )
        if isinstance(node, (lang.Prefix, lang.Fuzzy)):
            return self._any([self.term("text", t, node.boost) for t in self._expand(node, allowed)])
        if isinstance(node, lang.Wildcard):  # each word it stands for, as a word is found: by its stem
            stems = dict.fromkeys(lang.text_term(w) for w in self._expand(node, allowed))
            return self._any([self.term("text", stem, node.boost) for stem in stems])
        if isinstance(node, lang.Field):
            return Evaluated(self.term_mask(node.facet, node.value, cache=False), self._zeros(), set())
        if isinstance(node, lang.Range):
            reader = self.searcher.reader()
            values = [v.decode("utf-8") for v in reader.lexicon(node.facet)]
            mask = np.zeros(self.count, dtype=bool)
            for value in itertools.islice((v for v in values if node.holds(v)), lang.MAX_EXPANSION):
                mask |= self.term_mask(node.facet, value, cache=False)
            return Evaluated(mask, self._zeros(), set())
        if isinstance(node, lang.And):
            parts = [self.evaluate(part, allowed) for part in node.parts]
            mask = self.live.copy()
            for part in parts:
                mask &= part.mask
            return self._scored(mask, parts)
        if isinstance(node, lang.Or):
            return self._any([self.evaluate(part, allowed) for part in node.parts])
        if isinstance(node, lang.Not):  # everything but: no score, no words (inside an AND, a mask)
            return Evaluated(self.live & ~self.evaluate(node.part, allowed).mask, self._zeros(), set())
        if isinstance(node, lang.Everything):
            return Evaluated(self.live.copy(), self._zeros(), set())
        if isinstance(node, lang.Nothing):
            return Evaluated(np.zeros(self.count, dtype=bool), self._zeros(), set())
        raise TypeError(f"not a query node: {node!r}")

    def _zeros(self) -> np.ndarray:
        return np.zeros(self.count, dtype=np.float32)

    def _any(self, parts: list[Evaluated]) -> Evaluated:
        mask = np.zeros(self.count, dtype=bool)
        for part in parts:
            mask |= part.mask
        return self._scored(mask, parts)

    def _scored(self, mask: np.ndarray, parts: list[Evaluated]) -> Evaluated:
        score = self._zeros()
        for part in parts:
            score += part.score
        return Evaluated(mask, score, set().union(*(p.terms for p in parts)))

    def _in_order(self, field: str, words: list[str], candidates: np.ndarray) -> np.ndarray:
        """How many times the words stand in order in each of the candidates (documents holding
        one of the words, at least), 0 where they never do: compared, segment by segment, in
        the sequences of the field's words by place (sequences.py)."""
        found = np.zeros(self.count, dtype=np.int64)
        for leaf, arrays, offset in self.leaves:
            local = np.flatnonzero(candidates[offset : offset + arrays.count])
            if not len(local):
                continue
            sequence = arrays.sequence(leaf, field)
            numbers = [sequence.number(word) for word in words]
            if all(numbers):
                found[offset + local] += sequence.counts(local, numbers)
        return found

    def _expand(self, node, allowed: np.ndarray) -> list[str]:
        """The terms a prefix or fuzzy term (of the text field) or a wildcard (of the words
        field, held by a document `allowed`) stands for, at most lang.MAX_EXPANSION, through
        Whoosh's public term dictionary."""
        reader = self.searcher.reader()
        if isinstance(node, lang.Fuzzy):
            found = reader.terms_within("text", lang.text_term(node.text), node.distance, node.prefix)
            return sorted(found)[: lang.MAX_EXPANSION]
        if isinstance(node, lang.Prefix):
            stemmed = lang.text_term(node.text)  # "detained*" also finds the stem "detain"
            start = stemmed if node.text.startswith(stemmed) else node.text
            return [
                t.decode("utf-8") for t in itertools.islice(reader.expand_prefix("text", start), lang.MAX_EXPANSION)
            ]
        pattern = node.regex()
        words = (t.decode("utf-8") for t in reader.expand_prefix("words", node.literal))
        seen = (w for w in words if pattern.fullmatch(w) and (self.term_mask("words", w, cache=False) & allowed).any())
        return list(itertools.islice(seen, lang.MAX_EXPANSION))

    def _phrase_scored(self, field: str, words: list[str], boost: float, counts: np.ndarray) -> Evaluated:
        """A phrase's matches, scored as Whoosh scores a phrase: BM25 of the phrase itself (how
        many times it stands in each document, in how many documents)."""
        ids = np.flatnonzero(counts)
        score = self._zeros()
        if not len(ids):
            return Evaluated(np.zeros(self.count, dtype=bool), score, set())
        if field in SCORED:
            score[ids] = boost * self._bm25(field, len(ids), ids, counts[ids].astype(np.float32))
        return Evaluated(counts > 0, score, {(field, word) for word in words})

    def _common_phrase(self, words: list[str], boost: float) -> Evaluated | None:
        """A phrase of common words only, answered by scanning the sequences without reading
        the words' posting lists (the longest there are: "the" is in nearly every document).
        None: not such a phrase."""
        if any(word not in common_numbers() for word in words):
            return None
        counts = np.zeros(self.count, dtype=np.int64)
        for leaf, arrays, offset in self.leaves:
            sequence = arrays.sequence(leaf, "text")
            numbers = [sequence.number(word) for word in words]
            if all(numbers):
                found = sequence.phrase(numbers)[0]
                counts[offset : offset + arrays.count] = np.bincount(found, minlength=arrays.count)
        counts[~self.live] = 0
        return self._phrase_scored("text", words, boost, counts)

    def _phrase(self, field: str, words: list[str], boost: float) -> Evaluated:
        """A phrase: among the documents holding its rarest word (the one posting list read),
        those in which all its words stand in order (_in_order), scored by the phrase's own
        frequency."""
        if len(words) < 2:
            return self.term(field, words[0], boost) if words else Evaluated(self.live & False, self._zeros(), set())
        common = self._common_phrase(words, boost) if field == "text" else None
        if common is not None:
            return common
        reader = self.searcher.reader()
        frequencies = [reader.doc_frequency(field, word) for word in words]
        if not min(frequencies):
            return Evaluated(np.zeros(self.count, dtype=bool), self._zeros(), set())
        candidates = self.term_mask(field, words[frequencies.index(min(frequencies))], cache=False)
        if not candidates.any():
            return Evaluated(candidates, self._zeros(), set())
        return self._phrase_scored(field, words, boost, self._in_order(field, words, candidates))


def top(mask: np.ndarray, order: np.ndarray, descending: bool, start: int, stop: int):
    """Document numbers ranked start..stop among those in mask, by order, ties by number."""
    candidates = np.flatnonzero(mask)
    if start >= len(candidates):
        return []
    keys = -order[candidates] if descending else order[candidates]
    ranked = candidates[np.lexsort((candidates, keys))]
    return [int(n) for n in ranked[start:stop]]
