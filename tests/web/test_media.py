"""Media through the web: cleaned before storage, served safely, originals only sealed.

Every dirty file carries canaries (tests/media/dirty.py) in each metadata field; a canary found
in a response, a page, the API or any file under ARCHIVE_DATA_DIR is a leak.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.http import parse_options_header

from archive.documents import media as ingest_media
from archive.documents import pictures
from archive.documents.intake import create_document, sha256_hex
from archive.documents.media import Upload, add_media, attach, prepare
from archive.documents.submission import validate_document
from archive.errors import ConfigError
from archive.services import get_db
from archive.storage.models import AuditEntry, Case, Document, MediaFile, User
from tests.conftest import CLI, SETUP, csrf_token, login
from tests.media.dirty import DirtyFile, leaked_canaries, make_dirty, make_hostile
from tests.web.conftest import CASE, ROLES, add_user, may_see, token_from

SECRET_NAME = "Ivan-Petrov-arrest"  # an uploaded file name that would identify someone
FORM = {
    "case": CASE,
    "kind": "testimony",
    "title": "Photos of the detention",
    "language": "en",
    "consent": "public",
    "status": "in_review",  # published only after the redaction review (publish_via_review)
    "grade_source": "B",  # and a grading
    "grade_information": "2",
    "body": "Three files were handed over.\n",
}
# What the form test attaches: a rotated JPEG with GPS, a PNG with text chunks, a PDF with an
# author and a HEIC phone photo (served as JPEG).
ATTACHED = (("jpeg", 6), ("png", 1), ("pdf", 1), ("heic", 6))
# Hostile uploads and the words the refusal must use.
HOSTILE = {
    "html-as-jpg": "is HTML",
    "png-bomb": "decompression bomb",
    "jpeg-html-polyglot": "polyglot",
    "truncated-jpeg": "truncated",
}
# Served type and disposition per upload: (fmt, options, Content-Type, disposition, extension)
SERVED = [
    ("jpeg", {"orientation": 6}, "image/jpeg", "inline", "jpg"),
    ("png", {}, "image/png", "inline", "png"),
    ("webp", {}, "image/webp", "inline", "webp"),
    ("gif", {"animated": True}, "image/gif", "inline", "gif"),
    ("tiff", {}, "image/tiff", "inline", "tif"),
    ("heic", {"orientation": 6}, "image/jpeg", "inline", "jpg"),
    ("heic", {"alpha": True}, "image/png", "inline", "png"),
    ("pdf", {}, "application/pdf", "attachment", "pdf"),
]
CUSTODIANS = ("custodian", "admin")


def ingest_fields() -> dict:
    """The form's fields as the ingest use case takes them (the grading as one mapping)."""
    fields = {k: v for k, v in FORM.items() if not k.startswith("grade_")}
    return {**fields, "grading": {"source": FORM["grade_source"], "information": FORM["grade_information"]}}


@cache
def dirty(fmt: str, orientation: int = 1, **options) -> DirtyFile:
    """Return a dirty file (built once per test session: they are deterministic)."""
    return make_dirty(fmt, orientation, **options)


@cache
def hostile() -> dict[str, bytes]:
    return make_hostile()


def every_canary(files) -> dict[str, str]:
    """Merge the canaries of several dirty files, keyed by format and field."""
    return {f"{d.fmt}:{name}": value for d in files for name, value in d.canaries.items()}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _path(url: str) -> str:
    return urlsplit(url).path


# --- helpers over the app ------------------------------------------------------------------


class Readers:
    """Test clients of one app, one per role, each signed in through the real form."""

    def __init__(self, app):
        self.app = app
        self._clients = {}

    def __call__(self, role: str):
        if role not in self._clients:
            client = self.app.test_client()
            if role != "anonymous":
                login(client, add_user(self.app, role, f"{role}-media"))
            self._clients[role] = client
        return self._clients[role]

    def user_id(self, role: str) -> int:
        with self.app.app_context(), get_db(self.app).session() as s:
            return s.scalars(select(User.id).where(User.username == f"{role}-media")).one()


