"""archive/search/sequences.py: each segment's words by place, as numbers, which phrases are
checked against (Whoosh keeps no positions). The reference throughout is the fields' own
analyzers run over each document's text; with the files, without them (built in memory), and
with damaged ones, every answer is the same."""

from __future__ import annotations

import mmap
import random
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.search import sequences
from archive.search.analysis import TOKEN_PATTERN, fold_analyzer
from archive.search.backend import SearchRequest
from archive.search.fields import TEXT_ANALYZER
from archive.search.language import fold_term, text_term
from archive.search.whoosh_backend import WhooshSearch
from tests.search.test_backends import doc

COMMON_EN = ["the", "of", "and", "to", "in", "was", "he", "they", "that", "is"]
COMMON_RU = ["и", "в", "не", "на", "что", "он", "с", "как", "это", "по"]
RARE_EN = ["walrus", "detained", "hotline", "Grozny", "convoy", "basement", "released", "The", "Kadyrov", "Chisinau"]
RARE_RU = ["задержан", "подвал", "Грозный", "колонна", "отпустили", "телефон", "И", "Кадыров", "Кишинёв"]


def _text(rng: random.Random) -> str:
    russian = rng.random() < 0.4
    common, rare = (COMMON_RU, RARE_RU) if russian else (COMMON_EN, RARE_EN)
    words = [rng.choice(common) if rng.random() < 0.6 else rng.choice(rare) for _ in range(rng.randint(1, 40))]
    return " ".join(words)


def _phrases(rng: random.Random, texts: list[str], count: int) -> list[list[str]]:
    """Half taken from the texts (found somewhere), half drawn at random (mostly near misses)."""
    phrases = []
    for n in range(count):
        if n % 2:
            vocabulary = COMMON_EN + RARE_EN if n % 4 == 1 else COMMON_RU + RARE_RU
            phrases.append([rng.choice(vocabulary) for _ in range(rng.randint(2, 4))])
        else:
            words = rng.choice(texts).split()
            if len(words) < 2:
                continue
            length = rng.randint(2, min(4, len(words)))
            at = rng.randrange(len(words) - length + 1)
            phrases.append(words[at : at + length])
    return phrases


FOLD_ANALYZER = fold_analyzer()


def _by_place(text: str) -> tuple[list[str], dict[int, set[str]]]:
    """A text's terms by place as the index's analyzers make them: the text field's, and the
    cross-script field's (a capitalised word's key and the keys of the places it names)."""
    terms = [t.text for t in TEXT_ANALYZER(text, mode="index")]
    keys: dict[int, set[str]] = {}
    for token in FOLD_ANALYZER(text, positions=True, mode="index"):
        keys.setdefault(token.pos, set()).add(token.text)
    return terms, keys


def _holds(by_place, words: list[str]) -> bool:
    terms, keys = by_place
    wanted = [text_term(w) for w in words]
    if any(terms[at : at + len(wanted)] == wanted for at in range(len(terms) - len(wanted) + 1)):
        return True
    folded = [fold_term(w) for w in words]
    return any(all(k in keys.get(at + n, ()) for n, k in enumerate(folded)) for at in keys)


def _expected(searcher, words: list[str]) -> set[int]:
    """The live documents in which the words stand in order, in the text field or as
    cross-script keys in the fold field: every document's text analysed afresh."""
    return {
        int(fields["id"])
        for fields in searcher.all_stored_fields()
        if _holds(_by_place(f"{fields['title']}\n{fields['body']}"), words)
    }


