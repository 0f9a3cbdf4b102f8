"""PostgreSQL full-text search: the index is a table of the archive's own database, so several
web servers share it and hold no search state of their own.

Each indexed document is a row (migration 0011; of one of two partitions by its id's hash
since 0034, so that a rebuild builds their GIN indexes at once: PostgreSQL builds one on one
core) with its title, its facet values (as the numbers of their terms in the vocabulary,
migration 0030, four bytes each: 0033), its spelling
words' numbers, and two vectors; not its text (migration 0032): a hit's snippet is made of the database's public
text of the version indexed, once the hit is checked (search/query.py). The ranking vector
(`rank`, kept in the row) holds the words and names with every place PostgreSQL keeps; `terms`
(compressed and out of the row once large: migration 0029) the lexemes without places.
The matching vector is the two as one, `rank || terms`, under a GIN index of that expression
(migration 0028: the placed lexemes are written once, not in both): the terms of the same
analysis as the Whoosh backend (archive/search/analysis.py), so that both find the same
documents:

- words stemmed by their own script's Snowball stemmer (Russian for Cyrillic, English for Latin),
  with their positions, the title's weighted A and the body's D;
- `~key`: the script-neutral key of each capitalised word (Kadyrov finds Кадыров), positioned;
- `=field:value`: kind, language, case, year, places and tags, so that `kind:testimony` can
  sit anywhere inside a boolean query, and filters are answered by the index;
- `=access:consent:status`: which readers may see it, so that the index alone leaves out the
  documents a reader may not see (their rows are never read);
- `+word word`: two words side by side, both among the most frequent (analysis.pair_terms()),
  and `+~key ~key`: two capitalised words side by side, by their keys; without positions: a
  phrase of them is answered by the index, not by reading and checking the vector of every
  document holding its words (ranked as the phrase, see Compiler.ranking).

The GIN index answers a query of words, facets and access without reading any row's vectors;
the ranking vector is read for every match with the text's length. A phrase the whole query
requires is checked by places in the ranking vector (Compiler.checked); any other phrase in
the matching vector, which PostgreSQL then makes of the row's two (reading `terms` from out of
the row).

PostgreSQL's stock configurations stem differently (detention → detent, but detained →
detain) and know nothing of transliteration, so the analysis is done here and the vectors are
sent in PostgreSQL's binary form of a tsvector (Vector), which the server copies, rather
than as literals it parses (a literal took it 0.20 ms a row, the binary form 0.12). A user's
query is parsed by the same parser as Whoosh's and compiled to a `tsquery` (`&`, `|`, `!`,
`<->` for phrases, `:*` for prefixes); fuzzy, wildcard and range terms are expanded from the
`search_terms` vocabulary. One statement ranks the page, counts the matches and joins their
facet values' numbers, which this process counts; the page's hits are read by their ids, and
the facet values named, in the same snapshot (REPEATABLE READ).

The spelling words (folded, unstemmed words of four letters or more: what suggestions offer
and wildcards match) are kept once, not in every row (migration 0031): `search_spelling`
counts, for each word and each kind of reader's access, the rows holding it. A write adds its
rows' words and takes out those of the rows it replaces, by the numbers those rows hold
(`search_words` numbers each word while a count holds it: migration 0032), so a word leaves the
list, and `search_words`, with the last row holding it (while the counts are made: otherwise a
word taken out stays numbered until a repair counts them, or a rebuild's end).
Counts made by another analysis (`search_generation.spelling`) are not used: suggestions and
wildcards then fail closed until `archive check-index --repair` counts them again.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import itertools
import logging
import multiprocessing
import os
import queue
import signal
import threading
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import psycopg
from psycopg import pq
from psycopg.adapt import Dumper
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from archive.errors import N_
from archive.search import language as lang
from archive.search.analysis import ANALYSIS_VERSION, pair_terms
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
from archive.search.errors import QueryError, RebuildUnderWay
from archive.search.fields import readings
from archive.search.snippets import warm as warm_snippets
from archive.storage.queries import escape_like

_PAGE_HITS = 'SELECT id, version, title, kind, language, "case", published FROM search_index WHERE id = ANY(:ids)'
log = logging.getLogger(__name__)
MAX_POSITION = 16383  # PostgreSQL keeps positions up to this
MAX_POSITIONS = 256  # ... and this many per term
MAX_LEXEME = 2046  # bytes: a longer "word" (a run of 3,000 letters) is refused, so not indexed
PROBED = 64  # rows a term a document lost is looked for in before the GIN index (_forget_terms)
ANALYZE_AFTER = 1000  # documents in one call after which the table's statistics are renewed
WRITTEN = 1000  # rows sent to the server in one statement
COUNTED_AT_ONCE = 50_000  # spelling words' counts sent in one statement
RECOUNTED = 1000  # rows read at a time when every row's spelling words are counted again
YOUNG = 20_000  # new objects between two of Python's cyclic collector's passes in a rebuild
SENT = 250  # documents given to a process of a rebuild's pool at a time
PROCESSES = min(len(os.sched_getaffinity(0)), 4)  # ... and so many processes
# the matching vector: the ranking vector's placed words and names, and the row's lexemes
# without places (`terms`), as one, under a GIN index of that expression (migration 0028)
MATCHING = "(rank || terms)"
GIN_INDEX = "ix_search_index_terms"
CREATE_GIN = f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON search_index USING gin ({MATCHING})"
GIN_BUILD_MEMORY = "512MB"  # maintenance_work_mem while it is built after a rebuild
# the partitions of search_index (migration 0034): each one's name and its GIN index's, quoted
_PARTITIONS = (
    "SELECT quote_ident(c.relname), quote_ident(c.relname || '_terms') FROM pg_inherits i "
    "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'search_index'::regclass ORDER BY c.relname"
)
# the statistics of the table as a whole (of its rows in every partition) once each partition's
# are made (PostgresSearch._build_part): of its columns but the vectors, a statement of their
# names (ANALYZE of the table makes each partition's again, and analyses the vectors of 30,000
# rows; no search's plan reads the table's own statistics of a vector, only each partition's of
# MATCHING, its index's expression: 8-9 s of a rebuild of 100,000 documents, on one core)
_TABLE_STATISTICS = (
    "SELECT 'ANALYZE search_index (' || string_agg(quote_ident(attname), ', ' ORDER BY attnum) || ')' "
    "FROM pg_attribute WHERE attrelid = 'search_index'::regclass AND attnum > 0 AND NOT attisdropped "
    "AND atttypid <> 'tsvector'::regtype"
)
EMPTIED = "TRUNCATE search_index, search_terms, search_spelling, search_words RESTART IDENTITY"
_EVERYTHING, _NOTHING = object(), object()  # a query matching every document, or none
PAIR = "+"  # "+of the", "+~ramzan ~kadyrov": two words side by side (see analyse())


def _quote(lexeme: str) -> str:
    """A lexeme as a tsvector or tsquery literal: quoted, quotes doubled, backslashes escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _fits(lexeme: str) -> bool:
    """Whether PostgreSQL takes the lexeme (it refuses the whole vector otherwise): not too
    long, and no NUL (which the binary form ends a lexeme with, and no text may hold)."""
    return (len(lexeme) * 4 <= MAX_LEXEME or len(lexeme.encode()) <= MAX_LEXEME) and "\0" not in lexeme


class Vector(bytes):
    """A tsvector in PostgreSQL's binary form (tsvectorsend() and tsvectorrecv(), in the
    server's src/backend/utils/adt/tsvector.c; the form binary COPY and parameters use, kept
    across releases): the number of lexemes (four bytes, big-endian), then each lexeme's
    UTF-8 bytes ended by a NUL, the number of its places (two bytes) and each place (two
    bytes: the weight in the top two bits, A = 3, D = 0; the place, from 1, in the other 14),
    in increasing order. The server sorts the lexemes where they are not, but does not merge
    two of the same: each is written once (analyse()). Sent as a parameter of type tsvector
    (_sending_vectors)."""

    __slots__ = ()


class _VectorDumper(Dumper):
    """psycopg's dumper (its public adaptation interface) of a Vector: the bytes as they are,
    in binary, as a tsvector."""

    format = pq.Format.BINARY
    oid = psycopg.postgres.types["tsvector"].oid

    def dump(self, obj: Vector) -> bytes:
        return obj


def _sending_vectors(connection) -> None:
    """Have the connection send a Vector as a tsvector in binary (_VectorDumper): given to its
    psycopg connection here, as a connection copies psycopg's adapters once, when it is
    opened (the pool's may be older than this module's import)."""
    connection.connection.driver_connection.adapters.register_dumper(Vector, _VectorDumper)


WEIGHT_A = 3 << 14  # a place's weight A, in a Vector
_NO_PLACES = b"\0\0\0"  # a lexeme's end and its number of places, 0


def _unplaced(lexemes: Iterable[bytes]) -> Vector:
    """A Vector of lexemes without places, each given as its bytes followed by _NO_PLACES
    (each once: the same one twice would be kept twice by the server)."""
    entries = dict.fromkeys(lexemes)
    return Vector(len(entries).to_bytes(4, "big") + b"".join(entries))


def _entry(lexeme: str) -> bytes:
    """A lexeme without places as _unplaced() takes it."""
    return lexeme.encode() + _NO_PLACES


ACCESS = "=access:"  # who may see a document (never a term of the vocabulary)


def access_lexeme(consent: str, status: str) -> str:
    return f"{ACCESS}{consent}:{status}"


def _facet_values(doc: IndexedDocument) -> list[str]:
    return [f"{name}:{value}" for name, values in lang.facet_values(doc).items() for value in values]


@dataclass
class Analysed:
    """A document as the index row holds it."""

    terms: Vector  # the lexemes without places (the matching vector is rank || terms)
    rank: Vector  # the ranking vector
    length: int  # words in the title and body
    facets: list[str]  # "field:value"
    vocabulary: Words  # the terms fuzzy and range terms may expand to
    access: str  # who may see it (access_lexeme())
    spelling: Words  # its spelling words: folded, of 4 letters or more (fields.readings(), search_spelling)
    every_place: bool = True  # every place of every word is in the vectors (see add())


class Words:
    """A document's words as their places in a table: the process's (_Numbered's), or, from a
    rebuild's pool, one its chunk's analyses share (_retabled), each place once, sorted. A
    part's words are gathered, numbered and counted by numpy (_write): as a set for each
    document, pickled, unpickled and read word by word, they were a third of the command's
    work in a rebuild."""

    __slots__ = ("at", "table")

    def __init__(self, table: list[str], at: np.ndarray):
        self.table, self.at = table, at

    def __iter__(self) -> Iterator[str]:
        return map(self.table.__getitem__, self.at.tolist())

    def __len__(self) -> int:
        return self.at.size


Used = list[tuple[list[str], np.ndarray]]  # tables, with the places in each some Words hold (_used)


def _grouped(held: Iterable[tuple[str, Words]]) -> list[tuple[str, list[str], np.ndarray]]:
    """The Words, by key and table: each key and table, with the places the key's Words hold
    in it, one after the other."""
    groups: dict[tuple[str, int], tuple[list[str], list[np.ndarray]]] = {}
    for key, words in held:
        groups.setdefault((key, id(words.table)), (words.table, []))[1].append(words.at)
    return [(key, table, np.concatenate(places)) for (key, _), (table, places) in groups.items()]


def _used(held: Iterable[Words]) -> Used:
    """Each table the Words are of, with the places in it any of them holds, each once, sorted."""
    return [(table, _distinct(places)) for _, table, places in _grouped(("", words) for words in held)]


def _words_of(used: Used) -> set[str]:
    found: set[str] = set()
    for table, places in used:
        found.update(table if places.size == len(table) else map(table.__getitem__, places.tolist()))
    return found


def _retabled(analyses: list[Analysed]) -> list[Analysed]:
    """The analyses with their Words in two tables of the words they hold only (a rebuild's
    pool's chunk: not the whole of its process's, pickled with each)."""
    for name in ("vocabulary", "spelling"):
        for table, places in _used(getattr(analysed, name) for analysed in analyses):
            chunk = list(map(table.__getitem__, places.tolist()))
            for analysed in analyses:
                words = getattr(analysed, name)
                if words.table is table:
                    setattr(analysed, name, Words(chunk, np.searchsorted(places, words.at).astype(np.int32)))
    return analyses


