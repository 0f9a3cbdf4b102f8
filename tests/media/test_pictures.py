"""What a file shows when it is attached (archive/media/pictures.py), on real files: nothing on a
blank picture, faces and words where there are some, and every bound that leaves a file for a
custodian to decide rather than unread."""

from __future__ import annotations

import io
import os
import shutil

import pikepdf
import pytest
from PIL import Image

from archive.errors import MediaRefused
from archive.media import ocr, pictures, sanitise, scans
from archive.media.raster import Limits
from tests.media import pages
from tests.media.photos import photo

needs_ocr = pytest.mark.skipif(
    not ocr.available() and not os.environ.get("CI"), reason="tesseract with Russian and English is not installed"
)
LIMITS = Limits()


def _clean(image: Image.Image, fmt: str = "PNG", **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return sanitise(out.getvalue(), LIMITS)


@needs_ocr
def test_a_blank_wall_is_clear_and_a_photo_of_people_or_a_page_is_not():
    wall = pictures.look(*_args(_clean(Image.new("RGB", (1200, 900), (180, 170, 160)))))
    assert not wall.undecided and wall.regions == []
    people, labels = photo(8, size=(1200, 900), people=2, smallest=80)
    seen = pictures.look(*_args(_clean(people, "JPEG", quality=90)))
    assert seen.undecided and len([r for r in seen.regions if r["source"] == "face"]) >= len(labels)
    drawn = pages.page(9, size=36, line_count=4)
    read = pictures.look(*_args(_clean(drawn.image)))
    assert read.undecided and read.text_found and read.regions == []


@needs_ocr
def test_every_frame_of_an_animation_is_looked_at_and_its_public_copy_keeps_every_frame():
    people, _labels = photo(4, size=(800, 600), people=1, smallest=120)
    frames = [Image.new("RGB", (800, 600), (90, 120, 150)), people.convert("RGB")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    clean = sanitise(out.getvalue(), LIMITS)
    seen = pictures.look(*_args(clean))
    assert len(seen.pages) == 2 and {r["page"] for r in seen.regions} == {1}  # the face is on the second
    copy = pictures.public_copy(clean.data, clean.media_type, LIMITS, seen.regions, {})
    assert copy.mime == "image/gif" and Image.open(io.BytesIO(copy.data)).n_frames == 2
    assert pictures.problems(copy, (), check_faces=True) == []


@needs_ocr
def test_a_pdf_with_a_text_layer_waits_and_one_past_the_page_bound_can_only_be_withheld(monkeypatch):
    blank = Image.new("L", (850, 1100), 255)
    scanned = scans.rebuild([blank, blank, blank])
    clean = sanitise(scanned, LIMITS)
    blank_seen = pictures.look(*_args(clean))  # three blank pages: nothing found, and still a custodian decides
    assert (
        blank_seen.regions == []
        and not blank_seen.text_found
        and blank_seen.notes == [pictures.ALWAYS_REVIEWED["document"]]
    )
    # the same pages under an invisible text layer, as OCR programs leave it
    with pikepdf.open(io.BytesIO(scanned)) as pdf:
        page = pdf.pages[0]
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                    BaseFont=pikepdf.Name.Helvetica))  # fmt: skip
        page.Resources.Font = pikepdf.Dictionary(F1=font)
        page.contents_add(pdf.make_stream(b"BT 3 Tr /F1 12 Tf 72 72 Td (Witness Ivan Petrov) Tj ET"), prepend=False)
        out = io.BytesIO()
        pdf.save(out)
    layered = sanitise(out.getvalue(), LIMITS)
    seen = pictures.look(*_args(layered))
    assert "carries a text layer" in seen.notes and seen.undecided
    monkeypatch.setattr(pictures, "MAX_PAGES", 2)
    bounded = pictures.look(*_args(clean))
    assert bounded.undecided and len(bounded.pages) == 2 and "at most 2" in " ".join(bounded.notes)
    with pytest.raises(MediaRefused, match="withhold it"):
        pictures.public_copy(clean.data, clean.media_type, LIMITS, [], {})


def _args(clean):
    return clean.data, clean.media_type, LIMITS, clean.seconds


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed (make test installs it)")
def test_a_video_is_looked_at_in_nine_frames_and_always_waits_for_a_custodian():
    from tests.media.recordings import make_recording

    clean = sanitise(make_recording("mp4-phone").data, LIMITS)
    seen = pictures.look(*_args(clean))
    assert seen.undecided and pictures.ALWAYS_REVIEWED["video"] in seen.notes
    assert len(seen.pages) == 9  # the poster and eight frames, each a page of the review
    with pytest.raises(MediaRefused, match="withheld or shown"):
        pictures.public_copy(clean.data, clean.media_type, LIMITS, [], {})
