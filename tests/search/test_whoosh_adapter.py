"""The contract of archive/search/whoosh_adapter.py, the one module reading Whoosh's private
structures: on a real index, each of its functions gives exactly what Whoosh's public API gives.
When whoosh3 changes its codec, these fail loudly (and the pin stops the change arriving
unannounced)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from whoosh.util.numeric import byte_to_length

from archive.search import whoosh_adapter
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
    # positions past one byte, two bytes and 1,000 in one document (pickle's other encodings)
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


@pytest.mark.parametrize("term", ["common", "walrus", "seal", "unique7", "unique1100", "filler", "absent"])
def test_positions_are_what_whooshs_public_matcher_gives(leaves, term):
    """Each posting's positions, read in the same pass as the postings, are the public
    matcher's, and the postings are postings()'s."""
    seen = 0
    for leaf in leaves:
        ids, weights, starts, places = whoosh_adapter.postings_and_positions(leaf, "text", term)
        expected_ids, expected = [], []
        if ("text", term) in leaf:
            matcher = leaf.postings("text", term)
            while matcher.is_active():
                expected_ids.append(matcher.id())
                expected.append(list(matcher.value_as("positions")))
                matcher.next()
        assert ids.tolist() == expected_ids
        assert [a.tolist() for a in whoosh_adapter.postings(leaf, "text", term)] == [ids.tolist(), weights.tolist()]
        assert starts.dtype == np.int64 and places.dtype == np.int64 and len(starts) == len(ids) + 1
        assert [places[starts[i] : starts[i + 1]].tolist() for i in range(len(ids))] == expected
        seen += len(ids)
    assert seen or term == "absent"


@pytest.mark.parametrize("term", ["common", "walrus", "seal", "absent"])
def test_positions_in_a_few_documents_are_those_of_the_whole_list(leaves, term):
    """positions_in() skips to each asked document's block: the same pairs as the whole list's."""
    import random

    rng = random.Random(term)
    for leaf in leaves:
        ids, _, starts, places = whoosh_adapter.postings_and_positions(leaf, "text", term)
        asked = sorted(rng.sample(range(leaf.doc_count_all()), min(40, leaf.doc_count_all())))
        asked = sorted(set(asked) | set(ids[:: max(1, len(ids) // 5)].tolist()))
        expected = [
            (doc, int(p))
            for i, doc in enumerate(ids.tolist())
            if doc in asked
            for p in places[starts[i] : starts[i + 1]]
        ]
        held, where = whoosh_adapter.positions_in(leaf, "text", term, np.array(asked, dtype=np.int64))
        assert list(zip(held.tolist(), where.tolist(), strict=True)) == expected
        assert held.dtype == np.int64 and where.dtype == np.int64


def _positions_in(leaf, term: str, doc: int) -> list[int]:
    ids, _, starts, places = whoosh_adapter.postings_and_positions(leaf, "text", term)
    i = int(np.searchsorted(ids, doc))
    return places[starts[i] : starts[i + 1]].tolist()


def test_positions_far_into_a_long_document(leaves):
    """Deltas past 65,535 and lists past 1,000 positions are pickled differently; both read."""
    leaf = next(leaf for leaf in leaves if ("text", "filler") in leaf)
    far = int(whoosh_adapter.postings(leaf, "text", "filler")[0][0])
    assert _positions_in(leaf, "walrus", far) == [1, 70_002]  # after the title, 70,000 fillers
    assert _positions_in(leaf, "seal", far) == list(range(70_003, 71_503))


def test_decoding_leaves_the_cycle_collector_as_it_found_it(leaves):
    """The collector is paused while positions are unpickled, and only then."""
    import gc

    leaf = leaves[0]
    assert gc.isenabled()
    whoosh_adapter.postings_and_positions(leaf, "text", "common")
    assert gc.isenabled()
    gc.disable()
    try:
        whoosh_adapter.postings_and_positions(leaf, "text", "common")
        assert not gc.isenabled()  # not switched on behind the caller's back
    finally:
        gc.enable()