def _found(search: WhooshSearch, words: list[str]) -> set[int]:
    results = search.search(SearchRequest(q='"' + " ".join(words) + '"', per_page=1000))
    return {h.id for h in results.hits}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two large segments (with sequence files) holding replaced documents (deleted in them),
    and a small one (without a file) holding the replacements."""
    rng = random.Random(11)
    folder = tmp_path_factory.mktemp("sequences") / "index"
    texts = [_text(rng) for _ in range(620)]
    docs = [doc(n + 1, text) for n, text in enumerate(texts)]
    search = WhooshSearch(folder)
    search.index(docs[:300])
    search.index(docs[300:])
    replaced = [7, 150, 333, 600]
    for n in replaced:
        texts[n - 1] = _text(rng)
    search.index([doc(n, texts[n - 1]) for n in replaced])
    search.close()
    return folder, texts


def _count(path) -> int:
    """The documents a sequence file says its segment holds (its header: 8 bytes, then)."""
    return int(np.frombuffer(path.read_bytes()[8:16], dtype="<u8")[0])


def _mapped(sequence) -> bool:
    """Whether a sequence is read from its file (memory-mapped), not built in memory."""
    base = sequence.codes.base
    return isinstance(getattr(base, "obj", base), mmap.mmap)


def _files(folder) -> list:
    return sorted(folder.glob(f"*{sequences.SUFFIX}"))


def test_large_segments_have_their_file_and_small_ones_none(built):
    folder, _ = built
    search = WhooshSearch(folder)
    with search._view() as (_, searcher, _):
        sizes = {leaf.segment().segment_id(): leaf.doc_count_all() for leaf, _ in searcher.reader().leaf_readers()}
    search.close()
    with_files = {path.name.removesuffix(sequences.SUFFIX) for path in _files(folder)}
    assert with_files == {s for s, size in sizes.items() if size >= sequences.MIN_DOCUMENTS}
    assert {p.name.removesuffix(".wfsq") for p in folder.glob("*.wfsq")} == with_files
    assert with_files and len(with_files) < len(sizes)


@pytest.mark.parametrize("gather", [0, 10**9], ids=["gathered", "scanned"])
def test_phrases_are_found_exactly_where_whooshs_phrase_query_finds_them(built, gather, monkeypatch):
    """Both ways of comparing: the candidates' places gathered, the whole segment scanned."""
    monkeypatch.setattr(sequences, "GATHER", gather)
    folder, texts = built
    search = WhooshSearch(folder)
    rng = random.Random(5)
    phrases = _phrases(rng, texts, 160)
    hits = 0
    with search._view() as (_, searcher, arrays):
        assert all(a._sequence_file is not None for _, a, _ in arrays.leaves)
        for words in phrases:
            expected = _expected(searcher, words)
            assert _found(search, words) == expected, words
            hits += len(expected)
    search.close()
    assert hits > 100  # the phrases taken from the texts are found


def _answers_and_copy(folder, phrases, tmp_path):
    """The index's answers to the phrases, and a copy of its folder to damage or rewrite."""
    search = WhooshSearch(folder)
    before = [_found(search, words) for words in phrases]
    search.close()
    copy = tmp_path / "index"
    copy.mkdir()
    for path in folder.iterdir():
        copy.joinpath(path.name).write_bytes(path.read_bytes())
    return before, copy


def test_the_same_answers_without_the_files_and_with_damaged_ones(built, tmp_path):
    folder, texts = built
    phrases = _phrases(random.Random(6), texts, 80)
    before, copy = _answers_and_copy(folder, phrases, tmp_path)
    damaged = _files(copy)
    damaged[0].write_bytes(damaged[0].read_bytes()[:-3])  # cut short
    for path in damaged[1:] + sorted(copy.glob("*.wfsq"))[1:]:
        path.unlink()  # not built yet
    for path in damaged[:1]:
        assert sequences.load(copy, path.name.removesuffix(sequences.SUFFIX), _count(folder / path.name)) is None
    search = WhooshSearch(copy)
    assert [_found(search, words) for words in phrases] == before
    search.close()


def test_a_file_of_another_segment_or_format_is_not_used(built, tmp_path):
    folder, _ = built
    path = _files(folder)[0]
    segment = path.name.removesuffix(sequences.SUFFIX)
    count = _count(path)
    assert sequences.load(folder, segment, count) is not None
    assert sequences.load(folder, segment, count + 1) is None  # of another segment's size
    copy = tmp_path / path.name
    copy.write_bytes(b"WASEQ1\n\0" + path.read_bytes()[8:])  # a format before these
    assert sequences.load(tmp_path, segment, count) is None
    copy.write_bytes(b"WASEQ3\n\0" + path.read_bytes()[8:])  # the fold field's form
    assert sequences.load(tmp_path, segment, count) is None
    copy.write_bytes(path.read_bytes()[:-1] + b"\0\0")  # a byte too many
    assert sequences.load(tmp_path, segment, count) is None
    keys = folder / f"{segment}.wfsq"
    assert sequences.load(folder, segment, count, "fold") is not None
    (tmp_path / keys.name).write_bytes(keys.read_bytes()[:-1])  # cut short
    assert sequences.load(tmp_path, segment, count, "fold") is None
    (tmp_path / keys.name).write_bytes(b"WASEQ1\n\0" + keys.read_bytes()[8:])
    assert sequences.load(tmp_path, segment, count, "fold") is None


