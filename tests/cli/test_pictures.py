"""`archive check-pictures`: the verifier reads again what readers get of every decided photo
and scan, and fails when a copy shows what its decision hides; what OCR read is sealed at
rest like an original text."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import select, text

from archive.documents import pictures
from archive.documents.media import MediaStore
from archive.media import ocr
from archive.storage.models import MediaFile
from tests.cli.conftest import keyed_database
from tests.cli.test_vault import _attach, _config, _document
from tests.conftest import SETUP
from tests.media import pages

pytestmark = pytest.mark.skipif(
    not ocr.available() and not os.environ.get("CI"), reason="tesseract with Russian and English is not installed"
)


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_the_verifier_passes_a_sound_copy_and_fails_one_that_shows_a_name(initialised, archive, tmp_path):
    _document(archive, tmp_path)
    summons = pages.page(41, size=40, line_count=5)
    clean = _png(summons.image)
    media = _attach(initialised, "With a photo", clean)
    assert media.picture_state == "undecided"
    db = keyed_database(initialised)
    store = MediaStore.from_config(_config(initialised))
    with db.session() as s:
        row = s.get(MediaFile, media.id)
        pictures.decide(s, row, store, SETUP, "cli", "obscured", [])
        public = row.public_sha256
        names = [w.text for w in summons.names]
        # what OCR read is sealed at rest: no name in the stored value
        stored = s.execute(text("SELECT words FROM media WHERE id = :id"), {"id": media.id}).scalar_one()
        assert not [n for n in names if n in str(stored)]
        assert s.scalars(select(MediaFile.words).where(MediaFile.id == media.id)).one()  # opens
    db.dispose()
    sound = archive("check-pictures")
    assert sound.returncode == 0, sound.stdout + sound.stderr
    assert "1 public copies read again" in sound.stdout and "no problems" in sound.stdout
    # the public copy replaced on disk by the unredacted picture: the verifier says so
    store.blobs.path(public).write_bytes(clean)
    found = archive("check-pictures")
    assert found.returncode == 1, found.stdout
    assert f"problem  media {media.id}" in found.stdout and "redacted word(s) still read" in found.stdout
    assert not [n for n in names if n in found.stdout + found.stderr]  # it names no one
