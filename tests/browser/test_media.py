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
        add_media(s, document, uploads, MediaStore.from_config(corpus_app.config), SETUP, "cli")
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