def _counted(held: Iterable[tuple[str, Words]]) -> Spelling:
    """Each access's words, with how many documents of that access hold each."""
    counted = _spelling()
    for access, table, places in _grouped(held):
        every = np.sort(places)
        starts = np.flatnonzero(np.append(True, every[1:] != every[:-1])) if every.size else every
        counts = np.diff(np.append(starts, every.size))
        counted[access].update(dict(zip(map(table.__getitem__, every[starts].tolist()), counts.tolist(), strict=True)))
    return counted


def analyse(doc: IndexedDocument) -> Analysed:
    """The document's vectors, facet values and vocabulary: the terms of the Whoosh fields
    (fields.readings(): the three analyzers' readings of each word, in one pass over the words,
    each distinct word read once), with their places.

    Each token and each term is numbered for the process (_Numbered), so that the document's
    words are grouped by term, with their places, by numpy: reading them one by one in Python
    was most of a rebuild's analysis (1.9 ms a document of 1,000-3,000 characters)."""
    words = lang.words_of(_text_of(doc.title, doc.body))
    title_tokens = len(lang.words_of(doc.title))
    kept = _Numbered.now()
    tokens = kept.tokens_of(words)
    terms = kept.term[tokens]
    pairable = kept.pairable[terms]
    both = pairable[1:] & pairable[:-1]  # two words side by side, both among the most frequent
    paired = (terms[:-1][both] << 32) | terms[1:][both]
    keyed = np.flatnonzero(kept.keyed[tokens])  # capitalised words: their cross-script keys
    key_terms, key_places, key_pairs = kept.keys_at(keyed, tokens)
    every = np.concatenate([terms, key_terms])
    at = np.concatenate([np.arange(len(words), dtype=np.int64), key_places])
    rank, distinct, dropped = _placed(kept, every, at, title_tokens)
    facets = [value for value in _facet_values(doc) if _fits("=" + value)]
    facet_lexemes = {"=" + value for value in facets}
    vocabulary = _distinct(np.append(distinct, kept.terms_of(facet_lexemes)))
    access = access_lexeme(doc.consent, doc.status)
    pairs = kept.pairs_of([*_distinct(paired).tolist(), *dict.fromkeys((a << 32) | b for a, b in key_pairs)])
    unplaced = _unplaced([*filter(None, pairs), *map(_entry, sorted(facet_lexemes)), _entry(access)])
    spelling = _distinct(kept.spelling[tokens])
    return Analysed(
        unplaced,
        rank,
        max(len(words), 1),
        facets,
        Words(kept.name, vocabulary),
        access,
        Words(kept.spelled, spelling[1:] if spelling.size and spelling[0] < 0 else spelling),
        not dropped,
    )


def _placed(kept: _Numbered, every: np.ndarray, at: np.ndarray, title_tokens: int) -> tuple[Vector, np.ndarray, bool]:
    """The ranking vector of the terms `every` at the places `at` (from 0): the words and
    names with every place (a phrase is checked there, Compiler.checked), the title's marked
    A, the body's the default weight, D; the terms' numbers (each once, those PostgreSQL
    takes); whether a place was not kept (every_place). Made by numpy, the lexemes' bytes
    copied from the process's (_Numbered.lexemes): formatting a literal's entries one by one
    was a third of the analysis."""
    order = np.lexsort((at, every))  # by term, then place
    every, at = every[order], at[order]
    first = np.empty(every.size, dtype=bool)  # where each term's places begin
    first[:1] = True
    np.not_equal(every[1:], every[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], every.size) if starts.size else starts
    distinct = every[starts]
    fit = kept.fits[distinct]
    group = np.cumsum(first) - 1  # each place's term, counted in the document
    # each place as the server keeps it: counted from 1, none past MAX_POSITION, the first
    # MAX_POSITIONS of a term, each once, in order
    shown = np.minimum(at + 1, MAX_POSITION)
    again = np.zeros(every.size, dtype=bool)
    again[1:] = ~first[1:] & (shown[1:] == shown[:-1])
    kept_place = fit[group] & (np.arange(every.size) - starts[group] < MAX_POSITIONS) & ~again
    dropped = bool((fit & ((ends - starts > MAX_POSITIONS) | (at[ends - 1] + 1 > MAX_POSITION))).any())
    places = (shown + (shown <= title_tokens) * WEIGHT_A)[kept_place].astype(">u2")
    counts = np.bincount(group[kept_place], minlength=starts.size)[fit]
    lexemes = distinct[fit]
    # each lexeme's entry: its bytes and NUL, its number of places, its places
    lengths = kept.lexeme_length[lexemes]
    sizes = lengths + 2 + 2 * counts
    begins = np.cumsum(sizes) - sizes + 4
    vector = np.empty(4 + int(sizes.sum()), dtype=np.uint8)
    vector[:4] = np.frombuffer(lexemes.size.to_bytes(4, "big"), dtype=np.uint8)
    vector[_spans(begins, lengths)] = kept.lexemes[_spans(kept.lexeme_start[lexemes], lengths)]
    after = begins + lengths
    vector[after] = counts >> 8
    vector[after + 1] = counts & 0xFF
    vector[_spans(after + 2, 2 * counts)] = places.view(np.uint8)
    return Vector(vector.tobytes()), lexemes, dropped


def _distinct(numbers: np.ndarray) -> np.ndarray:
    """The numbers, each once, sorted: np.unique's, in a quarter of its time on a document's
    few hundred (10 against 41 µs, numpy 2.4, which hashes them first)."""
    ordered = np.sort(numbers)
    return ordered[np.append(True, ordered[1:] != ordered[:-1])] if ordered.size else ordered


