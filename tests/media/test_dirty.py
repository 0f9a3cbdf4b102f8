"""The dirty-file generator plants every canary where it says, in files real readers accept."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import struct
import subprocess
import zipfile
import zlib

import exifread
import pikepdf
import pillow_heif
import pytest
from PIL import Image, ImageChops, ImageCms, ImageOps, ImageStat, IptcImagePlugin

from tests.media.dirty import (
    FORMATS,
    ORIENTATION_FORMATS,
    canary,
    haystack,
    leaked_canaries,
    make_dirty,
    make_hostile,
    png_chunks,
    riff_chunks,
    stored_image,
    upright_image,
)

pillow_heif.register_heif_opener()  # Pillow opens HEIC from here on, as the sanitiser will

VARIANTS = {  # id → keyword arguments of make_dirty
    "jpeg": {"fmt": "jpeg"},
    "jpeg-wide": {"fmt": "jpeg", "wide_gamut": True, "orientation": 6},
    "png": {"fmt": "png"},
    "png-wide-alpha": {"fmt": "png", "wide_gamut": True, "alpha": True, "orientation": 8},
    "apng": {"fmt": "png", "animated": True},
    "apng-alpha": {"fmt": "png", "animated": True, "alpha": True, "orientation": 3},
    "webp": {"fmt": "webp"},
    "webp-lossy-wide": {"fmt": "webp", "lossless": False, "wide_gamut": True, "orientation": 5},
    "webp-alpha": {"fmt": "webp", "alpha": True, "orientation": 7},
    "webp-animated-alpha": {"fmt": "webp", "animated": True, "alpha": True},
    "webp-animated-lossy": {"fmt": "webp", "animated": True, "lossless": False},
    "tiff": {"fmt": "tiff", "orientation": 2},
    "tiff-pages-alpha": {"fmt": "tiff", "animated": True, "alpha": True, "wide_gamut": True},
    "gif": {"fmt": "gif"},
    "gif-animated-alpha": {"fmt": "gif", "animated": True, "alpha": True, "wide_gamut": True},
    "heic": {"fmt": "heic", "orientation": 6},
    "heic-lossy-alpha-wide": {"fmt": "heic", "lossless": False, "alpha": True, "wide_gamut": True},
    "pdf": {"fmt": "pdf"},
    "pdf-wide": {"fmt": "pdf", "wide_gamut": True, "seed": 7},
}

# Where each format hides things: the fields a sanitiser must find, not an exhaustive list.
REQUIRED_FIELDS = {
    "jpeg": {
        "exif.Artist",
        "exif.XPAuthor",
        "exif.MakerNote",
        "exif.BodySerialNumber",
        "gps.GPSProcessingMethod",
        "thumbnail",
        "xmp.dc:creator",
        "xmp.exif:GPSLatitude",
        "xmp-extended.photoshop:History",
        "iptc.By-line",
        "iptc.City",
        "iptc.Caption-Abstract",
        "8bim.thumbnail",
        "comment",
        "app4",
        "app11.c2pa",
        "exif2.Artist",
        "trailer",
    },
    "png": {
        "exif.Artist",
        "png.tEXt.Author",
        "png.zTXt.Comment",
        "png.iTXt.Title",
        "png.iTXt.Description",
        "xmp.dc:creator",
        "png.prVt",
        "trailer",
    },
    "webp": {"exif.Artist", "gps.GPSProcessingMethod", "xmp.dc:creator", "webp.WAMD"},
    "tiff": {
        "exif.Artist",
        "exif.Copyright",
        "exif.ImageDescription",
        "exif.Make",
        "exif.Model",
        "exif.Software",
        "exif.DateTime",
        "exif.HostComputer",
        "tiff.DocumentName",
        "tiff.PageName.1",
        "xmp.dc:creator",
        "iptc.By-line",
        "8bim.iptc.By-line",
        "exif.BodySerialNumber",
        "gps.GPSProcessingMethod",
    },
    "gif": {"comment", "xmp.dc:creator", "iptc.By-line", "gif.plaintext", "trailer"},
    "heic": {"exif.Artist", "gps.GPSProcessingMethod", "xmp.dc:creator"},
    "pdf": {
        "pdf.Title",
        "pdf.Author",
        "pdf.Subject",
        "pdf.Keywords",
        "pdf.Creator",
        "pdf.Producer",
        "xmp.dc:creator",
        "image.exif.Artist",
        "image.gps.GPSProcessingMethod",
        "image.xmp.dc:creator",
        "pdf.Thumb",
        "pdf.annot.T",
        "pdf.annot.Contents",
        "pdf.attachment",
        "pdf.JavaScript",
    },
}

# What exiftool 12.x does not print as text, and why; everything else it must show.
EXIFTOOL_BLIND = {
    "all": {"xmp.exif:GPSLatitude", "xmp.exif:GPSLongitude", "exif.MakerNote", "trailer"},
    # GPS coordinates are printed converted; an unknown maker note, data after the end,
    # unknown segments, chunks and binary thumbnails are listed without their content
    "jpeg": {"thumbnail", "8bim.thumbnail", "app4"},
    "png": {"png.prVt"},
    "webp": {"webp.WAMD"},
    "gif": {"iptc.By-line", "iptc.City", "iptc.Caption-Abstract"},  # MGK8BIM0000 is unknown
    "pdf": {"pdf.CreationDate", "pdf.ModDate"},  # printed converted to EXIF dates
}
# exiftool reads a PDF's document information and catalog XMP, not pages or attachments
EXIFTOOL_PDF_SEES = ("pdf.", "xmp.")
EXIFTOOL_PDF_MISSES = ("pdf.annot", "pdf.attachment", "pdf.Thumb", "pdf.JavaScript")


@pytest.fixture(params=VARIANTS, ids=list(VARIANTS))
def dirty(request):
    return make_dirty(**VARIANTS[request.param])


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _canonical(image: Image.Image, mode: str) -> Image.Image:
    """Return `image` in `mode`, invisible pixels black, so codecs compare on what shows."""
    image = image.convert(mode)
    if mode == "RGBA":
        visible = image.getchannel("A").point(lambda a: 255 * (a > 0))
        image = Image.composite(image, Image.new("RGBA", image.size), visible)
    return image


def _error(a: Image.Image, b: Image.Image) -> float:
    """Return the mean absolute difference of the worst channel (0 for identical images)."""
    assert a.size == b.size
    mode = "RGBA" if "A" in a.getbands() + b.getbands() else "RGB"
    return max(ImageStat.Stat(ImageChops.difference(_canonical(a, mode), _canonical(b, mode))).mean)


def _text(value) -> str:
    if isinstance(value, bytes | bytearray):
        return value.decode("latin-1")
    return str(value)


def _icc_description(profile: bytes) -> str:
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))


# --- canaries -----------------------------------------------------------------------------


def test_canary_is_a_long_ascii_token_unique_per_field_and_seed():
    token = canary("exif.Artist")
    assert token.isascii() and len(token) >= 16 and token.startswith("WACANARY")
    assert token.endswith("exif-Artist")
    assert canary("exif.Artist") == token
    assert len({canary("exif.Artist", seed) for seed in range(50)}) == 50
    assert canary("exif.Make") != canary("exif.Model")


def test_every_canary_is_present_in_the_file(dirty):
    assert leaked_canaries(dirty.data, dirty.canaries) == dirty.canaries


def test_canaries_are_distinct_and_none_contains_another(dirty):
    values = list(dirty.canaries.values())
    assert len(set(values)) == len(values)
    assert not [(a, b) for a in values for b in values if a != b and a in b]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_plants_its_required_fields(fmt):
    assert REQUIRED_FIELDS[fmt] <= set(make_dirty(fmt).canaries)


@pytest.mark.parametrize("fmt", ["tiff", "webp", "gif", "heic", "jpeg"])
def test_canaries_of_uncompressed_formats_are_in_the_raw_bytes(fmt):
    dirty = make_dirty(fmt, wide_gamut=True)
    assert haystack(dirty.data) == dirty.data
    for value in dirty.canaries.values():
        assert value.encode() in dirty.data or value.encode("utf-16-le") in dirty.data


@pytest.mark.parametrize(
    ("fmt", "compressed"),
    [
        ("png", ["png.zTXt.Comment", "png.iTXt.Description", "icc.desc"]),
        ("pdf", ["pdf.attachment", "image.xmp.dc:creator", "icc.desc"]),
    ],
)
def test_compressed_canaries_are_found_only_after_decompressing(fmt, compressed):
    dirty = make_dirty(fmt, wide_gamut=True)
    for name in compressed:
        assert dirty.canaries[name].encode() not in dirty.data
        assert dirty.canaries[name].encode() in haystack(dirty.data)


def test_different_seeds_plant_different_canaries():
    first, second = make_dirty("jpeg", seed=1), make_dirty("jpeg", seed=2)
    assert not set(first.canaries.values()) & set(second.canaries.values())
    assert not leaked_canaries(first.data, second.canaries)


@pytest.mark.parametrize("fmt", FORMATS)
def test_generation_is_deterministic(fmt):
    assert make_dirty(fmt, seed=3).data == make_dirty(fmt, seed=3).data


# --- readers accept the files -------------------------------------------------------------


def test_files_open_with_every_frame(dirty):
    if dirty.fmt == "pdf":
        with pikepdf.open(io.BytesIO(dirty.data)) as pdf:
            assert len(pdf.pages) == 1
        return
    image = Image.open(io.BytesIO(dirty.data))
    assert getattr(image, "n_frames", 1) == dirty.frames
    pictures = []
    for index in range(dirty.frames):
        image.seek(index)
        image.load()
        pictures.append(image.convert("RGBA").tobytes())
    assert len(set(pictures)) == dirty.frames  # every frame shows something else


@pytest.mark.parametrize("fmt", ["png", "webp", "gif"])
def test_animations_have_three_frames_of_different_durations(fmt):
    image = Image.open(io.BytesIO(make_dirty(fmt, animated=True).data))
    durations = []
    for index in range(image.n_frames):
        image.seek(index)
        image.load()  # WebP sets the duration on decoding
        durations.append(image.info["duration"])
    assert image.n_frames == 3 and len(set(durations)) == 3


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
def test_exiftool_reports_the_canaries(dirty):
    command = ["exiftool", "-j", "-a", "-u", "-G1:4", "-"]
    report = json.loads(subprocess.run(command, input=dirty.data, capture_output=True, check=True).stdout)
    text = json.dumps(report, ensure_ascii=False)
    assert "Error" not in {key.split(":")[-1] for key in report[0]}
    blind = EXIFTOOL_BLIND["all"] | EXIFTOOL_BLIND.get(dirty.fmt, set())
    expected = {name for name in dirty.canaries if name not in blind}
    if dirty.fmt == "pdf":
        expected = {n for n in expected if n.startswith(EXIFTOOL_PDF_SEES)}
        expected = {n for n in expected if not n.startswith(EXIFTOOL_PDF_MISSES)}
    assert {name for name in expected if dirty.canaries[name] not in text} == set()


# exifread 3.5 reads no EXIF from a WebP written to the specification (it expects an
# "Exif\0\0" prefix in the EXIF chunk) nor from libheif's HEIC (it ignores the iloc base
# offset): a sanitiser must not take exifread's silence on those formats for cleanliness.
@pytest.mark.parametrize("fmt", ["jpeg", "png", "tiff"])
def test_exifread_reads_exif_and_gps(fmt):
    dirty = make_dirty(fmt, orientation=6)
    tags = exifread.process_file(io.BytesIO(dirty.data))
    assert str(tags["Image Artist"]) == dirty.canaries["exif.Artist"]
    assert str(tags["EXIF BodySerialNumber"]) == dirty.canaries["exif.BodySerialNumber"]
    assert str(tags["Image XPAuthor"]) == dirty.canaries["exif.XPAuthor"]
    method = bytes(tags["GPS GPSProcessingMethod"].values)
    assert dirty.canaries["gps.GPSProcessingMethod"].encode() in method
    assert tags["Image Orientation"].values == [6]
    assert "GPS GPSLatitude" in tags


def test_jpeg_thumbnail_is_another_picture_with_its_own_canary():
    dirty = make_dirty("jpeg")
    thumbnail = exifread.process_file(io.BytesIO(dirty.data))["JPEGThumbnail"]
    picture = _open(thumbnail)
    assert picture.size == (40, 30)
    assert picture.info["comment"] == dirty.canaries["thumbnail"].encode()


def _exif(image):
    return image.getexif()


PILLOW_FIELDS = [  # (variant, field, what Pillow reads there)
    ("jpeg", "exif.Artist", lambda im: _exif(im)[315]),
    ("jpeg", "exif.CameraOwnerName", lambda im: _exif(im).get_ifd(0x8769)[0xA430]),
    ("jpeg", "gps.GPSProcessingMethod", lambda im: _exif(im).get_ifd(0x8825)[0x1B]),
    ("jpeg", "comment", lambda im: im.info["comment"]),
    ("jpeg", "xmp.dc:creator", lambda im: im.info["xmp"]),
    ("jpeg", "iptc.By-line", lambda im: IptcImagePlugin.getiptcinfo(im)[2, 80]),
    ("jpeg", "app4", lambda im: dict(im.applist)["APP4"]),
    ("jpeg", "app11.c2pa", lambda im: dict(im.applist)["APP11"]),
    ("jpeg-wide", "icc.desc", lambda im: _icc_description(im.info["icc_profile"])),
    ("png", "exif.Artist", lambda im: _exif(im)[315]),
    ("png", "png.tEXt.Author", lambda im: im.text["Author"]),
    ("png", "png.zTXt.Comment", lambda im: im.text["Comment"]),
    ("png", "png.iTXt.Title", lambda im: im.text["Title"]),
    ("png", "png.iTXt.Description", lambda im: im.text["Description"]),
    ("png", "xmp.dc:creator", lambda im: im.text["XML:com.adobe.xmp"]),
    ("png", "png.prVt", lambda im: dict(im.private_chunks)[b"prVt"]),
    ("png-wide-alpha", "icc.desc", lambda im: _icc_description(im.info["icc_profile"])),
    ("webp", "exif.Artist", lambda im: _exif(im)[315]),
    ("webp", "xmp.dc:creator", lambda im: im.info["xmp"]),
    ("webp-lossy-wide", "icc.desc", lambda im: _icc_description(im.info["icc_profile"])),
    ("tiff", "exif.Artist", lambda im: im.tag_v2[315]),
    ("tiff", "tiff.DocumentName", lambda im: im.tag_v2[269]),
    ("tiff", "tiff.PageName.1", lambda im: im.tag_v2[285]),
    ("tiff", "xmp.dc:creator", lambda im: im.tag_v2[700]),
    ("tiff", "iptc.By-line", lambda im: IptcImagePlugin.getiptcinfo(im)[2, 80]),
    ("tiff", "8bim.iptc.City", lambda im: im.tag_v2[34377]),
    ("tiff", "exif.LensSerialNumber", lambda im: _exif(im).get_ifd(0x8769)[0xA435]),
    ("tiff", "gps.GPSAreaInformation", lambda im: _exif(im).get_ifd(0x8825)[0x1C]),
    ("tiff-pages-alpha", "icc.desc", lambda im: _icc_description(im.info["icc_profile"])),
    ("gif", "comment", lambda im: im.info["comment"]),
    ("heic", "exif.Artist", lambda im: _exif(im)[315]),
    ("heic", "gps.GPSProcessingMethod", lambda im: _exif(im).get_ifd(0x8825)[0x1B]),
    ("heic", "xmp.dc:creator", lambda im: im.info["xmp"]),
    ("heic-lossy-alpha-wide", "icc.desc", lambda im: _icc_description(im.info["icc_profile"])),
]


@pytest.mark.parametrize(("variant", "name", "read"), PILLOW_FIELDS, ids=[f"{v}-{n}" for v, n, _ in PILLOW_FIELDS])
def test_pillow_reads_the_field(variant, name, read):
    dirty = make_dirty(**VARIANTS[variant])
    assert dirty.canaries[name] in _text(read(_open(dirty.data)))


# --- orientation --------------------------------------------------------------------------


def test_upright_image_differs_in_every_orientation():
    for mode in ("RGB", "RGBA"):
        upright = upright_image(mode=mode)
        layouts = {(stored_image(upright, o).size, stored_image(upright, o).tobytes()) for o in range(1, 9)}
        assert len(layouts) == 8


def test_upright_rgba_has_a_transparent_region_and_opaque_rest():
    alpha = upright_image(mode="RGBA").getchannel("A")
    assert alpha.getextrema() == (0, 255)
    assert 0 < alpha.histogram()[0] < alpha.width * alpha.height // 4


def _stored(data: bytes) -> tuple[Image.Image, int]:
    """Return the pixels as stored, before any viewer turns them, and the orientation tag."""
    image = Image.open(io.BytesIO(data))
    orientation = image.getexif().get(274, 1)
    if image.format == "TIFF":  # Pillow turns TIFF pixels upright on loading: read the strip
        (offset,), (length,) = image.tag_v2[273], image.tag_v2[279]
        size = image.tag_v2[256], image.tag_v2[257]
        return Image.frombytes(image.mode, size, data[offset : offset + length]), orientation
    image.load()
    return image, orientation


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", [fmt for fmt in ORIENTATION_FORMATS if fmt != "heic"])
def test_stored_pixels_are_the_inverse_of_the_orientation(fmt, orientation):
    dirty = make_dirty(fmt, orientation)
    stored, tag = _stored(dirty.data)
    tolerance = 6 if fmt == "jpeg" else 0  # the WebP variant here is lossless
    assert tag == orientation
    assert _error(stored, stored_image(dirty.upright, orientation)) <= tolerance
    assert _error(ImageOps.exif_transpose(_open(dirty.data)), dirty.upright) <= tolerance


@pytest.mark.parametrize("orientation", range(1, 9))
def test_heic_orientation_is_written_as_irot_imir_and_shown_upright(orientation):
    dirty = make_dirty("heic", orientation)
    shown = _open(dirty.data)  # libheif applies irot/imir on decoding
    assert _error(shown, dirty.upright) <= 2
    assert shown.info.get("original_orientation") == (None if orientation == 1 else orientation)
    assert shown.getexif()[274] == 1  # so that exif_transpose does not turn it twice
    assert (b"irot" in dirty.data) == (orientation in (3, 5, 6, 7, 8))
    assert (b"imir" in dirty.data) == (orientation in (2, 4, 5, 7))


@pytest.mark.parametrize("variant", ["apng-alpha", "webp-alpha", "tiff-pages-alpha"])
def test_alpha_variants_keep_their_transparency(variant):
    dirty = make_dirty(**VARIANTS[variant])
    assert _error(ImageOps.exif_transpose(_open(dirty.data)), dirty.upright) == 0


def test_gif_with_alpha_marks_the_transparent_corner_transparent():
    dirty = make_dirty("gif", animated=True, alpha=True)
    assert _error(_open(dirty.data), dirty.upright) == 0


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("gif", {"orientation": 6}), ("pdf", {"orientation": 2}), ("jpeg", {"animated": True})]
    + [("jpeg", {"alpha": True}), ("heic", {"animated": True}), ("bmp", {})],
)
def test_impossible_combinations_are_refused(fmt, options):
    with pytest.raises(ValueError):
        make_dirty(fmt, **options)


# --- structure of each format -------------------------------------------------------------


def _jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    pos, segments = 2, []
    while data[pos + 1] != 0xDA:
        length = struct.unpack_from(">H", data, pos + 2)[0]
        segments.append((data[pos + 1], data[pos + 4 : pos + 2 + length]))
        pos += 2 + length
    return segments


def test_jpeg_carries_every_kind_of_segment():
    dirty = make_dirty("jpeg", wide_gamut=True)
    segments = _jpeg_segments(dirty.data)
    kinds = [(marker, payload[:12]) for marker, payload in segments]
    assert kinds[0] == (0xE1, b"Exif\0\0II*\0\x08\0")  # EXIF first, as cameras write it
    assert kinds[-1][:1] == (0xE1,) and kinds[-1][1].startswith(b"Exif")  # the late duplicate
    assert {0xE2, 0xE4, 0xEB, 0xED, 0xFE, 0xDB, 0xC0, 0xC4} <= {marker for marker, _ in kinds}
    photoshop = dict(segments)[0xED]
    assert photoshop.startswith(b"Photoshop 3.0\0") and b"8BIM\x04\x04" in photoshop
    assert b"8BIM\x04\x0c" in photoshop
    assert dirty.data.index(b"\xff\xd9") < dirty.data.index(dirty.canaries["trailer"].encode())


def test_jpeg_extended_xmp_is_announced_by_its_md5_guid():
    dirty = make_dirty("jpeg")
    payloads = [p for m, p in _jpeg_segments(dirty.data) if m == 0xE1]
    main = next(p for p in payloads if p.startswith(b"http://ns.adobe.com/xap/1.0/\0"))
    extension = next(p for p in payloads if p.startswith(b"http://ns.adobe.com/xmp/extension/\0"))
    guid, (length, offset) = extension[35:67], struct.unpack(">II", extension[67:75])
    packet = extension[75:]
    assert (length, offset) == (len(packet), 0)
    assert guid == hashlib.md5(packet, usedforsecurity=False).hexdigest().upper().encode()
    assert b'xmpNote:HasExtendedXMP="' + guid + b'"' in main


def test_png_chunks_have_valid_crcs_and_data_follows_iend():
    data = make_dirty("png", animated=True).data
    pos, kinds = 8, []
    while True:
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8 : pos + 8 + length]
        assert struct.unpack_from(">I", data, pos + 8 + length)[0] == zlib.crc32(kind + body)
        kinds.append(kind)
        pos += 12 + length
        if kind == b"IEND":
            break
    assert {b"iCCP", b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"prVt", b"acTL"} <= set(kinds)
    assert kinds.index(b"eXIf") < kinds.index(b"IDAT")  # where Pillow reads it before decoding
    assert data[pos:].startswith(b"WA-TRAILER ")
    itxt_flags = [body.split(b"\0", 1)[1][0] for kind, body in png_chunks(data) if kind == b"iTXt"]
    assert set(itxt_flags) == {0, 1}  # compressed and uncompressed


@pytest.mark.parametrize("variant", ["webp", "webp-alpha", "webp-animated-alpha", "webp-lossy-wide"])
def test_webp_vp8x_flags_match_the_chunks(variant):
    data = make_dirty(**VARIANTS[variant]).data
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    chunks = riff_chunks(data)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"VP8X" and b"WAMD" in kinds
    flags = chunks[0][1][0]
    assert bool(flags & 0x20) == (b"ICCP" in kinds)
    assert bool(flags & 0x08) == (b"EXIF" in kinds) is True
    assert bool(flags & 0x04) == (b"XMP " in kinds) is True
    assert bool(flags & 0x02) == (b"ANIM" in kinds)
    assert bool(flags & 0x10) == VARIANTS[variant].get("alpha", False)


def test_gif_carries_xmp_application_plain_text_and_loop_extensions():
    dirty = make_dirty("gif", animated=True)
    data = dirty.data
    xmp = data.index(b"!\xff\x0bXMP DataXMP")
    magic = bytes([1, *range(255, -1, -1), 0])
    assert data.index(magic, xmp) > data.index(dirty.canaries["xmp.dc:creator"].encode(), xmp)
    assert b"!\xff\x0bMGK8BIM0000" in data and b"!\xff\x0bNETSCAPE2.0\x03\x01" in data
    assert b"!\x01\x0c" in data and b"!\xfe" in data
    assert data.endswith(b";WA-TRAILER " + dirty.canaries["trailer"].encode())


def test_tiff_pages_each_carry_a_page_name():
    dirty = make_dirty("tiff", animated=True)
    image = Image.open(io.BytesIO(dirty.data))
    for index in range(3):
        image.seek(index)
        assert image.tag_v2[285] == dirty.canaries[f"tiff.PageName.{index + 1}"]


def test_pdf_carries_info_xmp_image_thumb_annotation_attachment_and_javascript():
    dirty = make_dirty("pdf")
    c = dirty.canaries
    with pikepdf.open(io.BytesIO(dirty.data)) as pdf:
        assert str(pdf.docinfo["/Author"]) == c["pdf.Author"]
        assert str(pdf.docinfo["/CreationDate"]) == c["pdf.CreationDate"]
        assert c["xmp.dc:creator"].encode() in pdf.Root.Metadata.read_bytes()
        page = pdf.pages[0]
        image = page.Resources.XObject.Im0
        assert image.Filter == pikepdf.Name.DCTDecode
        photo = exifread.process_file(io.BytesIO(image.read_raw_bytes()))
        assert str(photo["Image Artist"]) == c["image.exif.Artist"]
        assert c["image.gps.GPSProcessingMethod"].encode() in bytes(photo["GPS GPSProcessingMethod"].values)
        assert c["image.xmp.dc:creator"].encode() in image.Metadata.read_bytes()
        assert _open(page.Thumb.read_raw_bytes()).info["comment"] == c["pdf.Thumb"].encode()
        note = page.Annots[0]
        assert (str(note.T), str(note.Contents)) == (c["pdf.annot.T"], c["pdf.annot.Contents"])
        ((name, attachment),) = pdf.attachments.items()
        assert name.startswith(c["pdf.attachment.name"])
        assert c["pdf.attachment"].encode() in attachment.get_file().read_bytes()
        assert pdf.Root.OpenAction.S == "/JavaScript"
        assert c["pdf.JavaScript"] in str(pdf.Root.OpenAction.JS)
        assert b"(Summons) Tj" in page.Contents.read_bytes()


# --- hostile inputs -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile():
    return make_hostile()


def test_hostile_set_names_every_case(hostile):
    expected = {"empty", "html-as-jpg", "svg", "js", "zip", "png-bomb", "gif-bomb"}
    expected |= {f"truncated-{fmt}" for fmt in ("jpeg", "png", "gif", "webp", "pdf")}
    expected |= {"jpeg-html-polyglot", "gifar-polyglot", "pdf-with-js-only-header"}
    assert expected <= set(hostile)
    assert hostile["empty"] == b""


@pytest.mark.parametrize(
    ("name", "magic"),
    [("truncated-jpeg", b"\xff\xd8"), ("truncated-png", b"\x89PNG"), ("truncated-gif", b"GIF89a")]
    + [("truncated-webp", b"RIFF"), ("truncated-pdf", b"%PDF-")],
)
def test_truncated_files_start_right_and_cannot_be_fully_read(hostile, name, magic):
    data = hostile[name]
    assert data.startswith(magic)
    if name == "truncated-pdf":
        assert b"%%EOF" not in data
        return
    with pytest.raises((OSError, SyntaxError, EOFError)):
        image = Image.open(io.BytesIO(data))
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            image.load()


@pytest.mark.parametrize("name", ["html-as-jpg", "svg", "jpeg-html-polyglot"])
def test_script_carriers_carry_a_script(hostile, name):
    assert b"<script>" in hostile[name]


def test_jpeg_polyglot_is_a_valid_jpeg_with_html_after_its_end(hostile):
    data = hostile["jpeg-html-polyglot"]
    _open(data)
    assert b"<script>" in data[data.rindex(b"\xff\xd9") :]


def test_gifar_is_a_gif_whose_bytes_read_as_javascript(hostile):
    data = hostile["gifar-polyglot"]
    assert data.startswith(b"GIF89a/*") and data.endswith(b";*/")
    assert _open(data).size == (0x2A2F, 1)  # the width is "/*"
    assert b"*/=alert(document.domain);/*" in data


def test_zip_is_a_real_archive(hostile):
    with zipfile.ZipFile(io.BytesIO(hostile["zip"])) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 2


def test_pdf_header_then_garbage_does_not_open(hostile):
    data = hostile["pdf-with-js-only-header"]
    assert data.startswith(b"%PDF-")
    with pytest.raises(pikepdf.PdfError):
        pikepdf.open(io.BytesIO(data))


@pytest.mark.parametrize("name", ["png-bomb", "gif-bomb"])
def test_bombs_are_small_files_claiming_huge_pictures(hostile, name):
    assert len(hostile[name]) < 1_000_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(hostile[name]))


def test_png_bomb_inflates_to_its_claimed_size(hostile):
    (_, header), (_, stream), _ = png_chunks(hostile["png-bomb"])
    width, height, depth = struct.unpack(">IIB", header[:9])
    assert (width, height, depth) == (60000, 60000, 1)
    inflater, total, chunk = zlib.decompressobj(), 0, stream
    while chunk:
        total += len(inflater.decompress(chunk, 1 << 24))
        chunk = inflater.unconsumed_tail
    assert inflater.eof
    assert total == height * (1 + width // 8)  # eof reached: the Adler-32 checked out


def test_a_truncated_jpeg_is_refused_even_if_pillow_was_relaxed(hostile, monkeypatch):
    """WeasyPrint sets LOAD_TRUNCATED_IMAGES process-wide on import; decoding puts it back."""
    from PIL import ImageFile

    from archive.errors import MediaRefused
    from archive.media.raster import Limits, decode, open_checked

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(MediaRefused):
        decode(open_checked(hostile["truncated-jpeg"], Limits()))
