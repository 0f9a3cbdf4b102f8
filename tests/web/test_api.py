"""The JSON API under /api/v1/: list shape, pagination, filters, errors, and ingest by POST."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.web.conftest import CASE, token_from

LIST_KEYS = {"items", "total", "page", "per_page", "pages"}
VALID = {
    "case": CASE,
    "kind": "testimony",
    "title": "Posted through the API",
    "language": "en",
    "body": "The posted account.\n",
}


@pytest.fixture
def catalogue(make_case, make_document):
    """Four public documents across two cases, kinds, languages and years; slug -> id."""
    make_case("other-case", "Other case")
    other = "other-case"
    rows = [
        dict(slug="en-testimony-2017", kind="testimony", language="en", published="2017-04"),
        dict(slug="ru-news-2018", kind="news_report", language="ru", published="2018-01-02"),
        dict(slug="en-statement-2017", kind="official_statement", published="2017", case=other),
        dict(slug="en-testimony-undated", kind="testimony", language="en", case=other),
    ]
    return {row["slug"]: make_document(title=row["slug"], **row) for row in rows}


@pytest.fixture
def custodian(signed_in):
    return signed_in("custodian")


@pytest.fixture
def post_document(make_case):
    """Return a function posting a JSON body to /api/v1/documents with the given CSRF token."""
    make_case()

    def post(client, payload=VALID, token=None, **kwargs):
        headers = {"X-CSRFToken": token} if token else {}
        if "data" not in kwargs:
            kwargs["json"] = payload
        return client.post("/api/v1/documents", headers=headers, **kwargs)

    return post


def _slugs(response) -> set[str]:
    return {item["slug"] for item in response.get_json()["items"]}


@pytest.mark.parametrize("url", ["/api/v1/documents", "/api/v1/cases", "/api/v1/timeline"])
def test_list_responses_have_items_total_and_page(client, catalogue, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) >= LIST_KEYS
    assert isinstance(body["items"], list)
    assert (body["page"], body["per_page"]) == (1, 20)
    assert body["total"] == len(body["items"])


@pytest.mark.parametrize(
    ("query", "sizes"),
    [
        ("per_page=2", [2, 2, 1, 0]),
        ("per_page=3", [3, 2, 0, 0]),
        ("per_page=5", [5, 0, 0, 0]),
        ("per_page=100", [5, 0, 0, 0]),
    ],
)
def test_pages_split_the_list_without_overlap(client, make_document, query, sizes):
    ids = {make_document(title=f"Item {n}", slug=f"item-{n}") for n in range(5)}
    seen = []
    for page, size in enumerate(sizes, start=1):
        body = client.get(f"/api/v1/documents?{query}&page={page}").get_json()
        assert (body["total"], body["page"], len(body["items"])) == (5, page, size)
        seen += [item["id"] for item in body["items"]]
    assert sorted(seen) == sorted(ids)
    assert body["pages"] == -(-5 // body["per_page"])


@pytest.mark.parametrize("url", ["/api/v1/documents", "/api/v1/cases", "/api/v1/timeline"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=101", "per_page"),
        ("per_page=1000000", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=-5", "per_page"),
        ("per_page=ten", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=%C2%B2", "page"),  # a superscript two: str.isdigit() says yes, int() says no
        ("page=99999999999", "page"),
    ],
)
def test_bad_pagination_is_a_json_error_naming_the_field(client, url, query, field):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["field"] == field
    assert isinstance(body["error"], str) and body["error"]


def test_per_page_may_be_the_maximum(client, catalogue):
    body = client.get("/api/v1/documents?per_page=100").get_json()
    assert body["per_page"] == 100


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"en-testimony-2017", "ru-news-2018", "en-statement-2017", "en-testimony-undated"}),
        ("kind=testimony", {"en-testimony-2017", "en-testimony-undated"}),
        ("kind=official_statement", {"en-statement-2017"}),
        ("language=ru", {"ru-news-2018"}),
        ("language=de", set()),
        ("year=2017", {"en-testimony-2017", "en-statement-2017"}),
        ("year=2018", {"ru-news-2018"}),
        ("year=2016", set()),
        ("case=other-case", {"en-statement-2017", "en-testimony-undated"}),
        (f"case={CASE}&kind=testimony", {"en-testimony-2017"}),
        ("case=other-case&year=2017&language=en", {"en-statement-2017"}),
    ],
)
def test_filters_select_documents(client, catalogue, query, expected):
    response = client.get(f"/api/v1/documents?{query}")
    assert response.status_code == 200
    assert _slugs(response) == expected
    assert response.get_json()["total"] == len(expected)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=letter", "kind"),
        ("kind=Testimony", "kind"),
        ("year=17", "year"),
        ("year=abcd", "year"),
        ("year=%C2%B2%C2%B2%C2%B2%C2%B2", "year"),  # four superscript twos: isdigit(), not int
    ],
)
def test_unknown_filter_values_are_json_errors(client, catalogue, query, field):
    response = client.get(f"/api/v1/documents?{query}")
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_cases_are_listed_with_their_links(client, make_case):
    make_case("alpha", "Alpha case")
    make_case("beta", "Beta case")
    body = client.get("/api/v1/cases").get_json()
    assert body["total"] == 2
    assert {c["slug"]: c["title"] for c in body["items"]} == {
        "alpha": "Alpha case",
        "beta": "Beta case",
    }
    assert {c["url"] for c in body["items"]} == {
        "http://archive.test/cases/alpha",
        "http://archive.test/cases/beta",
    }
    second = client.get("/api/v1/cases?per_page=1&page=2").get_json()
    assert (second["total"], len(second["items"]), second["pages"]) == (2, 1, 2)


def test_document_detail_carries_public_text_source_and_hash(client, make_document):
    doc_id = make_document(
        title="Detailed",
        body="Said **plainly**.\n",
        published="2017-04-02",
        places=["Grozny"],
        tags=["Detention"],
        attribution="Recorded by the team.",
        source={
            "outlet": "The Outlet",
            "author": "A. Writer",
            "url": "https://example.org/article",
            "date": "2017-04",
            "reliability": "Named reporter.",
            "reported_by": "The Paper",
            "title": "The original headline",
            "captured": "2017-04-03",
            "archived_sha256": "AB" * 32,
        },
    )
    response = client.get(f"/api/v1/documents/{doc_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == doc_id
    assert body["title"] == "Detailed"
    assert body["body"] == "Said **plainly**.\n"
    assert body["source"] == {
        "outlet": "The Outlet",
        "author": "A. Writer",
        "url": "https://example.org/article",
        "reported_by": "The Paper",
        "date": "2017-04",
        "reliability": "Named reporter.",
        "title": "The original headline",
        "captured": "2017-04-03",
        "archived_sha256": "ab" * 32,
    }
    # an anonymous reader gets the public text's hash, never the submission's: that one could
    # confirm a guess at a redacted name
    assert body["public_sha256"] == hashlib.sha256(body["body"].encode()).hexdigest()
    assert "sha256" not in body
    assert (body["published"], body["places"], body["tags"]) == (
        "2017-04-02",
        ["Grozny"],
        ["detention"],
    )
    assert body["url"] == f"http://archive.test/documents/{doc_id}"


def test_document_without_source_says_so(client, make_document):
    body = client.get(f"/api/v1/documents/{make_document()}").get_json()
    assert body["source"] is None


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/documents/999999",
        "/api/v1/documents/abc",
        "/api/v1/nothing-here",
        "/api/v2/documents",
    ],
)
def test_unknown_api_addresses_are_json_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]


def test_anonymous_post_is_refused_with_401(client, post_document, count_documents):
    response = post_document(client, token=token_from(client, "/login"))
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]
    assert count_documents() == 0


def test_researcher_post_is_refused_with_403(signed_in, post_document, count_documents):
    client = signed_in("researcher")
    response = post_document(client, token=token_from(client, "/"))
    assert response.status_code == 403
    assert response.get_json()["error"]
    assert count_documents() == 0


def test_custodian_post_with_csrf_header_creates_the_document(
    custodian, post_document, count_documents, document_audit, user_id
):
    response = post_document(custodian, token=token_from(custodian, "/"))
    assert response.status_code == 201
    created = response.get_json()
    assert created["title"] == VALID["title"]
    assert created["body"] == VALID["body"]
    assert count_documents() == 1
    fetched = custodian.get(f"/api/v1/documents/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json()["sha256"] == created["sha256"]
    assert document_audit() == [("document.create", user_id("custodian-9"), created["id"], "api")]


def test_posted_document_defaults_to_the_narrowest_audience(custodian, post_document):
    created = post_document(custodian, token=token_from(custodian, "/")).get_json()
    assert (created["consent"], created["status"]) == ("custodians", "draft")


@pytest.mark.parametrize("token", [None, "", "not-a-token"])
def test_post_without_a_valid_csrf_token_is_refused(custodian, post_document, count_documents, token):
    custodian.get("/")  # the session holds a token; the request does not carry it
    response = post_document(custodian, token=token)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]
    assert count_documents() == 0


def test_csrf_token_of_another_session_is_refused(custodian, app, post_document, count_documents):
    stranger = app.test_client()
    response = post_document(custodian, token=token_from(stranger, "/login"))
    assert response.status_code == 400
    assert count_documents() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"title": "   "}, "title"),
        ({"kind": "letter"}, "kind"),
        ({"kind": None}, "kind"),
        ({"body": ""}, "body"),
        ({"language": "zz"}, "language"),
        ({"published": "2017-13"}, "published"),
        ({"published": "April 2017"}, "published"),
        ({"published": "2017-02-30"}, "published"),
        ({"events": "2017-04/2017-02"}, "events"),
        ({"case": "no-such-case"}, "case"),
        ({"consent": "everyone"}, "consent"),
        ({"status": "final"}, "status"),
        ({"secret_field": "x"}, "secret_field"),
        ({"source": {"url": "javascript:alert(1)"}}, "source.url"),
    ],
)
def test_invalid_document_is_refused_naming_the_field(custodian, post_document, count_documents, change, field):
    payload = {k: v for k, v in {**VALID, **change}.items() if v is not None}
    response = post_document(custodian, payload, token=token_from(custodian, "/"))
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field
    assert field in body["error"]
    assert count_documents() == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [(b"{not json", "json"), (b"[1, 2]", "json"), (b'"text"', "json"), (b"\xff\xfe{}", "encoding")],
)
def test_malformed_json_is_refused_naming_the_problem(custodian, post_document, count_documents, data, field):
    response = post_document(custodian, token=token_from(custodian, "/"), data=data, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert count_documents() == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/markdown"])
def test_non_json_content_type_is_refused(custodian, post_document, count_documents, content_type):
    response = post_document(
        custodian,
        token=token_from(custodian, "/"),
        data=json.dumps(VALID).encode(),
        content_type=content_type,
    )
    assert response.status_code == 400
    assert response.get_json()["field"] == "content-type"
    assert count_documents() == 0


def test_same_bytes_twice_are_refused_naming_sha256(custodian, post_document, count_documents):
    token = token_from(custodian, "/")
    first = post_document(custodian, token=token)
    assert first.status_code == 201
    again = post_document(custodian, token=token)
    assert again.status_code == 400
    body = again.get_json()
    assert body["field"] == "sha256"
    assert str(first.get_json()["id"]) in body["error"]
    assert count_documents() == 1