def _spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The places of the spans [start, start + length), one after the other."""
    return np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))


class _Numbered:
    """The tokens and terms this process has read, numbered (up to KEPT tokens, then begun
    again; its pairs up to PAIRS_KEPT, then those alone begun again): each token's term,
    whether that is one of the words pairs are made of, its cross-script keys' terms, its
    spelling word's number (-1 if none, or too long; the words in `spelled`); whether
    PostgreSQL takes each term, and its bytes and NUL, one after the other in `lexemes` (at
    lexeme_start, lexeme_length long). Threads read it without a lock: an entry is written
    before its number is given out, and an array that grows is replaced by a longer copy,
    never changed in place; the pairs begun again are a new dictionary."""

    # Counted between documents. With every word new and capitalised (two keys each) and every
    # two a new pair of keys, 250,000 tokens and 100,000 pairs held 374 MB (tracemalloc); the
    # benchmark's corpus, 106,000 tokens and 79,000 pairs after 25,000 documents, about 90 MB.
    # Begun again at 100,000 tokens or pairs, a process read each token 3.1 times over those
    # documents, the pairs at 100,000 and the tokens at 250,000 once: 0.79 against 0.99 ms a
    # document (stop 53).
    KEPT = 250_000  # tokens
    PAIRS_KEPT = 100_000  # pairs of either kind
    _now: _Numbered | None = None
    _adding = threading.Lock()

    def __init__(self) -> None:
        self.token_number: dict[str, int] = {}
        self.term_number: dict[str, int] = {}
        self.name: list[str] = []
        self.spelled: list[str] = []
        self.spelled_number: dict[str, int] = {}
        self.keys: list[tuple[int, ...]] = []
        self.paired: dict[int, bytes] = {}  # pairs_of(): b"" where PostgreSQL would not take it
        self.term = np.zeros(1024, dtype=np.int64)
        self.spelling = np.zeros(1024, dtype=np.int64)
        self.keyed = np.zeros(1024, dtype=bool)
        self.pairable = np.zeros(1024, dtype=bool)
        self.fits = np.zeros(1024, dtype=bool)
        self.lexemes = np.zeros(1 << 16, dtype=np.uint8)
        self.lexeme_start = np.zeros(1024, dtype=np.int64)
        self.lexeme_length = np.zeros(1024, dtype=np.int64)
        self.lexemes_used = 0

    @classmethod
    def now(cls) -> _Numbered:
        kept = cls._now
        if kept is None or len(kept.token_number) > cls.KEPT:
            cls._now = cls()
        elif len(kept.paired) > cls.PAIRS_KEPT:
            kept.paired = {}
        return cls._now

    def tokens_of(self, words: list[str]) -> np.ndarray:
        """The words' token numbers, the new ones numbered: read first, then numbered by one
        thread at a time (_numbering), each number given out once its entries are written."""
        numbers = self.token_number
        if new := set(words).difference(numbers):
            read = readings()
            found = {token: read(token) for token in new}
            with self._numbering():
                for token, reading in found.items():
                    if token not in numbers:
                        self._add_token(token, *reading)
        return np.fromiter(map(numbers.__getitem__, words), dtype=np.int64, count=len(words))

    @contextmanager
    def _numbering(self) -> Iterator[None]:
        """Number new entries, one thread at a time. Should numbering fail midway (an
        interrupt), later documents are numbered anew (_now), not by lists one entry short."""
        with self._adding:
            try:
                yield
            except BaseException:
                type(self)._now = None
                raise

    def _add_token(self, token: str, term: str, keys: tuple, spelled: str | None) -> None:
        term_number = self._term(term, term in pair_terms())
        key_numbers = tuple(self._term("~" + key, False) for key in keys)
        number = len(self.keys)
        self.term = _room(self.term, number)
        self.keyed = _room(self.keyed, number)
        self.spelling = _room(self.spelling, number)
        self.term[number] = term_number
        self.keyed[number] = bool(keys)
        self.spelling[number] = self._spelled(spelled) if spelled is not None and _fits(spelled) else -1
        self.keys.append(key_numbers)
        self.token_number[token] = number

    def _spelled(self, word: str) -> int:
        number = self.spelled_number.get(word)
        if number is None:
            number = self.spelled_number[word] = len(self.spelled)
            self.spelled.append(word)
        return number

    def terms_of(self, terms: Iterable[str]) -> np.ndarray:
        """The terms' numbers (of a document's facet values), the new ones numbered."""
        numbers = self.term_number
        if new := [term for term in terms if term not in numbers]:
            with self._numbering():
                for term in new:
                    self._term(term, False)
        return np.fromiter(map(numbers.__getitem__, terms), dtype=np.int64)

    def _term(self, term: str, pairable: bool) -> int:
        number = self.term_number.get(term)
        if number is None:
            number = len(self.name)
            self.pairable = _room(self.pairable, number)
            self.fits = _room(self.fits, number)
            self.pairable[number] = pairable
            self.fits[number] = _fits(term)
            if self.fits[number]:
                self._add_lexeme(number, term.encode() + b"\0")
            self.name.append(term)
            self.term_number[term] = number
        return number

    def _add_lexeme(self, number: int, data: bytes) -> None:
        used = self.lexemes_used
        while used + len(data) > self.lexemes.size:
            self.lexemes = _room(self.lexemes, self.lexemes.size)
        self.lexemes[used : used + len(data)] = np.frombuffer(data, dtype=np.uint8)
        self.lexeme_start = _room(self.lexeme_start, number)
        self.lexeme_length = _room(self.lexeme_length, number)
        self.lexeme_start[number], self.lexeme_length[number] = used, len(data)
        self.lexemes_used = used + len(data)

    @staticmethod
    def forked() -> None:
        """In a forked child: a lock of its own (another thread of the parent's may have held it)."""
        _Numbered._adding = threading.Lock()

    def keys_at(self, keyed: np.ndarray, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
        """The keys' terms and places of the capitalised words at `keyed`, and the pairs of
        keys of two side by side."""
        key_terms: list[int] = []
        key_places: list[int] = []
        pairs: list[tuple[int, int]] = []
        before, before_keys = -2, ()
        for place, token in zip(keyed.tolist(), tokens[keyed].tolist(), strict=True):
            keys = self.keys[token]
            key_terms.extend(keys)
            key_places.extend([place] * len(keys))
            if before == place - 1:
                pairs.extend((a, b) for a in before_keys for b in keys)
            before, before_keys = place, keys
        return np.array(key_terms, dtype=np.int64), np.array(key_places, dtype=np.int64), pairs

    def pairs_of(self, paired: list[int]) -> list[bytes | None]:
        """The entries (_entry()) of pairs of terms side by side (words, or keys), each given
        as its two numbers in one (the first's shifted left by 32 bits); b"" where PostgreSQL
        would not take it."""
        found = list(map(self.paired.get, paired))
        if None not in found:
            return found
        for index, entry in enumerate(found):
            if entry is None:
                number = paired[index]
                pair = f"{PAIR}{self.name[number >> 32]} {self.name[number & 0xFFFFFFFF]}"
                found[index] = self.paired[number] = _entry(pair) if _fits(pair) else b""
        return found


os.register_at_fork(after_in_child=_Numbered.forked)


def _room(array: np.ndarray, index: int) -> np.ndarray:
    """The array, twice as long where it has no place `index`."""
    if index < array.size:
        return array
    grown = np.zeros(array.size * 2, dtype=array.dtype)
    grown[: array.size] = array
    return grown


def _text_of(title: str, body: str) -> str:
    return f"{title}\n{body}"


# a row's columns, each with its type (the binary form COPY sends it in): the one list both
# statements that write rows are made from
_COLUMNS = {
    "id": "int4",
    "version": "text",
    "case": "text",
    "kind": "text",
    "language": "text",
    "published": "date",
    "events_start": "date",
    "events_end": "date",
    "facet_numbers": "bytea",
    "length": "int4",
    "rank": "tsvector",
    "title": "text",
    "spelling": "bytea",
    "terms": "tsvector",
    "every_place": "bool",
}
_NAMED = ", ".join(f'"{name}"' for name in _COLUMNS)
_UPSERT = (
    f"INSERT INTO search_index ({_NAMED}) VALUES ("  # noqa: S608 - the fixed column names; values are parameters
    + ", ".join(f"CAST(:{name} AS tsvector)" if kind == "tsvector" else f":{name}" for name, kind in _COLUMNS.items())
    + ") ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f'"{name}" = excluded."{name}"' for name in _COLUMNS if name != "id")
)
# a rebuild's rows, none of them in the table yet (_not_since, under the writers' lock), sent by
# binary COPY, each column in its type's binary form (the Vectors by _VectorDumper): 10,000 rows
# of the benchmark's corpus took 0.08-0.17 s of the command's time and 1.2-1.5 s of the
# server's, against 0.4-0.8 and 1.7-1.8 by _UPSERT (timed apart, in one transaction)
_COPY = f"COPY search_index ({_NAMED}) FROM STDIN (FORMAT BINARY)"


FACET_NUMBER = np.dtype(">u4")  # a facet value's number as a row holds it (migration 0033)
_FACET_NUMBER_MAX = int(np.iinfo(FACET_NUMBER).max)


def _facet_bytes(numbers: Iterable[int]) -> bytes:
    """A row's facet values' numbers, four bytes each; an archive with 4,294,967,296 terms or
    more is refused rather than counted wrongly."""
    found = np.fromiter(numbers, dtype=np.int64)
    if found.size and not 0 <= int(found.min()) <= int(found.max()) <= _FACET_NUMBER_MAX:
        raise ValueError("a facet value's number does not fit in four bytes")
    return found.astype(FACET_NUMBER).tobytes()


def _facet_counts(joined: bytes | None) -> dict[int, int]:
    """How many times each number is in every match's facet_numbers joined; none where they
    are not whole numbers (a row changed by hand): no facet shown, rather than a wrong one."""
    joined = joined or b""
    if len(joined) % FACET_NUMBER.itemsize:
        log.error("search_index: facet_numbers of a length no row writes (%d bytes joined)", len(joined))
        return {}
    numbers = np.frombuffer(joined, dtype=FACET_NUMBER)
    if not numbers.size:
        return {}
    low = int(numbers.min())
    if int(numbers.max()) - low < COUNTED_BY_PLACE:  # a count for each number between (0.2 ms)
        counts = np.bincount(numbers - low)
        values = np.flatnonzero(counts)
        return dict(zip((values + low).tolist(), counts[values].tolist(), strict=True))
    values, counts = np.unique(numbers, return_counts=True)  # (sorted: 2.7 ms for 173,000)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


COUNTED_BY_PLACE = 1 << 20  # facet numbers this close counted in an array of as many places


def _copy(connection, rows: list[dict]) -> None:
    """Write rows none of which the table holds, by binary COPY (_COPY), in the connection's
    transaction; the table's statement trigger fires as for an INSERT."""
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(_COPY) as copy:
        copy.set_types(list(_COLUMNS.values()))
        for row in rows:
            copy.write_row([row[name] for name in _COLUMNS])


_FACET_NAMES = "SELECT id, substr(term, 2) FROM search_terms WHERE id = ANY(CAST(:ids AS bigint[]))"


def _row(doc: IndexedDocument, analysed: Analysed, numbers: dict[str, int], spelling: bytes) -> dict:
    """The document's row; `numbers`: the vocabulary's number of each facet value (_numbered),
    `spelling`: search_words' numbers of its spelling words, _encoded()."""
    return {
        "id": doc.id,
        "version": doc.version,
        "case": doc.case,
        "kind": doc.kind,
        "language": doc.language,
        "published": doc.published,
        "events_start": doc.events_start,
        "events_end": doc.events_end,
        "facet_numbers": _facet_bytes(map(numbers.__getitem__, analysed.facets)),
        "length": analysed.length,
        "rank": analysed.rank,
        "title": doc.title,
        "spelling": spelling,
        "terms": analysed.terms,
        "every_place": analysed.every_place,
    }


def _write(
    connection, parts: Iterable[list[tuple[IndexedDocument, Analysed]]], rebuild: Rebuild | None = None
) -> tuple[int, Held | None]:
    """Write the parts' rows, and the vocabulary they add and take out, in the connection's
    transaction, once no other writer's is open (_lock_writes). How many rows, and, for a
    rebuild's part while the counts are still its own to make, how many of its rows hold each
    spelling word's number, for the rebuild to add once the part is committed (Rebuild); the
    words of the rows it replaces are taken out of search_spelling here, as every other change
    to the counts is."""
    _lock_writes(connection)
    generation = _plan_for_the_index(connection)  # (under the lock: no other writer's since)
    _sending_vectors(connection)
    state, mark = _spelling_state(connection)
    kept, known = None, None
    if rebuild is not None:
        if rebuild.own and mark == rebuild.mark:
            kept, known = {}, rebuild.known.at(generation)
        else:  # counted otherwise since (a repair, a clear, another rebuild): as every writer
            rebuild.own, rebuild.pending = False, {}
    if state != UNCOUNTED:
        _keep_spelling(connection)
    count, vocabulary, before, spelling = 0, set(), set(), _spelling()
    for part in parts:
        part = list({doc.id: (doc, analysed) for doc, analysed in part}.values())  # an id's last
        if rebuild is not None:
            part = _not_since(connection, part, rebuild.indexable)
        if not part:
            continue
        numbers = _numbered(connection, {value for _, analysed in part for value in analysed.facets})
        spelled = _used(analysed.spelling for _, analysed in part)
        words = _word_numbers(connection, _words_of(spelled), known)
        numbered = {id(table): (places, _numbers_of(table, places, words)) for table, places in spelled}
        word_numbers = [_spelling_of(analysed.spelling, numbered) for _, analysed in part]
        rows = [_row(doc, a, numbers, _encoded(n)) for (doc, a), n in zip(part, word_numbers, strict=True)]
        vocabulary |= _words_of(_used(analysed.vocabulary for _, analysed in part))
        ids = [row["id"] for row in rows]
        before |= _terms_of_rows(connection, ids)
        if state != UNCOUNTED and not _spelling_of_rows(connection, ids, spelling):
            state = UNCOUNTED  # (a row's word not numbered: counted again by a repair)
        if state != UNCOUNTED and kept is not None:  # (no row replaced: _not_since)
            _hold(kept, ((analysed.access, n) for (_, analysed), n in zip(part, word_numbers, strict=True)))
        elif state != UNCOUNTED:  # the words of the rows replaced (above), then the new rows'
            _add_spelling(spelling, _counted((analysed.access, analysed.spelling) for _, analysed in part))
        if rebuild is None:
            connection.execute(text(_UPSERT), rows)
        else:
            _copy(connection, rows)
        count += len(rows)
    if count:
        _add_terms(connection, vocabulary if known is None else known.adding(vocabulary))
        _forget_terms(connection, forgotten := before - vocabulary)
        _count_spelling(connection, spelling, state)
        generation = _next_generation(connection)
        if known is not None:
            known.written(generation, forgotten)
    return count, kept


class _Writing:
    """The writes of one PostgresSearch.writing(), in its transaction."""

    def __init__(self, connection, purge: bool):
        self.connection = connection
        self.purge = purge  # (ignored: a replaced or deleted row is read no more; vacuum reclaims it)
        self.count = 0

    def index(self, documents: Iterable[IndexedDocument]) -> int:
        count, _ = _write(self.connection, _parts(((doc, analyse(doc)) for doc in documents), WRITTEN))
        self.count += count
        return count

    def delete(self, ids: Iterable[int]) -> int:
        """Delete the rows, their terms from the vocabulary where no other row holds them, and
        their spelling words from the counts."""
        connection, ids = self.connection, list(ids)
        before = _terms_of_rows(connection, ids)
        state, _ = _spelling_state(connection)
        if state != UNCOUNTED:
            _keep_spelling(connection)
            taken = _spelling()
            if _spelling_of_rows(connection, ids, taken):
                _count_spelling(connection, taken, state)
        result = connection.execute(text("DELETE FROM search_index WHERE id = ANY(:ids)"), {"ids": ids})
        _forget_terms(connection, before)
        _next_generation(connection)
        return result.rowcount


@dataclass
class Rebuild:
    """A rebuild's spelling counts: how many of its rows hold each word, by the word's number
    (Held), kept in memory and added to search_spelling once it is done, while its mark
    (`rebuilding:…`, its own) stands. Should anything else make the counts meanwhile (a repair
    counting every row, a clear, another rebuild), they are dropped, and its later parts
    counted as every writer's are.

    Counting numbers, not words: merging each part's 55,000 words into the rebuild's counts
    was a Python loop, 6 s of the writing thread's 48 at 100,000 documents, and counting the
    part's words 7 s more. A number stays its word's while the mark stands: a word leaves
    search_words only where the counts are made (_FORGET_WORDS), or with every word no count
    holds (a repair, which makes them, and the rebuild's own end), or with all of them (a
    clear, another rebuild), each of which takes the mark away first; and numbers are never
    given again but after emptying search_words. The end checks it all the same
    (_count_held)."""

    mark: str
    indexable: Indexable | None = None  # rebuilding()'s: which documents the database still holds
    pending: Held = field(default_factory=dict)
    own: bool = True
    known: _Known = field(default_factory=lambda: _Known())


class _Known:
    """The spelling words a rebuild's parts have numbered in search_words, and the terms they
    have added to search_terms, kept from part to part, so that a part asks the server only for
    the words and terms no part before it held: each part sent all of its own (35,000 words
    and 27,000 terms), which the server looked up one by one, nearly all of them found.

    They are kept while the index is the rebuild's alone: they are dropped where its
    generation (read under the writers' lock) is not the one the rebuild's last part left,
    since another writer may have taken words or terms out meanwhile, and they are not used
    once the spelling counts are no longer the rebuild's own (Rebuild.own), where a word no
    count holds is taken out as it is given up. A part adds its own as it writes them; should
    it not be committed (committed()), they are all dropped at the next part."""

    # words, or terms, kept: begun anew past that (at that size, measured with tracemalloc, the
    # words with their strings and numbers about 290 MB, the terms with theirs about 180)
    MOST = 2_000_000

    def __init__(self) -> None:
        self.generation: int | None = None
        self.words: dict[str, int] = {}
        self.terms: set[str] = set()
        self._writing = False  # a part began (at()) and was not committed
        self._after: int | None = None  # the generation the part leaves

    def at(self, generation: int) -> _Known:
        """These, for a part written where the index's generation is `generation`."""
        if self._writing or generation != self.generation or max(len(self.words), len(self.terms)) > self.MOST:
            self.words, self.terms = {}, set()
        self.generation = self._after = generation
        self._writing = True
        return self

    def adding(self, terms: set[str]) -> set[str]:
        """Of this part's terms, those no part before it added (the vocabulary may lack them)."""
        new = terms.difference(self.terms)
        self.terms |= new
        return new

    def written(self, generation: int, forgotten: set[str]) -> None:
        """The part is written, leaving the index at `generation`, the terms `forgotten` taken
        out of the vocabulary where no row holds them any more."""
        self.terms -= forgotten
        self._after = generation

    def committed(self) -> None:
        """The part is committed: what it numbered and added is there for the parts after it."""
        self.generation, self._writing = self._after, False


def _not_since(connection, part: list[tuple[IndexedDocument, Analysed]], indexable: Indexable | None) -> list:
    """A rebuild's part, less the documents another writer indexed since it began (a copy
    read later: the row is there) and those the database no longer holds (`indexable`, asked
    now, under the writers' lock)."""
    ids = [doc.id for doc, _ in part]
    held = set(connection.execute(text("SELECT id FROM search_index WHERE id = ANY(:ids)"), {"ids": ids}).scalars())
    kept = set(ids) if indexable is None else indexable(ids)
    return [(doc, analysed) for doc, analysed in part if doc.id in kept and doc.id not in held]


# terms the vocabulary lacks: numbered only those (the writers' lock keeps out any other writer
# meanwhile; ON CONFLICT would take a number for every term already there); sent as an array,
# or as one text, a term a line, where none holds a line break or is empty (every term of the
# analysis: psycopg wrote a part's 60,000 terms in Python, 0.15 s of each part)
_ADD_TERMS = (
    "INSERT INTO search_terms (term) SELECT t FROM unnest(CAST(:terms AS text[])) AS t "
    "WHERE NOT EXISTS (SELECT 1 FROM search_terms s WHERE s.term = t)"
)
_ADD_TERM_LINES = _ADD_TERMS.replace("CAST(:terms AS text[])", "string_to_array(CAST(:terms AS text), chr(10))")


def _lines(values: Iterable[str]) -> str | None:
    """The values, sorted, as one text a value a line (string_to_array(…, chr(10)) gives them
    back); None where one is empty or holds a line break."""
    values = sorted(values)
    lines = "\n".join(values)
    return lines if values and values[0] and lines.count("\n") == len(values) - 1 else None


def _add_terms(connection, terms: Iterable[str]) -> None:
    terms = set(terms)
    if not terms:
        return
    if (lines := _lines(terms)) is not None:
        connection.execute(text(_ADD_TERM_LINES), {"terms": lines})
    else:  # a facet value with a line break in it (a tag, say), or empty
        connection.execute(text(_ADD_TERMS), {"terms": sorted(terms)})


def _numbered(connection, facets: set[str]) -> dict[str, int]:
    """The vocabulary's number of each facet value ("kind:testimony" -> the number of its term
    `=kind:testimony`), the terms added where new: a row holds its facet values' numbers,
    which a search counts (migration 0030). A number stays its value's while a row holds the
    term, which the vocabulary keeps while any row holds it (_forget_terms)."""
    if not facets:
        return {}
    terms = sorted("=" + value for value in facets)
    _add_terms(connection, terms)
    found = connection.execute(
        text("SELECT substr(term, 2), id FROM search_terms WHERE term = ANY(CAST(:terms AS text[]))"),
        {"terms": terms},
    )
    return dict(found.all())


WRITERS_LOCK = 7_236_110_523  # the advisory lock each transaction writing the search tables takes


REBUILD_LOCK = 7_236_110_524  # held by a rebuild for its whole length, an emptying, or a repair


@contextmanager
def _alone(engine: Engine) -> Iterator[None]:
    """Hold the rebuilds' lock until the context ends; RebuildUnderWay if another holds it.

    It is a session's lock, on a connection of its own outside any transaction: a transaction
    kept open for a whole rebuild held back the database's oldest snapshot, so that no vacuum
    could mark the rows written meanwhile visible to every transaction (_vacuum): measured,
    that idle transaction held the database's oldest xmin from before the rebuild's first row.
    It is released at the end, and the connection closed, never returned to the pool: should
    the release fail or never be reached (an interrupt), the server releases it with the
    connection, or with this process, killed (a rebuild's pool is forked before the
    connection is opened, and dies with it: _forked_pool). A pooler between the archive and
    the server must keep a session on one server connection (PgBouncer's session mode)."""
    with engine.connect() as connection:
        try:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text(_NO_IDLE_TIMEOUT))
            if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": REBUILD_LOCK}).scalar():
                raise RebuildUnderWay()
            try:
                yield
            finally:  # at once, not once the server notices the connection closed
                _unlock(connection)
        finally:
            connection.invalidate()


# the lock's connection is idle for a whole rebuild: not closed by the server meanwhile
# (idle_session_timeout, PostgreSQL 14 on), which would release the lock midway
_NO_IDLE_TIMEOUT = "SELECT set_config(name, '0', false) FROM pg_settings WHERE name = 'idle_session_timeout'"


def _unlock(connection) -> None:
    """Release the rebuilds' lock; where that fails (the connection lost), the error the
    rebuild may have raised is not hidden, and the server releases it with the connection."""
    try:
        released = connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": REBUILD_LOCK}).scalar()
    except SQLAlchemyError:
        log.warning("the rebuilds' lock was not released: its connection is closed", exc_info=True)
        return
    if not released:
        log.warning("the rebuilds' lock was no longer held at the end (its connection was lost meanwhile)")


def _lock_writes(connection) -> None:
    """Wait until no other transaction writes the search tables, and hold them until this one
    ends. A writer reads the terms a row held before it replaces it (so that a redacted name
    leaves the vocabulary): a row another transaction has written and not committed yet (a
    rebuild's part) is not there to read, and its name would stay. Writes are short (a
    document: about 10 ms; a rebuild's part of WRITTEN rows: a second or two)."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITERS_LOCK})


def _drop_gin(connection) -> None:
    """Drop the GIN index, and its partitions' by their names (_build_part's): one a killed
    build left, not yet the table's, would otherwise be kept up to date by a rebuild's writes,
    row by row, or taken by the next build whatever its expression."""
    parts = connection.execute(text(_PARTITIONS)).all()
    connection.execute(text("DROP INDEX IF EXISTS " + ", ".join([GIN_INDEX, *(index for _, index in parts)])))


def _gin_state(connection) -> str:
    """built, missing, or unfit (invalid, as a failed concurrent build leaves it, or of another
    expression than MATCHING's)."""
    found = connection.execute(
        text("SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index WHERE indexrelid = to_regclass(:name)"),
        {"name": GIN_INDEX},
    ).first()
    if found is None:
        return "missing"
    return "built" if found[0] and MATCHING in found[1] else "unfit"


def _forked_pool() -> ProcessPoolExecutor | None:
    """PROCESSES forked processes to analyse a rebuild's documents, forked now, before any
    thread of index() (none where other threads run: a fork copies none of them, and the
    documents are analysed in this process); each killed with this one (_die_with)."""
    if threading.active_count() != 1:
        return None
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(PROCESSES, mp_context=context, initializer=_die_with, initargs=(os.getpid(),))
    try:
        pool.submit(int).result()
    except BaseException:
        pool.shutdown(cancel_futures=True)
        raise
    return pool


def _die_with(parent: int) -> None:
    """In a process of a rebuild's pool: be killed with the command's process (PR_SET_PDEATHSIG,
    Linux), which otherwise, killed, leaves it waiting for work for ever, holding the sockets
    it inherited; gone at once if that process is gone already."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


PR_SET_PDEATHSIG = 1  # prctl(2)


@contextmanager
def _collected_seldom() -> Iterator[None]:
    """Python's cyclic collector run seldom while a rebuild runs, in this process and those it
    forks: every object there is so far frozen (gc.freeze(), as Python's documentation advises
    before a fork: not gone through again, nor its memory written to in a forked process), and
    the young ones gone through every YOUNG new objects instead of 700. A rebuild's chunks hold
    lists of thousands of words, which each young pass went through again: 10.9 s of the
    command's 42.4 CPU-s in a rebuild of 100,000 documents, 0.3 s so. Set back as it was after.
    (Whoosh's rebuild, timed so too, was no faster: 91.8 against 89.6 s.)"""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _analyse_all(documents: list[IndexedDocument]) -> list[Analysed]:
    """A chunk's analyses (in a process of a rebuild's pool), with tables of their own (_retabled)."""
    return _retabled([analyse(doc) for doc in documents])


def _parts(items: Iterator, size: int) -> Iterator[list]:
    items = iter(items)
    while part := list(itertools.islice(items, size)):
        yield part


class _WrittenBehind:
    """A rebuild's parts written in the order given by a thread of their own, while the caller
    reads and analyses the next ones: this process and its server took turns, each idle while
    the other worked. At most AHEAD parts wait. The writer's error is raised to the caller
    (at its next part, or at the end; logged where the caller failed too); an error of the
    caller's stops the writer after the part it is writing, the parts waiting left unwritten,
    as if the call had stopped there. The caller leaves only once the writer is done, however
    often interrupted (a second Ctrl-C): the rebuild's end must not run while a part is written."""

    AHEAD = 2

    def __init__(self, write: Callable[[list], int]):
        self._write = write
        self._waiting: queue.Queue = queue.Queue(self.AHEAD)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._stopped = False
        self._done = threading.Event()
        self.count = 0

    def __enter__(self) -> _WrittenBehind:
        return self

    def put(self, part: list) -> None:
        if self._thread is None:  # (no thread where there is nothing to write)
            thread = threading.Thread(target=self._run, name="search-rebuild-writer", daemon=True)
            thread.start()
            self._thread = thread
        while True:
            self._raise()
            try:
                self._waiting.put(part, timeout=0.1)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            while (part := self._waiting.get()) is not None:
                if self._stopped or self._error is not None:
                    continue  # (taken, not written, so that the caller is never kept waiting)
                try:
                    self.count += self._write(part)
                except BaseException as error:  # noqa: BLE001 - raised in the caller's thread
                    self._error = error
        finally:
            self._done.set()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def __exit__(self, kind, error, traceback) -> None:
        if self._thread is None:
            return
        self._stopped = kind is not None
        interrupted = self._finish()
        if kind is not None:
            if self._error is not None and self._error is not error:
                log.error("search rebuild: writing a part failed too", exc_info=self._error)
            return
        if interrupted is not None:
            raise interrupted
        self._raise()

    def _finish(self) -> BaseException | None:
        """Tell the writer there is no more and wait for it; the first interrupt meanwhile,
        which stops it after its part."""
        interrupted, told = None, False
        while not self._done.is_set():  # (Thread.join interrupted marks the thread ended in 3.11)
            try:
                if not told:
                    if self._stopped:  # the parts waiting taken out: not written
                        with contextlib.suppress(queue.Empty):
                            while True:
                                self._waiting.get_nowait()
                    self._waiting.put(None, timeout=0.1)
                    told = True
                self._done.wait(0.1)
            except queue.Full:
                continue
            except BaseException as error:  # noqa: BLE001 - raised once the writer is done
                interrupted = interrupted or error
                self._stopped = True
        self._thread.join()
        return interrupted


class PostgresSearch:
    """The PostgreSQL search backend, on the archive's database (migration 0009)."""

    rebuild_ending = (
        "every document written; now building the GIN index, which shows no progress "
        "(about half a minute for each 100,000 documents on two cores)"
    )

    def __init__(self, url_or_engine: str | Engine, cache: int = CACHE_SIZE):
        """Search through the archive's engine, or through an engine of its own for a URL;
        the results of the latest `cache` searches are kept (migration 0013's generation)."""
        self.cache = ResultCache(cache)
        self._rebuild: Rebuild | None = None  # within rebuilding(): its spelling counts
        self._pool = None  # ... the processes analysing the documents, if any
        self._owned = not isinstance(url_or_engine, Engine)
        if self._owned:
            from archive.storage.db import driver_url

            url_or_engine = create_engine(driver_url(url_or_engine), pool_pre_ping=True)
        self.engine = url_or_engine
        if self.engine.dialect.name != "postgresql":
            raise ValueError("ARCHIVE_SEARCH_BACKEND=postgres needs ARCHIVE_DATABASE_URL=postgresql://…")

    def warm(self) -> None:
        """Load the analysis's word lists, run a snippet's code, and open a connection before the
        first reader asks (a server's worker calls it at start; the pool gives its next search
        this connection), on which the server process reads the index's rows once and runs
        the statements of a search.

        A new server process maps each page of the shared buffers it touches for the first
        time: a common word's first search in it was 15-20 ms slower (79 against 62 ms, 11,000
        page faults, at 100,000 documents) until it had read the rows' pages once (a scan of
        them by their places: 0.1 s at 100,000, bounded by WARMED_ROWS). Its first statement
        of a kind looks up functions, operators and statistics: the searches of WARMING
        (matching nothing, they ask the spelling suggester too).

        Warming is for speed only: should the database refuse it (a lock held by a migration, a
        connection lost), the worker starts all the same (gunicorn would stop the whole server
        on a worker failing to start), and says so in the log by the error's kind alone."""
        from archive.search.analysis import warm

        warm()
        warm_snippets()
        try:
            with self.engine.connect() as connection:
                _plan_for_the_index(connection)
                if _gin_state(connection) != "built":
                    return  # a rebuild under way: a search reads every row until the GIN index is built
                connection.execute(text(_READ_ROWS), {"rows": WARMED_ROWS})
                for request in WARMING:  # in the same transaction: its settings hold
                    self._search(connection, request)  # not kept: the results cache is left alone
        except SQLAlchemyError as error:
            log.warning("search warm-up left undone: %s", type(error).__name__)

    def close(self) -> None:
        """Close the connections of an engine of its own (the archive's is the archive's)."""
        if self._owned:
            self.engine.dispose()

    # --- writing --------------------------------------------------------------------------

    @contextmanager
    def writing(self, purge: bool = False) -> Iterator[_Writing]:
        """One transaction, holding the writers' lock from the start (_lock_writes) until what
        is written inside is committed (`purge`: nothing to do, a row replaced is gone)."""
        with self.engine.begin() as connection:
            _plan_for_the_index(connection)
            _lock_writes(connection)
            writing = _Writing(connection, purge)
            yield writing
        if writing.count >= ANALYZE_AFTER:  # a bulk load: the planner must know the new rows
            with self.engine.begin() as connection:
                connection.execute(text("ANALYZE search_index"))

    def index(self, documents: Iterable[IndexedDocument], purge: bool = False) -> int:
        """Write the documents' rows in one transaction, WRITTEN at a time as they are analysed;
        during a rebuild, a transaction for each WRITTEN (so that another writer waits for one
        at most), analysed by the pool's processes and written by a thread of this one
        (_WrittenBehind) while it reads the next, and only the rows rebuilding() lets it write
        (_not_since)."""
        if self._rebuild is None:
            with self.writing(purge) as writing:
                return writing.index(documents)
        rebuild = self._rebuild
        with _WrittenBehind(functools.partial(self._write_part, rebuild)) as behind:
            for part in _parts(self._analysed(documents), WRITTEN):
                behind.put(part)
        return behind.count

    def _write_part(self, rebuild: Rebuild, part: list[tuple[IndexedDocument, Analysed]]) -> int:
        """A rebuild's part, in a transaction of its own."""
        with self.engine.begin() as connection:
            written, kept = _write(connection, [part], rebuild)
        if kept is not None and rebuild.own:  # (once its part is committed)
            _add_held(rebuild.pending, kept)
            rebuild.known.committed()
        return written

    def _analysed(self, documents: Iterable[IndexedDocument]) -> Iterator[tuple[IndexedDocument, Analysed]]:
        """Each document with its analysis: by this process, or, during a rebuild, by the pool's
        processes, a few chunks ahead of the one written."""
        if self._pool is None:
            for doc in documents:
                yield doc, analyse(doc)
            return
        ahead: deque = deque()
        for chunk in _parts(iter(documents), SENT):
            ahead.append((chunk, self._pool.submit(_analyse_all, chunk)))
            if len(ahead) > 2 * PROCESSES:
                chunk, result = ahead.popleft()
                yield from zip(chunk, result.result(), strict=True)
        while ahead:
            chunk, result = ahead.popleft()
            yield from zip(chunk, result.result(), strict=True)

    @contextmanager
    def rebuilding(self, indexable: Indexable | None = None) -> Iterator[None]:
        """A whole rebuild: the index emptied and its GIN index set aside while the rows are
        written, then built once from them (PostgreSQL's advice for loading a table; updating
        it row by row was three quarters of the server's work), the documents analysed by
        PROCESSES forked processes (in this one where other threads run: a fork copies none
        of them). Searches meanwhile read every row: slow, and correct; other writers wait
        for the part being written, and for the GIN index being built. The GIN index is
        built again even when the rebuild fails (a process of the pool killed included); should
        this process be killed before, `archive check-index` says so, and `--repair` builds it.

        The rows' spelling words are counted in this process and added to search_spelling once,
        at the end (adding each part's, 55,000 words and accesses, took 0.5 s a part: as long
        as writing it): suggestions and wildcards meanwhile wait for them (REBUILDING), as
        they do where the rebuild is killed before (`--repair` counts them from the rows).
        Should anything else make the counts meanwhile, the rebuild drops its own (Rebuild).

        A part's documents were read before the part's transaction took the lock: it writes
        those no other writer indexed since the rebuild began, and `indexable` says the
        database still holds (_not_since)."""
        from archive.search.analysis import warm

        warm()  # the word lists, loaded once, before the processes are forked
        with _collected_seldom():
            pool = _forked_pool()  # before the lock's connection is: a process holding its
            # socket would keep the lock past this one's death
            try:
                with self.alone():
                    yield from self._rebuilt(indexable, pool)
            finally:
                if pool is not None:
                    pool.shutdown(cancel_futures=True)

    def _rebuilt(self, indexable: Indexable | None, pool: ProcessPoolExecutor | None) -> Iterator[None]:
        with self.engine.begin() as connection:
            _lock_writes(connection)
            connection.execute(text(EMPTIED))
            rebuild = Rebuild(f"{REBUILDING}:{uuid.uuid4().hex}", indexable)
            _spelling_made(connection, rebuild.mark)
            _drop_gin(connection)
            _next_generation(connection)
        self._rebuild, self._pool = rebuild, pool
        try:
            yield
        finally:
            self._pool, self._rebuild = None, None
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            try:
                self._count_rebuilt(rebuild)
            finally:
                self._build_gin()

    def _count_rebuilt(self, rebuild: Rebuild) -> None:
        """Add the rebuild's spelling words to the counts other writers changed meanwhile, and
        mark them made, where its mark still stands (not made, where a number it holds lacks
        its word: _count_held); otherwise something else made them since (they are this
        analysis's), or took the mark away (they are to be made by a repair)."""
        with self.engine.begin() as connection:
            _lock_writes(connection)
            if not rebuild.own or _spelling_state(connection)[1] != rebuild.mark:
                return
            if not _count_held(connection, rebuild.pending):
                return
            connection.execute(text("DELETE FROM search_spelling WHERE rows <= 0"))
            connection.execute(text(_FORGET_ALL_WORDS))
            _spelling_made(connection)
            _next_generation(connection)

    def _build_gin(self) -> None:
        """Build the GIN index (again, where one is there but not fit: invalid, or of another
        expression), then vacuum the table (_vacuum).

        The table is partitioned (migration 0034), and PostgreSQL builds an index on one core:
        while one transaction holds the writers' lock, each partition's index is built on a
        connection of its own, PROCESSES at once, and then the table's, which finds them built
        and takes them as its own. A partition's index that a killed build left is taken too (it
        was kept up to date by every write since); one of another expression is not, and the
        table's index builds that partition's again. Each partition's statistics are made on its
        connection once its index is built, then the table's own, of its columns but the
        vectors (_TABLE_STATISTICS)."""
        with self.engine.begin() as connection:
            _lock_writes(connection)
            if _gin_state(connection) == "unfit":  # (dropped first: the partitions' builds
                _drop_gin(connection)  # would wait for its lock)
        with self.engine.begin() as connection:
            _lock_writes(connection)
            parts = connection.execute(text(_PARTITIONS)).all()
            apart = _gin_state(connection) == "missing" and len(parts) > 1
            if apart:
                with ThreadPoolExecutor(min(PROCESSES, len(parts))) as builders:
                    list(builders.map(lambda part: self._build_part(*part), parts))
            connection.execute(text(f"SET LOCAL maintenance_work_mem = '{GIN_BUILD_MEMORY}'"))
            connection.execute(text(CREATE_GIN))
            statistics = connection.execute(text(_TABLE_STATISTICS)).scalar_one() if apart else "ANALYZE search_index"
            connection.execute(text(statistics))
            _next_generation(connection)
        self._vacuum()

    def _build_part(self, part: str, index: str) -> None:
        """The GIN index of one partition (_build_gin), then its statistics (those of its
        index's expression, MATCHING's, among them), in a transaction of its own."""
        with self.engine.begin() as connection:
            connection.execute(text(f"SET LOCAL maintenance_work_mem = '{GIN_BUILD_MEMORY}'"))
            connection.execute(text(f"CREATE INDEX IF NOT EXISTS {index} ON {part} USING gin ({MATCHING})"))
            connection.execute(text(f"ANALYZE {part}"))

    def _vacuum(self) -> None:
        """Vacuum the rows a rebuild wrote, before the first search reads them: marked visible
        to every transaction (their hint bits, and the visibility map), which otherwise the first
        searches to read each page do (and the autovacuum meanwhile). Six facets' p95 right after
        a rebuild of 100,000 documents: 95-104 ms without, 82-90 with, for about 1 s of it.
        Where the table is held (another vacuum, an ANALYZE), it is skipped, not waited for.
        After a repair it runs before the repair writes the rows that lacked. The index is built
        and committed already: a failure here is logged, and the command goes on."""
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM (SKIP_LOCKED) search_index"))
        except SQLAlchemyError:
            log.warning("search_index was not vacuumed after its GIN index was built", exc_info=True)

    def lacking(self) -> list[str]:
        """The GIN index, where a rebuild killed midway left none (or one not fit for use); the
        spelling words' counts, where another analysis made them (or none did: migration 0031),
        or a rebuild has not added its own (under way, or killed midway)."""
        with self.engine.connect() as connection:
            state, counted = _gin_state(connection), _spelling_counted(connection)
        found = [] if state == "built" else [f"the GIN index {GIN_INDEX} ({state})"]
        return found if counted else [*found, "the spelling words' counts (search_spelling)"]

    def build_lacking(self) -> None:
        with self.engine.connect() as connection:
            state, counted = _gin_state(connection), _spelling_counted(connection)
        if state != "built":
            self._build_gin()
        if not counted:
            self._count_all_spelling()

    def _count_all_spelling(self) -> None:
        """Count every row's spelling words again, from the numbers it holds (RECOUNTED rows at
        a time), while no other writer writes (they wait for it); searches meanwhile read the
        counts before, not used (UNCOUNTED), without waiting. A number no word has (never, but
        for a table changed by hand) is counted nowhere and taken out of its row, so that
        replacing the row later takes out exactly what was counted."""
        with self.engine.begin() as connection:
            _lock_writes(connection)
            _keep_spelling(connection)  # (the rows mended below)
            connection.execute(text("DELETE FROM search_spelling"))
            counts, mended = _spelling(), []
            words = dict(connection.execute(text("SELECT id, word FROM search_words")).all())
            rows = connection.execute(text(_ROWS_SPELLING).execution_options(yield_per=RECOUNTED))
            for row_id, spelling, access in rows:
                numbers = _decoded(spelling).tolist()
                known = [n for n in numbers if n in words]
                counts[access].update(words[n] for n in known)
                if len(known) < len(numbers):
                    mended.append({"id": row_id, "spelling": _encoded(known)})
            if mended:
                log.error("search_index: %d rows held spelling word numbers search_words lacks", len(mended))
                connection.execute(text("UPDATE search_index SET spelling = :spelling WHERE id = :id"), mended)
            _count_spelling(connection, counts, COUNTED)  # (and marks them made)
            connection.execute(text(_FORGET_ALL_WORDS))
            _next_generation(connection)

    def delete(self, ids: Iterable[int]) -> int:
        with self.writing() as writing:
            return writing.delete(ids)

    def alone(self) -> AbstractContextManager[None]:
        """Hold the rebuilds' lock: RebuildUnderWay if a rebuild, an emptying or a repair holds it."""
        return _alone(self.engine)

    def clear(self) -> None:
        """Empty the index (not while a rebuild runs: RebuildUnderWay)."""
        with self.alone(), self.engine.begin() as connection:
            _lock_writes(connection)
            connection.execute(text(EMPTIED))
            _spelling_made(connection)
            _next_generation(connection)

    def versions(self) -> dict[int, str]:
        with self.engine.connect() as connection:
            return dict(connection.execute(text("SELECT id, version FROM search_index")).all())

    # --- searching ------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """One snapshot for every statement of a search (REPEATABLE READ: read only, never
        refused): the facet numbers counted are named, and the page's hits read, as the
        matches were, whatever writers commit meanwhile (a document taken out, and its tag's
        number with it)."""
        with self.engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")
            generation = _plan_for_the_index(connection)
            return self.cache.results(generation, request, lambda: self._search(connection, request))

    def _search(self, connection, request: SearchRequest) -> SearchResults:
        compiler = Compiler(connection, _allowed(request))
        tsquery = compiler.compile(lang.parse_query(request.q).tree)
        where, params = _where(request, tsquery, compiler.ranking(tsquery), compiler.checked(tsquery))
        if where is not None and "q" in params:
            params["boosted"] = [(compiler.ranking(q), boost) for q, boost in compiler.boosted]
        if where is None:
            return SearchResults([], 0, request.page, request.per_page)
        ranked, total, facets = self._matches(connection, request, where, params)
        hits = self._hits(connection, ranked)
        suggestion = None
        if total == 0 and request.q.strip():
            suggestion = self._suggest(connection, request)
        terms = frozenset(compiler.highlight_terms)
        return SearchResults(hits, total, request.page, request.per_page, facets, suggestion, terms=terms)

    @staticmethod
    def _matches(connection, request: SearchRequest, where: str, params: dict):
        """The page's (id, score) pairs, the number of matches and their facet counts, in one
        statement: the matching rows are read once."""
        order = "score DESC, id" if request.sort == "relevance" else "published DESC NULLS LAST, id"
        # ts_rank (term frequency, no normalisation) over the small vector, divided by 1 + the
        # logarithm of the text's length (whose positions that vector no longer counts), as
        # ts_rank's own length normalisation does; 0 for a query of no words
        score = "0"
        if "q" in params:
            # a word^n counts n times: its own rank added n - 1 more times
            boosts = params.pop("boosted", [])
            extra = "".join(f" + :boost{n} * ts_rank(rank, CAST(:boosted{n} AS tsquery))" for n in range(len(boosts)))
            for n, (query, boost) in enumerate(boosts):
                params.update({f"boost{n}": boost - 1, f"boosted{n}": query})
            score = f"(ts_rank(rank, CAST(:q AS tsquery)){extra}) / (1 + ln(length))"
        # every match's facet values' numbers joined (counted by _facet_counts: migration 0033)
        facets = "UNION ALL SELECT 2, 0, 0, NULL, string_agg(facet_numbers, '') FROM matched" if request.facets else ""
        # only the columns this request reads are kept of each match: copying every match's
        # facet values into the CTE made a common word's search a third slower (63 -> 44 ms
        # for 23,000 matches) when no facet is counted
        kept = "".join(
            (", published" if request.sort != "relevance" else "", ", facet_numbers" if request.facets else "")
        )
        sql = f"""
            WITH matched AS MATERIALIZED (
                SELECT id, {score} AS score{kept} FROM search_index
                WHERE {where})
            SELECT 0 AS part, id, score, CAST(row_number() OVER (ORDER BY {order}) AS text),
                CAST(NULL AS bytea)
            FROM (SELECT * FROM matched ORDER BY {order}
                  LIMIT :limit OFFSET :offset) page
            UNION ALL SELECT 1, count(*), 0, NULL, NULL FROM matched
            {facets}
        """  # noqa: S608 - built from fixed fragments; values are parameters
        start = (request.page - 1) * request.per_page
        rows = connection.execute(text(sql), {**params, "limit": request.per_page, "offset": start}).all()
        ranked = sorted((r for r in rows if r.part == 0), key=lambda r: int(r[3]))
        total = next(r.id for r in rows if r.part == 1)
        counts: dict[str, dict[str, int]] = {name: {} for name in FACETS} if request.facets else {}
        if request.facets:
            counted = _facet_counts(next(r[4] for r in rows if r.part == 2))
            # named in the statement's snapshot (search()): a number is its term's while a row holds it
            named = connection.execute(text(_FACET_NAMES), {"ids": list(counted)}) if counted else []
            for number, name_value in named:
                name, _, value = name_value.partition(":")
                counts[name][value] = counted[number]
        facets_ = {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in counts.items()}
        return [(r.id, float(r.score)) for r in ranked], total, facets_

    @staticmethod
    def _hits(connection, ranked: list[tuple[int, float]]) -> list[Hit]:
        """The page's hits (their snippets are made of the database's text once they are
        checked: search/query.py)."""
        if not ranked:
            return []
        rows = connection.execute(
            text(_PAGE_HITS),
            {"ids": [doc_id for doc_id, _ in ranked]},
        )
        by_id = {row.id: row for row in rows}
        return [
            Hit(
                id=doc_id,
                title=by_id[doc_id].title,
                snippet="",
                kind=by_id[doc_id].kind,
                language=by_id[doc_id].language,
                case=by_id[doc_id].case,
                published=by_id[doc_id].published,
                score=score,
                version=by_id[doc_id].version,
            )
            for doc_id, score in ranked
            if doc_id in by_id
        ]

    def _suggest(self, connection, request: SearchRequest) -> str | None:
        """Correct each word to the nearest spelling word of a document the reader may see
        (search_spelling); none while the counts are not this analysis's."""
        if not _spelling_counted(connection):
            return None
        allowed = _allowed(request)

        def visible(word: str) -> bool:
            return connection.execute(text(_VISIBLE_WORD), {"word": word, "allowed": allowed}).scalar()

        def near(word: str) -> list[str]:
            return connection.execute(
                text(_NEAR_WORDS),
                {"word": word, "low": len(word) - 2, "high": len(word) + 2, "allowed": allowed},
            ).scalars()

        return lang.suggest(request.q, visible, near)


