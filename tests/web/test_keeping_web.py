"""Withdrawal through the custodians' keeping page, proved by a crawl: before it, a reader finds
the testimony's words in its page, the API, search, a timeline citation's excerpt, a brief's
quote and every export; after one form post, a crawl of everything an anonymous visitor, a
researcher and a researcher's script can reach holds none of them, the index files hold none,
and the document's address answers 410 with when and why (never the custodian's note)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from archive.services import get_db
from archive.storage import queries
from archive.storage.models import AuditEntry, ConsentRecord, Document
from archive.timeline.entries import create_entries, validate_entry
from tests import databases
from tests.conftest import CLI, PASSWORD, csrf_token, login
from tests.test_leaks import _crawl, _token_client, readable, response_text

CANARY = "vellichorq"
NOTE = "She phoned from Nalchik on 3 May"


@pytest.fixture
def published(app, make_document, make_user):
    """A public testimony whose words are everywhere: its page, a timeline entry's excerpt, a
    researcher's brief quoting it. Returns (document id, brief id, researcher client)."""
    doc_id = make_document(
        slug="crossing",
        title=f"Account of the {CANARY} crossing",
        tags=["detention", CANARY],
        body=f"We were taken at the {CANARY} crossing in April 2017.\n\nThey kept us nine days.\n",
    )
    with app.app_context(), get_db(app).session() as s:
        case = queries.get_case(s, "test-case")
        fields = {"slug": "held-at-crossing", "case": "test-case", "kind": "event", "date": "2017-04",
                  "title": "Men held at a checkpoint",
                  "citations": [{"document": "crossing", "excerpt": f"taken at the {CANARY} crossing"}]}  # fmt: skip
        create_entries(s, case, [("t", validate_entry(fields, "t"))], CLI, "cli")
    make_user("researcher", "reader-r")
    make_user("custodian", "keeper-c")
    researcher = app.test_client()
    login(researcher, "reader-r", PASSWORD)
    headers = {"X-CSRFToken": csrf_token(researcher.get("/briefs").text)}
    brief = researcher.post("/api/v1/briefs", json={"title": "Checkpoints"}, headers=headers).get_json()["id"]
    quote = {"kind": "quote", "document_id": doc_id, "text": f"taken at the {CANARY} crossing"}
    assert researcher.post(f"/api/v1/briefs/{brief}/items", json=quote, headers=headers).status_code == 201
    return doc_id, brief, researcher


