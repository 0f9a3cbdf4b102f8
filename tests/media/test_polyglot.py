"""The polyglot check reads where a format keeps text, never the coded pixels (issue 19).

Markup in an image's metadata, comments, unknown chunks or after its end is a polyglot and is
refused; the same bytes inside entropy-coded or compressed pixel data are chance (9 of 20
ordinary 3 MB phone photos were refused for it) and are accepted.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image

from archive.errors import MediaRefused
from archive.media.detect import detect
from archive.media.regions import text_regions
from tests.media.dirty import _chunk, _jpeg_plain, _segment, _subblocks, make_dirty, riff_chunks, upright_image

MARKUP = (b"<a href=x>", b"<img src=x onerror=alert(1)>", b"<script>alert(1)</script>", b"<svg onload=1>")


def _noise(size=(320, 240), seed=0) -> Image.Image:
    rng = random.Random(seed)  # noqa: S311 - test pixels, not secrets
    return Image.frombytes("RGB", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3)))


def _scan_start(jpeg: bytes) -> int:
    """Where the first scan's entropy-coded data begins."""
    at = jpeg.index(b"\xff\xda")
    return at + 2 + struct.unpack(">H", jpeg[at + 2 : at + 4])[0]


def _into_scan(jpeg: bytes, markup: bytes, offset: int = 400) -> bytes:
    at = _scan_start(jpeg) + offset
    return jpeg[:at] + markup + jpeg[at + len(markup) :]


# --- markup by chance in the pixels: accepted ---------------------------------------------


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_bytes_inside_a_jpeg_scan_are_pixels_not_a_polyglot(markup):
    data = _into_scan(_jpeg_plain(_noise()), markup)
    assert markup in data
    assert detect(data).kind == "jpeg"
    Image.open(io.BytesIO(data)).load()  # still a picture (garbled where the bytes went)


def test_markup_bytes_in_a_phone_photos_thumbnail_and_second_picture_are_pixels():
    photo = make_dirty("jpeg").data  # EXIF with its thumbnail, XMP, ICC, IPTC…
    photo = photo[: photo.rfind(b"\xff\xd9") + 2]  # (less the canary trailer it carries)
    thumbnail = photo.index(b"\xff\xd8\xff", 2)
    inner = photo[thumbnail:]
    photo = photo[:thumbnail] + _into_scan(inner, b"<a href=x>", 40)
    second = _into_scan(_jpeg_plain(_noise(seed=3)), b"<img src=x>")  # MPF: a depth map after the end
    assert detect(photo + second).kind == "jpeg"
    assert detect(photo + b"\x00" * 16 + second).kind == "jpeg"


def test_markup_bytes_in_stored_png_pixels_are_pixels():
    row = b"\x00" + b"<a href=x><img src=y>" + bytes(300 - 21)
    raw = row * 40
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", 100, 40, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, 0))  # stored: the pixel bytes as they are
        + _chunk(b"IEND", b"")
    )
    assert b"<a href=x>" in data
    assert detect(data).kind == "png"
    assert Image.open(io.BytesIO(data)).size == (100, 40)


def test_an_ordinary_noisy_gif_whose_lzw_data_holds_markup_is_accepted():
    for seed in range(600):
        buffer = io.BytesIO()
        _noise((320, 240), seed).quantize(256).save(buffer, "GIF")
        data = buffer.getvalue()
        regions = text_regions("gif", data)
        if any(m in data.lower() for m in (b"<a ", b"<a\t", b"<a\n", b"<img ", b"<meta", b"<link")):
            assert not any(b"<a " in r.lower() for r in regions)
            assert detect(data).kind == "gif"
            return
    pytest.skip("no noise GIF with markup-like LZW bytes in 600 seeds")


def test_markup_bytes_in_uncompressed_tiff_strips_are_pixels():
    pixels = (b"<script>alert(1)</script>" * 400)[: 100 * 30 * 3]
    image = Image.frombytes("RGB", (100, 30), pixels)
    buffer = io.BytesIO()
    image.save(buffer, "TIFF")  # uncompressed: the strips hold the bytes as they are
    data = buffer.getvalue()
    assert b"<script>" in data
    assert detect(data).kind == "tiff"