_VISIBLE_WORD = (
    "SELECT EXISTS (SELECT 1 FROM search_spelling WHERE word = :word AND access = ANY(CAST(:allowed AS text[])) "
    "AND rows > 0)"
)
_NEAR_WORDS = (
    "SELECT word, min(levenshtein(word, :word)) AS distance FROM search_spelling "
    "WHERE access = ANY(CAST(:allowed AS text[])) AND rows > 0 AND length(word) BETWEEN :low AND :high "
    "AND levenshtein_less_equal(word, :word, 2) <= 2 GROUP BY word ORDER BY distance, word LIMIT 8"
)
WARMED_ROWS = 250_000  # rows warm() reads (at most a gigabyte or two of the table's pages)
# every row's page read, in the table's order (a range of places: no ring of a few buffers, as
# a scan of the whole table would use where it is larger than a quarter of the buffers)
_READ_ROWS = "SELECT count(length) FROM (SELECT length FROM search_index WHERE ctid >= '(0,0)' LIMIT :rows) r"
# what warm() asks: words no document holds (so no row is read), as a word with facets
# counted, and as a phrase filtered, dated and sorted by date
WARMING = (
    SearchRequest(q="qzxwarmq", facets=True),
    SearchRequest(
        q='"qzxwarmq qzxwarmr"',
        filters={"kind": "testimony"},
        date_from=date(2017, 1, 1),
        date_to=date(2017, 12, 31),
        sort="date",
        facets=False,
    ),
)


