"""The search page and GET /api/v1/search: access, filters, order, pages, errors, snippets.

Who may find what is written out here on its own (`may_see`, the same rule as document pages),
and each document carries a word found nowhere else, so a hit, a total or a facet count that a
reader should not get shows up as a difference from the specification.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.conftest import seeded, store_document
from tests.web.conftest import CONSENTS, ROLES, STATUSES, active_content, may_see

KINDS = ("testimony", "news_report", "official_statement")
# Query parameter → facet name in the results (the API's `facets` keys).
PARAM_FACET = {"kind": "kind", "lang": "language", "place": "place", "tag": "tag", "case": "case", "year": "year"}
HIT = re.compile(r'<li class="hit">\s*<a href="/documents/(\d+)"')
TOTAL = re.compile(r'<h2 id="results-h" role="status">(\d+) results?</h2>')
FACET_LINK = re.compile(r'<a href="([^"]+)" class="facet-link">[^<]*</a> \((\d+)\)')


@dataclass(frozen=True)
class Seeded:
    id: int
    consent: str
    status: str
    kind: str
    language: str
    places: tuple[str, ...]
    tag: str
    case: str
    year: int

    @property
    def word(self) -> str:
        """A word that occurs only in this document."""
        return f"canary{self.consent}{self.status}".replace("_", "")

    def facets(self) -> dict[str, list[str]]:
        return {
            "kind": [self.kind],
            "language": [self.language],
            "place": list(self.places),
            "tag": [self.tag],
            "case": [self.case],
            "year": [str(self.year)],
        }


def expected_facets(docs) -> dict[str, dict[str, int]]:
    """Count facet values over the documents a reader may see (the specification)."""
    counts = {name: Counter() for name in PARAM_FACET.values()}
    for doc in docs:
        for name, values in doc.facets().items():
            counts[name].update(values)
    return {name: dict(c) for name, c in counts.items()}


@seeded
def faceted_documents(app) -> list[Seeded]:
    """One document per consent and status, each with its own word and its own facet values."""
    docs = []
    for n, (consent, status) in enumerate((c, s) for c in CONSENTS for s in STATUSES):
        probe = Seeded(
            0,
            consent,
            status,
            KINDS[n % 3],
            ("en", "ru")[n % 2],
            ("Grozny", f"Village{n}"),
            f"tag-{status}",
            ("test-case", "other-case")[n % 2],
            2009 + n,
        )
        doc_id = store_document(
            app,
            slug=f"doc-{n}",
            case=probe.case,
            kind=probe.kind,
            language=probe.language,
            title=f"Account {probe.word}",
            body=f"The witness said {probe.word} in the body.\n",
            places=list(probe.places),
            tags=[probe.tag],
            published=str(probe.year),
            consent=consent,
            status=status,
        )
        docs.append(replace(probe, id=doc_id))
    return docs


def api(client, **params) -> dict:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def api_ids(client, **params) -> list[int]:
    return [item["id"] for item in api(client, **params)["items"]]


def page(client, **params) -> str:
    response = client.get("/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def page_ids(client, **params) -> list[int]:
    return [int(i) for i in HIT.findall(page(client, **params))]


def page_total(text: str) -> int:
    match = TOTAL.search(text)
    assert match, "no result count on the page"
    return int(match[1])


def page_facets(text: str) -> dict[str, dict[str, int]]:
    """Read the facet links of a page without active filters: {facet: {value: count}}."""
    counts = {name: {} for name in PARAM_FACET.values()}
    for href, n in FACET_LINK.findall(text):
        chosen = {k: v for k, v in parse_qsl(urlsplit(html.unescape(href)).query) if v}
        chosen.pop("q", None)
        ((param, value),) = chosen.items()
        counts[PARAM_FACET[param]][value] = int(n)
    return counts


# -- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_reader_finds_exactly_the_documents_the_pages_would_show(reader, faceted_documents, role):
    client = reader(role)
    for doc in faceted_documents:
        visible = may_see(role, doc.consent, doc.status)
        found = api(client, q=doc.word)
        assert [i["id"] for i in found["items"]] == ([doc.id] if visible else []), doc.word
        assert found["total"] == (1 if visible else 0), doc.word
        assert found["facets"] == expected_facets([doc] if visible else []), doc.word
        assert page_ids(client, q=doc.word) == ([doc.id] if visible else []), doc.word


@pytest.mark.parametrize("role", ROLES)
def test_totals_and_facet_counts_ignore_documents_the_reader_cannot_see(reader, faceted_documents, role):
    client = reader(role)
    visible = [d for d in faceted_documents if may_see(role, d.consent, d.status)]
    found = api(client, per_page=100)
    assert sorted(i["id"] for i in found["items"]) == sorted(d.id for d in visible)
    assert found["total"] == len(visible)
    assert found["facets"] == expected_facets(visible)


@pytest.mark.parametrize("role", ROLES)
def test_the_page_and_the_api_agree(reader, faceted_documents, role):
    client = reader(role)
    for params in ({}, {"q": "witness"}, {"q": "Grozny"}, {"kind": "testimony"}):
        found = api(client, **params)
        text = page(client, **params)
        assert [int(i) for i in HIT.findall(text)] == [i["id"] for i in found["items"]], params
        assert page_total(text) == found["total"], params
        if not params:
            assert page_facets(text) == found["facets"]


# -- filters, order, pages ---------------------------------------------------------------------


@pytest.fixture
def varied(make_document) -> dict[str, int]:
    """Four public, published documents that differ in every filterable field."""
    specs = {
        "a": dict(
            kind="testimony",
            language="en",
            places=["Grozny", "Argun"],
            tags=["detention"],
            published="2017-04-21",
            events="2017-02/2017-03",
        ),
        "b": dict(
            kind="news_report", language="en", places=["Grozny"], tags=["denial"], published="2017-09", events="2017-04"
        ),
        "c": dict(
            kind="testimony", language="ru", places=["Argun"], tags=["detention"], published="2018-01", events="2017-12"
        ),
        "d": dict(
            kind="official_statement",
            language="en",
            places=["Moscow"],
            tags=["denial"],
            published="2016-05",
            events="2016-05",
            case="other-case",
        ),
    }
    return {
        key: make_document(
            slug=f"varied-{key}",
            title=f"Report {key}",
            body=f"Common words for every report, letter {key}.\n",
            **fields,
        )
        for key, fields in specs.items()
    }


FILTERS = [
    ({"kind": "testimony"}, "ac"),
    ({"kind": "official_statement"}, "d"),
    ({"lang": "ru"}, "c"),
    ({"place": "Argun"}, "ac"),
    ({"tag": "denial"}, "bd"),
    ({"case": "other-case"}, "d"),
    ({"case": "test-case"}, "abc"),
    ({"year": "2017"}, "ab"),
    ({"year": "2016"}, "d"),
    ({"kind": "testimony", "lang": "ru"}, "c"),
    ({"place": "Grozny", "tag": "denial"}, "b"),
    ({"from": "2017-02", "to": "2017-02"}, "a"),  # events overlapping February 2017
    ({"from": "2017-04"}, "bc"),
    ({"to": "2016-12"}, "d"),
    ({"q": "date:2017-02/2017-03"}, "a"),
    ({"q": "date:2017-12"}, "c"),
    ({"q": "report date:2017"}, "abc"),
    ({"q": "kind:testimony"}, "ac"),
    ({"q": "place:Argun lang:ru"}, "c"),
    ({"q": "report", "kind": "news_report"}, "b"),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
@pytest.mark.parametrize("where", ["api", "page"])
def test_filters_narrow_the_results(client, varied, params, expected, where):
    found = (api_ids if where == "api" else page_ids)(client, **params)
    assert sorted(found) == sorted(varied[key] for key in expected)


@pytest.mark.parametrize("where", ["api", "page"])
def test_sort_by_date_orders_by_publication_newest_first(client, varied, where):
    found = (api_ids if where == "api" else page_ids)(client, q="report", sort="date")
    assert found == [varied[key] for key in "cbad"]


@pytest.mark.parametrize(
    ("active", "value", "shown"),
    [
        ("kind", "testimony", "testimony"),
        ("lang", "ru", "Russian"),  # the language's name, not its code
        ("place", "Argun", "Argun"),
        ("tag", "denial", "denial"),
        ("case", "other-case", "Test case"),  # the case's title, not its slug
        ("year", "2017", "2017"),
    ],
)
def test_an_active_filter_shows_as_chosen_with_a_way_to_remove_it(client, varied, active, value, shown):
    text = page(client, **{active: value})
    assert f"<strong>{shown}</strong>" in text
    assert 'aria-label="Remove filter"' in text


@pytest.fixture
def seven(make_document) -> list[int]:
    return [make_document(slug=f"paged-{n}", title=f"Paged {n}", body=f"Paginated text {n}.\n") for n in range(7)]


def test_pages_split_the_results_without_overlap(client, seven):
    pages = [api(client, per_page=3, page=n) for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert {p["total"] for p in pages} == {7}
    assert [(p["page"], p["per_page"]) for p in pages] == [(1, 3), (2, 3), (3, 3)]
    ids = [i["id"] for p in pages for i in p["items"]]
    assert sorted(ids) == sorted(seven)


@pytest.mark.parametrize("where", ["api", "page"])
def test_a_page_past_the_end_is_empty(client, seven, where):
    found = (api_ids if where == "api" else page_ids)(client, per_page=3, page=4)
    assert found == []


def test_the_page_links_to_the_next_and_previous_pages(client, seven):
    first, last = page(client, per_page=3), page(client, per_page=3, page=3)
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert "Page 1 of 3" in first and "Page 3 of 3" in last


def test_per_page_may_be_the_maximum(client, seven):
    assert len(api(client, per_page=100)["items"]) == 7


# -- errors ------------------------------------------------------------------------------------

BAD_PARAMS = [
    ({"q": '"unclosed'}, "q", "quotation mark"),
    ({"q": "((("}, "q", "brackets"),
    ({"q": "x" * 1001}, "q", "1000 characters"),
    ({"q": "date:nonsense"}, "date", "EDTF"),
    ({"per_page": "101"}, "per_page", "at most 100"),
    ({"per_page": "0"}, "per_page", "at least 1"),
    ({"page": "0"}, "page", "at least 1"),
    ({"page": "two"}, "page", "whole number"),
    ({"year": "17"}, "year", "four-digit year"),
    ({"sort": "random"}, "sort", "relevance or date"),
    ({"from": "yesterday"}, "from", "EDTF"),
]


@pytest.mark.parametrize(("params", "field", "words"), BAD_PARAMS)
def test_bad_parameters_get_a_400_json_message_from_the_api(client, params, field, words):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field and body["status"] == 400
    assert words in body["error"]


@pytest.mark.parametrize(("params", "field", "words"), BAD_PARAMS)
def test_bad_parameters_get_a_400_page_with_the_message(client, params, field, words):
    response = client.get("/search", query_string=params)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert html.escape(words, quote=False) in response.get_data(as_text=True)


ODD_QUERIES = ["AND", "NOT", "OR OR", "*", "~", "^", "kind:", ":", "[a TO", "{", "]", "a:b:c",
               "title:", "*:*", "detained~x", '"a"~', "a\x00b", "NOT detained", "/", "\\",
               "year:abcd", "year:[2010 TO 2020]", "published:[0 TO 9]", "kanar.q7z@mail.ru",
               "vk.com/id5583901", "@handle_58", "+7 928 417-53-96", "ёжик Ёлка", "🙂"]  # fmt: skip


@pytest.mark.parametrize("query", ODD_QUERIES)
@pytest.mark.parametrize("path", ["/api/v1/search", "/search"])
def test_odd_queries_never_cause_a_server_error(client, varied, query, path):
    response = client.get(path, query_string={"q": query})
    assert response.status_code in (200, 400), query
    if path.startswith("/api/") and response.status_code == 400:
        assert response.get_json()["field"] == "q"


@pytest.mark.parametrize("field", ["consent:custodians", "status:draft", "consent:researchers"])
def test_a_query_on_the_access_fields_cannot_widen_access(client, faceted_documents, field):
    found = api(client, q=field, per_page=100)
    allowed = {d.id for d in faceted_documents if may_see("anonymous", d.consent, d.status)}
    assert {i["id"] for i in found["items"]} <= allowed


# -- suggestions and snippets ------------------------------------------------------------------


def test_a_misspelt_query_gets_a_suggestion_on_the_page_and_the_api(client, make_document):
    make_document(body="The men were detained in Grozny.\n")
    found = api(client, q="detaimed")
    assert found["total"] == 0 and found["suggestion"] == "detained"
    text = page(client, q="detaimed")
    assert "Did you mean" in text
    assert 'href="/search?q=detained' in text


def test_no_suggestion_when_something_matches(client, make_document):
    make_document(body="The men were detained in Grozny.\n")
    assert api(client, q="detained")["suggestion"] is None


def test_suggestions_never_reveal_words_of_documents_the_reader_cannot_see(client, make_document):
    make_document(body="The men were detained in Grozny.\n")
    make_document(title="Draft", body="A secret surname Zarkovian.\n", status="draft")
    make_document(title="Closed", body="Another name Pelimkhanov.\n", consent="custodians")
    for typo in ("zarkovien", "pelimkhenov"):
        found = api(client, q=typo)
        assert found["total"] == 0
        assert found["suggestion"] is None, typo
        assert "zarkovian" not in page(client, q=typo).lower()


MARKUP_BODY = 'He said <script>alert("x")</script> & was detained near <b onclick="y()">Argun</b>.\n'


@pytest.fixture
def markup_document(make_document) -> int:
    return make_document(title='<script>alert("t")</script> title', body=MARKUP_BODY)


def test_api_snippets_highlight_matches_and_carry_no_markup(client, markup_document):
    """A snippet is the text a reader sees on the document page: the tags are gone, as the
    renderer removes them, and what is left is escaped."""
    (item,) = api(client, q="detained")["items"]
    assert item["id"] == markup_document
    assert "<mark" in item["snippet"] and "detained</mark>" in item["snippet"]
    assert "<script" not in item["snippet"] and "<b " not in item["snippet"]
    assert "script&gt;" not in item["snippet"] and "onclick" not in item["snippet"]
    assert "&amp; was" in item["snippet"]


def test_the_search_page_shows_highlights_and_no_active_markup(client, markup_document):
    text = page(client, q="detained")
    assert HIT.findall(text) == [str(markup_document)]
    assert "detained</mark>" in text
    assert active_content(text) == []
    assert "&lt;script&gt;" in text


@pytest.mark.parametrize(
    ("q", "said"),
    [
        ("kadyrov~5", "more than 2 letters away"),
        ("alpha~1 bravo~1 charlie~1 delta~1", "more than 3 fuzzy terms"),
    ],
)
def test_fuzzy_terms_beyond_the_bounds_are_refused_with_what_to_do(client, q, said):
    """A large edit distance or many fuzzy words took an anonymous search 10 s (issue 18)."""
    answer = client.get("/api/v1/search", query_string={"q": q})
    assert answer.status_code == 400 and said in answer.get_json()["error"]
    assert client.get("/api/v1/search", query_string={"q": "kadyrov~2 denied~1"}).status_code == 200
