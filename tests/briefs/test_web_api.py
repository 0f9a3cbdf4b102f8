"""Briefs through the pages and the API: composing, access rules, exports, and no original
identifier anywhere."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.conftest import SETUP, csrf_token, login


@pytest.fixture
def owner(client, evidence):
    """The test client signed in as the researcher who owns briefs."""
    login(client, "researcher-owner")
    return client


def _token(client) -> str:
    return csrf_token(client.get("/briefs").text)


def _api(client, method: str, url: str, body: dict | None = None):
    headers = {"X-CSRFToken": _token(client)}
    return client.open(url, method=method, json=body, headers=headers)


def test_a_brief_is_built_through_the_pages(owner, evidence):
    token = _token(owner)
    created = owner.post("/briefs", data={"title": "For the rapporteur", "csrf_token": token})
    assert created.status_code == 302
    brief = int(created.location.rsplit("/", 1)[1])
    doc = evidence["docs"]["public"]
    page = owner.get(f"/documents/{doc}").text
    assert 'id="quote-form"' in page and "For the rapporteur" in page
    back = owner.post(
        "/briefs/items",
        data={
            "csrf_token": token,
            "brief_id": brief,
            "kind": "quote",
            "document_id": doc,
            "text": "held for two weeks",
            "near": "20",
            "next": f"/documents/{doc}",
        },
    )
    assert back.status_code == 302 and back.location == f"/documents/{doc}"
    owner.post(
        "/briefs/items",
        data={
            "csrf_token": token,
            "brief_id": brief,
            "kind": "entry",
            "entry_id": evidence["entry"],
            "next": "/timeline",
        },
    )
    owner.post(
        "/briefs/items",
        data={
            "csrf_token": token,
            "brief_id": brief,
            "kind": "note",
            "text": "Both say **two weeks**.",
        },
    )
    html = owner.get(f"/briefs/{brief}").text
    assert "“held for two weeks”" in html and "Men held at the station" in html
    assert "<strong>two weeks</strong>" in html and 'id="cite-2"' in html
    # a passage that is not in the text is refused, and nothing is added
    refused = owner.post(
        "/briefs/items",
        data={
            "csrf_token": token,
            "brief_id": brief,
            "kind": "quote",
            "document_id": doc,
            "text": "held for three weeks",
            "next": f"/documents/{doc}",
        },
    )
    assert refused.status_code == 302
    assert "not in the document" in owner.get(f"/documents/{doc}").text
    assert owner.get(f"/briefs/{brief}").text.count('<li class="brief-item ') == 3


def test_a_refused_note_keeps_its_words(owner, evidence):
    token = _token(owner)
    brief = owner.post("/briefs", data={"title": "Notes", "csrf_token": token})
    brief_id = int(brief.location.rsplit("/", 1)[1])
    page = owner.post(
        "/briefs/items",
        data={
            "csrf_token": token,
            "brief_id": brief_id,
            "kind": "note",
            "next": f"/briefs/{brief_id}",
            "text": "Reach him at +7 928 123-45-67 before the hearing.",
        },
    )
    assert page.status_code == 400
    assert "before the hearing." in page.text and "+7 928 123-45-67" in page.text  # kept
    assert "may identify a private person" in page.text


def test_search_and_timeline_offer_to_add_to_a_brief(owner, evidence):
    owner.post("/briefs", data={"title": "Mine", "csrf_token": _token(owner)})
    assert 'form="brief-add" name="entry_id"' in owner.get("/timeline").text
    assert 'id="brief-add"' in owner.get("/search?q=held").text


def test_items_move_and_leave(owner, evidence):
    made = _api(owner, "POST", "/api/v1/briefs", {"title": "Order"}).get_json()
    url = f"/api/v1/briefs/{made['id']}/items"
    first = _api(owner, "POST", url, {"kind": "note", "text": "First."}).get_json()["id"]
    _api(owner, "POST", url, {"kind": "note", "text": "Second."})
    token = _token(owner)
    owner.post(f"/briefs/{made['id']}/items/{first}/move", data={"position": 2, "csrf_token": token})
    html = owner.get(f"/briefs/{made['id']}").text
    assert html.index("Second.") < html.index("First.")
    owner.post(f"/briefs/{made['id']}/items/{first}/remove", data={"csrf_token": token})
    assert "First." not in owner.get(f"/briefs/{made['id']}").text


def test_the_api_creates_reads_updates_and_exports_a_brief(owner, evidence):
    made = _api(owner, "POST", "/api/v1/briefs", {"title": "API brief", "purpose": "Test"})
    assert made.status_code == 201
    brief = made.get_json()["id"]
    url = f"/api/v1/briefs/{brief}"
    quote = _api(
        owner,
        "POST",
        f"{url}/items",
        {
            "kind": "quote",
            "text": "Later they were released.",
            "document_id": evidence["docs"]["public"],
        },
    )
    assert quote.status_code == 201
    item = quote.get_json()["brief"]["items"][0]
    assert item["text"] == "Later they were released." and item["citation"] == 1
    assert item["end"] - item["start"] == len(item["text"])
    _api(
        owner,
        "POST",
        f"{url}/items",
        {"kind": "document", "document_id": evidence["docs"]["researchers"]},
    )
    body = _api(owner, "PATCH", url, {"title": "API brief, revised"}).get_json()
    assert body["title"] == "API brief, revised"
    ids = [i["id"] for i in body["items"]]
    reordered = _api(owner, "PATCH", url, {"order": ids[::-1]}).get_json()
    assert [i["id"] for i in reordered["items"]] == ids[::-1]
    assert [c["number"] for c in reordered["citations"]] == [1, 2]
    assert reordered["citations"][1]["version_sha256"] == item_version(reordered, ids[0])
    md = owner.get(f"{url}/export.md")
    assert md.status_code == 200 and "Later they were released." in md.text
    bad = _api(owner, "POST", f"{url}/items", {"kind": "quote", "document_id": 999, "text": "x"})
    assert bad.status_code == 404
    assert _api(owner, "DELETE", url).status_code == 204
    assert owner.get(url).status_code == 404


def item_version(body: dict, item_id: int) -> str:
    item = next(i for i in body["items"] if i["id"] == item_id)
    return next(c for c in body["citations"] if c["number"] == item["citation"])["version_sha256"]


def test_another_user_cannot_read_or_export_a_brief_not_shared_with_them(client, evidence):
    login(client, "researcher-owner")
    brief = _api(client, "POST", "/api/v1/briefs", {"title": "Private"}).get_json()["id"]
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, "other-researcher")
    for url in (
        f"/briefs/{brief}",
        f"/briefs/{brief}/export.pdf",
        f"/api/v1/briefs/{brief}",
        f"/api/v1/briefs/{brief}/export.md",
    ):
        assert client.get(url).status_code == 404, url
    assert _api(client, "PATCH", f"/api/v1/briefs/{brief}", {"title": "Mine now"}).status_code == 404
    client.post("/logout", data={"csrf_token": _token(client)})
    assert client.get(f"/briefs/{brief}").status_code in (302, 401, 403, 404)
    assert client.get(f"/api/v1/briefs/{brief}").status_code in (401, 403, 404)


def test_a_shared_reader_reads_and_exports_but_cannot_change(client, evidence):
    login(client, "researcher-owner")
    brief = _api(client, "POST", "/api/v1/briefs", {"title": "Shared", "shared_with": ["other-researcher"]}).get_json()[
        "id"
    ]
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, "other-researcher")
    assert client.get(f"/briefs/{brief}").status_code == 200
    assert client.get(f"/briefs/{brief}/export.html").status_code == 200
    assert _api(client, "POST", f"/api/v1/briefs/{brief}/items", {"kind": "note", "text": "Mine."}).status_code == 403
    assert "Shared" in [b["title"] for b in client.get("/api/v1/briefs").get_json()["shared"]]


def test_no_original_identifier_reaches_any_export(client, app, evidence, make_document):
    """A protected name in a quoted document, in every format and the API: only its pseudonym."""
    from archive.protection.identities import protect_identity
    from archive.services import get_db
    from archive.storage import queries

    with app.app_context(), get_db(app).session() as s:
        protect_identity(s, queries.get_case(s, "test-case"), ["Zelimkhan Canaryev"], "Witness Z", SETUP, "cli")
    doc = make_document(
        slug="named",
        title="Named account",
        body="Zelimkhan Canaryev was held in Grozny for ten days.\n",
    )
    login(client, "researcher-owner")
    brief = _api(client, "POST", "/api/v1/briefs", {"title": "Canary"}).get_json()["id"]
    url = f"/api/v1/briefs/{brief}"
    _api(
        client,
        "POST",
        f"{url}/items",
        {"kind": "quote", "document_id": doc, "text": "Witness Z was held in Grozny"},
    )
    refused = _api(
        client,
        "POST",
        f"{url}/items",
        {"kind": "quote", "document_id": doc, "text": "Zelimkhan Canaryev was held"},
    )
    assert refused.status_code == 400
    bodies = [client.get(f"{url}/export.{fmt}").data for fmt in ("md", "html")]
    pdf = client.get(f"{url}/export.pdf").data
    bodies.append(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).encode())
    bodies += [client.get(url).data, client.get(f"/briefs/{brief}").data]
    for body in bodies:
        assert b"Witness Z was held in Grozny" in body or b"Witness Z" in body
        assert not re.search(rb"Canaryev|Zelimkhan", body)


def test_the_cli_exports_a_brief(app, evidence, tmp_path):
    from click.testing import CliRunner

    from archive.briefs.compose import add_note, create_brief
    from archive.cli import main
    from archive.services import get_db
    from tests.briefs.conftest import user

    with app.app_context(), get_db(app).session() as s:
        brief = create_brief(s, user(s, "researcher-owner"), "CLI brief", "", "cli")
        add_note(s, brief, user(s, "researcher-owner"), "A note for the CLI.", "cli")
        brief_id = brief.id
    out = tmp_path / "brief.pdf"
    runner = CliRunner()
    result = runner.invoke(
        main, ["brief", "export", str(brief_id), "--format", "pdf", "--out", str(out)], obj=_script_info(app)
    )
    assert result.exit_code == 0, result.output
    assert "A note for the CLI." in PdfReader(str(out)).pages[0].extract_text()


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_the_brief_page_flags_a_changed_source_and_updates_the_quote(owner, app, evidence):
    from archive.services import get_db
    from archive.storage.models import Document
    from tests.briefs.test_compose import _edit_body

    made = _api(owner, "POST", "/api/v1/briefs", {"title": "Stale"}).get_json()["id"]
    doc = evidence["docs"]["public"]
    item = _api(
        owner,
        "POST",
        f"/api/v1/briefs/{made}/items",
        {"kind": "quote", "document_id": doc, "text": "Later they were released."},
    ).get_json()["id"]
    with app.app_context(), get_db(app).session() as s:
        document = s.get(Document, doc)
        _edit_body(s, document, "# Account\n\nA correction first.\n\n" + document.body_original)
    page = owner.get(f"/briefs/{made}").text
    assert "1 item cites a version that has since changed." in page
    assert "Update the quote" in page and "(changed since)" in page
    owner.post(f"/briefs/{made}/items/{item}/refresh", data={"csrf_token": _token(owner)})
    page = owner.get(f"/briefs/{made}").text
    assert "has since changed" not in page and "“Later they were released.”" in page
