"""The sanitiser: no canary survives, pixels stay right, hostile files are refused."""

from __future__ import annotations

import io
import math

import exifread
import pytest
from PIL import Image, ImageChops, ImageOps, ImageSequence

from archive.errors import MediaRefused
from archive.media import Limits, sanitise
from archive.media.raster import psnr
from tests.media.dirty import (
    ANIMATED_FORMATS,
    FORMATS,
    ORIENTATION_FORMATS,
    leaked_canaries,
    make_dirty,
    make_hostile,
)

CASES = [(fmt, o) for fmt in FORMATS for o in ((1, 3, 6, 8) if fmt in ORIENTATION_FORMATS else (1,))]
ALL_ORIENTATIONS = [(fmt, o) for fmt in ("jpeg", "png", "webp", "tiff") for o in range(1, 9)]
LOSSLESS = {"png", "tiff", "gif"}  # webp: lossless when the dirty file is (the default)
PILLOW_METADATA = {"exif", "xmp", "icc_profile", "comment", "photoshop", "iptc", "XML:com.adobe.xmp"}


def _upright_decoded(data: bytes) -> Image.Image:
    """What a correct viewer shows for the dirty file: decoded, orientation applied."""
    with Image.open(io.BytesIO(data)) as image:
        return ImageOps.exif_transpose(image).convert("RGBA")


def _pixels(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA")


@pytest.fixture(scope="module")
def cleaned():
    """Sanitise each dirty file once per module."""
    cache = {}

    def get(fmt: str, orientation: int = 1, **options):
        key = (fmt, orientation, tuple(sorted(options.items())))
        if key not in cache:
            dirty = make_dirty(fmt, orientation, **options)
            cache[key] = (dirty, sanitise(dirty.data))
        return cache[key]

    return get


@pytest.mark.parametrize(("fmt", "orientation"), CASES)
def test_no_canary_survives(cleaned, fmt, orientation):
    dirty, clean = cleaned(fmt, orientation)
    assert len(dirty.canaries) >= 3
    assert leaked_canaries(clean.data, dirty.canaries) == {}


@pytest.mark.parametrize("fmt", ANIMATED_FORMATS)
def test_no_canary_survives_in_animations(cleaned, fmt):
    dirty, clean = cleaned(fmt, animated=True)
    assert leaked_canaries(clean.data, dirty.canaries) == {}
    assert clean.frames == dirty.frames > 1


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "tiff", "heic", "pdf"])
def test_no_canary_survives_in_wide_gamut_profiles(cleaned, fmt):
    dirty, clean = cleaned(fmt, wide_gamut=True)
    assert leaked_canaries(clean.data, dirty.canaries) == {}


@pytest.mark.parametrize(("fmt", "orientation"), [c for c in CASES if c[0] != "pdf"])
def test_no_metadata_left_for_exifread_or_pillow(cleaned, fmt, orientation):
    _dirty, clean = cleaned(fmt, orientation)
    tags = exifread.process_file(io.BytesIO(clean.data), details=True)
    structural = {"ImageWidth", "ImageLength", "BitsPerSample", "Compression", "StripOffsets",
                  "PhotometricInterpretation", "SamplesPerPixel", "RowsPerStrip",
                  "StripByteCounts", "PlanarConfiguration", "ExtraSamples", "Predictor",
                  "SampleFormat", "NewSubfileType", "ResolutionUnit", "XResolution",
                  "YResolution"}  # fmt: skip
    assert [t for t in tags if t.split(" ")[-1] not in structural] == []
    with Image.open(io.BytesIO(clean.data)) as image:
        assert not set(image.info) & PILLOW_METADATA
        if clean.media_type.kind != "tiff":
            assert len(image.getexif()) == 0
        else:
            assert 0x0112 not in image.getexif()


@pytest.mark.parametrize(("fmt", "orientation"), ALL_ORIENTATIONS)
def test_every_orientation_is_applied_to_the_pixels(cleaned, fmt, orientation):
    dirty, clean = cleaned(fmt, orientation)
    expected = _upright_decoded(dirty.data)
    got = _pixels(clean.data)
    assert got.size == expected.size
    assert clean.report.orientation == orientation
    if fmt in LOSSLESS or fmt == "webp":
        assert ImageChops.difference(got, expected).getbbox() is None
    else:
        assert psnr(got, expected) >= 40


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_heic_is_shown_upright_as_jpeg(cleaned, orientation):
    dirty, clean = cleaned("heic", orientation)
    assert clean.media_type.kind == "jpeg"
    assert _pixels(clean.data).size == dirty.upright.size
    assert psnr(_pixels(clean.data), dirty.upright.convert("RGBA")) >= 30  # HEVC was lossy
    assert clean.report.psnr_db >= 40  # against the decoded HEIC


def test_jpeg_without_rotation_keeps_its_compressed_data(cleaned):
    dirty, clean = cleaned("jpeg", 1)
    assert not clean.report.reencoded
    assert ImageChops.difference(_pixels(clean.data), _pixels(dirty.data)).getbbox() is None
    assert "without re-encoding" in " ".join(clean.report.actions)


def test_lossy_reencoding_says_so_with_its_quality():
    clean = sanitise(make_dirty("jpeg", 6).data)
    assert clean.report.reencoded
    assert clean.report.psnr_db >= 40
    assert any("PSNR" in a for a in clean.report.actions)