def _plan_for_the_index(connection) -> int:
    """Plan this transaction's `(rank || terms) @@ …` conditions on the GIN index, always; return the
    index's generation (in the same round trip).

    The vectors are stored out of line, so reading them row by row is never the cheaper way,
    yet the planner chose it for "is this word in any document I may see" (EXISTS): it
    expects one of the estimated matches early in the table, and when none exists it reads
    every row's vector, 400 ms instead of 1 at 100,000 documents. Generic plans (psycopg
    prepares a statement run five times) would not know how selective a query is either.

    JIT compilation is off too: a plan that must scan a table all the same carries the
    planner's penalty for a disabled scan in its cost, far above `jit_above_cost`, and LLVM then
    spent 50 ms compiling a one-row update."""
    return connection.exec_driver_sql(
        "SELECT set_config('enable_seqscan', 'off', true), "
        "set_config('plan_cache_mode', 'force_custom_plan', true), "
        "set_config('jit', 'off', true), "
        "(SELECT value FROM search_generation)"
    ).one()[3]


NEXT_GENERATION = "UPDATE search_generation SET value = value + 1 WHERE id = 1 RETURNING value"


def _next_generation(connection) -> int:
    """Mark the index changed, in the writer's transaction: every process's kept results of
    the version before are of no more use from its commit on (archive/search/cache.py). The
    index's generation now."""
    return connection.execute(text(NEXT_GENERATION)).scalar_one()