def test_an_older_indexs_fold_file_of_every_place_is_read_as_its_words(built, tmp_path):
    """An index written before the fold field's file kept only its words holds every place
    there (0 where no word is capitalised): it is read, and kept as the words with their
    places, the same answers, without building it again."""
    folder, texts = built
    phrases = _phrases(random.Random(7), texts, 80)
    before, copy = _answers_and_copy(folder, phrases, tmp_path)
    for path in _files(copy):
        segment, count = path.name.removesuffix(sequences.SUFFIX), _count(path)
        text, keys = sequences.load(copy, segment, count), sequences.load(copy, segment, count, "fold")
        # (copies: the file the arrays are mapped from is written over below)
        codes, places, starts = np.array(keys.codes), np.array(keys.places), np.array(keys.starts)
        every = np.zeros(len(text.codes), dtype=codes.dtype)  # the older form, written as it was
        owner = np.searchsorted(starts, np.arange(len(codes)), side="right") - 1
        every[text.starts[owner] + places] = codes
        letters = len(keys._vocabulary)
        header = sequences._HEADER.pack(b"WASEQ2\n\0", count, len(every), every.itemsize, len(keys), letters)
        parts = [header, text.starts.astype("<i8"), keys._offsets.astype("<u4"), every, keys._vocabulary]
        written = b"".join(bytes(memoryview(p)) for p in parts)
        (copy / f"{segment}.wfsq").write_bytes(written)
        again = sequences.load(copy, segment, count, "fold")
        assert np.array_equal(again.codes, codes) and np.array_equal(again.places, places)
        assert np.array_equal(again.starts, starts) and again.places.dtype == np.uint32
    search = WhooshSearch(copy)
    assert [_found(search, words) for words in phrases] == before
    with search._view() as (_, _, arrays):
        assert not sequences.missing(copy, [leaf.segment() for leaf, _, _ in arrays.leaves])
    search.close()


def test_a_sequence_is_every_word_by_place_as_the_analyzers_say(built):
    """Built from the stored text by sequences.py's own reading of the analyzers, it says what
    the analyzers Whoosh indexed with say, place by place, in both fields; file or memory."""
    folder, _ = built
    search = WhooshSearch(folder)
    checked = 0
    with search._view() as (_, searcher, arrays):
        for leaf, segment, offset in arrays.leaves:
            sequence, keys = segment.sequence(leaf, "text"), segment.sequence(leaf, "fold")
            assert _mapped(sequence) == (leaf.doc_count_all() >= sequences.MIN_DOCUMENTS)
            for n in range(leaf.doc_count_all()):
                fields = searcher.stored_fields(offset + n)
                terms, folded = _by_place(f"{fields['title']}\n{fields['body']}")
                codes = sequence.codes[sequence.starts[n] : sequence.starts[n + 1]].tolist()
                assert [sequence[c - 1].decode("utf-8") for c in codes] == terms
                kept = slice(keys.starts[n], keys.starts[n + 1])
                codes = dict(zip(keys.places[kept].tolist(), keys.codes[kept].tolist(), strict=True))
                assert len(codes) == keys.starts[n + 1] - keys.starts[n]  # each place once
                assert set(codes) == set(folded) and all(c for c in codes.values())  # the text's places
                assert all(keys[c - 1].decode("utf-8") in folded[p] for p, c in codes.items())
                checked += 1
            assert sequence.number("walrus") and not sequence.number("narwhal")
            if leaf.doc_count_all() >= sequences.MIN_DOCUMENTS:
                assert keys.number(fold_term("Кадыров")) == keys.number(fold_term("Kadyrov")) > 0
    search.close()
    assert checked >= 620


def test_a_text_analysed_otherwise_than_the_index_gets_no_file(tmp_path, monkeypatch, caplog):
    """Should the analysis here ever disagree with what Whoosh indexed (a word the segment does
    not hold; a length Whoosh did not record), no file is written, and a reader says so."""
    rng = random.Random(8)
    search = WhooshSearch(tmp_path / "index")
    with monkeypatch.context() as patched:
        patched.setattr(sequences, "text_term", lambda word: word[:3])
        search.index([doc(n, _text(rng)) for n in range(1, 251)])
        assert not _files(tmp_path / "index") and "disagrees" in caplog.text
        caplog.clear()
        _found(search, ["detained", "and"])
        assert "check-index --repair" in caplog.text
    with monkeypatch.context() as patched:  # the same words, but one place too many
        patched.setattr(sequences, "words_of", re.compile(TOKEN_PATTERN + "|[.]").findall)
        search.index([doc(n, _text(rng) + ".") for n in range(251, 501)])
    assert len(_files(tmp_path / "index")) == 1  # the first segment's, written by this write
    search.close()


