"""PDFs cleaned in full (issue 19): photos whatever their filter chain, the file identifier,
producer keys, link targets, bookmarks, page labels, unknown entries, the structure tree; and a
verifier that walks every object itself.

Each PDF is built here with pikepdf, a canary in every place; the cleaned file's streams are all
decoded and searched, not only its raw bytes.
"""

from __future__ import annotations

import io
import struct
import zlib

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from PIL import Image

from archive.media import sanitise
from archive.media.pdf import verify

GPS_MAKE = "CANARY-MAKE-7731"
SERIAL = "CANARY-SERIAL-5521"
HOME = "/home/ruslan.magomedov/statements/CANARY-PTEX.tex"
MAILTO = "mailto:ruslan.CANARY@mail.ru"
BOOKMARK = "Свидетель CANARY-Руслан Магомедов"
LABEL = "CANARY-LABEL-"
ALT = "Photo of CANARY-ALT Ruslan at home"
ORIGINAL_ID = b"CANARYID0123456"


def _photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = GPS_MAKE
    details = exif.get_ifd(0x8769)
    details[0xA431] = SERIAL
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (43.0, 19.0, 12.5)
    gps[3], gps[4] = "E", (45.0, 41.0, 33.0)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def _image(pdf: pikepdf.Pdf, filters) -> pikepdf.Stream:
    photo = _photo()
    data = photo if filters in (Name.DCTDecode, [Name.DCTDecode]) else zlib.compress(photo)
    stream = pikepdf.Stream(pdf, data)
    stream.Type, stream.Subtype = Name.XObject, Name.Image
    stream.Width, stream.Height, stream.BitsPerComponent = 64, 48, 8
    stream.ColorSpace = Name.DeviceRGB
    stream.Filter = Array(filters) if isinstance(filters, list) else filters
    return stream


def _dirty_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    plain = _image(pdf, Name.DCTDecode)
    in_array = _image(pdf, [Name.DCTDecode])
    chained = _image(pdf, [Name.FlateDecode, Name.DCTDecode])
    form = pikepdf.Stream(pdf, b"q 64 0 0 48 0 0 cm /Inner Do Q")
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, [0, 0, 64, 48]
    form.Resources = Dictionary(XObject=Dictionary(Inner=_image(pdf, [Name.FlateDecode, Name.DCTDecode])))
    form[Name("/PTEX.FileName")] = String(HOME)
    form[Name("/PTEX.InfoDict")] = pdf.make_indirect(Dictionary(Author=String("CANARY-PTEX-AUTHOR")))
    page.Resources = Dictionary(XObject=Dictionary(A=plain, B=in_array, C=chained, F=form))
    page.Contents = pikepdf.Stream(pdf, b"q 64 0 0 48 0 0 cm /A Do /B Do /C Do /F Do Q")
    appearance = pikepdf.Stream(pdf, b"q 10 0 0 10 0 0 cm /P Do Q")
    appearance.Type, appearance.Subtype, appearance.BBox = Name.XObject, Name.Form, [0, 0, 10, 10]
    appearance.Resources = Dictionary(XObject=Dictionary(P=_image(pdf, [Name.DCTDecode])))
    link = Dictionary(
        Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 50, 50],
        A=Dictionary(S=Name.URI, URI=String(MAILTO)),
    )  # fmt: skip
    stamp = Dictionary(Type=Name.Annot, Subtype=Name.Stamp, Rect=[50, 50, 60, 60], AP=Dictionary(N=appearance))
    page.obj.Annots = pdf.make_indirect(Array([pdf.make_indirect(link), pdf.make_indirect(stamp)]))
    page.obj[Name("/CANARYPageKey")] = String("CANARY-PAGE-VALUE")
    outline_item = pdf.make_indirect(Dictionary(Title=String(BOOKMARK), Dest=Array([page.obj, Name.Fit])))
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, First=outline_item, Last=outline_item, Count=1))
    outline_item.Parent = outlines
    pdf.Root.Outlines = outlines
    pdf.Root.PageLabels = Dictionary(Nums=Array([0, Dictionary(S=Name.D, P=String(LABEL))]))
    pdf.Root[Name("/CANARYCatalogKey")] = String("CANARY-CATALOG-VALUE")
    element = Dictionary(Type=Name.StructElem, S=Name.Figure, Alt=String(ALT))
    pdf.Root.StructTreeRoot = Dictionary(Type=Name.StructTreeRoot, K=pdf.make_indirect(element))
    pdf.trailer.ID = Array([String(ORIGINAL_ID), String(ORIGINAL_ID)])
    out = io.BytesIO()
    pdf.save(out, static_id=True)
    return out.getvalue()