def test_markup_bytes_in_webp_coded_data_are_pixels():
    buffer = io.BytesIO()
    _noise().save(buffer, "WEBP", quality=80)
    data = buffer.getvalue()
    at = data.index(b"VP8 ") + 8 + 200
    data = data[:at] + b"<a href=x>" + data[at + 10 :]
    assert detect(data).kind == "webp"


# --- markup where the format keeps text: refused ------------------------------------------


def _jpeg_with_segment(marker: int, payload: bytes) -> bytes:
    jpeg = _jpeg_plain(upright_image())
    return jpeg[:2] + _segment(marker, payload) + jpeg[2:]


def _png_with(chunk: bytes) -> bytes:
    png = io.BytesIO()
    upright_image().save(png, "PNG")
    data = png.getvalue()
    return data[:33] + chunk + data[33:]


def _gif_with(extension: bytes) -> bytes:
    gif = io.BytesIO()
    upright_image().quantize(64).save(gif, "GIF")
    data = gif.getvalue()
    flags = data[10]
    end = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    return data[:end] + extension + data[end:]


def _webp_with(kind: bytes, payload: bytes, trailer: bytes = b"") -> bytes:
    webp = io.BytesIO()
    upright_image().save(webp, "WEBP", quality=80)
    chunks = riff_chunks(webp.getvalue()) + ([(kind, payload)] if kind else [])
    body = b"WEBP" + b"".join(k + struct.pack("<I", len(p)) + p + (b"\0" if len(p) % 2 else b"") for k, p in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body + trailer


def _tiff_described(text: str) -> bytes:
    buffer = io.BytesIO()
    upright_image().save(buffer, "TIFF", compression="tiff_deflate", description=text)
    return buffer.getvalue()


def _hostile() -> dict[str, bytes]:
    script = b"<script>alert(document.domain)</script>"
    photo = _jpeg_plain(upright_image())
    return {
        "jpeg comment": _jpeg_with_segment(0xFE, script),
        "jpeg APP1": _jpeg_with_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + script),
        "jpeg APP11": _jpeg_with_segment(0xEB, script),
        "jpeg after its end": photo + script,
        "jpeg after a second picture": photo + _jpeg_plain(upright_image()) + script,
        "png tEXt": _png_with(_chunk(b"tEXt", b"Comment\x00" + script)),
        "png zTXt": _png_with(_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(script))),
        "png iTXt compressed": _png_with(_chunk(b"iTXt", b"Comment\x00\x01\x00en\x00\x00" + zlib.compress(script))),
        "png unknown chunk": _png_with(_chunk(b"ruSt", script)),
        "png after IEND": _png_with(b"") + script,
        "gif comment": _gif_with(b"\x21\xfe" + _subblocks(script)),
        "gif application": _gif_with(b"\x21\xff\x0bXMP DataXMP" + _subblocks(script)),
        "gif after its trailer": _gif_with(b"") + script,
        "webp unknown chunk": _webp_with(b"HTML", script),
        "webp EXIF": _webp_with(b"EXIF", b"II*\x00" + script),
        "webp after its RIFF": _webp_with(b"", b"", script),
        "tiff description": _tiff_described(script.decode()),
    }


@pytest.mark.parametrize("name", sorted(_hostile()))
def test_markup_where_a_format_keeps_text_is_a_polyglot(name):
    with pytest.raises(MediaRefused, match="polyglot"):
        detect(_hostile()[name])


def test_a_file_whose_structure_cannot_be_followed_is_read_whole():
    broken = _jpeg_plain(upright_image())[:300] + b"\x00\x00<script>alert(1)</script>"
    assert text_regions("jpeg", broken) == [broken]
    with pytest.raises(MediaRefused, match="polyglot"):
        detect(broken)