def _terms_of_rows(connection, ids: list[int]) -> set[str]:
    """The terms the index holds for these documents now (before they are replaced) that the
    vocabulary may hold too: not the pairs of common words, which it never holds (checking
    whether each is still held elsewhere had an update take three times as long), nor who may
    see them (`=access:…`: checking that one, held by most documents, was 20 of an update's 29
    ms at 100,000 documents: GIN builds the whole list before EXISTS sees a row)."""
    sql = f"SELECT DISTINCT unnest(tsvector_to_array({MATCHING})) FROM search_index WHERE id = ANY(:ids)"  # noqa: S608
    found = connection.execute(text(sql), {"ids": ids}).scalars()
    return {t for t in found if not t.startswith((PAIR, ACCESS, OLD_SPELLING))}


OLD_SPELLING = "!"  # a spelling word in a row written before migration 0031 (never in the vocabulary)
# a row's spelling words' numbers and who may see it (its access lexeme: `terms` holds one)
_ROWS_SPELLING = (
    "SELECT id, spelling, (SELECT a FROM unnest(tsvector_to_array(terms)) a "
    "WHERE starts_with(a, '=access:') LIMIT 1) AS access FROM search_index"
)


# the states of search_spelling's counts (search_generation.spelling: the analysis that made
# them, or a rebuild's mark): made by this analysis, the rebuild's own to be added, not made
COUNTED, REBUILDING, UNCOUNTED = "counted", "rebuilding", "uncounted"  # (a rebuild's mark: "rebuilding:…")
_SPELLING_STATE = (
    "SELECT CASE WHEN spelling = :version THEN 'counted' WHEN starts_with(spelling, 'rebuilding:') "
    "THEN 'rebuilding' WHEN NOT EXISTS (SELECT 1 FROM search_index) AND NOT EXISTS "
    "(SELECT 1 FROM search_spelling) AND NOT EXISTS (SELECT 1 FROM search_words) THEN 'counted' "
    "ELSE 'uncounted' END, spelling "
    "FROM search_generation WHERE id = 1"
)
Spelling = defaultdict  # access lexeme -> Counter of spelling words (a change to the counts)


def _spelling() -> Spelling:
    return defaultdict(Counter)


def _add_spelling(into: Spelling, change: Spelling) -> None:
    for access, words in change.items():
        into[access].update(words)


def _spelling_state(connection) -> tuple[str, str | None]:
    """The state of search_spelling's counts, and their mark (search_generation.spelling).

    COUNTED: they are this analysis's (a rebuild, a recount, or writes since the index was
    empty made them): a row's words are taken out by the numbers it holds, the words it was
    counted with. An empty index with no counts and no numbered word (a new archive) is
    counted, whatever made it (words numbered with no row left to hold them are not: a
    repair takes them out of search_words). REBUILDING: a rebuild (whose mark it is) keeps its rows' words
    to add once it is done; other writers meanwhile add theirs, and take out theirs below
    nothing (a row the rebuild wrote, rewritten). UNCOUNTED: neither (another analysis made
    them, or none did, or a rebuild was killed before it added its own, or a writer that does
    not keep them changed rows: the trigger of migration 0031 took the mark away)."""
    found = connection.execute(text(_SPELLING_STATE), {"version": ANALYSIS_VERSION}).first()
    return (UNCOUNTED, None) if found is None else (found[0], found[1])


def _spelling_counted(connection) -> bool:
    return _spelling_state(connection)[0] == COUNTED


def _keep_spelling(connection) -> None:
    """Say, for this transaction, that its writes to search_index keep the spelling counts:
    without it, migration 0031's trigger takes their mark away (a writer of another release,
    or one that does not count them, would leave words counted that no row holds)."""
    connection.execute(text("SELECT set_config('archive.spelling', 'kept', true)"))


