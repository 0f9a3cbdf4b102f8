"""A reader plays a cleaned video and a cleaned voice note in a real browser.

The recordings (tests/media/recordings.py) are attached to a public document of the sample case
through the use case, then the document page is opened in Debian's chromium: the players load,
play and advance, the phone's sideways video shows upright (the browser applies the display
matrix the cleaning kept), and the page's Content-Security-Policy lets the media through.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.documents import pictures
from archive.documents.media import MediaStore, Upload, add_media
from archive.services import get_db
from archive.storage.models import Document
from tests.conftest import SETUP
from tests.media.recordings import make_recording

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.engine_neutral,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (make test installs it)"),
]
PLAY = """async (selector) => {
  const player = document.querySelector(selector);
  player.muted = true;
  await player.play();
  await new Promise((done) => setTimeout(done, 800));
  player.pause();
  return {ready: player.readyState, duration: player.duration, at: player.currentTime,
          width: player.videoWidth || 0, height: player.videoHeight || 0,
          error: player.error ? player.error.code : null};
}"""


@pytest.fixture
def with_recordings(corpus_app):
    with corpus_app.test_request_context(), get_db(corpus_app).session() as s:
        document = s.scalars(select(Document).where(Document.consent == "public").order_by(Document.id)).first()
        uploads = [Upload(make_recording(f).data) for f in ("mp4-phone", "webm-vp9", "ogg-opus", "mp3-id3")]
        store = MediaStore.from_config(corpus_app.config)
        for media in add_media(s, document, uploads, store, SETUP, "cli"):
            if media.picture_state == "undecided":  # a video waits for a custodian: shown, as one decides
                pictures.decide(s, media, store, SETUP, "cli", "shown", media.regions, "No one can be recognised")
        return document.id


@pytest.mark.parametrize(
    "selector,size",
    [
        ("video[src]:nth-of-type(1)", (240, 320)),  # recorded sideways: shown upright
        ("li:nth-child(2) video", (320, 240)),
        ("li:nth-child(3) audio", (0, 0)),
        ("li:nth-child(4) audio", (0, 0)),
    ],
)
def test_every_player_loads_and_plays(live_server, page, with_recordings, selector, size):
    page.goto(f"{live_server}/documents/{with_recordings}")
    result = page.evaluate(PLAY, selector)
    assert result["error"] is None and result["ready"] >= 2, result
    assert abs(result["duration"] - 2.0) < 0.2 and result["at"] > 0.2, result
    assert (result["width"], result["height"]) == size
    page.screenshot(path=str(ARTIFACTS / "document-recordings.png"), full_page=True)


def test_a_failed_save_keeps_the_chosen_photo_until_the_next_save(live_server, page, corpus_app, tmp_path):
    """A custodian chooses a photo, forgets the title, fixes it and saves: the photo is there."""
    from tests.browser.conftest import public_document_and_custodian, sign_in
    from tests.media.dirty import make_dirty

    public_document_and_custodian(corpus_app, "holder")
    photo = tmp_path / "Ruslan-at-the-checkpoint.jpg"
    photo.write_bytes(make_dirty("jpeg", 6).data)
    sign_in(page, live_server, "holder")
    page.goto(live_server + "/documents/new")
    page.get_by_label("Text (Markdown)").fill("A photo handed over at the meeting.")
    page.locator("input[type=file][name=media]").set_input_files(str(photo))
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    page.console_errors.clear()  # the form shown again with its error is a 400, as it should be
    notice = page.locator("section.held")
    assert "A file from your last try is kept" in notice.inner_text()
    assert "File 1: JPEG" in notice.inner_text()
    assert "Ruslan" not in page.content()
    page.get_by_label("Title", exact=True).fill("Photo from the meeting")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(lambda url: "/documents/" in url and "/new" not in url)
    assert page.locator("a.file, img, figure").count() >= 1
    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        newest = s.scalars(select(Document).order_by(Document.id.desc())).first()
        assert newest.title == "Photo from the meeting" and len(newest.media) == 1
