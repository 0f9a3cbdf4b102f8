"""The contract of archive/search/whoosh_adapter.py, the one module reading Whoosh's private
structures: on a real index, each of its functions gives exactly what Whoosh's public API gives.
When whoosh3 changes its codec, these fail loudly (and the pin stops the change arriving
unannounced)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, Schema
from whoosh.util.numeric import byte_to_length

from archive.search import fields, whoosh_adapter
from archive.search.whoosh_backend import WhooshSearch
from tests.search.test_backends import doc

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_whoosh3_is_the_version_the_adapter_was_written_for():
    assert whoosh_adapter.installed_version() == whoosh_adapter.WHOOSH_VERSION


def test_pyproject_pins_that_version():
    pinned = re.search(r'"whoosh3==([0-9.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pinned and pinned.group(1) == whoosh_adapter.WHOOSH_VERSION


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Postings of every shape: long lists across many blocks with document numbers past 255,
    short lists of small numbers (stored as bytes), terms in one document (inlined in the term
    dictionary), repeated words (frequencies), several segments and deleted documents."""
    search = WhooshSearch(tmp_path_factory.mktemp("adapter"))
    words = ["walrus", "narwhal", "seal", "beluga", "orca"]
    docs = [
        doc(
            n,
            " ".join([words[n % 5]] * (1 + n % 7) + ["common"] + [f"unique{n}"] * (n % 3 + 1)),
            title=f"Title {n}",
        )
        for n in range(1, 1200)
    ]
    search.index(docs[:900])
    search.index(docs[900:])
    search.index([doc(5000 + n, "late walrus arrivals", title="Late") for n in range(40)])
    # a long document: frequencies past one byte and two
    far = " ".join(["walrus"] + ["filler"] * 70_000 + ["walrus"] + ["seal"] * 1500)
    search.index([doc(6000, far, title="Far"), doc(6001, "seal " * 300, title="Near")])
    search.delete([3, 4, 950])
    yield search
    search.close()


@pytest.fixture(scope="module")
def leaves(index):
    searcher = index.ix.searcher()
    yield [leaf for leaf, _ in searcher.reader().leaf_readers()]
    searcher.close()


@pytest.mark.parametrize(
    ("field", "term"),
    [
        ("text", "common"),  # every document: many blocks, numbers past 255
        ("text", "walrus"),
        ("text", "unique7"),  # one document: inlined
        ("text", "unique1100"),
        ("words", "walrus"),
        ("kind", "testimony"),
        ("access", "public:published"),
        ("text", "absent"),
    ],
)
def test_postings_are_what_whooshs_public_matcher_gives(leaves, field, term):
    seen = 0
    for leaf in leaves:
        ids, weights = whoosh_adapter.postings(leaf, field, term)
        expected_ids, expected_weights = [], []
        if (field, term) in leaf:
            matcher = leaf.postings(field, term)
            while matcher.is_active():
                expected_ids.append(matcher.id())
                expected_weights.append(matcher.weight())
                matcher.next()
        assert ids.dtype == np.int64 and weights.dtype == np.float32
        assert ids.tolist() == expected_ids
        assert np.allclose(weights, expected_weights)
        seen += len(ids)
    assert seen or term == "absent"


def test_postings_read_many_blocks_and_large_document_numbers(leaves):
    leaf = max(leaves, key=lambda leaf: leaf.doc_count_all())
    ids, weights = whoosh_adapter.postings(leaf, "text", "common")
    assert ids.max() > 255 and len(ids) > 128 * 3
    assert set(weights.tolist()) == {1.0}


@pytest.mark.parametrize("field", ["text", "fold", "words"])
def test_length_bytes_are_whooshs_field_lengths(leaves, field):
    for leaf in leaves:
        count = leaf.doc_count_all()
        raw = whoosh_adapter.length_bytes(leaf, field, count)
        assert raw is not None and raw.dtype == np.uint8 and len(raw) == count
        expected = [leaf.doc_field_length(n, field) for n in range(count)]
        assert [byte_to_length(int(b)) for b in raw] == expected


def test_a_field_without_lengths_has_none(leaves):
    for leaf in leaves:
        assert whoosh_adapter.length_bytes(leaf, "kind", leaf.doc_count_all()) is None


def test_the_text_fields_keep_no_positions(leaves):
    """Where words stand is in sequences.py's files: Whoosh's positions would be a third of
    the index, decoded by every phrase."""
    for leaf in leaves:
        assert not leaf.schema["text"].format.supports("positions")
        assert not leaf.schema["fold"].format.supports("positions")
    far = next(leaf for leaf in leaves if ("text", "filler") in leaf)
    assert whoosh_adapter.postings(far, "text", "filler")[1].tolist() == [70_000.0]


def test_decoding_leaves_the_cycle_collector_as_it_found_it(leaves):
    """The collector is paused while blocks are unpickled, and only then."""
    import gc

    leaf = leaves[0]
    assert gc.isenabled()
    whoosh_adapter.postings(leaf, "text", "common")
    assert gc.isenabled()
    gc.disable()
    try:
        whoosh_adapter.postings(leaf, "text", "common")
        assert not gc.isenabled()  # not switched on behind the caller's back
    finally:
        gc.enable()


# -- the writer: given the text fields' terms counted, it writes what Whoosh writes ----------

