"""Hostile input through every way in: each OWASP filter-evasion vector (the set of
tests/test_rendering.py) in every text field of the document form, the documents API, the
timeline API, a brief's title, purpose and note, and the search box; then malformed bytes,
oversize bodies, deep nesting, giant query strings and path-traversal file names.

Every submission ends in one of three ways: stored and shown inert (no script, no event
attribute, no script URL on any page or export that shows it), refused with a clear 4xx, or
never reached (413 for a body over the limit). Never a 500, never half-written.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter

import pytest
from PIL import Image

from tests.conftest import csrf_token
from tests.test_rendering import XSS_VECTORS
from tests.web.conftest import active_content

CASE = "test-case"
OUTCOMES: Counter = Counter()  # (path, outcome) over the module, printed by the last test
TEXT_FIELDS = ("title", "places", "tags", "source_outlet", "source_author", "attribution")


@pytest.fixture
def custodian(app, signed_in, make_case):
    make_case(CASE)
    app.config["LOGIN_RATE_LIMIT"] = "100000 per minute"
    client = signed_in("custodian")
    client.headers = {"X-CSRFToken": csrf_token(client.get("/briefs").text)}
    return client


def _record(path: str, response) -> int:
    status = response.status_code
    assert status < 500, f"{path}: {status}"
    OUTCOMES[path, "stored" if status in (200, 201, 302) else str(status)] += 1
    return status


def _inert(client, *urls: str) -> None:
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        assert active_content(page.get_data(as_text=True)) == [], url


@pytest.mark.parametrize("vector", XSS_VECTORS.values(), ids=XSS_VECTORS.keys())
def test_a_vector_in_every_field_of_every_way_in_is_stored_inert_or_refused(custodian, vector):
    client, headers = custodian, custodian.headers
    # the web form: the vector in every text field and in the body
    form = {
        "case": CASE,
        "kind": "testimony",
        "language": "en",
        "consent": "public",
        "status": "in_review",
        "body": f"Before. {vector} After.",
        "csrf_token": csrf_token(client.get("/documents/new").text),
        **{name: f"{name} {vector}"[:300] for name in TEXT_FIELDS},
    }
    made = client.post("/documents/new", data=form)
    if _record("web form", made) == 302:
        doc = made.headers["Location"]
        _inert(client, doc, f"{doc}/edit", f"{doc}/redaction", "/documents", f"/cases/{CASE}")
    # the documents API
    body = {
        "case": CASE,
        "kind": "testimony",
        "language": "en",
        "consent": "public",
        "status": "in_review",
        "title": vector[:300],
        "body": vector,
        "attribution": vector,
    }
    made = client.post("/api/v1/documents", json=body, headers=headers)
    if _record("documents API", made) == 201:
        _inert(client, f"/documents/{made.get_json()['id']}")
    # the timeline API (custodian text is checked for identifiers, then shown to everyone)
    slug = f"v-{abs(hash(vector)) % 10**8}"
    cited = [{"document": _any_doc(client), "excerpt": ""}]
    entry = {
        "slug": slug,
        "case": CASE,
        "kind": "event",
        "date": "2017-04",
        "title": vector[:300] or "x",
        "description": vector,
        "actor": vector[:300],
        "place": vector[:200],
        "citations": cited,
    }
    made = client.post("/api/v1/timeline", json=entry, headers=headers)
    if _record("timeline API", made) == 201:
        _inert(client, f"/timeline/entries/{made.get_json()['id']}", "/timeline")
    # a brief: title, purpose and a note, and its HTML export
    made = client.post("/api/v1/briefs", json={"title": vector[:300] or "x", "purpose": vector}, headers=headers)
    if _record("brief API", made) == 201:
        brief = made.get_json()["id"]
        note = client.post(f"/api/v1/briefs/{brief}/items", json={"kind": "note", "text": vector}, headers=headers)
        _record("brief note", note)
        _inert(client, f"/briefs/{brief}")
        exported = client.get(f"/api/v1/briefs/{brief}/export.html").get_data(as_text=True)
        assert [p for p in active_content(exported) if p != "<style>"] == []  # its own CSS
    # the search box
    for path in ("/search", "/api/v1/search"):
        response = client.get(path, query_string={"q": vector})
        _record("search", response)
        assert active_content(response.get_data(as_text=True)) == []


def _any_doc(client) -> str:
    """The slug of a document to cite (made once per test)."""
    made = client.post(
        "/api/v1/documents",
        json={
            "case": CASE,
            "kind": "testimony",
            "language": "en",
            "consent": "public",
            "status": "in_review",
            "title": "Cited",
            "slug": "cited",
            "body": "Cited.\n",
        },
        headers=client.headers,
    )
    assert made.status_code in (201, 400)
    return "cited"


BAD_BODIES = {
    "invalid UTF-8": b'{"title": "\xff\xfe\xfa", "body": "x"}',
    "UTF-16 with BOM": '{"title": "t"}'.encode("utf-16"),
    "NUL bytes": b'{"case": "test-case", "title": "a\x00b", "body": "\x00\x00"}',
    "truncated JSON": b'{"case": "test-case", "title": "t", "bo',
    "deep JSON": b"[" * 100_000 + b"]" * 100_000,
    "JSON not an object": b'["a", "b"]',
    "huge number": b'{"title": 1' + b"0" * 50_000 + b"}",
    "over the size limit": b'{"body": "' + b"x" * 3_000_000 + b'"}',
}


@pytest.mark.parametrize("raw", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_malformed_and_oversize_bodies_are_refused_and_store_nothing(app, custodian, count_documents, raw):
    app.config["MAX_CONTENT_LENGTH"] = 2_000_000
    before = count_documents()
    response = custodian.post(
        "/api/v1/documents", data=raw, headers={**custodian.headers, "Content-Type": "application/json"}
    )
    assert _record("raw API body", response) in (400, 413)
    assert response.get_json()["error"]
    assert count_documents() == before


DEEP_MARKDOWN = {
    "nested quotes": "> " * 20_000 + "deep",
    "nested lists": "".join("  " * n + "- x\n" for n in range(2_000)),
    "brackets": "[" * 50_000,
    "emphasis": "*" * 50_000 + "a" + "*" * 50_000,
    "html nesting": "<div>" * 20_000,
}


@pytest.mark.parametrize("body", DEEP_MARKDOWN.values(), ids=DEEP_MARKDOWN.keys())
def test_pathological_markdown_is_stored_inert_or_refused(custodian, body):
    made = custodian.post(
        "/api/v1/documents",
        headers=custodian.headers,
        json={
            "case": CASE,
            "kind": "testimony",
            "language": "en",
            "consent": "public",
            "status": "in_review",
            "title": "Deep",
            "body": body,
        },
    )
    if _record("deep Markdown", made) == 201:
        _inert(custodian, f"/documents/{made.get_json()['id']}")
    else:  # refused, saying why
        assert made.status_code == 400 and made.get_json()["error"]


def test_giant_query_strings_are_refused_or_answered_never_a_500(custodian):
    for path in ("/search", "/api/v1/search", "/documents", "/timeline", "/api/v1/documents"):
        response = custodian.get(f"{path}?q={'a' * 100_000}&page={'9' * 5000}&x={'%00' * 1000}")
        assert _record("giant query string", response) in (200, 400, 414)


NAMES = [
    "../../../../etc/passwd",
    "..\\..\\..\\boot.ini",
    "/etc/shadow.png",
    "a\x00b.png",
    "CON.png",
    "x" * 5000,
]


@pytest.mark.parametrize("name", NAMES)
def test_path_traversal_file_names_are_never_used(app, custodian, name):
    from pathlib import Path

    doc = custodian.post(
        "/api/v1/documents",
        headers=custodian.headers,
        json={
            "case": CASE,
            "kind": "testimony",
            "language": "en",
            "consent": "public",
            "status": "in_review",
            "title": "Named",
            "body": "x",
        },
    ).get_json()["id"]
    image = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(image, "PNG")
    data_dir = Path(app.config["DATA_DIR"])
    response = custodian.post(
        f"/api/v1/documents/{doc}/media",
        headers=custodian.headers,
        data={"file": (io.BytesIO(image.getvalue()), name)},
        content_type="multipart/form-data",
    )
    assert _record("upload file name", response) == 201
    media = response.get_json()["items"][0]
    served = custodian.get(f"/media/{media['id']}")
    served.get_data()
    served.close()  # the file is streamed: let go of it
    disposition = served.headers.get("Content-Disposition", "")
    assert "passwd" not in disposition and ".." not in disposition and "\\" not in disposition
    blobs = [p for p in (data_dir / "media").rglob("*") if p.is_file()]
    assert blobs and all(re.fullmatch(r"[0-9a-f]{64}", p.name) for p in blobs)  # by hash only
    assert not any(p.name in ("passwd", "shadow.png", "boot.ini") for p in data_dir.rglob("*"))
    assert json.dumps(media).find("passwd") == -1


def test_zz_counts(capsys):
    """Print what every hostile submission came to (run with -s to see it)."""
    with capsys.disabled():
        for (path, outcome), n in sorted(OUTCOMES.items()):
            print(f"{path:20} {outcome:8} {n}")
    assert OUTCOMES and not any(o.startswith("5") for _, o in OUTCOMES)
