"""A source record apart from the documents that cite it: the original publication's title,
the day its copy was captured and the SHA-256 of that archived copy (issue 22)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from archive.documents.edit import update_document
from archive.documents.revisions import encoded, history, latest_content, revisions_of, submission_from
from archive.errors import IngestError
from archive.protection.identities import protect_identity
from archive.protection.public_text import originals, review_spans
from archive.storage import document_keys
from archive.storage.models import Source
from tests.documents.conftest import PHONE

COPY = b"<html>The article as it stood the day it was captured.</html>"
COPY_SHA256 = hashlib.sha256(COPY).hexdigest()
ARTICLE = {
    "outlet": "A newspaper",
    "url": "https://example.org/a",
    "date": "2017-04-21",
    "title": "Men taken at night in Argun",
    "captured": "2017-04-22",
    "archived_sha256": COPY_SHA256,
}


@pytest.mark.parametrize(
    ("source", "field", "says"),
    [
        ({"captured": "soon"}, "source.captured", "EDTF"),
        ({"captured": "2017-13"}, "source.captured", "not a real date"),
        ({"captured": "2017-02-30"}, "source.captured", "not a real date"),
        ({"archived_sha256": "abc123"}, "source.archived_sha256", "SHA-256"),
        ({"archived_sha256": "g" * 64}, "source.archived_sha256", "SHA-256"),
        ({"archived_sha256": "a" * 65}, "source.archived_sha256", "longer than 64"),
        ({"title": "x" * 501}, "source.title", "longer than 500"),
        ({"title": ["a list"]}, "source.title", "must be text"),
        ({"captured_on": "2017-04-22"}, "source.captured_on", "unknown field"),
    ],
)
def test_a_bad_source_record_is_refused_naming_the_field_and_nothing_is_stored(
    ingest, make_markdown, row_counts, source, field, says
):
    before = row_counts()
    with pytest.raises(IngestError) as caught:
        ingest(make_markdown(source={"outlet": "A newspaper", **source}), "doc.md")
    assert (caught.value.source, caught.value.field) == ("doc.md", field)
    assert says in caught.value.message
    assert row_counts() == before


def test_an_over_long_outlet_is_named_as_the_source_s(ingest, make_markdown):
    with pytest.raises(IngestError) as caught:
        ingest(make_markdown(source={"outlet": "x" * 301}))
    assert caught.value.field == "source.outlet"


def test_the_title_capture_and_hash_are_stored_on_the_source(store):
    source = {**ARTICLE, "title": "  Men taken\n at night in Argun ", "archived_sha256": COPY_SHA256.upper()}
    stored = store(source=source).source
    assert (stored.title, stored.captured, stored.archived_sha256) == (ARTICLE["title"], "2017-04-22", COPY_SHA256)
    assert (stored.outlet, stored.url, stored.date_edtf) == ("A newspaper", "https://example.org/a", "2017-04-21")


def test_a_source_may_be_only_an_archived_copy(store):
    stored = store(source={"archived_sha256": COPY_SHA256}).source
    assert (stored.outlet, stored.archived_sha256, stored.captured) == ("", COPY_SHA256, None)


def test_documents_citing_the_same_capture_share_one_source_record(session, store):
    first = store(slug="first", body="One account.\n", source=ARTICLE)
    second = store(slug="second", body="Another account.\n", source=dict(ARTICLE))
    assert first.source.id == second.source.id
    assert len(session.scalars(select(Source)).all()) == 1


def test_another_capture_of_the_same_publication_is_another_record(session, store):
    first = store(slug="first", body="One account.\n", source=ARTICLE)
    later = {**ARTICLE, "captured": "2017-09", "archived_sha256": hashlib.sha256(COPY + b"!").hexdigest()}
    second = store(slug="second", body="Another account.\n", source=later)
    untitled = store(slug="third", body="A third account.\n", source={**ARTICLE, "title": ""})
    assert len({first.source.id, second.source.id, untitled.source.id}) == 3
    assert second.source.captured == "2017-09"


def test_the_title_is_redacted_while_the_custodian_s_original_keeps_it(session, store, case_row, custodian):
    name = "Ruslan Magomedov"
    title = f"Interview with {name}, call {PHONE}"
    document = store(source={**ARTICLE, "title": title})
    assert PHONE not in document.source.title and "[phone]" in document.source.title
    protect_identity(session, case_row, [name], "Witness R", custodian, "web")
    session.expire_all()
    assert document.source.title == "Interview with Witness R, call [phone]"
    assert originals(document)["source"]["title"] == title
    assert {name for name, _span, _text in review_spans(document)} >= {"source.title"}
    # the capture date and the hash are no one's: carried into the public record as submitted
    assert (document.source.captured, document.source.archived_sha256) == ("2017-04-22", COPY_SHA256)


def test_the_api_and_the_page_show_the_source_record(client, make_document):
    doc_id = make_document(source={**ARTICLE, "captured": "2017-04"})
    source = client.get(f"/api/v1/documents/{doc_id}").get_json()["source"]
    assert (source["title"], source["captured"], source["archived_sha256"]) == (
        ARTICLE["title"],
        "2017-04",
        COPY_SHA256,
    )
    page = client.get(f"/documents/{doc_id}").text
    assert f"<cite>{ARTICLE['title']}</cite>" in page
    assert "<time>April 2017</time> <code>2017-04</code>" in page  # the capture at its precision
    assert COPY_SHA256 in page


def test_a_document_without_the_new_values_shows_none_of_them(client, make_document):
    doc_id = make_document(source={"outlet": "A newspaper"})
    source = client.get(f"/api/v1/documents/{doc_id}").get_json()["source"]
    assert (source["title"], source["captured"], source["archived_sha256"]) == ("", None, "")
    assert "archived copy" not in client.get(f"/documents/{doc_id}").text


def test_a_capture_change_is_a_source_change_that_waits_for_review(session, store, custodian):
    document = store(source=ARTICLE)
    content = latest_content(session, document)
    assert {k: content["source"][k] for k in ("title", "captured", "archived_sha256")} == {
        "title": ARTICLE["title"],
        "captured": "2017-04-22",
        "archived_sha256": COPY_SHA256,
    }
    content["source"]["captured"] = "2017-05-01"
    revision = update_document(session, document, submission_from(content), custodian, "web", document.revision)
    assert revision.state == "pending"  # the source is part of what a review covers
    assert document.source.captured == "2017-04-22"  # the reviewed record stays public
    assert latest_content(session, document)["source"]["captured"] == "2017-05-01"


def test_a_revision_kept_before_the_source_record_compares_as_empty(session, store, custodian):
    """Revisions sealed before the title, capture and hash existed lack those keys: an edit
    that leaves them empty changes nothing in the source."""
    document = store(source={"outlet": "A newspaper"})
    (first,) = revisions_of(session, document)
    old = latest_content(session, document)
    old["source"] = {k: v for k, v in old["source"].items() if k not in ("title", "captured", "archived_sha256")}
    first.content = document_keys.sealer(session, document.id).seal(encoded(old), first.seal_context("content"))
    session.commit()
    content = latest_content(session, document)
    content["kind"] = "news_report"
    update_document(session, document, submission_from(content), custodian, "web", document.revision)
    assert history(session, document)[-1].changed == ["kind"]