WORDS = (
    ["the", "of", "and", "to", "in", "was", "he", "they", "that", "is", "walrus", "detained"]
    + ["hotline", "convoy", "basement", "released", "и", "в", "не", "на", "что", "он", "с", "как"]
    + ["это", "по", "задержан", "подвал", "колонна", "отпустили", "телефон", "ёлка", "north-east"]
    + ["O'Brien", "don’t", "2017", "42", "café", "naïve", "Ⅻ", "x2", "½"]
)
NAMES = ["Grozny", "Грозный", "Kadyrov", "Кадыров", "Kishinev", "Кишинёв", "Chișinău", "Guseinov"]
NAMES += ["Гусейнов", "Luhansk", "Луганск", "The", "И", "Ёлкин"]


def _body(rng: random.Random) -> str:
    """Texts of every shape the analyzers meet: English and Russian, names and places of the
    region in both scripts (their gazetteer keys), hyphens, apostrophes, numbers, accents, ё,
    Markdown, empty ones, and long ones (frequencies and lengths past one byte)."""
    shape = rng.random()
    if shape < 0.03:
        return ""
    count = rng.randint(300, 3000) if shape > 0.95 else rng.randint(1, 120)
    words = [rng.choice(NAMES) if rng.random() < 0.2 else rng.choice(WORDS) for _ in range(count)]
    if rng.random() < 0.3:
        words.insert(0, "## Heading\n\n-")
    return " ".join(words)


def _fields_of(n: int, title: str, body: str, direct: bool) -> dict:
    text = f"{title}\n{body}"
    analysed = fields.analysed(text) if direct else {name: text for name in fields.ANALYSED}
    return {"id": str(n), "title": title, "body": body, "access": "public:published", "kind": "testimony", **analysed}


def _segment_files(folder: Path) -> dict[str, bytes]:
    """Each file of the index's segments by what follows the segment's (random) name."""
    found = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("MAIN_") and path.name != "MAIN_WRITELOCK":
            found.setdefault(path.name.split(".", 1)[1], []).append(path.read_bytes())
    return found


def _written(folder: Path, direct: bool, batches: list[list[tuple]], optimize: bool = False, deleted=()) -> dict:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), fields.schema())
    for number, batch in enumerate(batches):
        if direct:
            writer = whoosh_adapter.DirectWriter(ix, direct=fields.ANALYSED, compound=False)
        else:
            writer = ix.writer(compound=False)  # Whoosh's own SegmentWriter
        for n, title, body in batch:
            writer.add_document(**_fields_of(n, title, body, direct))
        if number == len(batches) - 1:
            for n in deleted:
                writer.delete_by_term("id", str(n))
        writer.commit(optimize=optimize and number == len(batches) - 1, merge=False)
    return _segment_files(folder)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_direct_writer_writes_the_segment_whooshs_writer_writes(tmp_path, seed):
    """Byte for byte: the term dictionary, the postings (blocks of 128 filled whole, document
    numbers past 255, frequencies past 255), the lengths and the stored fields."""
    rng = random.Random(seed)
    batch = [(n, rng.choice(NAMES + ["", "Title"]), _body(rng)) for n in range(1, 700)]
    ours = _written(tmp_path / "ours", True, [batch])
    whooshs = _written(tmp_path / "whoosh", False, [batch])
    assert set(ours) >= {"pst", "trm", "_text_len.col", "_fold_len.col", "_words_len.col", "_stored.col"}
    assert ours == whooshs


def test_merged_segments_are_written_as_whooshs_writer_writes_them(tmp_path):
    """A write that merges earlier segments (their postings come through Whoosh's pool) with
    documents of its own, some earlier ones deleted."""
    rng = random.Random(7)
    batches = [[(n, "Title", _body(rng)) for n in range(start, start + 150)] for start in (1, 200, 400)]
    ours = _written(tmp_path / "ours", True, batches, optimize=True, deleted=(3, 250))
    whooshs = _written(tmp_path / "whoosh", False, batches, optimize=True, deleted=(3, 250))
    assert len(ours["pst"]) == 1 and ours == whooshs


def test_the_analysed_terms_are_the_analyzers(tmp_path):
    """fields.analysed, one pass over the words, gives each field what its analyzer gives."""
    schema = fields.schema()
    rng = random.Random(11)
    for _ in range(300):
        text = f"{rng.choice(NAMES)}\n{_body(rng)}"
        analysed = fields.analysed(text)
        for name in fields.ANALYSED:
            expected = {term.decode(): frequency for term, frequency, _, _ in schema[name].index(text)}
            assert analysed[name] == expected


def test_the_direct_writer_refuses_what_it_cannot_write_as_whoosh_would(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), fields.schema())
    with pytest.raises(ValueError, match="more than frequencies"):
        whoosh_adapter.DirectWriter(ix, direct=("id",))
    writer = whoosh_adapter.DirectWriter(ix, direct=fields.ANALYSED)
    with pytest.raises(ValueError, match="boosts"):
        writer.add_document(id="1", _boost=2.0)
    writer.cancel()


def test_the_write_lock_is_the_one_whooshs_writer_takes(tmp_path):
    ix = whoosh_index.create_in(tmp_path, Schema(id=ID(stored=True)))
    lock, name = whoosh_adapter.write_lock(str(tmp_path))
    writer = ix.writer()
    try:
        assert (tmp_path / name).exists() and not lock.acquire(False)
    finally:
        writer.cancel()
    assert lock.acquire(False)
    try:
        with pytest.raises(whoosh_index.LockError):
            ix.writer()
    finally:
        lock.release()
