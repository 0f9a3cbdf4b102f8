"""The Whoosh backend on its own: analysis, queries, filters, access, facets, snippets."""

from __future__ import annotations

from datetime import date

import pytest

from archive.errors import ValidationError
from archive.search.backend import IndexedDocument, SearchRequest
from archive.search.whoosh_backend import WhooshSearch


def doc(id_, body, *, title="Title", kind="testimony", language="en", consent="public",
        status="published", places=(), tags=(), published=date(2017, 9, 1),
        events=(date(2017, 4, 1), date(2017, 4, 30))):  # fmt: skip
    return IndexedDocument(
        id_, f"v{id_}", "chechnya-2017", kind, language, title, body, tuple(places), tuple(tags),
        consent, status, published, events[0], events[1],
    )  # fmt: skip


@pytest.fixture
def backend(tmp_path):
    search = WhooshSearch(tmp_path / "index")
    search.index(
        [
            doc(1, "Его задержан был в Грозном. Рамзан Кадыров отрицал.", language="ru",
                places=("Argun",), tags=("detention",),
                events=(date(2017, 2, 1), date(2017, 2, 28))),
            doc(2, "Men were detained in Grozny; Kadyrov denied the detention.",
                kind="news_report", places=("Grozny", "Argun"), tags=("denial",)),
            doc(3, "A statement for researchers only: RESEARCHERCANARY.", consent="researchers"),
            doc(4, "A draft nobody may see yet: DRAFTCANARY.", status="draft"),
        ]
    )  # fmt: skip
    return search


def ids(backend, q="", **options):
    return sorted(h.id for h in backend.search(SearchRequest(q=q, **options)).hits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("задержали", [1]),  # Russian stemming: задержали finds задержан
        ("detained", [2]),
        ("detention", [2]),  # English: detention finds detained
        ("Kadyrov", [1, 2]),  # Latin finds Cyrillic
        ("Кадыров", [1, 2]),  # and back
        ("Грозный", [1, 2]),  # Грозный finds Grozny and Грозном
        ("Grozny", [1, 2]),
        ('"were detained"', [2]),
        ("detained AND Grozny", [2]),
        ("detained NOT Kadyrov", []),
        ("kind:testimony", [1]),
        ("place:Argun", [1, 2]),
        ("lang:ru", [1]),
        ("detain*", [2]),
        ("detaned~", [2]),
    ],
)
def test_queries_find_what_they_should(backend, query, expected):
    assert ids(backend, query) == expected


def test_anonymous_readers_find_only_public_published_documents(backend):
    assert ids(backend, "RESEARCHERCANARY") == []
    assert ids(backend, "DRAFTCANARY") == []
    assert ids(backend, "RESEARCHERCANARY", consents=("public", "researchers")) == [3]
    assert ids(backend, "DRAFTCANARY", statuses=("draft", "published")) == [4]


def test_facets_count_only_what_the_reader_may_see(backend):
    facets = backend.search(SearchRequest(q="")).facets
    assert facets["kind"] == {"testimony": 1, "news_report": 1}
    assert facets["place"] == {"Argun": 2, "Grozny": 1}
    assert facets["language"] == {"ru": 1, "en": 1}


def test_date_range_matches_the_period_of_events(backend):
    assert ids(backend, date_from=date(2017, 2, 10), date_to=date(2017, 2, 20)) == [1]
    assert ids(backend, date_from=date(2017, 4, 1)) == [2]


def test_snippets_highlight_matches_and_escape_markup(tmp_path):
    search = WhooshSearch(tmp_path / "index")
    search.index([doc(1, "He said <script>alert(1)</script> & was detained")])
    (hit,) = search.search(SearchRequest(q="detained")).hits
    assert "<script" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<mark" in hit.snippet and "detained</mark>" in hit.snippet


def test_highlighting_reads_past_the_first_32k_characters(tmp_path):
    search = WhooshSearch(tmp_path / "index")
    search.index([doc(1, "filler " * 10_000 + "needleword at the end")])
    (hit,) = search.search(SearchRequest(q="needleword")).hits
    assert "needleword</mark>" in hit.snippet


def test_a_misspelt_query_gets_a_suggestion(backend):
    results = backend.search(SearchRequest(q="detaimed"))
    assert results.total == 0
    assert results.suggestion == "detained"


@pytest.mark.parametrize("query", ['"unclosed phrase', "(open bracket", "x" * 1001])
def test_malformed_queries_get_a_clear_error(backend, query):
    with pytest.raises(ValidationError) as error:
        backend.search(SearchRequest(q=query))
    assert error.value.field == "q"


def test_updating_a_document_replaces_it_and_deleting_removes_it(backend):
    backend.index([doc(2, "Now about something else entirely.")])
    assert ids(backend, "detained") == []
    assert backend.versions()[2] == "v2"
    backend.delete([2])
    assert 2 not in backend.versions()