def test_a_segment_of_more_than_65535_words_numbers_them_in_32_bits(tmp_path):
    rng = random.Random(12)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = sorted({"".join(rng.choices(letters, k=9)) for _ in range(70_000)})
    rng.shuffle(vocabulary)
    per = len(vocabulary) // 250 + 1
    texts = [" ".join(vocabulary[n * per : (n + 1) * per]) for n in range(250)]
    search = WhooshSearch(tmp_path / "index")
    search.index([doc(n + 1, text) for n, text in enumerate(texts)])
    with search._view() as (_, _, arrays):
        (sequence,) = [a.sequence(leaf, "text") for leaf, a, _ in arrays.leaves]
        assert sequence.codes.dtype.itemsize == 4 and len(sequence) > 2**16
    for n in rng.sample(range(250), 20):
        words = texts[n].split()
        at = rng.randrange(len(words) - 2)
        assert _found(search, words[at : at + 3]) == {n + 1}
        assert _found(search, [words[at + 1], words[at]]) == set()
    search.close()


def test_a_phrase_never_runs_from_one_document_into_the_next(tmp_path):
    """Document 1 holds "the" and ends with "of", document 2 begins with "the": "of the" is in
    neither, though their common words lie side by side in the segment's file."""
    docs = [doc(1, "walrus of", title="The"), doc(2, "the walrus", title="the")]
    docs += [doc(n, "seal and beluga", title="Seal") for n in range(3, 3 + sequences.MIN_DOCUMENTS)]
    search = WhooshSearch(tmp_path / "index")
    search.index(docs)
    assert _files(tmp_path / "index")
    assert _found(search, ["of", "the"]) == set()
    assert _found(search, ["the", "walrus", "of"]) == {1}
    assert _found(search, ["the", "walrus"]) == {1, 2}
    assert len(_found(search, ["and", "beluga"])) == sequences.MIN_DOCUMENTS
    search.close()


def test_merged_segments_take_their_files_with_them(tmp_path):
    rng = random.Random(3)
    search = WhooshSearch(tmp_path / "index")
    search.index([doc(n, _text(rng)) for n in range(1, 251)])
    search.index([doc(n, _text(rng)) for n in range(251, 501)])
    first = _files(tmp_path / "index")
    assert len(first) == 2
    search.optimize()
    after = _files(tmp_path / "index")
    assert len(after) == 1 and after[0] not in first
    assert {p.name for p in (tmp_path / "index").iterdir() if p.name.startswith(".")} <= {".create.lock", ".turn.lock"}
    search.close()


def test_the_common_words_fit_one_byte_and_are_stems():
    """What phrases answered by scanning whole segments are made of (and PostgreSQL's pairs)."""
    from archive.search.analysis import common_terms

    words = common_terms()
    assert 100 < len(words) <= 255 and len(set(words)) == len(words)
    assert "the" in words and text_term("и") in words and text_term("the") == "the"


def test_phrases_of_common_words_score_as_through_postings(tmp_path, monkeypatch):
    """Answered from the files alone (frequencies counted in the bytes), a phrase of common
    words finds and ranks the documents as the postings and positions do."""
    from archive.search.arrays import IndexArrays

    rng = random.Random(9)
    search = WhooshSearch(tmp_path / "index", cache=0)
    search.index([doc(n, _text(rng)) for n in range(1, 301)])
    search.index([doc(n, _text(rng)) for n in range(301, 331)])  # a small segment, no file
    phrases = [[rng.choice(COMMON_EN) for _ in range(rng.randint(2, 3))] for _ in range(20)]
    phrases += [[rng.choice(COMMON_RU) for _ in range(2)] for _ in range(20)]

    def ranked(words):
        results = search.search(SearchRequest(q='"' + " ".join(words) + '"', per_page=1000))
        return {h.id: h.score for h in results.hits}

    fast = [ranked(words) for words in phrases]
    monkeypatch.setattr(IndexArrays, "_common_phrase", lambda *_: None)
    assert sum(map(len, fast)) > 50
    for words, found in zip(phrases, fast, strict=True):
        expected = ranked(words)
        assert found.keys() == expected.keys(), words
        assert all(found[n] == pytest.approx(expected[n], rel=1e-5) for n in found), words
    search.close()