def _spelling_of_rows(connection, ids: list[int], change: Spelling) -> bool:
    """Take out of `change` the spelling words of these rows (before they are replaced or
    deleted), by their numbers. Whether every number was found: where one was not (never,
    while the counts hold: a word leaves search_words with its last count), the counts are
    marked not made, and suggestions and wildcards wait for a repair to count them again."""
    rows = connection.execute(text(_ROWS_SPELLING + " WHERE id = ANY(:ids)"), {"ids": ids}).all()
    numbers = sorted({int(n) for _, spelling, _ in rows for n in _decoded(spelling)})
    words = dict(connection.execute(text(_WORDS_NUMBERED), {"numbers": numbers}).all()) if numbers else {}
    if len(words) < len(numbers):
        log.error("search_index rows hold %d spelling word numbers search_words lacks", len(numbers) - len(words))
        _spelling_made(connection, None)
        return False
    for _, spelling, access in rows:
        change[access].subtract(words[int(n)] for n in _decoded(spelling))
    return True


_WORDS_NUMBERED = "SELECT id, word FROM search_words WHERE id = ANY(CAST(:numbers AS integer[]))"
# each word's number, the words search_words lacks numbered first (in one statement: the
# SELECT does not see the rows the INSERT adds, so each word is in one of the two); the words
# sent as one text, a word a line, and given back so with their numbers in the same order:
# psycopg wrote a part's list of 25,000 words twice, and read 25,000 rows, in Python (4.5 s of
# a rebuild's main process every 10,000 documents)
_NUMBER_WORDS = (
    "WITH added AS (INSERT INTO search_words (word) SELECT w FROM unnest(string_to_array(CAST(:words AS text), "
    "chr(10))) AS w WHERE NOT EXISTS (SELECT 1 FROM search_words s WHERE s.word = w) RETURNING word, id), "
    "numbered AS (SELECT word, id FROM added UNION ALL "
    "SELECT word, id FROM search_words WHERE word = ANY(string_to_array(CAST(:words AS text), chr(10)))) "
    "SELECT string_agg(word, chr(10) ORDER BY word), string_agg(CAST(id AS text), ',' ORDER BY word) FROM numbered"
)


def _word_numbers(connection, words: set[str], known: _Known | None = None) -> dict[str, int]:
    """search_words' number of each spelling word, numbered where new (the writers' lock keeps
    out any other writer meanwhile). A row holds its words' numbers (`spelling`: _encoded), so
    that the words are taken out of the counts when it is replaced or deleted, without the
    row keeping its text: a number stays its word's while any count holds the word
    (_FORGET_WORDS). A spelling word is a token's letters (TOKEN_PATTERN): never a line break.
    A rebuild's part asks only for the words no part before it numbered (`known`), and gives
    back every word known so far."""
    found = {} if known is None else known.words
    asked = words.difference(found)
    if not asked:
        return found
    if (lines := _lines(asked)) is None:
        raise ValueError("a spelling word is empty or holds a line break")
    named, numbers = connection.execute(text(_NUMBER_WORDS), {"words": lines}).one()
    found.update(zip(named.split("\n"), map(int, numbers.split(",")), strict=True))
    return found


def _numbers_of(table: list[str], places: np.ndarray, words: dict[str, int]) -> np.ndarray:
    """search_words' numbers (`words`: _word_numbers()) of the table's words at the places."""
    return np.fromiter(map(words.__getitem__, map(table.__getitem__, places.tolist())), np.int64, places.size)


