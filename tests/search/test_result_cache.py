"""Kept search results (archive/search/cache.py): a repeated search is not computed again, and
no change to the index, by this process or any other, is ever hidden by a kept result.

The backend tests run on Whoosh, and on PostgreSQL as well when the suite runs on a server;
"two servers" are two backends over the same index folder or database, each with its own
kept results, as two web servers (or two workers) are."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date

import pytest

from archive.search.backend import SearchRequest, SearchResults
from archive.search.cache import ResultCache, request_key
from archive.search.whoosh_backend import WhooshSearch
from tests import databases
from tests.search.test_backends import BACKENDS, doc


def _results(label: str) -> SearchResults:
    return SearchResults([], 0, 1, 20, {"kind": {label: 1}})


class _Counting:
    """A computation that says how often it ran."""

    def __init__(self, label: str = "computed"):
        self.calls = 0
        self.label = label

    def __call__(self) -> SearchResults:
        self.calls += 1
        return _results(self.label)


# --- the cache on its own ------------------------------------------------------------------


def test_a_repeated_request_is_computed_once_per_version_of_the_index():
    cache, compute = ResultCache(10), _Counting()
    first = cache.results(1, SearchRequest(q="detained"), compute)
    again = cache.results(1, SearchRequest(q="detained"), compute)
    assert compute.calls == 1 and again is first
    assert (cache.hits, cache.misses) == (1, 1)
    cache.results(2, SearchRequest(q="detained"), compute)  # the index changed
    assert compute.calls == 2
    assert len(cache) == 1  # the older version's results were dropped


# one changed value for every field of a request; a new field must be added here
CHANGED = {
    "q": "other",
    "filters": {"kind": "testimony"},
    "date_from": date(2017, 1, 1),
    "date_to": date(2017, 12, 31),
    "consents": ("public", "researchers"),
    "statuses": ("published", "draft"),
    "sort": "date",
    "page": 2,
    "per_page": 50,
    "facets": False,
    "among": (3, 5),
}


def test_every_field_of_the_request_is_part_of_the_key():
    names = {f.name for f in dataclasses.fields(SearchRequest)}
    assert names == set(CHANGED), "a new field of SearchRequest: add a changed value above"
    base = SearchRequest(q="detained")
    for name, value in CHANGED.items():
        assert request_key(dataclasses.replace(base, **{name: value})) != request_key(base), name


def test_filters_are_the_same_key_in_any_order():
    one = SearchRequest(filters={"kind": "testimony", "language": "ru"})
    other = SearchRequest(filters={"language": "ru", "kind": "testimony"})
    assert request_key(one) == request_key(other)


def test_a_wider_audience_never_shares_a_readers_results():
    cache = ResultCache(10)
    wide = cache.results(1, SearchRequest(q="x", consents=("public", "researchers")), _Counting("wide"))
    narrow = cache.results(1, SearchRequest(q="x"), _Counting("narrow"))
    assert wide.facets["kind"] == {"wide": 1} and narrow.facets["kind"] == {"narrow": 1}


def test_the_least_recently_used_results_go_first_beyond_the_size():
    cache, compute = ResultCache(2), _Counting()
    a, b, c = (SearchRequest(q=q) for q in "abc")
    cache.results(1, a, compute)
    cache.results(1, b, compute)
    cache.results(1, a, compute)  # a is used again: b is now the oldest
    cache.results(1, c, compute)
    assert compute.calls == 3 and len(cache) == 2
    cache.results(1, a, compute)
    assert compute.calls == 3
    cache.results(1, b, compute)
    assert compute.calls == 4


def test_size_zero_keeps_nothing():
    cache, compute = ResultCache(0), _Counting()
    for _ in range(3):
        cache.results(1, SearchRequest(q="x"), compute)
    assert compute.calls == 3 and len(cache) == 0


def test_an_unknown_version_keeps_nothing():
    """A store whose version cannot be told (SQLite for the database's own pages) computes
    every time."""
    cache, compute = ResultCache(10), _Counting()
    for _ in range(2):
        cache.results(None, SearchRequest(q="x"), compute)
    assert compute.calls == 2 and len(cache) == 0


def test_results_of_an_older_version_are_not_kept_once_a_newer_one_was_seen():
    """A search that began before a write finishes after a search that began after it: what
    it computed is not kept for the newer version, nor does it bring the older one back."""
    cache = ResultCache(10)
    started, release = threading.Event(), threading.Event()

    def slow() -> SearchResults:
        started.set()
        release.wait(10)
        return _results("old")

    thread = threading.Thread(target=cache.results, args=(1, SearchRequest(q="x"), slow))
    thread.start()
    assert started.wait(10)
    cache.results(2, SearchRequest(q="x"), _Counting("new"))
    release.set()
    thread.join(10)
    again = cache.results(2, SearchRequest(q="x"), _Counting("recomputed"))
    assert again.facets["kind"] == {"new": 1}


# --- the backends ---------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def two_servers(request, tmp_path, _migrated_db):
    """Two backends over one index, each keeping results of its own."""
    if request.param == "whoosh":
        servers = [WhooshSearch(tmp_path / "index"), WhooshSearch(tmp_path / "index")]
    else:
        from archive.search.postgres_backend import PostgresSearch

        databases.create(tmp_path, _migrated_db)
        servers = [PostgresSearch(databases.url(tmp_path)) for _ in range(2)]
    yield servers
    for server in servers:
        server.close()


def _ids(server, q: str, **options) -> list[int]:
    return sorted(h.id for h in server.search(SearchRequest(q=q, **options)).hits)


def test_a_repeated_search_is_answered_from_the_kept_results(two_servers):
    one, _ = two_servers
    one.index([doc(1, "Men were detained in Grozny.")])
    first = one.search(SearchRequest(q="detained"))
    hits = one.cache.hits
    again = one.search(SearchRequest(q="detained"))
    assert one.cache.hits == hits + 1
    assert again == first and [h.id for h in again.hits] == [1]


def test_a_redaction_written_by_another_server_is_seen_by_the_next_search(two_servers):
    one, other = two_servers
    one.index([doc(1, "The witness CANARYNAME was detained in Grozny.", version="v1")])
    assert [h.version for h in one.search(SearchRequest(q="detained")).hits] == ["v1"]
    assert _ids(one, "CANARYNAME") == [1]
    other.index([doc(1, "The witness [Person 1] was detained in Grozny.", version="v2")])  # re-redacted
    # (the snippet is made of the database's text of the version the hit carries: query.verified)
    assert [h.version for h in one.search(SearchRequest(q="detained")).hits] == ["v2"]
    assert _ids(one, "CANARYNAME") == []


def test_a_document_withdrawn_by_another_server_is_gone_from_the_next_search(two_servers):
    one, other = two_servers
    one.index([doc(1, "Men were detained in Grozny."), doc(2, "Others were detained too.")])
    assert _ids(one, "detained") == [1, 2]
    other.delete([1])
    assert _ids(one, "detained") == [2]
    other.clear()
    assert _ids(one, "detained") == []


def test_a_reader_never_gets_the_results_kept_for_a_wider_audience(two_servers):
    one, _ = two_servers
    one.index([doc(1, "Detained, public."), doc(2, "Detained, for researchers.", consent="researchers")])
    assert _ids(one, "detained", consents=("public", "researchers")) == [1, 2]
    assert _ids(one, "detained") == [1]
    facets = one.search(SearchRequest(q="detained")).facets
    assert facets["kind"] == {"testimony": 1}


@pytest.mark.skipif(not databases.SERVER, reason="PostgreSQL's own planning")
def test_advancing_the_generation_is_an_index_lookup_never_a_compiled_scan(tmp_path, _migrated_db):
    """The backend's transactions disable sequential scans; a statement that must scan all
    the same carries a huge cost, which made PostgreSQL compile it with LLVM (JIT): 50 ms
    for a one-row update on every write to the index."""
    from sqlalchemy import create_engine

    from archive.search.postgres_backend import NEXT_GENERATION, _plan_for_the_index
    from archive.storage.db import driver_url

    databases.create(tmp_path, _migrated_db)
    engine = create_engine(driver_url(databases.url(tmp_path)))
    with engine.begin() as connection:
        _plan_for_the_index(connection)
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
        plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {NEXT_GENERATION}").scalars())
    engine.dispose()
    assert "Index Scan" in plan and "Seq Scan" not in plan
