"""Faces and scans from upload to publication, through the web as each audience meets them.

A photo with faces (made from scikit-image's pictures of people: tests/media/photos.py) and a
summons drawn with witnesses' names and telephone numbers (tests/media/pages.py), as a PNG and
as a scanned PDF, are attached through the document form. Until a custodian decides, readers
get nothing of them; once decided, what readers get is read again here by the detector and by
tesseract, and no redacted name or number, no face, no text layer is in it. Every way out a
reader has (page, API, files, thumbnails, search, the files under DATA_DIR) is crawled for the
names.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from archive.media import faces, ocr, scans
from archive.services import get_db
from archive.storage.models import AuditEntry, MediaFile
from tests.conftest import csrf_token
from tests.media import pages
from tests.media.photos import photo, recall
from tests.web.conftest import CASE, token_from
from tests.web.test_media import Readers, created_id, fetch, media_ids, new_document, publish_via_review

needs_ocr = pytest.mark.skipif(
    not ocr.available() and not os.environ.get("CI"), reason="tesseract with Russian and English is not installed"
)
pytestmark = needs_ocr
READERS = ("anonymous", "researcher")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def summons() -> pages.Page:
    return pages.page(11, size=36, line_count=6)


@pytest.fixture
def readers(app, make_case) -> Readers:
    make_case()
    return Readers(app)


@pytest.fixture
def protected(readers, summons) -> list[str]:
    """The summons's names, protected in the case by a custodian (as witnesses' names are)."""
    custodian = readers("custodian")
    names = [w.text for w in summons.names]
    token = token_from(custodian, f"/cases/{CASE}")
    response = custodian.post(
        f"/cases/{CASE}/identities", data={"csrf_token": token, "names": "\n".join(names), "pseudonym": "Witness S"}
    )
    assert response.status_code == 302, response.text
    return names


@pytest.fixture
def faces_photo() -> tuple[bytes, list]:
    image, labels = photo(21, size=(1600, 1200), people=3, smallest=70)
    return _jpeg(image), labels


@pytest.fixture
def posted(readers, protected, summons, faces_photo):
    """A document made through the form with the photo, the summons as PNG and as a scanned
    PDF; its id and its three media ids."""
    custodian = readers("custodian")
    pdf = scans.rebuild([summons.image])
    uploads = [("photo.jpg", faces_photo[0]), ("summons.png", _png(summons.image)), ("summons.pdf", pdf)]
    doc_id = created_id(new_document(custodian, uploads))
    return doc_id, media_ids(readers.app, doc_id)


def _row(app, media_id: int) -> MediaFile:
    with app.app_context(), get_db(app).session() as s:
        row = s.get(MediaFile, media_id)
        s.expunge(row)
        return row


def _decide(client, media_id: int, choice: str = "obscured", drawn: str = "", reason: str = "", keep=None):
    page = client.get(f"/media/{media_id}/picture")
    assert page.status_code == 200, page.text
    if keep is None:
        keep = re.findall(r'name="keep" value="(\d+)"', page.text)
    version = re.search(r'name="version" value="(\d+)"', page.text)[1]
    data = {"csrf_token": csrf_token(page.text), "choice": choice, "drawn": drawn, "reason": reason,
            "keep": keep, "version": version}  # fmt: skip
    return client.post(f"/media/{media_id}/picture", data=data)


def _secrets(summons: pages.Page) -> list[str]:
    return [w.text for w in summons.names] + [w.text for w in summons.phones]


def _reads(data: bytes, mime: str) -> str:
    pictures = list(scans.pages(data)) if mime == "application/pdf" else [Image.open(io.BytesIO(data))]
    return "\n".join(ocr.recognise(p).text for p in pictures)


def test_every_picture_waits_for_a_custodian_and_readers_get_nothing_of_it(readers, posted, summons):
    doc_id, ids = posted
    app = readers.app
    rows = [_row(app, i) for i in ids]
    assert [r.picture_state for r in rows] == ["undecided"] * 3
    assert sum(r["source"] == "face" for r in rows[0].regions) >= 3
    assert rows[1].words and rows[2].words  # what OCR read, kept (sealed where a vault is)
    custodian = readers("custodian")
    # publishing is refused while a picture waits
    page = custodian.get(f"/documents/{doc_id}/redaction")
    keep = re.findall(r'name="keep" value="(\d+)"', page.text)
    token = re.search(r'name="token" value="(\w+)"', page.text)[1]
    refused = custodian.post(
        f"/documents/{doc_id}/redaction",
        data={"csrf_token": csrf_token(page.text), "keep": keep, "token": token, "publish": "1"},
        follow_redirects=True,
    )
    assert "decide what its pictures may show" in refused.text
    # the custodian sees them all, with the review link
    items = custodian.get(f"/api/v1/documents/{doc_id}").get_json()["media"]
    assert [m["picture"]["state"] for m in items] == ["undecided"] * 3
    assert all(f'href="/media/{i}/picture"' in custodian.get(f"/documents/{doc_id}").text for i in ids)


def test_a_published_document_with_an_undecided_picture_serves_nothing_of_it(readers, posted):
    doc_id, ids = posted
    custodian = readers("custodian")
    for media_id in ids[1:]:
        assert _decide(custodian, media_id, "withheld").status_code == 302
    assert _decide(custodian, ids[0]).status_code == 302
    publish_via_review(custodian, doc_id)
    # a photo attached after publication waits, and readers get nothing of it
    image, _labels = photo(5, size=(1200, 900), people=2, smallest=80)
    token = token_from(custodian, f"/documents/{doc_id}")
    response = custodian.post(
        f"/documents/{doc_id}/media",
        data={"csrf_token": token, "media": [(io.BytesIO(_jpeg(image)), "late.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    late = media_ids(readers.app, doc_id)[-1]
    assert _row(readers.app, late).picture_state == "undecided"
    for role in READERS:
        client = readers(role)
        assert fetch(client, f"/media/{late}").status_code == 404
        assert fetch(client, f"/media/{late}/thumbnail").status_code == 404
        assert f"/media/{late}" not in client.get(f"/documents/{doc_id}").text
        listed = [m["id"] for m in client.get(f"/api/v1/documents/{doc_id}").get_json()["media"]]
        assert listed == [ids[0]]  # the withheld scans are not listed either
        for media_id in ids[1:]:
            assert fetch(client, f"/media/{media_id}").status_code == 404
        for path in (f"/media/{late}/picture", f"/media/{late}/public", f"/media/{late}/pages/1"):
            assert fetch(client, path).status_code in (401, 403, 404), path


def test_from_upload_to_publication_the_public_copies_show_no_face_no_name_no_number(
    readers, posted, summons, faces_photo
):
    doc_id, ids = posted
    app = readers.app
    custodian = readers("custodian")
    for media_id in ids:
        response = _decide(custodian, media_id)
        assert response.status_code == 302
        assert _row(app, media_id).picture_state == "obscured", custodian.get(f"/media/{media_id}/picture").text
    publish_via_review(custodian, doc_id)
    secrets = _secrets(summons)
    for role in READERS:
        client = readers(role)
        items = client.get(f"/api/v1/documents/{doc_id}").get_json()["media"]
        assert [m["id"] for m in items] == ids
        for item, media_id in zip(items, ids, strict=True):
            row = _row(app, media_id)
            served = fetch(client, f"/media/{media_id}")
            assert served.status_code == 200
            data = served.data
            assert item["sha256"] == row.public_sha256 != row.sha256
            assert data != app.extensions["archive.media"].blobs.get(row.sha256)
            mime = served.headers["Content-Type"].split(";")[0]
            if mime == "application/pdf":
                assert not scans.text_of(data).strip()  # no text layer
                pictures = list(scans.pages(data))
            else:
                pictures = [Image.open(io.BytesIO(data))]
                thumb = fetch(client, f"/media/{media_id}/thumbnail")
                assert thumb.status_code == 200
                assert thumb.data == app.extensions["archive.media"].blobs.get(row.public_thumbnail_sha256)
            for picture in pictures:
                assert faces.remaining(picture) == []
            if media_id != ids[0]:
                assert ocr.still_shown(_reads(data, mime), secrets) == []
    # the photo's faces are gone to the detector at its own threshold too, where they were found
    original = Image.open(io.BytesIO(faces_photo[0]))
    assert recall(faces.detect(original), faces_photo[1]) == 1.0
    public = Image.open(io.BytesIO(fetch(readers("anonymous"), f"/media/{ids[0]}").data))
    assert recall(faces.detect(public, faces.THRESHOLD), faces_photo[1]) == 0.0
    # the rest of the summons still reads
    read = _reads(fetch(readers("anonymous"), f"/media/{ids[1]}").data, "image/png")
    kept = [w.text for w in summons.words if w.kind == "word"]
    assert sum(w in read for w in kept) >= 0.6 * len(kept)


def test_no_name_on_the_summons_reaches_a_reader_by_any_way_out(readers, posted, summons):
    doc_id, ids = posted
    custodian = readers("custodian")
    for media_id in ids:
        assert _decide(custodian, media_id).status_code == 302
    # the text read is added to the document: redacted and reviewed like its text, and searched
    response = custodian.post(
        f"/media/{ids[1]}/text", data={"csrf_token": token_from(custodian, f"/media/{ids[1]}/picture")}
    )
    assert response.status_code == 302
    publish_via_review(custodian, doc_id)
    names = [w.text for w in summons.names]
    body = custodian.get(f"/api/v1/documents/{doc_id}").get_json()["body"]
    assert "Text read from an attached file" in body
    common = next(w.text for w in summons.words if w.kind == "word" and len(w.text) > 4)
    for role in READERS:
        client = readers(role)
        outs = [
            client.get(f"/documents/{doc_id}").text,
            json.dumps(client.get(f"/api/v1/documents/{doc_id}").get_json(), ensure_ascii=False),
            client.get("/search", query_string={"q": common}).text,
            json.dumps(client.get("/api/v1/search", query_string={"q": common}).get_json(), ensure_ascii=False),
        ]
        for n in names:  # a name finds nothing (the page says what was asked: only its results are read)
            found = client.get("/api/v1/search", query_string={"q": n}).get_json()
            assert found["total"] == 0 and not found["items"], (role, n)
        assert f"/documents/{doc_id}" in outs[2]  # found by a word of the summons
        for out in outs:
            assert not [n for n in names if n in out], role
        for media_id in ids:
            for path in (f"/media/{media_id}", f"/media/{media_id}/thumbnail"):
                served = fetch(client, path)
                assert not [n for n in names if n.encode() in served.data]
    # nothing under DATA_DIR holds a name but the database (sealed when a vault is kept)
    root = Path(readers.app.config["DATA_DIR"])
    for path in root.rglob("*"):
        if path.is_file() and path.suffix not in (".db", ".sqlite", ".sqlite3") and "-wal" not in path.name:
            data = path.read_bytes()
            assert not [n for n in names if n.encode() in data], path


def test_a_word_redacted_after_the_decision_takes_the_copy_from_readers_until_decided_again(readers, app):
    custodian = readers("custodian")
    drawn = pages.page(31, size=40, line_count=4)
    # a word no detector redacts, which the custodian later marks as identifying
    word = next(w.text for w in drawn.words if w.kind == "word" and len(w.text) > 5)
    body = f"The summons reads: {word}.\n"
    doc_id = created_id(new_document(custodian, [("scan.png", _png(drawn.image))], body=body))
    (media_id,) = media_ids(app, doc_id)
    assert _decide(custodian, media_id, "shown").status_code == 302
    publish_via_review(custodian, doc_id)
    assert fetch(readers("anonymous"), f"/media/{media_id}").status_code == 200
    page = custodian.get(f"/documents/{doc_id}/redaction")
    data = {
        "csrf_token": csrf_token(page.text),
        "keep": re.findall(r'name="keep" value="(\d+)"', page.text),
        "token": re.search(r'name="token" value="(\w+)"', page.text)[1],
        "add_value": word,
        "add_type": "PERSON",
    }
    assert custodian.post(f"/documents/{doc_id}/redaction", data=data).status_code == 302
    assert fetch(readers("anonymous"), f"/media/{media_id}").status_code == 404
    assert "decided again" in custodian.get(f"/media/{media_id}/picture").text
    assert _decide(custodian, media_id, "shown").status_code == 302
    assert "Decided:" in (again := custodian.get(f"/media/{media_id}/picture").text), again
    served = fetch(readers("anonymous"), f"/media/{media_id}")
    assert served.status_code == 200
    assert ocr.still_shown(_reads(served.data, "image/png"), [word]) == []


def test_showing_faces_needs_a_reason_kept_with_the_file(readers, app, faces_photo):
    custodian = readers("custodian")
    doc_id = created_id(new_document(custodian, [("photo.jpg", faces_photo[0])]))
    (media_id,) = media_ids(app, doc_id)
    refused = _decide(custodian, media_id, "shown")
    assert refused.status_code == 302
    assert _row(app, media_id).picture_state == "undecided"
    assert "say why the faces may be shown" in custodian.get(f"/media/{media_id}/picture").text
    reason = "The speaker asked to be seen and signed a release"
    assert _decide(custodian, media_id, "shown", reason=reason).status_code == 302
    row = _row(app, media_id)
    assert row.picture_state == "shown" and row.public_sha256 is None
    with app.app_context(), get_db(app).session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "media.picture.decide")).one()
        # the reason is sealed with the file's row, never written into the log (it cannot be taken back there)
        assert entry.detail["reason_given"] is True and entry.detail["choice"] == "shown"
        assert reason not in json.dumps(entry.detail, ensure_ascii=False)
        assert s.get(MediaFile, media_id).picture_reason == reason
    publish_via_review(custodian, doc_id)
    served = fetch(readers("anonymous"), f"/media/{media_id}")
    assert served.data == app.extensions["archive.media"].blobs.get(row.sha256)


def test_a_false_face_removed_and_a_region_drawn_are_what_the_public_copy_obscures(readers, app, faces_photo):
    custodian = readers("custodian")
    doc_id = created_id(new_document(custodian, [("photo.jpg", faces_photo[0])]))
    (media_id,) = media_ids(app, doc_id)
    regions = _row(app, media_id).regions
    # keep every face but the first found; draw a region (a house number, say) in a corner
    keep = [str(i) for i, r in enumerate(regions) if r["source"] == "face"][1:]
    kept = [r for i, r in enumerate(regions) if str(i) in keep]
    response = _decide(custodian, media_id, "obscured", drawn="1 20 30 200 100", keep=keep)
    assert response.status_code == 302
    row = _row(app, media_id)
    if row.picture_state != "obscured":  # the face left showing is seen again: refused, as it must be
        assert "still shows" in custodian.get(f"/media/{media_id}/picture").text
        return
    assert [r["box"] for r in row.regions if r["source"] == "face"] == [r["box"] for r in kept]
    assert [r["box"] for r in row.regions if r["source"] == "custodian"] == [[20, 30, 200, 100]]
    public = Image.open(io.BytesIO(app.extensions["archive.media"].blobs.get(row.public_sha256))).convert("L")
    assert public.crop((20, 30, 220, 130)).getextrema() == (0, 0)  # burned solid


def test_two_custodians_deciding_at_once_the_second_is_told(readers, app, faces_photo):
    custodian = readers("custodian")
    other = Readers(app)("admin")
    doc_id = created_id(new_document(custodian, [("photo.jpg", faces_photo[0])]))
    (media_id,) = media_ids(app, doc_id)
    first = custodian.get(f"/media/{media_id}/picture").text
    second = other.get(f"/media/{media_id}/picture").text
    keep = re.findall(r'name="keep" value="(\d+)"', first)
    version = re.search(r'name="version" value="(\d+)"', first)[1]
    data = {"choice": "obscured", "keep": keep, "version": version, "drawn": ""}
    assert (
        custodian.post(f"/media/{media_id}/picture", data={**data, "csrf_token": csrf_token(first)}).status_code == 302
    )
    late = other.post(
        f"/media/{media_id}/picture",
        data={**data, "choice": "shown", "reason": "x", "csrf_token": csrf_token(second)},
        follow_redirects=True,
    )
    assert "decided by another custodian" in late.text
    assert _row(app, media_id).picture_state == "obscured"


@pytest.mark.parametrize(
    ("drawn", "why"),
    [("1 2 3", "not five numbers"), ("1 a b c d", "not five numbers"), ("9 0 0 10 10", "not a page"),
     ("1 99999 99999 10 10", "outside the picture"), ("1 inf 0 10 10", "not five numbers"),
     ("1 nan 0 10 10", "not five numbers"), ("1 0 0 0 0", "outside the picture")],
)  # fmt: skip
def test_a_bad_region_is_refused_with_its_reason_and_nothing_changes(readers, app, faces_photo, drawn, why):
    custodian = readers("custodian")
    doc_id = created_id(new_document(custodian, [("photo.jpg", faces_photo[0])]))
    (media_id,) = media_ids(app, doc_id)
    response = _decide(custodian, media_id, drawn=drawn)
    assert response.status_code == 302
    assert why in custodian.get(f"/media/{media_id}/picture").text
    assert _row(app, media_id).picture_state == "undecided"


def test_the_api_decides_as_the_form_does(readers, app, faces_photo):
    custodian = readers("custodian")
    doc_id = created_id(new_document(custodian, [("photo.jpg", faces_photo[0])]))
    (media_id,) = media_ids(app, doc_id)
    seen = custodian.get(f"/api/v1/media/{media_id}/picture").get_json()
    assert seen["state"] == "undecided" and seen["regions"]
    token = token_from(custodian, "/")
    response = custodian.post(
        f"/api/v1/media/{media_id}/picture",
        json={"choice": "obscured", "regions": seen["regions"], "version": seen["version"]},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.text
    assert response.get_json()["state"] == "obscured"
    again = custodian.post(
        f"/api/v1/media/{media_id}/picture",
        json={"choice": "withheld", "regions": [], "version": seen["version"]},
        headers={"X-CSRFToken": token},
    )
    assert again.status_code == 400 and "decided by another custodian" in again.get_json()["error"]
    for regions in ([{"page": 0, "box": [1e400, 0, 5, 5]}], [{"page": 0, "box": "abcd"}], ["x"], {"a": 1},
                    [{"page": 0, "box": [0, 0, 5, 5], "source": "other"}],
                    [{"page": 0, "box": [0, 0, 5, 5], "source": "face", "score": "x"}],
                    [{"page": 0, "box": [0, 0, 5, 5], "source": "face", "score": 2}]):  # fmt: skip
        bad = custodian.post(
            f"/api/v1/media/{media_id}/picture",
            json={"choice": "withheld", "regions": regions},
            headers={"X-CSRFToken": token},
        )
        assert bad.status_code == 400, (regions, bad.text)
    assert readers("researcher").get(f"/api/v1/media/{media_id}/picture").status_code in (401, 403, 404)


def test_a_file_is_read_again_in_the_language_a_custodian_chooses_and_waits_again(readers, app):
    custodian = readers("custodian")
    drawn = pages.page(51, language="rus", size=40, line_count=4)
    doc_id = created_id(new_document(custodian, [("scan.png", _png(drawn.image))]))
    (media_id,) = media_ids(app, doc_id)
    assert _decide(custodian, media_id, "obscured").status_code == 302
    decided = _row(app, media_id)
    assert decided.picture_state == "obscured" and decided.public_sha256
    page = custodian.get(f"/media/{media_id}/picture").text
    assert "language found: rus" in page
    names = [w.text for w in drawn.names]

    def read_in(languages: str) -> str:
        response = custodian.post(
            f"/media/{media_id}/read", data={"csrf_token": csrf_token(page), "languages": languages}
        )
        assert response.status_code == 302
        row = _row(app, media_id)
        assert row.picture_state == "undecided" and row.public_sha256 is None  # waits again
        return " ".join(w[0] for p in row.words for w in p["words"])

    english = read_in("eng")  # Cyrillic read as Latin: the names are not there
    assert sum(n in english for n in names) < len(names)
    russian = read_in("rus")
    assert sum(n in russian for n in names) >= len(names) - 1
    assert not app.extensions["archive.media"].blobs.path(decided.public_sha256).exists()  # the old copy is gone
    refused = custodian.post(f"/media/{media_id}/read", data={"csrf_token": csrf_token(page), "languages": "deu"})
    assert refused.status_code == 302
    assert "Not read again" in custodian.get(f"/media/{media_id}/picture").text
    with app.app_context(), get_db(app).session() as s:
        reads = s.scalars(select(AuditEntry).where(AuditEntry.action == "media.picture.read")).all()
        assert [e.detail["languages"] for e in reads] == ["eng", "rus"]
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "media.text.view")).all()
        assert len(views) >= 2 and {e.object_id for e in views} == {media_id}  # each view of the text read


def test_a_picture_attached_before_pictures_were_looked_at_must_be_read_before_readers_get_it(readers, app):
    custodian = readers("custodian")
    drawn = pages.page(61, size=40, line_count=3)
    doc_id = created_id(new_document(custodian, [("scan.png", _png(drawn.image))]))
    (media_id,) = media_ids(app, doc_id)
    with app.app_context(), get_db(app).session() as s:  # as migration 0026 leaves an older row
        row = s.get(MediaFile, media_id)
        row.words, row.regions, row.picture_state = None, [], "undecided"
        s.commit()
    page = custodian.get(f"/media/{media_id}/picture").text
    assert "read it first, then decide" in page
    assert _decide(custodian, media_id, "obscured").status_code == 302
    assert "was never read" in custodian.get(f"/media/{media_id}/picture").text
    assert _row(app, media_id).picture_state == "undecided"
    read = custodian.post(f"/media/{media_id}/read", data={"csrf_token": csrf_token(page), "languages": "rus+eng"})
    assert read.status_code == 302 and _row(app, media_id).words
    assert _decide(custodian, media_id, "obscured").status_code == 302
    assert _row(app, media_id).picture_state == "obscured"