def test_rotated_lossy_webp_is_reencoded_within_the_quality_bound():
    dirty = make_dirty("webp", 6, lossless=False)
    clean = sanitise(dirty.data)
    assert clean.report.reencoded
    assert psnr(_pixels(clean.data), _upright_decoded(dirty.data)) >= 40


@pytest.mark.parametrize("fmt", ["png", "gif", "tiff", "webp"])
def test_lossless_formats_keep_pixels_bit_identical(cleaned, fmt):
    dirty, clean = cleaned(fmt, 1)
    assert ImageChops.difference(_pixels(clean.data), _upright_decoded(dirty.data)).getbbox() is None


@pytest.mark.parametrize("fmt", ANIMATED_FORMATS)
def test_animation_keeps_every_frame(cleaned, fmt):
    dirty, clean = cleaned(fmt, animated=True)
    with Image.open(io.BytesIO(dirty.data)) as before, Image.open(io.BytesIO(clean.data)) as after:
        old = [f.convert("RGBA") for f in ImageSequence.Iterator(before)]
        new = [f.convert("RGBA") for f in ImageSequence.Iterator(after)]
    assert len(new) == len(old) > 1
    for a, b in zip(old, new, strict=True):
        assert ImageChops.difference(a, b).getbbox() is None


@pytest.mark.parametrize("fmt", ["png", "webp", "gif", "tiff"])
def test_transparency_is_kept(cleaned, fmt):
    dirty, clean = cleaned(fmt, alpha=True)
    alpha_before = _upright_decoded(dirty.data).getchannel("A")
    alpha_after = _pixels(clean.data).getchannel("A")
    assert alpha_after.getextrema()[0] == 0  # something is still transparent
    assert ImageChops.difference(alpha_before, alpha_after).getbbox() is None


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "tiff"])
def test_wide_gamut_is_converted_to_srgb_then_the_profile_dropped(cleaned, fmt):
    dirty, clean = cleaned(fmt, wide_gamut=True)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert "icc_profile" not in image.info
    assert any("sRGB" in a for a in clean.report.actions)
    raw = _upright_decoded(dirty.data).convert("RGB")
    converted = _pixels(clean.data).convert("RGB")
    # Converting from a wider gamut changes saturated colours: the raw values would be wrong.
    assert ImageChops.difference(raw, converted).getbbox() is not None


@pytest.mark.parametrize(("fmt", "orientation"), CASES)
def test_stripping_is_idempotent(cleaned, fmt, orientation):
    _dirty, clean = cleaned(fmt, orientation)
    again = sanitise(clean.data)
    assert again.data == clean.data
    assert again.media_type == clean.media_type


def test_report_groups_fields_by_risk_without_values(cleaned):
    dirty, clean = cleaned("jpeg", 6)
    counts = clean.report.counts()
    for category in ("location", "device", "people", "time", "software", "thumbnail", "free_text"):
        assert counts.get(category, 0) >= 1, category
    stored = repr(clean.report.to_dict())
    assert leaked_canaries(stored.encode(), dirty.canaries) == {}
    assert "metadata removed:" in clean.report.summary()


def test_pdf_keeps_its_text_and_loses_scripts_and_attachments(cleaned):
    import pikepdf

    dirty, clean = cleaned("pdf")
    with pikepdf.open(io.BytesIO(clean.data)) as pdf:
        assert "/Info" not in pdf.trailer
        assert "/OpenAction" not in pdf.Root and "/AF" not in pdf.Root
        content = b"".join(page.Contents.read_bytes() for page in pdf.pages)
        assert b"Summons" in content
    fields = {f.field for f in clean.report.findings}
    assert {"PDF Author", "PDF attachment", "PDF page thumbnail"} <= fields


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty", "empty"),
        ("truncated-jpeg", "truncated"),
        ("truncated-png", "truncated"),
        ("truncated-gif", "truncated"),
        ("truncated-webp", "cannot be read"),
        ("truncated-pdf", "corrupt PDF"),
        ("html-as-jpg", "is HTML"),
        ("svg", "SVG"),
        ("js", "script"),
        ("zip", "ZIP"),
        ("png-bomb", "bomb"),
        ("gif-bomb", "too large"),
        ("jpeg-html-polyglot", "polyglot"),
        ("gifar-polyglot", "polyglot"),
        ("pdf-with-js-only-header", "corrupt PDF"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(name, message):
    with pytest.raises(MediaRefused) as refused:
        sanitise(make_hostile()[name], source=name)
    assert message in str(refused.value)
    assert str(refused.value).startswith(name)


def test_type_comes_from_the_bytes_not_the_name(cleaned):
    dirty, _clean = cleaned("png")
    clean = sanitise(dirty.data, source="photo.jpg")
    assert clean.media_type.kind == "png"


def test_files_over_the_byte_limit_are_refused_before_reading():
    dirty = make_dirty("jpeg")
    with pytest.raises(MediaRefused, match="limit"):
        sanitise(dirty.data, Limits(max_bytes=len(dirty.data) - 1))


def test_images_over_the_pixel_limit_are_refused_before_decoding():
    dirty = make_dirty("png")
    width, height = dirty.upright.size
    with pytest.raises(MediaRefused, match="pixels"):
        sanitise(dirty.data, Limits(max_pixels=width * height - 1))


def test_psnr_of_identical_images_is_infinite():
    image = make_dirty("png").upright
    assert math.isinf(psnr(image, image))