def _everything(data: bytes) -> bytes:
    """The file's bytes and every stream decoded (as far as general filters go)."""
    parts = [data]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                filters = obj.get("/Filter")
                filters = list(filters) if isinstance(filters, Array) else [filters]
                if filters == [Name.FlateDecode, Name.DCTDecode]:  # (qpdf will not stop before DCT)
                    parts.append(zlib.decompress(obj.read_raw_bytes()))
                elif filters[-1] == Name.DCTDecode:
                    parts.append(obj.read_raw_bytes())
                else:
                    parts.append(obj.read_bytes(decode_level=pikepdf.StreamDecodeLevel.generalized))
        parts.append(bytes(pdf.trailer.get("/ID", Array())[0]) if "/ID" in pdf.trailer else b"")
    return b"\n".join(parts)


@pytest.fixture(scope="module")
def cleaned():
    dirty = _dirty_pdf()
    haystack = _everything(dirty)
    for canary in (GPS_MAKE, SERIAL, HOME, MAILTO, LABEL, "CANARY-CATALOG-VALUE", "CANARY-PAGE-VALUE"):
        assert canary.encode() in haystack, canary  # planted where a reader would find it
    assert ORIGINAL_ID in haystack
    return sanitise(dirty)


@pytest.mark.parametrize(
    "canary",
    [GPS_MAKE, SERIAL, HOME, "CANARY-PTEX-AUTHOR", MAILTO, "CANARY", LABEL, "CANARY-CATALOG-VALUE"],
)
def test_nothing_planted_survives_in_any_stream_or_entry(cleaned, canary):
    assert canary.encode() not in _everything(cleaned.data)


def test_the_file_identifier_is_new_and_pages_images_and_links_remain(cleaned):
    with pikepdf.open(io.BytesIO(cleaned.data)) as pdf:
        assert bytes(pdf.trailer.ID[0]) != ORIGINAL_ID
        assert len(pdf.pages) == 1
        images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        assert len(images) == 5  # every photo kept, as a plain JPEG
        for image in images:
            assert image.Filter == Name.DCTDecode
            Image.open(io.BytesIO(image.read_raw_bytes())).load()
        for key in ("/Outlines", "/PageLabels", "/StructTreeRoot", "/CANARYCatalogKey"):
            assert key not in pdf.Root
        assert "/CANARYPageKey" not in pdf.pages[0].obj
    names = {finding.field for finding in cleaned.report.findings}
    assert "PDF file identifier (matches the original)" in names
    assert any("URI action" in n for n in names) and any("PTEX" in n for n in names)
    assert any("GPS" in n or "EXIF" in n for n in names), names


def test_the_verifier_walks_every_object_itself(cleaned):
    assert verify(cleaned.data)
    with pikepdf.open(io.BytesIO(cleaned.data)) as pdf:
        form = next(o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Form")
        form[Name("/PTEX.FileName")] = String(HOME)
        out = io.BytesIO()
        pdf.save(out)
    assert not verify(out.getvalue())
    # an image with EXIF behind a filter chain is caught, wherever it hangs
    pdf = pikepdf.open(io.BytesIO(cleaned.data))
    pdf.pages[0].Resources.XObject.Z = _image(pdf, [Name.FlateDecode, Name.DCTDecode])
    out = io.BytesIO()
    pdf.save(out)
    assert not verify(out.getvalue())


_BOMB = """
import io, sys, zlib
import pikepdf
from pikepdf import Dictionary, Name
from archive.errors import MediaRefused
from archive.media import sanitise

pdf = pikepdf.new()
pdf.add_blank_page()
inflater, chunk = zlib.compressobj(9), bytes(1 << 20)
stream = pikepdf.Stream(pdf, b"".join([inflater.compress(chunk) for _ in range(1024)] + [inflater.flush()]))
stream.Filter = Name.FlateDecode
if sys.argv[1] == "content":
    pdf.pages[0].Contents = stream
else:
    stream.N = 3
    pdf.pages[0].Resources = Dictionary(ColorSpace=Dictionary(CS0=pikepdf.Array([Name.ICCBased, stream])))
out = io.BytesIO()
pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
data = out.getvalue()
assert len(data) < 2_000_000
try:
    sanitise(data)
    print("accepted")
except MediaRefused as refused:
    print("refused:", refused)
# this process's own peak (VmHWM; ru_maxrss would carry the test worker's over from before exec)
status = open("/proc/self/status").read()
print(int(status.split("VmHWM:")[1].split()[0]) // 1024)
"""


@pytest.mark.slow
@pytest.mark.parametrize("where", ["content", "icc"])
def test_a_one_megabyte_pdf_holding_a_gibibyte_stream_is_refused_within_300_mb(where):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _BOMB, where], capture_output=True, text=True, check=True, timeout=300)
    verdict, peak_mb = done.stdout.strip().splitlines()
    assert verdict.startswith("refused:") and "decompression bomb" in verdict, verdict
    assert int(peak_mb) < 300, peak_mb


