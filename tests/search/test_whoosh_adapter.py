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
