"""Grading, derivations, corroboration and near-duplicate proposals as readers and custodians
meet them: document pages, the timeline, the API, the form and the proposals' decisions."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import select

from archive.services import get_db
from archive.storage import queries
from archive.storage.models import AuditEntry, Derivation, Document, TimelineEntry
from tests.conftest import login
from tests.web.conftest import add_user, token_from
from tests.web.test_media import FORM


def _doc_id(app, slug: str) -> int:
    with app.app_context(), get_db(app).session() as s:
        return s.scalars(select(Document.id).where(Document.slug == slug)).one()


def _entry_id(app, slug: str) -> int:
    with app.app_context(), get_db(app).session() as s:
        return s.scalars(select(TimelineEntry.id).where(TimelineEntry.slug == slug)).one()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ")


# --- the sample case ------------------------------------------------------------------------------


def test_a_summary_names_what_it_derives_from_and_is_named_there(corpus_app):
    client = corpus_app.test_client()
    summary = client.get(f"/documents/{_doc_id(corpus_app, 'ru-kadyrov-denial-and-canada-remark')}")
    text = _text(summary.text)
    assert "Derived from" in text and "Summary: Kadyrov forcefully denies that gay people exist in Chechnya" in text
    original = client.get(f"/documents/{_doc_id(corpus_app, 'kadyrov-denies-gay-people-in-chechnya')}")
    assert "Derived from this document" in original.text
    assert "Кадыров отрицает существование геев" in original.text


def test_the_grading_and_who_speaks_are_shown(corpus_app):
    page = corpus_app.test_client().get(f"/documents/{_doc_id(corpus_app, 'hotline-callers-75-and-52')}")
    text = _text(page.text)
    assert "C2" in text and "C: fairly reliable; 2: probably true" in text
    assert "Who speaks second-hand report" in text


def test_the_timeline_counts_independent_sources_not_documents(corpus_app):
    client = corpus_app.test_client()
    page = _text(client.get(f"/timeline/entries/{_entry_id(corpus_app, '2017-kadyrov-denies-gay-people-exist')}").text)
    assert "1 independent source (2 documents cited)" in page
    ru = corpus_app.test_client()
    ru.get("/language/ru?next=/")
    page = _text(ru.get(f"/timeline/entries/{_entry_id(corpus_app, '2017-kadyrov-denies-gay-people-exist')}").text)
    assert "1 независимый источник (процитировано 2 документа)" in page


def test_the_apis_carry_grading_derivations_and_corroboration(corpus_app):
    client = corpus_app.test_client()
    doc = client.get(f"/api/v1/documents/{_doc_id(corpus_app, 'ru-hamzat-account')}").get_json()
    assert doc["grading"]["code"] == "C3" and doc["source_type"] == "second_hand"
    assert [(d["slug"], d["relation"]) for d in doc["derived_from"]] == [("hamzat-account-globe-and-mail", "summary")]
    entries = client.get("/api/v1/timeline?per_page=100").get_json()["items"]
    counts = {e["slug"]: e["corroboration"] for e in entries}
    assert counts["2017-hamzat-detained"] == {"documents": 2, "independent_sources": 1}
    assert counts["2017-canada-programme-begins"] == {"documents": 3, "independent_sources": 2}
    overstated_before = [s for s, c in counts.items() if c["documents"] > c["independent_sources"]]
    assert len(overstated_before) == 10, overstated_before


def test_a_single_undated_statement_is_one_day_in_a_period_not_a_duration(corpus_app):
    client = corpus_app.test_client()
    entry = client.get(f"/api/v1/timeline/{_entry_id(corpus_app, '2017-kadyrov-take-them-to-canada')}").get_json()
    assert entry["date_kind"] == "uncertain point"
    assert entry["date_display"] == "some time between April and September 2017"
    chart = client.get("/timeline").text
    assert 'class="possible"' in chart and "one day, somewhere in that period" in chart


# --- what a reader may not open ------------------------------------------------------------------


def test_a_derivation_from_a_hidden_document_is_not_shown(app, make_document):
    make_document(slug="closed-original", title="Closed original", consent="custodians", body="Closed.\n")
    copy = make_document(
        slug="open-copy",
        title="Open copy",
        body="Open.\n",
        derived_from=[{"document": "closed-original", "relation": "translation"}],
    )
    client = app.test_client()
    page = client.get(f"/documents/{copy}")
    assert page.status_code == 200
    assert "Closed original" not in page.text and "Derived from" not in page.text
    assert client.get(f"/api/v1/documents/{copy}").get_json()["derived_from"] == []
    custodian = app.test_client()
    login(custodian, add_user(app, "custodian"))
    assert "Closed original" in custodian.get(f"/documents/{copy}").text


# --- the form and publication --------------------------------------------------------------------


@pytest.fixture
def custodian(app, make_case):
    make_case()
    client = app.test_client()
    login(client, add_user(app, "custodian", "grader"))
    return client


def _post_new(client, **fields):
    data = {**FORM, **fields, "csrf_token": token_from(client, "/documents/new")}
    return client.post("/documents/new", data=data)


def test_the_form_takes_the_grading_and_the_derivations(app, custodian):
    first = _post_new(custodian, slug="first-article", body="The first article.\n")
    assert first.status_code == 302
    saved = _post_new(
        custodian,
        slug="its-translation",
        body="Перевод первой статьи.\n",
        source_type="second_hand",
        grade_source="B",
        grade_information="3",
        grade_note="A translation the archive made.",
        derived_from="first-article | translation\n",
    )
    assert saved.status_code == 302, saved.text
    with app.app_context(), get_db(app).session() as s:
        case = queries.get_case(s, "test-case")
        document = queries.document_by_slug(s, case.id, "its-translation")
        assert (document.source_type, document.grade_source, document.grade_information) == ("second_hand", "B", "3")
        assert [(d.original.slug, d.relation) for d in document.derived] == [("first-article", "translation")]
    edit = custodian.get(saved.headers["Location"] + "/edit")
    assert "first-article | translation" in edit.text
    assert re.search(r'<option (selected value="B"|value="B" selected)', edit.text)


def test_a_bad_derivation_line_is_shown_on_the_form(custodian):
    failed = _post_new(custodian, slug="orphan", derived_from="no-such-article | summary")
    assert failed.status_code == 400
    assert "no document no-such-article in this case" in failed.text


def test_publishing_an_ungraded_document_is_refused_with_a_reason(app, custodian):
    created = _post_new(custodian, slug="ungraded", body="Ungraded text.\n", grade_source="", grade_information="")
    doc_id = int(created.headers["Location"].rsplit("/", 1)[1])
    page = custodian.get(f"/documents/{doc_id}/redaction")
    token = re.search(r'name="token" value="(\w+)"', page.text)[1]
    data = {"csrf_token": token_from(custodian, f"/documents/{doc_id}/redaction"), "token": token, "publish": "1"}
    response = custodian.post(f"/documents/{doc_id}/redaction", data=data, follow_redirects=True)
    assert "grade its source (A–F) and its information (1–6) before publishing" in response.text
    with app.app_context(), get_db(app).session() as s:
        assert s.get(Document, doc_id).status != "published"


# --- proposals -------------------------------------------------------------------------------------


def _article(seed: int) -> str:
    rng = random.Random(seed)
    words = [
        "men",
        "detained",
        "police",
        "station",
        "phones",
        "names",
        "relatives",
        "beaten",
        "released",
        "night",
        "city",
        "officers",
    ]
    return " ".join(rng.choice(words) for _ in range(300)) + ".\n"


def test_a_custodian_confirms_a_proposed_copy_and_it_becomes_one_source(app, custodian):
    text = _article(7)
    _post_new(custodian, slug="original-report", body=text, published="2017-04")
    reprint = _post_new(custodian, slug="reprint-elsewhere", body="Reprinted. " + text, published="2017-05")
    doc_id = int(reprint.headers["Location"].rsplit("/", 1)[1])
    page = custodian.get(f"/documents/{doc_id}")
    assert "Possible copies" in page.text and "this one is the later" in page.text
    link_id = int(re.search(r"/derivations/(\d+)", page.text)[1])
    researcher = app.test_client()
    login(researcher, add_user(app, "researcher"))
    assert "Possible copies" not in researcher.get(f"/documents/{doc_id}").text
    data = {"csrf_token": token_from(custodian, f"/documents/{doc_id}"), "decision": "confirm", "relation": "reprint"}
    done = custodian.post(f"/documents/{doc_id}/derivations/{link_id}", data=data, follow_redirects=True)
    assert "Confirmed" in done.text and "Possible copies" not in done.text
    with app.app_context(), get_db(app).session() as s:
        link = s.get(Derivation, link_id)
        assert (link.state, link.relation) == ("confirmed", "reprint") and link.asserted_by_id is not None
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "derivation.confirmed")).one()


def test_a_rejected_proposal_is_gone_and_a_second_decision_is_refused(app, custodian):
    text = _article(8)
    _post_new(custodian, slug="report-a", body=text)
    copy = _post_new(custodian, slug="report-b", body=text + "\nOne more line.\n")
    doc_id = int(copy.headers["Location"].rsplit("/", 1)[1])
    link_id = int(re.search(r"/derivations/(\d+)", custodian.get(f"/documents/{doc_id}").text)[1])
    data = {"csrf_token": token_from(custodian, f"/documents/{doc_id}"), "decision": "reject"}
    custodian.post(f"/documents/{doc_id}/derivations/{link_id}", data=data)
    again = custodian.post(
        f"/documents/{doc_id}/derivations/{link_id}", data={**data, "decision": "confirm"}, follow_redirects=True
    )
    assert "was decided already" in again.text
    with app.app_context(), get_db(app).session() as s:
        assert s.get(Derivation, link_id).state == "rejected"


def test_a_link_of_another_document_is_not_found(app, custodian):
    text = _article(9)
    _post_new(custodian, slug="report-c", body=text)
    copy = _post_new(custodian, slug="report-d", body=text)
    doc_id = int(copy.headers["Location"].rsplit("/", 1)[1])
    link_id = int(re.search(r"/derivations/(\d+)", custodian.get(f"/documents/{doc_id}").text)[1])
    other = int(_post_new(custodian, slug="unrelated", body="Unrelated.\n").headers["Location"].rsplit("/", 1)[1])
    data = {"csrf_token": token_from(custodian, f"/documents/{other}"), "decision": "confirm"}
    assert custodian.post(f"/documents/{other}/derivations/{link_id}", data=data).status_code == 404


def test_a_confirmed_proposal_survives_the_next_edit_of_the_form(app, custodian):
    text = _article(10)
    _post_new(custodian, slug="report-e", body=text)
    copy = _post_new(custodian, slug="report-f", body="Copied. " + text)
    doc_id = int(copy.headers["Location"].rsplit("/", 1)[1])
    link_id = int(re.search(r"/derivations/(\d+)", custodian.get(f"/documents/{doc_id}").text)[1])
    data = {"csrf_token": token_from(custodian, f"/documents/{doc_id}"), "decision": "confirm", "relation": "reprint"}
    custodian.post(f"/documents/{doc_id}/derivations/{link_id}", data=data)
    edit = custodian.get(f"/documents/{doc_id}/edit")
    assert "report-e | reprint" in edit.text
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', edit.text)[1]
    fields = {**FORM, "slug": "report-f", "body": "Copied. " + text + "\nA correction.\n", "revision": revision}
    fields |= {"derived_from": "report-e | reprint", "csrf_token": token_from(custodian, f"/documents/{doc_id}/edit")}
    assert custodian.post(f"/documents/{doc_id}/edit", data=fields).status_code == 302
    with app.app_context(), get_db(app).session() as s:
        assert s.get(Derivation, link_id).state == "confirmed"