def test_a_photo_with_more_pixels_than_allowed_is_refused_before_decoding():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    image = _image(pdf, Name.DCTDecode)
    image.Width, image.Height = 40_000, 40_000
    pdf.pages[0].Resources = Dictionary(XObject=Dictionary(I=image))
    pdf.pages[0].Contents = pikepdf.Stream(pdf, b"/I Do")
    out = io.BytesIO()
    pdf.save(out)
    from archive.errors import MediaRefused

    with pytest.raises(MediaRefused, match="pixels"):
        sanitise(out.getvalue())


def test_a_photo_written_inline_in_a_page_s_content_is_cleaned_too():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    photo = _photo()
    pdf.pages[0].Contents = pikepdf.Stream(
        pdf, b"q 64 0 0 48 0 0 cm BI /W 64 /H 48 /CS /RGB /BPC 8 /F /DCT ID " + photo + b" EI Q"
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    assert SERIAL.encode() in out.getvalue()
    cleaned = sanitise(out.getvalue())
    assert SERIAL.encode() not in _everything(cleaned.data) and GPS_MAKE.encode() not in _everything(cleaned.data)
    with pikepdf.open(io.BytesIO(cleaned.data)) as result:
        images = [o for o in result.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        assert len(images) == 1
        Image.open(io.BytesIO(images[0].read_raw_bytes())).load()
    assert not verify(out.getvalue())  # the verifier finds an inline image by itself


def _jp2(comment: str, xml: bytes = b"", bare: bool = False) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(buffer, "JPEG2000", comment=comment, no_jp2=bare)
    data = buffer.getvalue()
    if xml and not bare:
        box = struct.pack(">I4s", len(xml) + 8, b"xml ") + xml
        uuid = struct.pack(">I4s", 16 + 8 + len(SERIAL), b"uuid") + b"\x00" * 16 + SERIAL.encode()
        data += box + uuid
    return data


@pytest.mark.parametrize("bare", [False, True])
def test_a_jpeg_2000_picture_loses_its_boxes_and_comments(bare):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    picture = _jp2("CANARY-J2K-COMMENT", b"<x:xmpmeta>CANARY-J2K-XMP</x:xmpmeta>", bare)
    image = pikepdf.Stream(pdf, picture)
    image.Type, image.Subtype, image.Width, image.Height = Name.XObject, Name.Image, 64, 48
    image.Filter = Name.JPXDecode
    pdf.pages[0].Resources = Dictionary(XObject=Dictionary(J=image))
    pdf.pages[0].Contents = pikepdf.Stream(pdf, b"q 64 0 0 48 0 0 cm /J Do Q")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    assert b"CANARY-J2K-COMMENT" in out.getvalue()
    assert not verify(out.getvalue())
    cleaned = sanitise(out.getvalue())
    everything = cleaned.data
    with pikepdf.open(io.BytesIO(cleaned.data)) as result:
        (kept,) = [o for o in result.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        everything += kept.read_raw_bytes()
        assert Image.open(io.BytesIO(kept.read_raw_bytes())).convert("RGB").getpixel((5, 5)) == (40, 90, 160)
    for canary in (b"CANARY-J2K", SERIAL.encode()):
        assert canary not in everything
    assert verify(cleaned.data)


def _segment(number: int, kind: int, data: bytes) -> bytes:
    """A JBIG2 segment as a PDF embeds it: number, type, no referred segments, page 1, length."""
    return struct.pack(">IBBBI", number, kind, 0, 1, len(data)) + data


def _jbig2(comment: str) -> tuple[bytes, bytes, bytes]:
    """(an 8 × 8 white page as JBIG2 with a comment extension between its page information
    and its picture, those two without it, globals holding another comment)."""
    page = _segment(0, 48, struct.pack(">IIIIBH", 8, 8, 0, 0, 0, 0))
    region = struct.pack(">IIIIB", 8, 8, 0, 0, 0) + b"\x01" + b"\xff\x00\x10\x01"  # MMR: 8 white rows, EOFB
    extension = struct.pack(">I", 0x20000000) + f"Operator\0{comment}\0\0".encode()
    picture = _segment(2, 39, region)
    shared = _segment(3, 62, extension.replace(b"Operator", b"Scanner"))
    return page + _segment(1, 62, extension) + picture, page + picture, shared


def test_a_jbig2_scan_loses_its_comments_and_keeps_its_picture_segments():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    image_data, expected, globals_data = _jbig2("CANARY-JBIG2-Ruslan Magomedov")
    shared = pikepdf.Stream(pdf, zlib.compress(globals_data))
    shared.Filter = Name.FlateDecode
    image = pikepdf.Stream(pdf, image_data)
    image.Type, image.Subtype, image.Width, image.Height = Name.XObject, Name.Image, 8, 8
    image.BitsPerComponent, image.ColorSpace = 1, Name.DeviceGray
    image.Filter, image.DecodeParms = Name.JBIG2Decode, Dictionary(JBIG2Globals=shared)
    pdf.pages[0].Resources = Dictionary(XObject=Dictionary(S=image))
    pdf.pages[0].Contents = pikepdf.Stream(pdf, b"q 8 0 0 8 0 0 cm /S Do Q")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    assert not verify(out.getvalue())
    cleaned = sanitise(out.getvalue())
    assert any("JBIG2 extension" in f.field for f in cleaned.report.findings)
    with pikepdf.open(io.BytesIO(cleaned.data)) as result:
        streams = [o for o in result.objects if isinstance(o, pikepdf.Stream)]
        plain = [s.read_bytes() for s in streams if "/JBIG2" not in str(s.get("/Filter"))]
        decoded = b"".join([s.read_raw_bytes() for s in streams] + plain)
        (kept,) = [s for s in streams if s.get("/Subtype") == "/Image"]
        assert kept.read_raw_bytes() == expected  # the picture's segments byte for byte
    assert b"CANARY-JBIG2" not in decoded and b"CANARY-JBIG2" not in cleaned.data
    assert verify(cleaned.data)


def test_a_jbig2_segment_of_open_length_is_refused():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    open_ended = struct.pack(">IBBBI", 0, 38, 0, 1, 0xFFFFFFFF) + b"\x00" * 40
    image = pikepdf.Stream(pdf, open_ended)
    image.Type, image.Subtype, image.Width, image.Height = Name.XObject, Name.Image, 8, 8
    image.BitsPerComponent, image.ColorSpace, image.Filter = 1, Name.DeviceGray, Name.JBIG2Decode
    pdf.pages[0].Resources = Dictionary(XObject=Dictionary(S=image))
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(Exception, match="JBIG2 image the archive cannot clean"):
        sanitise(out.getvalue())


def test_a_resource_named_like_an_action_key_does_not_refuse_the_file():
    """/S names an action's type, but a page may call its image /S too (it made the cleaner
    and the verifier fail on an ordinary PDF)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Resources = Dictionary(XObject=Dictionary(S=_image(pdf, Name.DCTDecode)))
    pdf.pages[0].Contents = pikepdf.Stream(pdf, b"q 64 0 0 48 0 0 cm /S Do Q")
    out = io.BytesIO()
    pdf.save(out)
    cleaned = sanitise(out.getvalue())
    assert SERIAL.encode() not in cleaned.data and verify(cleaned.data)