def _brief_texts(client, brief: int) -> dict[str, str]:
    url = f"/api/v1/briefs/{brief}"
    texts = {
        p: response_text(client.get(p)) for p in (url, f"{url}/export.md", f"{url}/export.html", f"/briefs/{brief}")
    }
    pdf = client.get(f"{url}/export.pdf").data
    texts["pdf"] = readable(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    return texts


def _crawls(app, token, researcher, doc_id: int) -> dict[str, dict]:
    starts = ("/", "/timeline", f"/search?q={CANARY}", f"/documents/{doc_id}", "/timeline/export.csv")
    api = ("/api/v1/documents", "/api/v1/timeline", f"/api/v1/search?q={CANARY}", f"/api/v1/documents/{doc_id}")
    return {
        "anonymous": _crawl(app.test_client(), starts),
        "researcher": _crawl(researcher, (*starts, "/briefs")),
        "researcher token": _crawl(token, (*api, "/timeline/export.json", "/timeline/export.timelinejs")),
    }


def _hits(found: dict) -> dict[str, list[str]]:
    """Pages holding the words, less where a search page repeats the reader's own query."""
    hits = {}
    for url, (_status, body) in found.items():
        text = body.decode("utf-8", "replace")
        # the language switch sends the reader back to the search they made: their own query
        if "search" in url.split("?", 1)[0] or url.startswith("/language/"):
            text = re.sub(r"<title>.*?</title>", "", text, flags=re.S)
            text = (
                text.replace(f'value="{CANARY}"', "")
                .replace(f"q={CANARY}", "")
                .replace(f"q%3D{CANARY}", "")
                .replace(f'"q": "{CANARY}"', "")
            )
        if CANARY in readable(text):
            hits[url] = [CANARY]
    return hits


def _index_files(app) -> list[Path]:
    return [p for p in Path(app.config["DATA_DIR"], "index").rglob("*") if p.is_file()]


def test_withdrawal_leaves_no_word_of_the_document_anywhere_a_reader_can_reach(app, make_user, published):
    doc_id, brief, researcher = published
    token = _token_client(app, make_user)  # a researcher's script
    before = _crawls(app, token, researcher, doc_id)
    for role, found in before.items():  # the crawl does find the words while it is public
        assert _hits(found), role
    assert any(CANARY in text for text in _brief_texts(researcher, brief).values())
    whoosh = databases.SEARCH_BACKEND == "whoosh"
    if whoosh:
        assert any(CANARY.encode() in p.read_bytes() for p in _index_files(app))

    custodian = app.test_client()
    login(custodian, "keeper-c", PASSWORD)
    page = custodian.get(f"/documents/{doc_id}/keeping")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    withdrawn = custodian.post(
        f"/documents/{doc_id}/withdraw",
        data={"csrf_token": csrf_token(page.text), "reason": "consent_withdrawn", "note": NOTE},
    )
    assert withdrawn.status_code == 302, withdrawn.text

    after = _crawls(app, token, researcher, doc_id)
    for role, found in after.items():
        assert {u: s for u, (s, _b) in found.items() if s >= 500} == {}, role
        assert _hits(found) == {}, role
        assert all(NOTE.lower() not in readable(b.decode("utf-8", "replace")) for _s, b in found.values())
    assert {p: CANARY in t for p, t in _brief_texts(researcher, brief).items()} == dict.fromkeys(
        _brief_texts(researcher, brief), False
    )
    if whoosh:  # merged out of the index files, not only hidden from queries
        assert not any(CANARY.encode() in p.read_bytes() for p in _index_files(app))
    gone = app.test_client().get(f"/documents/{doc_id}")
    assert gone.status_code == 410
    assert re.search(r"withdrawn on \d{4}-\d\d-\d\d: its source withdrew consent", gone.text)
    api = app.test_client().get(f"/api/v1/documents/{doc_id}")
    assert api.status_code == 410 and api.get_json()["removed"] == "withdrawn"
    assert api.get_json()["reason"] == "consent_withdrawn" and "Nalchik" not in api.text
    # custodians still hold it, out of view, and see the note
    assert custodian.get(f"/documents/{doc_id}").status_code == 200
    keeping = custodian.get(f"/documents/{doc_id}/keeping")
    assert NOTE in keeping.text
    # deleted later: those who saw it before the withdrawal are still told, not "not found"
    form = {"csrf_token": csrf_token(keeping.text), "reason": "source_request", "confirm": str(doc_id)}
    assert custodian.post(f"/documents/{doc_id}/delete", data=form).status_code == 302
    deleted = app.test_client().get(f"/documents/{doc_id}")
    assert deleted.status_code == 410 and "deleted on" in deleted.text


def test_a_document_never_shown_to_a_reader_gets_no_tombstone(app, make_document, make_user):
    doc_id = make_document(slug="draft", status="draft", redaction=None)
    make_user("custodian", "keeper-c")
    custodian = app.test_client()
    login(custodian, "keeper-c", PASSWORD)
    page = custodian.get(f"/documents/{doc_id}/keeping")
    data = {"csrf_token": csrf_token(page.text), "reason": "safety"}
    assert custodian.post(f"/documents/{doc_id}/withdraw", data=data).status_code == 302
    assert app.test_client().get(f"/documents/{doc_id}").status_code == 404  # not "it existed"
    assert app.test_client().get(f"/api/v1/documents/{doc_id}").status_code == 404


def test_consent_is_recorded_through_the_form_and_every_view_of_it_is_audited(app, make_document, make_user):
    doc_id = make_document(slug="with-consent")
    make_user("custodian", "keeper-c")
    custodian = app.test_client()
    login(custodian, "keeper-c", PASSWORD)
    page = custodian.get(f"/documents/{doc_id}/keeping")
    assert "No consent is recorded" in page.text
    form = {"csrf_token": csrf_token(page.text), "given_by": "Zarema K., the witness", "given_on": "2017-05-02",
            "uses": ["research", "media"], "obtained_by": "field worker B", "evidence": "form 17"}  # fmt: skip
    assert custodian.post(f"/documents/{doc_id}/consent", data=form).status_code == 302
    shown = custodian.get(f"/documents/{doc_id}/keeping").text
    assert "Zarema K., the witness" in shown and "research, media" in shown
    assert app.test_client().get(f"/documents/{doc_id}").status_code == 404  # narrowed to researchers
    bad = custodian.post(f"/documents/{doc_id}/consent", data={**form, "given_on": "someday"})
    assert bad.status_code == 400 and "Given on" in bad.text  # the field, by its form label
    with app.app_context(), get_db(app).session() as s:
        assert len(s.scalars(select(ConsentRecord)).all()) == 1
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "consent.view")).all()
        assert len(views) == 2 and all(v.object_id == doc_id for v in views)  # the two pages shown
        assert s.get(Document, doc_id).consent == "researchers"


def test_deletion_through_the_page_needs_the_number_and_no_hold(app, make_document, make_user):
    doc_id = make_document(slug="to-delete")
    make_user("custodian", "keeper-c")
    custodian = app.test_client()
    login(custodian, "keeper-c", PASSWORD)
    token = csrf_token(custodian.get(f"/documents/{doc_id}/keeping").text)
    unconfirmed = custodian.post(f"/documents/{doc_id}/delete", data={"csrf_token": token, "reason": "error"})
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.text
    held = {"csrf_token": token, "reason": "Case 2-117/2019"}
    assert custodian.post(f"/documents/{doc_id}/holds", data=held).status_code == 302
    delete = {"csrf_token": token, "reason": "error", "confirm": str(doc_id)}
    refused = custodian.post(f"/documents/{doc_id}/delete", data=delete)
    assert refused.status_code == 400 and "under legal hold" in refused.text
    assert custodian.get(f"/documents/{doc_id}").status_code == 200
    release = custodian.post(f"/documents/{doc_id}/holds/release", data={"csrf_token": token, "hold": "1"})
    assert release.status_code == 403  # administrators release holds
    make_user("admin", "boss-a")
    admin = app.test_client()
    login(admin, "boss-a", PASSWORD)
    admin_token = csrf_token(admin.get(f"/documents/{doc_id}/keeping").text)
    released = admin.post(f"/documents/{doc_id}/holds/release", data={"csrf_token": admin_token, "hold": "1"})
    assert released.status_code == 302
    deleted = custodian.post(f"/documents/{doc_id}/delete", data=delete)
    assert deleted.status_code == 302 and deleted.headers["Location"].endswith("/documents")
    gone = app.test_client().get(f"/documents/{doc_id}")
    assert gone.status_code == 410 and "deleted on" in gone.text and "published in error" in gone.text
    assert custodian.get(f"/documents/{doc_id}/keeping").status_code == 410
