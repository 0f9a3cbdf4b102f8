"""Who may see which document, on every page and API route that shows documents.

The rule: a visitor sees published documents with public consent; a researcher also sees
published documents with researchers' consent; custodians and admins see everything. A document
beyond the reader's audience is "not found" (404), never "forbidden", so ids cannot be probed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import CORPUS
from tests.web.conftest import CASE, CONSENTS, ROLES, STATUSES, may_see, without_tokens

EVERY_DOCUMENT = [(c, s) for c in CONSENTS for s in STATUSES]
MATRIX = [(role, c, s) for role in ROLES for c, s in EVERY_DOCUMENT]
DOCUMENT_URLS = ("/documents/{id}", "/api/v1/documents/{id}")


def _visible(docs, role):
    return {doc.id for (c, s), doc in docs.items() if may_see(role, c, s)}


def _hidden(docs, role):
    return [doc for (c, s), doc in docs.items() if not may_see(role, c, s)]


def test_the_specification_table_reads_as_intended():
    # Spelled out once, so that a slip in may_see() cannot make every test below agree with it.
    assert [k for k in EVERY_DOCUMENT if may_see("anonymous", *k)] == [("public", "published")]
    assert [k for k in EVERY_DOCUMENT if may_see("researcher", *k)] == [
        ("public", "published"),
        ("researchers", "published"),
    ]
    assert all(may_see("custodian", *k) and may_see("admin", *k) for k in EVERY_DOCUMENT)


@pytest.mark.parametrize("url", DOCUMENT_URLS)
@pytest.mark.parametrize(("role", "consent", "status"), MATRIX)
def test_document_is_found_only_by_its_audience(reader, every_document, url, role, consent, status):
    doc = every_document[consent, status]
    response = reader(role).get(url.format(id=doc.id))
    if may_see(role, consent, status):
        assert response.status_code == 200
        assert doc.canary in response.text
    else:
        assert response.status_code == 404  # not 403: "not allowed" must look like "not found"
        assert doc.canary not in response.text


@pytest.mark.parametrize("role", ROLES)
def test_document_list_page_shows_exactly_what_the_reader_may_see(reader, every_document, role):
    page = reader(role).get("/documents?per_page=100")
    assert page.status_code == 200
    listed = {int(n) for n in re.findall(r'href="/documents/(\d+)"', page.text)}
    assert listed == _visible(every_document, role)
    assert (f"{len(listed)} documents" if len(listed) != 1 else "1 document") in page.text


@pytest.mark.parametrize("role", ROLES)
def test_api_list_items_and_total_cover_exactly_what_the_reader_may_see(reader, every_document, role):
    body = reader(role).get("/api/v1/documents?per_page=100").get_json()
    assert {item["id"] for item in body["items"]} == _visible(every_document, role)
    assert body["total"] == len(_visible(every_document, role))


@pytest.mark.parametrize("role", ROLES)
def test_api_list_total_counts_only_visible_documents_on_a_short_page(reader, every_document, role):
    body = reader(role).get("/api/v1/documents?per_page=1").get_json()
    assert body["total"] == len(_visible(every_document, role))
    assert len(body["items"]) == 1


@pytest.mark.parametrize("role", ROLES)
def test_home_page_counts_and_lists_only_visible_documents(reader, every_document, role):
    page = reader(role).get("/")
    assert page.status_code == 200
    assert re.findall(r">testimony</a>: <strong>(\d+)</strong>", page.text) == [
        str(len(_visible(every_document, role)))
    ]
    latest = {int(n) for n in re.findall(r'href="/documents/(\d+)"', page.text)}
    visible = _visible(every_document, role)
    assert latest <= visible
    assert len(latest) == min(len(visible), 8)  # the home page lists the eight latest


@pytest.mark.parametrize("role", ROLES)
def test_case_page_counts_only_visible_documents(reader, every_document, role):
    page = reader(role).get(f"/cases/{CASE}")
    assert page.status_code == 200
    assert re.findall(r">testimony</a>: <strong>(\d+)</strong>", page.text) == [
        str(len(_visible(every_document, role)))
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("query", ["kind=testimony", "language=en", f"case={CASE}", "tag=none", "year=2017"])
def test_filters_never_widen_the_audience(reader, every_document, role, query):
    body = reader(role).get(f"/api/v1/documents?per_page=100&{query}").get_json()
    assert {item["id"] for item in body["items"]} <= _visible(every_document, role)


@pytest.mark.parametrize("role", ROLES)
def test_hidden_documents_leave_no_trace_in_any_response(reader, cited_everywhere, role):
    client = reader(role)
    urls = [
        "/",
        "/documents",
        "/documents?per_page=100",
        f"/documents?case={CASE}&kind=testimony&language=en",
        f"/cases/{CASE}",
        "/api/v1/documents?per_page=100",
        f"/api/v1/documents?case={CASE}&per_page=100",
        "/api/v1/timeline?per_page=100",
        f"/api/v1/timeline?case={CASE}&per_page=100",
        "/api/v1/cases",
    ]
    hidden = _hidden(cited_everywhere, role)
    urls += [f"/documents/{d.id}" for d in hidden] + [f"/api/v1/documents/{d.id}" for d in hidden]
    for url in urls:
        text = client.get(url).text
        for doc in hidden:
            assert doc.canary not in text, f"{doc.canary} leaked through {url}"


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
@pytest.mark.parametrize("prefix", ["/documents/", "/api/v1/documents/"])
def test_guessing_a_hidden_id_looks_like_an_unused_id(reader, every_document, role, prefix):
    client = reader(role)
    unused = client.get(f"{prefix}999999")
    assert unused.status_code == 404
    for doc in _hidden(every_document, role):
        guessed = client.get(f"{prefix}{doc.id}")
        assert guessed.status_code == 404
        assert guessed.mimetype == unused.mimetype
        assert without_tokens(guessed.text) == without_tokens(unused.text)


@pytest.mark.parametrize("role", ROLES)
def test_api_timeline_cites_only_documents_the_reader_may_open(reader, cited_everywhere, role):
    body = reader(role).get(f"/api/v1/timeline?case={CASE}&per_page=100").get_json()
    # an entry backed only by documents the reader may not open is not shown at all
    assert body["total"] == len(_visible(cited_everywhere, role))
    cited = {c["document"] for item in body["items"] for c in item["citations"]}
    accounts = {a["document"] for item in body["items"] for a in item["conflicting_accounts"]}
    assert cited == _visible(cited_everywhere, role)
    assert accounts == _visible(cited_everywhere, role)


@pytest.mark.parametrize("role", ROLES)
def test_case_timeline_links_only_documents_the_reader_may_open(reader, cited_everywhere, role):
    page = reader(role).get(f"/cases/{CASE}")
    assert page.status_code == 200
    linked = {int(n) for n in re.findall(r'href="/documents/(\d+)"', page.text)}
    assert linked == _visible(cited_everywhere, role)
    # entries resting only on hidden documents are absent, not shown with their evidence cut
    assert page.text.count("Event number") == len(_visible(cited_everywhere, role))


def test_public_corpus_timeline_keeps_every_citation(corpus_app):
    # Every document of the sample case is public: filtering must not drop any of its evidence.
    expected = sum(
        len(yaml.safe_load(path.read_text(encoding="utf-8")).get("citations") or [])
        for path in Path(CORPUS).glob("*/timeline/*.yaml")
    )
    body = corpus_app.test_client().get("/api/v1/timeline?per_page=100").get_json()
    assert body["total"] == len(list(Path(CORPUS).glob("*/timeline/*.yaml")))
    assert sum(len(item["citations"]) for item in body["items"]) == expected
    for item in body["items"]:
        for citation in item["citations"]:
            assert corpus_app.test_client().get(f"/documents/{citation['document']}").status_code == 200