def _spelling_of(held: Words, numbered: dict[int, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """A row's spelling words' numbers (it holds them _encoded()): `numbered` gives, for each
    table by its id, the places some row of the part holds, sorted, and their words' numbers."""
    places, numbers = numbered[id(held.table)]
    return numbers[np.searchsorted(places, held.at)]


Held = dict  # access lexeme -> how many of a rebuild's rows hold each search_words number (by number)


def _hold(into: Held, rows: Iterable[tuple[str, np.ndarray]]) -> None:
    """Count the rows' spelling words' numbers (each row's access, and numbers) into `into`.
    Indexed by number: search_words is numbered from 1 again as a rebuild begins (EMPTIED),
    so each access's counts are as long as the words numbered since, 8 bytes each."""
    grouped: dict[str, list[np.ndarray]] = {}
    for access, numbers in rows:
        grouped.setdefault(access, []).append(numbers)
    _add_held(into, {access: np.bincount(np.concatenate(every)) for access, every in grouped.items()})


def _add_held(into: Held, change: Held) -> None:
    for access, counts in change.items():
        held = into.get(access)
        if held is None or held.size < counts.size:
            grown = np.zeros(counts.size, np.int64)
            if held is not None:
                grown[: held.size] = held
            into[access] = held = grown
        held[: counts.size] += counts


# a rebuild's counts added by number, joined with search_words for each number's word; a
# number search_words lacks (never: Rebuild) gives no row, which the end tells by the count
_COUNT_HELD = (
    "INSERT INTO search_spelling (word, access, rows) SELECT w.word, c.access, c.rows FROM "
    "unnest(CAST(:numbers AS integer[]), CAST(:access AS text[]), CAST(:rows AS integer[])) "
    "AS c(number, access, rows) JOIN search_words w ON w.id = c.number "
    "ON CONFLICT (word, access) DO UPDATE SET rows = search_spelling.rows + excluded.rows"
)


def _count_held(connection, held: Held) -> bool:
    """Add a rebuild's counts (Held) to search_spelling, COUNTED_AT_ONCE at a time. Whether
    every number was a word's: where one was not, the counts are marked not made (suggestions
    and wildcards wait for a repair to count them from the rows)."""
    numbers, access, rows = [], [], []
    for key, by_number in held.items():
        found = np.flatnonzero(by_number)
        numbers.append(found)
        access.extend([key] * found.size)
        rows.append(by_number[found])
    every, counts = (np.concatenate(a) if a else np.empty(0, np.int64) for a in (numbers, rows))
    added = 0
    for start in range(0, every.size, COUNTED_AT_ONCE):
        end = start + COUNTED_AT_ONCE
        result = connection.execute(
            text(_COUNT_HELD),
            {"numbers": every[start:end].tolist(), "access": access[start:end], "rows": counts[start:end].tolist()},
        )
        added += result.rowcount
    if added < every.size:
        log.error("a rebuild's rows hold %d spelling word numbers search_words lacks", every.size - added)
        _spelling_made(connection, None)
        return False
    return True


def _encoded(numbers: Iterable[int] | np.ndarray) -> bytes:
    """Word numbers as a row holds them: sorted, as the differences between each and the one
    before, two bytes each where all fit, four otherwise (the first byte says which): about
    450 bytes for a document's 200 words, where its text took 2.2 KB compressed."""
    found = np.sort(numbers if isinstance(numbers, np.ndarray) else np.fromiter(numbers, dtype=np.int64))
    gaps = found.copy()
    gaps[1:] -= found[:-1]  # (np.diff with prepend=0, in a fifth of its time)
    width = 2 if not gaps.size or int(gaps.max()) < 1 << 16 else 4
    return bytes([width]) + gaps.astype(f"<u{width}").tobytes()


def _decoded(encoded: bytes) -> np.ndarray:
    """The numbers _encoded() wrote."""
    encoded = bytes(encoded)
    return np.frombuffer(encoded, f"<u{encoded[0]}", offset=1).astype(np.int64).cumsum()


# the words no count holds any more (of these, or of all): a redacted name must not stay
_FORGET_WORDS = (
    "DELETE FROM search_words w WHERE w.word = ANY(CAST(:words AS text[])) "
    "AND NOT EXISTS (SELECT 1 FROM search_spelling s WHERE s.word = w.word)"
)
_FORGET_ALL_WORDS = (
    "DELETE FROM search_words w WHERE NOT EXISTS (SELECT 1 FROM search_spelling s WHERE s.word = w.word)"
)


_COUNT_SPELLING = (
    "INSERT INTO search_spelling (word, access, rows) SELECT * FROM unnest(CAST(:words AS text[]), "
    "CAST(:access AS text[]), CAST(:rows AS integer[])) ON CONFLICT (word, access) "
    "DO UPDATE SET rows = search_spelling.rows + excluded.rows"
)
_UNCOUNTED = (
    "DELETE FROM search_spelling WHERE rows <= 0 AND (word, access) IN "
    "(SELECT * FROM unnest(CAST(:words AS text[]), CAST(:access AS text[])))"
)


def _count_spelling(connection, change: Spelling, state: str) -> None:
    """Add to search_spelling's counts (access -> word -> rows more or fewer), COUNTED_AT_ONCE
    at a time; where they are COUNTED, a word no row of that access holds any more leaves
    them, and they are marked as this analysis's (they were, or the index was empty). Nothing
    where they are UNCOUNTED."""
    if state == UNCOUNTED:
        return
    changed = [(word, access, n) for access, words in change.items() for word, n in words.items() if n]
    # the words some row gave up (a net 0 included: numbered and given up by one write, its
    # two copies of one document in two parts)
    given_up = sorted({word for words in change.values() for word, n in words.items() if n <= 0})
    for start in range(0, len(changed), COUNTED_AT_ONCE):
        part = changed[start : start + COUNTED_AT_ONCE]
        words, access, rows = (list(column) for column in zip(*part, strict=True))
        connection.execute(text(_COUNT_SPELLING), {"words": words, "access": access, "rows": rows})
        fewer = [(w, a) for w, a, n in part if n < 0]
        if fewer and state == COUNTED:
            connection.execute(text(_UNCOUNTED), {"words": [w for w, _ in fewer], "access": [a for _, a in fewer]})
    if state == COUNTED:
        # once every count is added: a word a row gives up under one access may be counted
        # under another in a later part (the row rewritten), and the new row holds its number
        for start in range(0, len(given_up), COUNTED_AT_ONCE):
            connection.execute(text(_FORGET_WORDS), {"words": given_up[start : start + COUNTED_AT_ONCE]})
        _spelling_made(connection)


def _spelling_made(connection, mark: str | None = ANALYSIS_VERSION) -> None:
    """Mark search_spelling's counts: this analysis's, a rebuild's (REBUILDING), or not made
    (None), in the transaction that made them so."""
    connection.execute(text("UPDATE search_generation SET spelling = :mark WHERE id = 1"), {"mark": mark})


def _forget_terms(connection, terms: set[str]) -> None:
    """Take out of the vocabulary the terms no document holds any more: a redacted name must
    not stay in the index as a word that fuzzy terms or suggestions could reach.

    A term is looked for first among the PROBED newest rows, then, where none holds it, by the
    GIN index: the index lists every document holding a term before EXISTS sees one (a common
    word of a replaced title: 10-40 ms each at 100,000 documents), while a common word is all
    but always among a few rows, and a rare one is a short list. Either way the answer is
    exact."""
    if not terms:
        return
    terms_ = sorted(terms)
    probe = f"SELECT {MATCHING} AS vector FROM search_index ORDER BY id DESC LIMIT {PROBED}"  # noqa: S608
    held = f"SELECT 1 FROM search_index WHERE {MATCHING} @@ CAST(r.q AS tsquery)"  # noqa: S608 - fixed text
    sql = (
        f"WITH probe AS MATERIALIZED ({probe}) "  # noqa: S608 - fixed text
        "DELETE FROM search_terms WHERE term IN (SELECT r.term FROM "
        "unnest(CAST(:terms AS text[]), CAST(:queries AS text[])) AS r(term, q) "
        "WHERE CASE WHEN EXISTS (SELECT 1 FROM probe WHERE vector @@ CAST(r.q AS tsquery)) THEN false "
        f"ELSE NOT EXISTS ({held}) END)"
    )
    connection.execute(
        text(sql),
        {"terms": terms_, "queries": [_quote(t) for t in terms_]},
    )


def _allowed(request: SearchRequest) -> list[str]:
    """The access lexemes of the documents the reader may see."""
    return [access_lexeme(c, s) for c in request.consents for s in request.statuses]


def _access(request: SearchRequest) -> str:
    """What the reader may see, as a tsquery of access lexemes."""
    return "(" + " | ".join(_quote(lexeme) for lexeme in _allowed(request)) + ")"


def _where(request: SearchRequest, tsquery, ranking=None, checked=None) -> tuple[str | None, dict]:
    """The SQL condition for the request (access, filters, dates, query); None: no match.
    `ranking`: the query as the ranking vector is asked it (Compiler.ranking), if not the same;
    `checked`: (the query the index answers without reading a vector, the phrases the ranking
    vector is asked, the phrases as written), when the query's phrases are checked there
    (Compiler.checked).

    Access and facet filters are lexemes of the matching vector: the GIN index answers them
    together with the words, so rows the reader may not see are not even read."""
    if tsquery is _NOTHING or not (request.consents and request.statuses):
        return None, {}
    parts = [_access(request)]
    params: dict = {}
    if tsquery is not _EVERYTHING:
        parts.append(checked[0] if checked else tsquery)
        params["q"] = ranking or tsquery  # ranked on the words alone
    for name, value in sorted(request.filters.items()):
        if value in (None, "") or name not in FACETS:
            continue
        lexeme = _lexeme(f"={name}:{value}")
        if lexeme is _NOTHING:
            return None, {}
        parts.append(lexeme)
    clauses = [f"{MATCHING} @@ CAST(:match AS tsquery)"]
    params["match"] = " & ".join(parts)
    if checked and tsquery is not _EVERYTHING:
        # a row whose ranking vector lacks places (a text too long; written before revision
        # 0027) is checked in the matching vector, as the query is written
        clauses.append(
            "CASE WHEN every_place THEN rank @@ CAST(:phrases AS tsquery) "
            f"ELSE {MATCHING} @@ CAST(:strict AS tsquery) END"
        )
        params.update(phrases=checked[1], strict=checked[2])
    if request.among is not None:
        if not request.among:
            return None, {}
        clauses.append("id = ANY(:among)")
        params["among"] = list(request.among)
    if request.date_from or request.date_to:
        clauses.append("events_start IS NOT NULL")
        if request.date_to:
            clauses.append("events_start <= :date_to")
            params["date_to"] = request.date_to
        if request.date_from:
            clauses.append("events_end >= :date_from")
            params["date_from"] = request.date_from
    return " AND ".join(clauses), params


# a wildcard while search_spelling's counts are another analysis's (until a repair counts them)
UNCOUNTED_WILDCARD = N_("cannot use * or ? inside a word until the search index is ready; try again later")


class Compiler:
    """The query language (archive/search/language.py) compiled for PostgreSQL: a tree as a
    tsquery literal, or _EVERYTHING/_NOTHING; it collects the terms that may match, for the
    snippets. Prefix and fuzzy terms are expanded from the `search_terms` vocabulary, wildcards
    from the spelling words of the documents the reader may see (`allowed`: access lexemes)."""

    def __init__(self, connection, allowed: list[str]):
        self.connection = connection
        self.allowed = allowed
        self.highlight_terms: set[tuple[str, str]] = set()
        self.boosted: list[tuple[str, float]] = []  # (tsquery, weight) of each word^n
        self._ranked_as: list[tuple[str, str]] = []  # (pair lexemes, the phrase) for ranking
        self._placed: list[tuple[str, str]] = []  # (a phrase by places, its words) (checked())
        self._top: set[int] = set()  # the phrases the whole query requires (checked())
        self._required: list[str] = []  # ... as compiled, where one is checked by places
        self._elsewhere = False  # a phrase checked by places elsewhere in the query

    def compile(self, node, negated: bool = False):
        if not self._top and not negated:  # the query's root: the phrases it requires
            parts = node.parts if isinstance(node, lang.And) else [node]
            self._top = {id(part) for part in parts if isinstance(part, lang.Phrase)} or {0}
        compiled = self._compile(node, negated)
        boost = getattr(node, "boost", 1.0)
        if boost != 1.0 and not negated and compiled not in (_EVERYTHING, _NOTHING):
            self.boosted.append((compiled, boost))
        return compiled

    def _compile(self, node, negated: bool):
        if isinstance(node, lang.Word):
            text_, keys = lang.text_term(node.text), lang.fold_terms(node.text)
            self._highlight(negated, ("text", text_), *(("fold", key) for key in keys))
            return _combine([_lexeme(text_), *(_lexeme("~" + key) for key in keys)], "|")
        if isinstance(node, lang.Phrase):
            stems, keys = [lang.text_term(w) for w in node.words], [lang.fold_term(w) for w in node.words]
            self._highlight(negated, *(("text", w) for w in stems), *(("fold", k) for k in keys))
            placed = len(self._placed)
            compiled = _combine([self._phrase(stems, pair_terms()), self._phrase(["~" + k for k in keys])], "|")
            if len(self._placed) > placed:  # a phrase checked by its words' places
                if id(node) in self._top and not negated and isinstance(compiled, str):
                    self._required.append(compiled)
                else:
                    self._elsewhere = True
            return compiled
        if isinstance(node, (lang.Prefix, lang.Fuzzy)):
            words = self._vocabulary(node)
            self._highlight(negated, *(("text", w) for w in words))
            return _combine([_quote(w) for w in words], "|")
        if isinstance(node, lang.Wildcard):  # each word it stands for, as a word is found: by its stem
            stems = list(dict.fromkeys(lang.text_term(w) for w in self._vocabulary(node)))
            self._highlight(negated, *(("text", stem) for stem in stems))
            return _combine([_lexeme(stem) for stem in stems], "|")
        if isinstance(node, lang.Field):
            return _lexeme(f"={node.facet}:{node.value}")
        if isinstance(node, lang.Range):
            namespace = f"={node.facet}:"
            found = self.connection.execute(
                text(
                    "SELECT term FROM search_terms WHERE term LIKE :start "
                    "AND (:low = '' OR term >= :low) AND (:high = '' OR term <= :high) ORDER BY term LIMIT :n"
                ),
                {
                    "start": escape_like(namespace) + "%",
                    "low": namespace + node.low if node.low else "",
                    "high": namespace + node.high if node.high else "",
                    "n": lang.MAX_EXPANSION,
                },
            ).scalars()
            values = [term[len(namespace) :] for term in found]
            return _combine([_quote(namespace + v) for v in values if node.holds(v)], "|")
        if isinstance(node, lang.And):
            return _combine([self.compile(part, negated) for part in node.parts], "&")
        if isinstance(node, lang.Or):
            return _combine([self.compile(part, negated) for part in node.parts], "|")
        if isinstance(node, lang.Not):
            return _not(self.compile(node.part, not negated))
        if isinstance(node, lang.Everything):
            return _EVERYTHING
        if isinstance(node, lang.Nothing):
            return _NOTHING
        raise TypeError(f"not a query node: {node!r}")

    def _phrase(self, lexemes: list[str], pairable: frozenset[str] | None = None) -> str:
        """A phrase of lexemes side by side. Where each two of them side by side are a lexeme
        of their own (analyse(): any two cross-script keys, and two words of `pairable`), the
        phrase is found by the index alone: `<->` has PostgreSQL read and check the whole
        vector of every document holding all the words ("of the": half the collection; "The"
        and "For", capitalised somewhere in most documents). A longer phrase is checked only
        in the documents holding each of its pairs. Ranked as the phrase it is (ranking())."""
        if not all(_fits(w) for w in lexemes):  # a word no document holds (analyse)
            return _NOTHING
        phrase = "(" + " <-> ".join(_quote(w) for w in lexemes) + ")"
        placed = (phrase, "(" + " & ".join(_quote(w) for w in lexemes) + ")")  # see checked()
        pairs = [f"{PAIR}{a} {b}" for a, b in zip(lexemes, lexemes[1:], strict=False)]
        if len(lexemes) < 2:
            return phrase
        if (pairable is not None and any(w not in pairable for w in lexemes)) or not all(_fits(p) for p in pairs):
            self._placed.append(placed)  # (a pair too long is left out of the vectors too)
            return phrase
        pairs = [_quote(pair) for pair in pairs]
        found = "(" + " & ".join(pairs + ([phrase] if len(lexemes) > 2 else [])) + ")"
        self._ranked_as.append((found, phrase))
        if len(lexemes) > 2:
            self._placed.append(placed)
        return found

    def checked(self, compiled) -> tuple[str, str, str] | None:
        """Where the phrases checked by their words' places are all ones the whole query
        requires (the query is such a phrase, or an AND of parts some of which are): the query
        with each of them as its words alone (`a & b`: the GIN index answers it without reading
        any row's vector), and the phrases as the ranking vector (stored in the row, with every
        position) is asked them. `<->` in the matching vector had PostgreSQL read, for each
        document holding the words, that vector from out of the row (9 KB in five pieces: 40
        ms for 2,600 documents). None: no such phrase, or one elsewhere (under OR or NOT),
        where the matching vector checks them all. A row whose ranking vector lacks places
        (not `every_place`) is checked in the matching vector all the same (_where)."""
        if self._elsewhere or not self._required or not isinstance(compiled, str):
            return None
        loose = compiled
        for phrase, words in self._placed:
            loose = loose.replace(phrase, words)
        # (the phrases as written too, for a row whose ranking vector lacks places: with the
        # loosened query, they are the query)
        return loose, " & ".join(self.ranking(part) for part in self._required), " & ".join(self._required)

    def ranking(self, compiled) -> str:
        """The compiled query as the ranking vector is asked it: pair lexemes are not in that
        vector, so their phrases are ranked by their words."""
        if not isinstance(compiled, str):
            return compiled
        for found, phrase in self._ranked_as:
            compiled = compiled.replace(found, phrase)
        return compiled

    def _highlight(self, negated: bool, *terms: tuple[str, str]) -> None:
        if not negated:
            self.highlight_terms.update(terms)

    def _vocabulary(self, node) -> list[str]:
        """The stems of the vocabulary a prefix or fuzzy term stands for (the terms with no
        namespace mark: not ~keys or =facets), or the spelling words a wildcard does."""
        plain = "left(term, 1) NOT IN ('~', '!', '=')"
        if isinstance(node, lang.Fuzzy):
            sql = (
                f"SELECT term FROM search_terms WHERE term LIKE :start AND {plain} "  # noqa: S608 - fixed text
                "AND levenshtein_less_equal(term, :value, :d) <= :d ORDER BY term LIMIT :n"
            )
            value = lang.text_term(node.text)
            params = {"start": escape_like(value[: node.prefix]) + "%", "value": value, "d": node.distance}
        elif isinstance(node, lang.Prefix):
            stemmed = lang.text_term(node.text)  # "detained*" also finds the stem "detain"
            start = stemmed if node.text.startswith(stemmed) else node.text
            sql = f"SELECT term FROM search_terms WHERE term LIKE :start AND {plain} ORDER BY term LIMIT :n"  # noqa: S608
            params = {"start": escape_like(start) + "%"}
        else:  # a wildcard: the spelling words (as written, not stemmed) of documents the reader may see
            if not _spelling_counted(self.connection):
                raise QueryError(UNCOUNTED_WILDCARD)
            pattern = escape_like(node.pattern).replace("*", "%").replace("?", "_")
            sql = (
                "SELECT DISTINCT word FROM search_spelling WHERE word LIKE :start "
                "AND access = ANY(CAST(:allowed AS text[])) AND rows > 0 ORDER BY word LIMIT :n"
            )
            params = {"start": pattern, "allowed": self.allowed}
        return list(self.connection.execute(text(sql), {**params, "n": lang.MAX_EXPANSION}).scalars())


def _lexeme(lexeme: str):
    """A lexeme as a tsquery literal; one too long for PostgreSQL matches nothing (analyse()
    leaves such "words" out of every vector), rather than making the statement fail."""
    return _quote(lexeme) if _fits(lexeme) else _NOTHING


def _not(compiled):
    if compiled is _EVERYTHING:
        return _NOTHING
    if compiled is _NOTHING:
        return _EVERYTHING
    return f"!{compiled}"


def _combine(parts: list, operator: str):
    """Join compiled parts with & or |, folding in the queries matching everything or none."""
    absorbing, neutral = (_NOTHING, _EVERYTHING) if operator == "&" else (_EVERYTHING, _NOTHING)
    if any(p is absorbing for p in parts):
        return absorbing
    parts = [p for p in parts if p is not neutral]
    if not parts:
        return neutral
    return parts[0] if len(parts) == 1 else "(" + f" {operator} ".join(parts) + ")"