def test_a_write_stands_when_its_sequence_files_cannot_be_built_now(tmp_path, monkeypatch, caplog):
    """Another writer keeping the lock past the timeout: the documents are committed, the
    write reports success, and the file is built by a later write."""
    from whoosh.index import LockError

    from archive.search import whoosh_backend

    rng = random.Random(4)
    search = WhooshSearch(tmp_path / "index")
    opened, calls = search._writer, []

    def writer(**options):  # the write's own writer opens; the one after its commit does not
        calls.append(options)
        if len(calls) > 1:
            raise LockError("held by another writer")
        return opened(**options)

    monkeypatch.setattr(search, "_writer", writer)
    assert search.index([doc(n, _text(rng)) for n in range(1, 251)]) == 250
    assert len(calls) == 2
    monkeypatch.setattr(search, "_writer", opened)
    assert search.search(SearchRequest(q="")).total == 250
    assert not _files(tmp_path / "index") and "not built now" in caplog.text
    search.index([doc(999, "walrus")])
    assert len(_files(tmp_path / "index")) == 1
    assert whoosh_backend.sequences.MIN_DOCUMENTS <= 250
    search.close()


def test_a_bulk_loads_segments_get_their_files_from_the_processes_that_wrote_them(tmp_path, monkeypatch):
    """A large batch is written as one segment per forked process, which writes the segment's
    sequence files from the words it kept (nothing is left to build after the commit), and they
    are what building them here from the stored text gives."""
    import threading

    from archive.search import whoosh_backend

    if whoosh_backend.PROCESSES < 2 or threading.active_count() > 1:
        pytest.skip("one core, or threads running: the batch is written in this process")
    built_after = []
    original = sequences.complete
    monkeypatch.setattr(sequences, "complete", lambda *a: built_after.append(original(*a)) or built_after[-1])
    rng = random.Random(13)
    search = WhooshSearch(tmp_path / "index")
    search.index(doc(n, _text(rng)) for n in range(1, whoosh_backend.BULK + 300))
    assert sum(built_after) == 0
    with search._view() as (_, _, arrays):
        assert len(arrays.leaves) >= 2
        for leaf, segment, _ in arrays.leaves:
            for field in sequences.FIELDS:
                on_disk = segment.sequence(leaf, field)
                here, agrees = sequences.build(leaf, leaf.doc_count_all(), (field,))[field]
                assert _mapped(on_disk) and agrees
                assert np.array_equal(on_disk.codes, here.codes) and np.array_equal(on_disk.starts, here.starts)
    search.close()


@given(
    codes=st.lists(st.integers(min_value=0, max_value=4), max_size=41),
    numbers=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=4),
    wide=st.booleans(),
    shift=st.booleans(),
)
def test_matches_finds_every_place_a_run_of_numbers_starts(codes, numbers, wide, shift):
    """_matches reads the codes two at a time (as numbers twice as wide, from the first place
    and from the second): every start is found, at the end of an odd or even length too, in
    16- and 32-bit sequences, and in one that begins off its buffer's alignment (a file's)."""
    dtype = np.uint32 if wide else np.uint16
    buffer = np.array([9, *codes], dtype=dtype)
    array = buffer[1:] if shift else buffer[1:].copy()
    expected = [i for i in range(len(codes) - len(numbers) + 1) if codes[i : i + len(numbers)] == numbers]
    assert sequences._matches(array, numbers).tolist() == expected


@given(
    codes=st.lists(st.integers(min_value=0, max_value=3), max_size=41),
    numbers=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4),
)
def test_matches_among_kept_places_needs_them_one_after_another(codes, numbers):
    """Where only the places holding a word are kept (the fold field), a run is found only
    where its places follow one another: the same starts as in the whole sequence."""
    places = [p for p, c in enumerate(codes) if c]
    kept = np.array([codes[p] for p in places], dtype=np.uint16)
    expected = [i for i in range(len(codes) - len(numbers) + 1) if codes[i : i + len(numbers)] == numbers]
    found = sequences._matches(kept, numbers, np.array(places, dtype=np.uint32))
    assert [places[i] for i in found.tolist()] == expected
