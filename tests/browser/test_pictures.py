"""A custodian takes a photo to publication in a real browser: the faces found are boxed over
it, a region is drawn by dragging on the picture, the decision is taken, the document is
published through its review form, and the copy an anonymous reader gets has the region burned
out and no face the detector still sees."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from archive.documents.media import MediaStore, Upload, add_media
from archive.media import faces
from archive.services import get_db
from archive.storage.models import Document, MediaFile
from tests.browser.conftest import ARTIFACTS, public_document_and_custodian, sign_in
from tests.conftest import SETUP, store_document
from tests.media.photos import photo

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]


@pytest.fixture
def with_photo(corpus_app):
    """A testimony waiting for its review (public consent, graded), with a photo of two people."""
    public_document_and_custodian(corpus_app, "looker")
    doc_id = store_document(
        corpus_app, case="chechnya-2017", title="Photo from the meeting", status="in_review", redaction="pending",
        body="The photo was taken at the meeting.\n",
    )  # fmt: skip
    image, labels = photo(17, size=(1400, 1000), people=2, smallest=90)
    jpeg = io.BytesIO()
    image.save(jpeg, "JPEG", quality=90)
    with corpus_app.test_request_context(), get_db(corpus_app).session() as s:
        store = MediaStore.from_config(corpus_app.config)
        (media,) = add_media(s, s.get(Document, doc_id), [Upload(jpeg.getvalue())], store, SETUP, "cli")
        return doc_id, media.id, labels


def test_draw_a_region_decide_publish_and_readers_get_the_obscured_copy(live_server, page, corpus_app, with_photo):
    doc_id, media_id, _labels = with_photo
    sign_in(page, live_server, "looker")
    page.goto(f"{live_server}/media/{media_id}/picture")
    assert page.locator("rect.region.face").count() >= 2  # the faces found, boxed over the photo
    frame = page.locator(".picture-frame").first
    box = frame.bounding_box()
    # drag across the top left corner: a fifth of the picture each way from a tenth in
    x0, y0 = box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.1
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + box["width"] * 0.2, y0 + box["height"] * 0.2, steps=5)
    page.mouse.up()
    line = page.locator("#drawn").input_value().strip()
    number, left, top, width, height = (int(v) for v in line.split())
    assert number == 1 and abs(left - 140) <= 8 and abs(top - 100) <= 8, line
    assert abs(width - 280) <= 8 and abs(height - 200) <= 8, line
    assert page.locator("rect.region.custodian").count() == 1  # drawn where it was dragged
    page.get_by_label("Obscure", exact=False).check()
    page.get_by_role("button", name="Decide").click()
    page.wait_for_selector("#public-h")
    page.screenshot(path=str(ARTIFACTS / "picture-review.png"), full_page=True)
    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        media = s.get(MediaFile, media_id)
        assert media.picture_state == "obscured"
        public = media.public_sha256
    # publish: the redaction reviewed and the document published through its form
    page.goto(f"{live_server}/documents/{doc_id}/redaction")
    page.get_by_label("Publish after saving the review").check()
    page.get_by_role("button", name="Save review").click()
    page.wait_for_url(f"{live_server}/documents/{doc_id}/redaction")
    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        assert s.get(Document, doc_id).status == "published"
    # what an anonymous reader gets
    response = corpus_app.test_client().get(f"/media/{media_id}")
    response.get_data()
    response.close()
    assert response.status_code == 200
    served = Image.open(io.BytesIO(response.data))
    assert served.size == (1400, 1000)
    assert faces.remaining(served) == []
    assert served.convert("L").crop((left + 4, top + 4, left + width - 4, top + height - 4)).getextrema() == (0, 0)
    assert public and response.data == corpus_app.extensions["archive.media"].blobs.get(public)