def fetch(client, path: str, **kwargs):
    """GET a path and close the response: send_file keeps the file open until then."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def token(client, role: str) -> str:
    """A CSRF token from a real page this client can load."""
    return token_from(client, "/login" if role == "anonymous" else "/")


def stored_files(app, *folders: str) -> list[Path]:
    """Files under ARCHIVE_DATA_DIR (or the given sub-folders of it)."""
    root = Path(app.config["DATA_DIR"])
    roots = [root / f for f in folders] if folders else [root]
    return sorted(p for r in roots if r.exists() for p in r.rglob("*") if p.is_file())


def leaks_on_disk(app, canaries: dict[str, str], originals=()) -> dict[str, list[str]]:
    """Return, per file under DATA_DIR, the canaries (or whole originals) found in it."""
    root = Path(app.config["DATA_DIR"])
    found = {}
    for path in stored_files(app):
        data = path.read_bytes()
        leaked = sorted(leaked_canaries(data, canaries))
        leaked += [f"original {n}" for n, o in enumerate(originals) if o in data]
        if leaked:
            found[str(path.relative_to(root))] = leaked
    return found


def count_rows(app, model) -> int:
    with app.app_context(), get_db(app).session() as s:
        return s.scalar(select(func.count()).select_from(model))


def media_ids(app, doc_id: int) -> list[int]:
    with app.app_context(), get_db(app).session() as s:
        query = select(MediaFile.id).where(MediaFile.document_id == doc_id).order_by(MediaFile.id)
        return list(s.scalars(query))


def add_case(app, slug: str = CASE) -> None:
    with app.app_context(), get_db(app).session() as s:
        s.add(Case(slug=slug, title="Test case"))
        s.commit()


def new_document(client, uploads: list[tuple[str, bytes]], **changes):
    """Post the document form with files in its multipart `media` field."""
    data = {**FORM, **changes, "csrf_token": token_from(client, "/documents/new")}
    data["media"] = [(io.BytesIO(content), name) for name, content in uploads]
    return client.post("/documents/new", data=data, content_type="multipart/form-data")


def api_attach(client, doc_id: int, uploads: list[tuple[str, bytes]], csrf: str | None):
    """Post files to the API in the multipart field `file`."""
    headers = {"X-CSRFToken": csrf} if csrf else {}
    data = {"file": [(io.BytesIO(content), name) for name, content in uploads]}
    return client.post(
        f"/api/v1/documents/{doc_id}/media",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


def created_id(response) -> int:
    assert response.status_code == 302, response.text
    return int(re.fullmatch(r"/documents/(\d+)", _path(response.headers["Location"]))[1])


def decide_pictures(client, doc_id: int, choice: str = "obscured") -> None:
    """Decide, on each review page, what every picture of the document waiting for a decision
    may show readers (every face found kept), as a custodian does before publishing."""
    for media_id in media_ids(client.application, doc_id):
        page = client.get(f"/media/{media_id}/picture")
        if 'data-state="undecided"' not in page.text:
            continue
        video = 'alt="Frame 1 of the video"' in page.text  # withheld or shown: never obscured
        data = {
            "csrf_token": csrf_token(page.text),
            "choice": "shown" if video else choice,
            "reason": "The people filmed agreed to its publication" if video else "",
            "keep": re.findall(r'name="keep" value="(\d+)"', page.text),
            "version": re.search(r'name="version" value="(\d+)"', page.text)[1],
            "drawn": "",
        }
        assert client.post(f"/media/{media_id}/picture", data=data).status_code == 302
        assert 'data-state="undecided"' not in client.get(f"/media/{media_id}/picture").text


def publish_via_review(client, doc_id: int) -> int:
    """Decide on its pictures, review the redaction on its page (keeping every span) and
    publish, as a custodian does."""
    decide_pictures(client, doc_id)
    page = client.get(f"/documents/{doc_id}/redaction")
    assert page.status_code == 200, page.text
    keep = re.findall(r'name="keep" value="(\d+)"', page.text)
    token = re.search(r'name="token" value="(\w+)"', page.text)[1]
    data = {"csrf_token": csrf_token(page.text), "keep": keep, "token": token, "publish": "1"}
    response = client.post(f"/documents/{doc_id}/redaction", data=data)
    assert response.status_code == 302, response.text
    return doc_id


def named(files) -> list[tuple[str, bytes]]:
    """Give uploads identifying names, as a phone or a witness would."""
    return [(f"{SECRET_NAME}-{n}{d.suffix}", d.data) for n, d in enumerate(files)]


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def readers(app, make_case) -> Readers:
    make_case()
    return Readers(app)


@pytest.fixture
def custodian(readers):
    return readers("custodian")


@pytest.fixture
def attached_files() -> list[DirtyFile]:
    return [dirty(fmt, orientation) for fmt, orientation in ATTACHED]


@pytest.fixture
def form_document(custodian, attached_files) -> int:
    """A public, published document made through the form with every dirty file attached."""
    return publish_via_review(custodian, created_id(new_document(custodian, named(attached_files))))


@pytest.fixture
def attach_files(app):
    """Attach files to a document through the use case (as the CLI would); returns media ids."""

    def attach_(doc_id: int, *files: bytes) -> list[int]:
        with app.app_context(), get_db(app).session() as s:
            document = s.get(Document, doc_id)
            store = app.extensions["archive.media"]
            rows = add_media(s, document, [Upload(f) for f in files], store, SETUP, "cli")
            for row in rows:  # a picture showing text waits for a custodian: decided as one would
                if row.picture_state == "undecided":
                    video = row.mime.startswith("video/")  # withheld or shown: never obscured
                    choice, reason = ("shown", "The people filmed agreed") if video else ("obscured", "")
                    pictures.decide(s, row, store, SETUP, "cli", choice, row.regions, reason)
            return [m.id for m in rows]

    return attach_


@pytest.fixture
def vault_app(make_app):
    """An app that keeps originals sealed under a fresh random vault key."""
    app = make_app(VAULT_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode())
    add_case(app)
    return app


@pytest.fixture
def vault_readers(vault_app) -> Readers:
    return Readers(vault_app)


@pytest.fixture
def vaulted(vault_readers, attached_files) -> tuple[int, list[int]]:
    """A document made through the form on the vault app; its id and its media ids."""
    custodian = vault_readers("custodian")
    doc_id = publish_via_review(custodian, created_id(new_document(custodian, named(attached_files))))
    return doc_id, media_ids(vault_readers.app, doc_id)


# --- the document form ---------------------------------------------------------------------


def test_form_attaches_every_file_and_the_page_lists_them(custodian, form_document):
    page = custodian.get(f"/documents/{form_document}")
    assert page.status_code == 200
    ids = media_ids(custodian.application, form_document)
    assert len(ids) == len(ATTACHED)
    for media_id in ids:
        assert f'href="/media/{media_id}"' in page.text


def test_form_stores_the_cleaned_types(custodian, form_document):
    items = custodian.get(f"/api/v1/documents/{form_document}").get_json()["media"]
    assert [m["kind"] for m in items] == ["jpeg", "png", "pdf", "jpeg"]  # HEIC became JPEG
    assert [m["mime"] for m in items] == [
        "image/jpeg",
        "image/png",
        "application/pdf",
        "image/jpeg",
    ]


def test_served_files_and_thumbnails_carry_no_canary(custodian, form_document, attached_files):
    canaries = every_canary(attached_files)
    items = custodian.get(f"/api/v1/documents/{form_document}").get_json()["media"]
    for item in items:
        urls = [item["url"], *([item["thumbnail_url"]] if item["thumbnail_url"] else [])]
        for url in urls:
            response = fetch(custodian, _path(url))
            assert response.status_code == 200, url
            assert leaked_canaries(response.data, canaries) == {}, url
    assert sum(1 for m in items if m["thumbnail_url"]) == 3  # every image, not the PDF


def test_served_file_matches_the_stored_hash(custodian, form_document):
    for item in custodian.get(f"/api/v1/documents/{form_document}").get_json()["media"]:
        assert _sha256(fetch(custodian, _path(item["url"])).data) == item["sha256"]


def test_original_hash_is_the_hash_of_the_uploaded_bytes(custodian, form_document, attached_files):
    items = custodian.get(f"/api/v1/documents/{form_document}").get_json()["media"]
    assert [m["original_sha256"] for m in items] == [_sha256(d.data) for d in attached_files]
    assert all(m["sha256"] != m["original_sha256"] for m in items)


@pytest.mark.parametrize("role", ROLES)
def test_document_page_and_api_carry_no_canary(readers, form_document, attached_files, role):
    client = readers(role)
    canaries = every_canary(attached_files)
    page = client.get(f"/documents/{form_document}")
    api = client.get(f"/api/v1/documents/{form_document}")
    assert (page.status_code, api.status_code) == (200, 200)
    assert leaked_canaries(page.data, canaries) == {}
    assert leaked_canaries(api.data, canaries) == {}


@pytest.mark.parametrize("role", ROLES)
def test_only_custodians_see_the_metadata_report(readers, form_document, role):
    page = readers(role).get(f"/documents/{form_document}").text
    api = readers(role).get(f"/api/v1/documents/{form_document}").get_json()
    custodian = role in CUSTODIANS
    assert ("metadata removed:" in page) is custodian
    assert ("GPS GPSLatitude" in page) is custodian  # the list of fields, by name
    assert all(("metadata_removed" in m) is custodian for m in api["media"])


@pytest.mark.parametrize("surface", ["page", "api"])
@pytest.mark.parametrize("role", ROLES)
def test_only_custodians_see_the_hash_of_the_original(readers, form_document, attached_files, role, surface):
    # Whoever holds a suspected original (a seized phone) could confirm with its hash that the
    # archive has it, and so who gave it; the page shows it to custodians only, so must the API.
    path = f"/documents/{form_document}" if surface == "page" else f"/api/v1/documents/{form_document}"
    text = readers(role).get(path).text
    assert {_sha256(d.data) in text for d in attached_files} == {role in CUSTODIANS}


def test_custodian_report_names_fields_and_categories(custodian, form_document):
    items = custodian.get(f"/api/v1/documents/{form_document}").get_json()["media"]
    jpeg = items[0]["metadata_removed"]
    categories = {f["category"] for f in jpeg["findings"]}
    assert {"location", "device", "people", "time", "thumbnail"} <= categories
    assert all(set(f) == {"category", "field"} for f in jpeg["findings"])
    assert jpeg["orientation"] == 6 and jpeg["reencoded"] is True
    assert items[2]["metadata_removed"]["counts"]["people"] >= 1  # the PDF's author


@pytest.mark.parametrize("name", HOSTILE)
def test_form_with_a_hostile_file_stores_nothing(app, custodian, count_documents, name):
    uploads = [(f"{SECRET_NAME}.png", dirty("png").data), (f"{SECRET_NAME}.jpg", hostile()[name])]
    response = new_document(custodian, uploads)
    assert response.status_code == 400
    assert HOSTILE[name] in response.text
    assert SECRET_NAME not in response.text
    assert count_documents() == 0
    assert count_rows(app, MediaFile) == 0
    assert stored_files(app, "media", "vault") == []


@pytest.mark.parametrize("name", HOSTILE)
def test_form_with_a_hostile_file_stores_nothing_in_the_vault(vault_app, vault_readers, name):
    uploads = [(f"{SECRET_NAME}.jpg", dirty("jpeg", 6).data), (f"{SECRET_NAME}.x", hostile()[name])]
    response = new_document(vault_readers("custodian"), uploads)
    assert response.status_code == 400
    assert SECRET_NAME not in response.text
    assert count_rows(vault_app, Document) == 0
    assert count_rows(vault_app, MediaFile) == 0
    assert stored_files(vault_app, "media", "vault") == []


def test_form_without_files_makes_a_document_without_media(app, custodian):
    doc_id = created_id(new_document(custodian, []))
    assert media_ids(app, doc_id) == []


def test_edit_form_attaches_files_too(app, custodian, form_document):
    path = f"/documents/{form_document}/edit"
    data = {
        **FORM,
        "csrf_token": token_from(custodian, path),
        "media": [(io.BytesIO(dirty("webp").data), f"{SECRET_NAME}.webp")],
    }
    response = custodian.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(media_ids(app, form_document)) == len(ATTACHED) + 1


def test_edit_with_a_hostile_file_changes_nothing(app, custodian, form_document, stored_document):
    path = f"/documents/{form_document}/edit"
    data = {
        **FORM,
        "title": "A changed title",
        "csrf_token": token_from(custodian, path),
        "media": [(io.BytesIO(hostile()["html-as-jpg"]), f"{SECRET_NAME}.jpg")],
    }
    before = stored_files(app, "media")
    response = custodian.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "is HTML" in response.text and SECRET_NAME not in response.text
    assert stored_document(form_document)["title"] == FORM["title"]
    assert len(media_ids(app, form_document)) == len(ATTACHED)
    assert stored_files(app, "media") == before


# --- attaching to an existing document ------------------------------------------------------


@pytest.fixture
def document(make_document) -> int:
    return make_document()


def test_custodian_attaches_through_the_page_form(app, custodian, document):
    upload = dirty("jpeg", 6)
    csrf = token_from(custodian, f"/documents/{document}")
    response = custodian.post(
        f"/documents/{document}/media",
        data={"csrf_token": csrf, "media": [(io.BytesIO(upload.data), f"{SECRET_NAME}.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert _path(response.headers["Location"]) == f"/documents/{document}"
    page = custodian.get(f"/documents/{document}").text
    assert "metadata removed" in page
    assert SECRET_NAME not in page
    (item,) = custodian.get(f"/api/v1/documents/{document}").get_json()["media"]
    assert item["original_sha256"] == _sha256(upload.data)


def test_page_form_refuses_a_hostile_file_and_says_why(app, custodian, document):
    csrf = token_from(custodian, f"/documents/{document}")
    data = {"csrf_token": csrf, "media": [(io.BytesIO(hostile()["html-as-jpg"]), "x.jpg")]}
    response = custodian.post(f"/documents/{document}/media", data=data, follow_redirects=True)
    assert "Not attached" in response.text and "is HTML" in response.text
    assert count_rows(app, MediaFile) == 0
    assert stored_files(app, "media") == []


def test_api_attaches_cleaned_files_with_their_hashes_and_report(readers, document):
    files = [dirty("jpeg", 6), dirty("png"), dirty("pdf")]
    client = readers("custodian")
    response = api_attach(client, document, named(files), token(client, "custodian"))
    assert response.status_code == 201, response.text
    items = response.get_json()["items"]
    assert [i["original_sha256"] for i in items] == [_sha256(d.data) for d in files]
    for item in items:
        assert _sha256(fetch(client, _path(item["url"])).data) == item["sha256"]
        report = item["metadata_removed"]
        assert report["findings"] and report["counts"]
        assert all(set(f) == {"category", "field"} for f in report["findings"])
    assert leaked_canaries(response.data, every_canary(files)) == {}
    assert SECRET_NAME not in response.text


def test_api_attach_is_audited_with_hashes_only(app, readers, document):
    client = readers("custodian")
    upload = dirty("jpeg", 6)
    items = api_attach(client, document, named([upload]), token(client, "custodian")).get_json()
    with app.app_context(), get_db(app).session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "media.attach")).one()
        assert (entry.object_id, entry.via) == (items["items"][0]["id"], "api")
        assert entry.detail["original_sha256"] == _sha256(upload.data)
        assert SECRET_NAME not in json.dumps(entry.detail)


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("researcher", 403)])
def test_only_custodians_attach_through_the_api(app, readers, document, role, status):
    client = readers(role)
    response = api_attach(client, document, named([dirty("png")]), token(client, role))
    assert response.status_code == status
    assert response.is_json
    assert count_rows(app, MediaFile) == 0
    assert stored_files(app, "media") == []


def test_api_attach_to_a_missing_document_is_not_found(app, readers):
    client = readers("custodian")
    response = api_attach(client, 999, named([dirty("png")]), token(client, "custodian"))
    assert response.status_code == 404
    assert stored_files(app, "media") == []


def test_api_attach_without_a_csrf_token_is_refused(app, readers, document):
    response = api_attach(readers("custodian"), document, named([dirty("png")]), None)
    assert response.status_code == 400
    assert count_rows(app, MediaFile) == 0


def test_api_attach_without_files_is_a_validation_error(readers, document):
    client = readers("custodian")
    response = api_attach(client, document, [], token(client, "custodian"))
    assert response.status_code == 400
    assert response.get_json()["field"] == "file"


@pytest.mark.parametrize("name", HOSTILE)
def test_api_refuses_a_hostile_file_and_stores_nothing(app, readers, document, name):
    client = readers("custodian")
    uploads = [(f"{SECRET_NAME}.png", dirty("png").data), (f"{SECRET_NAME}.jpg", hostile()[name])]
    response = api_attach(client, document, uploads, token(client, "custodian"))
    assert response.status_code == 400
    body = response.get_json()
    assert HOSTILE[name] in body["error"] and body["field"] == "media"
    assert SECRET_NAME not in response.text
    assert count_rows(app, MediaFile) == 0
    assert stored_files(app, "media", "vault") == []


# --- serving -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "options", "mime", "disposition", "ext"),
    SERVED,
    ids=[f"{s[0]}-{'-'.join(s[1]) or 'plain'}" for s in SERVED],
)
def test_files_are_served_as_their_cleaned_type_with_a_neutral_name(
    client, document, attach_files, fmt, options, mime, disposition, ext
):
    (media_id,) = attach_files(document, dirty(fmt, **options).data)
    response = fetch(client, f"/media/{media_id}")
    assert response.status_code == 200
    assert response.mimetype == mime
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    kind, params = parse_options_header(response.headers["Content-Disposition"])
    assert (kind, params["filename"]) == (
        disposition,
        f"document-{document}-media-{media_id}.{ext}",
    )


def test_thumbnails_are_served_inline_with_a_neutral_name(client, document, attach_files):
    (media_id,) = attach_files(document, dirty("jpeg", 6).data)
    response = fetch(client, f"/media/{media_id}/thumbnail")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    kind, params = parse_options_header(response.headers["Content-Disposition"])
    assert kind == "inline"
    assert params["filename"] == f"document-{document}-media-{media_id}-thumbnail.jpg"


def test_a_pdf_has_no_thumbnail(client, document, attach_files):
    (media_id,) = attach_files(document, dirty("pdf").data)
    assert fetch(client, f"/media/{media_id}/thumbnail").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_media_follow_the_visibility_of_their_document(reader, every_document, attach_files, role):
    ids = {key: attach_files(doc.id, dirty("png").data)[0] for key, doc in every_document.items()}
    client = reader(role)
    for (consent, status), media_id in ids.items():
        expected = 200 if may_see(role, consent, status) else 404
        for path in (f"/media/{media_id}", f"/media/{media_id}/thumbnail"):
            assert fetch(client, path).status_code == expected, (path, consent, status)


def test_unknown_media_is_not_found(client):
    assert client.get("/media/424242").status_code == 404
    assert client.get("/media/424242/thumbnail").status_code == 404


def test_conditional_get_answers_not_modified(client, document, attach_files):
    (media_id,) = attach_files(document, dirty("png").data)
    first = fetch(client, f"/media/{media_id}")
    etag = first.headers["ETag"]
    assert etag
    again = fetch(client, f"/media/{media_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_conditional_get_cannot_probe_hidden_media(app, client, make_document, attach_files):
    hidden = make_document(slug="hidden", consent="custodians")
    (media_id,) = attach_files(hidden, dirty("png").data)
    with app.app_context(), get_db(app).session() as s:
        etag = f'"{s.get(MediaFile, media_id).sha256}"'
    for guess in ("*", etag):
        response = fetch(client, f"/media/{media_id}", headers={"If-None-Match": guess})
        assert response.status_code == 404, guess


def test_served_files_may_be_cached_privately_only(client, document, attach_files):
    (media_id,) = attach_files(document, dirty("png").data)
    assert "private" in fetch(client, f"/media/{media_id}").headers["Cache-Control"]


# --- originals without a vault -------------------------------------------------------------


def test_without_a_vault_no_original_reaches_the_disk(app, form_document, attached_files):
    originals = [d.data for d in attached_files]
    assert leaks_on_disk(app, every_canary(attached_files), originals) == {}
    assert stored_files(app, "vault") == []
    with app.app_context(), get_db(app).session() as s:
        assert not any(s.scalars(select(MediaFile.in_vault)))


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("researcher", 403), ("custodian", 404), ("admin", 404)],
)
def test_without_a_vault_no_original_can_be_downloaded(readers, form_document, role, status):
    (media_id, *_) = media_ids(readers.app, form_document)
    assert readers(role).get(f"/media/{media_id}/original").status_code == status


# --- originals in the vault ----------------------------------------------------------------


def test_vault_keeps_each_original_sealed(vault_app, vaulted, attached_files):
    sealed = stored_files(vault_app, "vault")
    assert len(sealed) == len(attached_files)
    names = " ".join(p.name for p in sealed)
    assert not any(_sha256(d.data) in names for d in attached_files)  # keyed names
    originals = [d.data for d in attached_files]
    assert leaks_on_disk(vault_app, every_canary(attached_files), originals) == {}


def test_custodian_downloads_the_exact_original(vault_readers, vaulted, attached_files):
    _doc_id, ids = vaulted
    client = vault_readers("custodian")
    for media_id, upload in zip(ids, attached_files, strict=True):
        response = fetch(client, f"/media/{media_id}/original")
        assert response.status_code == 200
        assert response.data == upload.data
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        kind, params = parse_options_header(response.headers["Content-Disposition"])
        assert kind == "attachment"
        assert SECRET_NAME not in params["filename"]


def test_every_view_of_an_original_is_audited(vault_app, vault_readers, vaulted):
    _doc_id, (media_id, *_) = vaulted
    client = vault_readers("custodian")
    for _ in range(2):
        assert fetch(client, f"/media/{media_id}/original").status_code == 200
    with vault_app.app_context(), get_db(vault_app).session() as s:
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "media.original.view")).all()
    expected = (vault_readers.user_id("custodian"), "media", media_id, "web")
    assert [(v.actor_id, v.object_type, v.object_id, v.via) for v in views] == [expected] * 2


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("researcher", 403)])
def test_only_custodians_download_originals(vault_app, vault_readers, vaulted, role, status):
    _doc_id, (media_id, *_) = vaulted
    response = vault_readers(role).get(f"/media/{media_id}/original")
    assert response.status_code == status
    with vault_app.app_context(), get_db(vault_app).session() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "media.original.view")).all() == []


def _flip_a_byte(sealed: bytes) -> bytes:
    middle = len(sealed) // 2
    return sealed[:middle] + bytes([sealed[middle] ^ 0x01]) + sealed[middle + 1 :]


TAMPERING = {
    "flipped-byte": _flip_a_byte,
    "truncated": lambda sealed: sealed[: len(sealed) // 2],
    "emptied": lambda sealed: b"",
    "nonce-only": lambda sealed: sealed[:12],
}


@pytest.mark.parametrize("tamper", TAMPERING)
def test_a_tampered_vault_file_is_not_found_not_a_server_error(vault_app, vault_readers, vaulted, tamper):
    _doc_id, (media_id, *_) = vaulted
    for path in stored_files(vault_app, "vault"):
        path.write_bytes(TAMPERING[tamper](path.read_bytes()))
    assert vault_readers("custodian").get(f"/media/{media_id}/original").status_code == 404


def test_a_missing_vault_file_is_not_found(vault_app, vault_readers, vaulted):
    _doc_id, (media_id, *_) = vaulted
    for path in stored_files(vault_app, "vault"):
        path.unlink()
    assert vault_readers("custodian").get(f"/media/{media_id}/original").status_code == 404


@pytest.mark.parametrize(
    "key",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(os.urandom(16)).decode(),
        base64.urlsafe_b64encode(os.urandom(33)).decode(),
        "@@@@",
    ],
    ids=["not-base64", "16-bytes", "33-bytes", "symbols"],
)
def test_an_invalid_vault_key_stops_the_app_at_start(make_app, key):
    with pytest.raises(ConfigError, match="ARCHIVE_VAULT_KEY"):
        make_app(VAULT_KEY=key)


# --- atomicity -----------------------------------------------------------------------------


class CommitFailed(Exception):
    """Raised by a patched commit, standing in for a full disk or a lost database."""


def _fail(*_args, **_kwargs):
    raise CommitFailed


@pytest.fixture
def store(app):
    return app.extensions["archive.media"]


def test_a_failed_commit_removes_the_files_the_batch_wrote(app, store, document, monkeypatch):
    with app.app_context(), get_db(app).session() as s:
        batch = prepare([Upload(dirty("jpeg", 6).data), Upload(dirty("png").data)], store)
        monkeypatch.setattr(s, "commit", _fail)
        with pytest.raises(CommitFailed):
            attach(s, s.get(Document, document), batch, SETUP, "cli")
    assert len(batch.created_blobs) == 4  # two files, two thumbnails
    assert not any(store.blobs.exists(sha) for sha in batch.created_blobs)
    assert stored_files(app, "media") == []
    assert count_rows(app, MediaFile) == 0


def test_a_failed_commit_removes_the_sealed_originals_too(vault_app, monkeypatch):
    store = vault_app.extensions["archive.media"]
    upload = dirty("jpeg", 6)
    with vault_app.app_context(), get_db(vault_app).session() as s:
        document = _document_in(s)
        batch = prepare([Upload(upload.data)], store)
        monkeypatch.setattr(s, "commit", _fail)
        with pytest.raises(CommitFailed):
            attach(s, document, batch, SETUP, "cli")
    assert [sha256 for _vault, sha256 in batch.created_vault] == [_sha256(upload.data)]
    assert stored_files(vault_app, "media", "vault") == []
    assert count_rows(vault_app, MediaFile) == 0


def test_a_failed_commit_keeps_files_other_documents_use(app, store, make_document, monkeypatch, attach_files):
    first, second = make_document(slug="first"), make_document(slug="second")
    (kept,) = attach_files(first, dirty("png").data)
    with app.app_context(), get_db(app).session() as s:
        shared = {s.get(MediaFile, kept).sha256, s.get(MediaFile, kept).thumbnail_sha256}
        batch = prepare([Upload(dirty("png").data), Upload(dirty("jpeg", 6).data)], store)
        monkeypatch.setattr(s, "commit", _fail)
        with pytest.raises(CommitFailed):
            attach(s, s.get(Document, second), batch, SETUP, "cli")
    assert batch.created_blobs and not shared & set(batch.created_blobs)
    assert not any(store.blobs.exists(sha) for sha in batch.created_blobs)
    assert all(store.blobs.exists(sha) for sha in shared)
    assert fetch(app.test_client(), f"/media/{kept}").status_code == 200
    assert media_ids(app, second) == []


def test_attaching_to_a_document_deleted_meanwhile_stores_nothing(app, store, document):
    with app.app_context(), get_db(app).session() as s:
        target = s.get(Document, document)
        batch = prepare([Upload(dirty("jpeg", 6).data)], store)
        with get_db(app).session() as other:
            other.delete(other.get(Document, document))
            other.commit()
        with pytest.raises(IntegrityError):
            attach(s, target, batch, SETUP, "cli")
    assert batch.created_blobs
    assert stored_files(app, "media") == []
    assert count_rows(app, MediaFile) == 0


def test_a_failed_document_creation_removes_its_media(app, store, make_case, monkeypatch):
    make_case()
    with app.app_context(), get_db(app).session() as s:
        submission = validate_document(ingest_fields(), ("testimony",), "test")
        batch = prepare([Upload(dirty("jpeg", 6).data)], store)
        monkeypatch.setattr(s, "commit", _fail)
        with pytest.raises(CommitFailed):
            create_document(s, submission, sha256_hex(b"x"), CLI, "cli", media=batch)
    assert batch.created_blobs
    assert stored_files(app, "media") == []
    assert count_rows(app, Document) == count_rows(app, MediaFile) == 0


def test_an_api_upload_whose_commit_fails_stores_nothing(app, readers, document, monkeypatch):
    client = readers("custodian")
    csrf = token(client, "custodian")
    monkeypatch.setattr(Session, "commit", _fail)
    response = api_attach(client, document, named([dirty("jpeg", 6)]), csrf)
    monkeypatch.undo()
    assert response.status_code == 500
    assert SECRET_NAME not in response.text
    assert stored_files(app, "media") == []
    assert count_rows(app, MediaFile) == 0


def test_a_failure_while_writing_removes_what_was_written(app, readers, document, monkeypatch):
    # The second file's audit row fails after the first file and its thumbnail are on disk.
    calls = []
    real = ingest_media.audit.record

    def record_then_fail(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise CommitFailed
        return real(*args, **kwargs)

    client = readers("custodian")
    csrf = token(client, "custodian")
    monkeypatch.setattr(ingest_media.audit, "record", record_then_fail)
    response = api_attach(client, document, named([dirty("jpeg", 6), dirty("png")]), csrf)
    monkeypatch.undo()
    assert response.status_code == 500
    assert stored_files(app, "media") == []
    assert count_rows(app, MediaFile) == 0


def _document_in(s: Session) -> Document:
    submission = validate_document(ingest_fields(), ("testimony",), "test")
    return create_document(s, submission, sha256_hex(b"vault"), CLI, "cli")
