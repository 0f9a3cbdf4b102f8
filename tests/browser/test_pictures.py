"""A custodian reviews a photo in a real browser: the faces found are boxed over it, a region is
drawn by dragging on the picture, the decision is taken, and the public copy readers get has the
region burned out and no face the detector still sees."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from archive.documents.media import MediaStore, Upload, add_media
from archive.media import faces
from archive.services import get_db
from archive.storage.models import Document, MediaFile
from tests.browser.conftest import ARTIFACTS, public_document_and_custodian, sign_in
from tests.conftest import SETUP
from tests.media.photos import photo

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]


@pytest.fixture
def with_photo(corpus_app):
    public_document_and_custodian(corpus_app, "looker")
    image, labels = photo(17, size=(1400, 1000), people=2, smallest=90)
    jpeg = io.BytesIO()
    image.save(jpeg, "JPEG", quality=90)
    with corpus_app.test_request_context(), get_db(corpus_app).session() as s:
        document = s.scalars(select(Document).where(Document.consent == "public").order_by(Document.id)).first()
        (media,) = add_media(
            s, document, [Upload(jpeg.getvalue())], MediaStore.from_config(corpus_app.config), SETUP, "cli"
        )
        return document.id, media.id, labels


def test_draw_a_region_decide_and_readers_get_the_obscured_copy(live_server, page, corpus_app, with_photo):
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
