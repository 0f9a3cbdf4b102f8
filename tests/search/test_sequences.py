"""archive/search/sequences.py: each large segment's common words by place, which phrases with
common words are checked against. Whoosh's own phrase query is the reference throughout; with
the files, without them, and with damaged ones, every answer is the same."""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import query as wq

from archive.search import sequences
from archive.search.backend import SearchRequest
from archive.search.fields import TEXT_ANALYZER
from archive.search.language import text_term
from archive.search.whoosh_backend import WhooshSearch
from tests.search.test_backends import doc

COMMON_EN = ["the", "of", "and", "to", "in", "was", "he", "they", "that", "is"]
COMMON_RU = ["и", "в", "не", "на", "что", "он", "с", "как", "это", "по"]
RARE_EN = ["walrus", "detained", "hotline", "Grozny", "convoy", "basement", "released"]
RARE_RU = ["задержан", "подвал", "Грозный", "колонна", "отпустили", "телефон"]


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


def _expected(searcher, words: list[str]) -> set[int]:
    query = wq.Phrase("text", [text_term(w) for w in words])
    return {int(searcher.stored_fields(n)["id"]) for n in searcher.docs_for_query(query)}


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
    """The documents a sequence file says its segment holds (its header: 8 + 32 bytes, then)."""
    return int(np.frombuffer(path.read_bytes()[40:48], dtype="<u8")[0])


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
    assert with_files and len(with_files) < len(sizes)


def test_phrases_are_found_exactly_where_whooshs_phrase_query_finds_them(built):
    folder, texts = built
    search = WhooshSearch(folder)
    rng = random.Random(5)
    phrases = _phrases(rng, texts, 160)
    hits = 0
    with search._view() as (_, searcher, arrays):
        assert all(a.sequence() is not None for _, a, _ in arrays.leaves if a.count >= sequences.MIN_DOCUMENTS)
        for words in phrases:
            expected = _expected(searcher, words)
            assert _found(search, words) == expected, words
            hits += len(expected)
    search.close()
    assert hits > 100  # the phrases taken from the texts are found


def test_the_same_answers_without_the_files_and_with_damaged_ones(built, tmp_path):
    folder, texts = built
    phrases = _phrases(random.Random(6), texts, 80)
    search = WhooshSearch(folder)
    before = [_found(search, words) for words in phrases]
    search.close()
    copy = tmp_path / "index"
    copy.mkdir()
    for path in folder.iterdir():
        copy.joinpath(path.name).write_bytes(path.read_bytes())
    damaged = _files(copy)
    damaged[0].write_bytes(damaged[0].read_bytes()[:-3])  # cut short
    for path in damaged[1:]:
        path.unlink()  # not built yet
    for path in damaged[:1]:
        assert sequences.load(copy, path.name.removesuffix(sequences.SUFFIX), _count(folder / path.name)) is None
    search = WhooshSearch(copy)
    assert [_found(search, words) for words in phrases] == before
    search.close()


def test_a_file_of_another_word_list_is_not_used(built, monkeypatch):
    folder, _ = built
    path = _files(folder)[0]
    segment = path.name.removesuffix(sequences.SUFFIX)
    count = _count(path)
    assert sequences.load(folder, segment, count) is not None
    assert sequences.load(folder, segment, count + 1) is None  # of another segment's size
    monkeypatch.setattr(sequences, "digest", lambda: b"\0" * 32)
    assert sequences.load(folder, segment, count) is None


def test_a_sequence_is_the_analyzers_common_words_by_place(built):
    """Built from Whoosh's stored positions, it says what analysing the text says."""
    folder, _ = built
    numbers = sequences.numbers()
    search = WhooshSearch(folder)
    with search._view() as (_, searcher, arrays):
        for leaf, segment, offset in arrays.leaves:
            sequence = segment.sequence()
            if sequence is None:
                continue
            for n in range(leaf.doc_count_all()):
                fields = searcher.stored_fields(offset + n)
                tokens = [t.text for t in TEXT_ANALYZER(f"{fields['title']}\n{fields['body']}", mode="index")]
                codes = [numbers.get(t, 0) for t in tokens]
                while codes and not codes[-1]:
                    codes.pop()
                assert sequence.codes[sequence.starts[n] : sequence.starts[n + 1]].tolist() == codes
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
    assert {p.name for p in (tmp_path / "index").iterdir() if p.name.startswith(".")} <= {".create.lock"}
    search.close()


def test_the_common_words_fit_one_byte_and_are_stems():
    words = sequences.words()
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
