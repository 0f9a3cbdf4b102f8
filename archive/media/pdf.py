"""PDF: remove document information, XMP, scripts, attachments, thumbnails and annotation
authors; clean the JPEG images inside; keep the pages as they are.

Threat: a summons or statement whose PDF names its author, the software and computer that
made it, when, and carries the original as an attachment, a thumbnail of an earlier version, or
a photo with GPS inside. pikepdf (qpdf) rewrites only the objects still reachable, so what is
unlinked here is gone from the output.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib

import pikepdf
from pikepdf import Dictionary, Name, Stream

from archive.errors import MediaRefused
from archive.media import icc, jbig2, jpeg, jpx
from archive.media.inspect import Found, inspect_text, inspect_xmp
from archive.media.raster import Limits
from archive.media.report import Report

MAX_PAGES = 5_000
_CATALOG_KEYS = ("/Metadata", "/OpenAction", "/AA", "/PieceInfo", "/SpiderInfo", "/Threads",
                 "/URI", "/Legal", "/Perms", "/AF")  # fmt: skip
# /AF (associated files) and /EF (a file specification's embedded files) carry attachments
_OBJECT_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/AA", "/Thumb", "/JS", "/AF", "/EF")
_ANNOT_KEYS = ("/T", "/M", "/CreationDate", "/NM", "/RC", "/Popup", "/Subj")
# What a catalog and a page keep (the rest, unknown keys included, is dropped): the page tree,
# how to show it, forms, layers, destinations within the document, colour intents.
_CATALOG_KEEP = {"/Type", "/Pages", "/PageLayout", "/PageMode", "/ViewerPreferences", "/Names", "/Dests",
                 "/AcroForm", "/OCProperties", "/Version", "/Extensions", "/OutputIntents", "/MarkInfo",
                 "/Lang", "/NeedsRendering", "/Collection"}  # fmt: skip
_PAGE_KEEP = {"/Type", "/Parent", "/Resources", "/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox",
              "/BoxColorInfo", "/Contents", "/Rotate", "/Group", "/Annots", "/UserUnit", "/Tabs", "/VP",
              "/Dur", "/Trans"}  # fmt: skip
# Keys producers add for themselves: pdfTeX's /PTEX.FileName (a home folder's path) and
# /PTEX.InfoDict (the included PDF's author and dates), and other /PTEX. entries
_PRIVATE_PREFIXES = ("/PTEX.", "/PTEX_")
# Actions that point outside the document: their targets (a mailto: address, a file path, a
# web address naming someone) go with them
_TARGET_ACTIONS = {"/URI", "/Launch", "/GoToR", "/GoToE", "/ImportData", "/SubmitForm", "/Rendition", "/Sound",
                   "/Movie", "/Thread"}  # fmt: skip
_ACTION_TARGETS = ("/URI", "/F", "/Win", "/Mac", "/Unix", "/D", "/JS", "/Fields", "/Flags", "/R", "/AN", "/OP",
                   "/T", "/Sound", "/Movie", "/Next", "/Base")  # fmt: skip
_DROP_ANNOTS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/Popup", "/Text"}


def strip(data: bytes, report: Report, found: Found, limits: Limits | None = None) -> bytes:
    """Return the cleaned PDF; add what was found to the report."""
    limits = limits or Limits()
    try:
        # No recovery: a damaged file repaired silently could lose pages without anyone knowing.
        pdf = pikepdf.open(io.BytesIO(data), attempt_recovery=False)
    except pikepdf.PasswordError as exc:
        raise MediaRefused("is a password-protected PDF; remove the password first") from exc
    except pikepdf.PdfError as exc:
        raise MediaRefused("is a truncated or corrupt PDF") from exc
    with pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise MediaRefused(f"has more than {MAX_PAGES} pages")
        _refuse_bombs(pdf, limits)
        inspect_xmp(data, report, found)
        _document_info(pdf, report, found)
        _catalog(pdf, report, found)
        for page in pdf.pages:
            # inline images (in the content stream itself) become image objects, cleaned below
            page.externalize_inline_images(min_size=0)
            _page(page.obj, report, found)
        if "/ID" in pdf.trailer:  # the original's permanent identifier: a new one is made
            report.add("PDF file identifier (matches the original)", "device")
            del pdf.trailer["/ID"]
        for obj in pdf.objects:
            if isinstance(obj, Dictionary | Stream):
                for inner in _nested(obj):
                    _object(inner, report)
        out = io.BytesIO()
        pdf.remove_unreferenced_resources()
        pdf.save(
            out,
            deterministic_id=True,
            fix_metadata_version=False,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,  # every object written anew
            # streams are copied as they are, not inflated and compressed again in memory
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
        )
    return out.getvalue()


_LZW_RATIO = 1400  # LZW's output grows with the square of its codes: about 1,365 to one at most


def _refuse_bombs(pdf: pikepdf.Pdf, limits: Limits) -> None:
    """Refuse a file with a stream that inflates past `limits.max_inflated`, or an image with
    more pixels than `limits.max_pixels`, before anything decodes them: each stream is inflated
    a megabyte at a time and the output counted, never kept."""
    for obj in pdf.objects:
        if not isinstance(obj, Stream):
            continue
        if obj.get("/Subtype") == "/Image":
            width, height = int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
            if width * height > limits.max_pixels:
                raise MediaRefused(
                    f"holds a {width} × {height} image; the limit is {limits.max_pixels:,} pixels "
                    "(a decompression bomb, or a scan too large to process)"
                )
        filters = _filters(obj)
        limit = limits.max_inflated
        if filters and filters[0] in ("/FlateDecode", "/Fl"):
            _inflated_size(obj.read_raw_bytes(), limit)
        elif filters and filters[0] in ("/LZWDecode", "/LZW") and len(obj.read_raw_bytes()) * _LZW_RATIO > limit:
            # no bounded LZW decoder here: a stream that could inflate past the limit is refused
            raise MediaRefused("holds an LZW stream that could inflate past the limit; save it without LZW")


def _inflated_size(raw: bytes, limit: int) -> int:
    inflater = zlib.decompressobj()
    total, pending = 0, raw
    try:
        while pending:
            total += len(inflater.decompress(pending, 1 << 20))
            pending = inflater.unconsumed_tail
            if total > limit:
                raise MediaRefused(
                    f"holds a compressed stream that inflates past {limit:,} bytes (a decompression bomb); refused"
                )
            if inflater.eof:
                break
    except zlib.error as exc:
        raise MediaRefused("holds a compressed stream that is corrupt") from exc
    return total


def _nested(obj: Dictionary | Stream, depth: int = 0):
    """The object and the dictionaries written directly inside it (an annotation's action, a
    form's resources), to any depth up to 32; indirect objects are visited on their own."""
    yield obj
    if depth >= 32:
        return
    for value in obj.values():
        inner = value if isinstance(value, pikepdf.Array) and not value.is_indirect else [value]
        for item in inner:
            if isinstance(item, Dictionary) and not item.is_indirect:
                yield from _nested(item, depth + 1)


def verify(data: bytes) -> bool:
    """Check a cleaned PDF object by object, walking every object of the file (not the page
    tree the cleaner walked): no metadata, scripts, attachments, producer keys, actions that
    point outside, unknown catalog or page entries, or EXIF in an image, whatever its filters."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer:
            return False
        every = (inner for obj in pdf.objects if isinstance(obj, Dictionary | Stream) for inner in _nested(obj))
        for obj in every:
            keys = set(obj.keys())
            if keys & {
                "/Metadata",
                "/JS",
                "/JavaScript",
                "/EmbeddedFiles",
                "/EmbeddedFile",
                "/PieceInfo",
                "/Thumb",
                "/AF",
                "/EF",
            }:
                return False
            if obj.get("/Type") == "/EmbeddedFile":
                return False
            if any(key.startswith(_PRIVATE_PREFIXES) for key in keys):
                return False
            if _action(obj) in _TARGET_ACTIONS or _action(obj) == "/JavaScript":
                return False
            kind = obj.get("/Type")
            if (kind == "/Catalog" and not keys <= _CATALOG_KEEP) or (kind == "/Page" and not keys <= _PAGE_KEEP):
                return False
            is_jpeg = isinstance(obj, Stream) and _is_jpeg_image(obj)
            if is_jpeg and not jpeg.allowed_segments_only(_filtered(obj)):
                return False
            if isinstance(obj, Stream) and _is_jpx_image(obj) and not jpx.clean(_filtered(obj)):
                return False
            if isinstance(obj, Stream) and _is_jbig2_image(obj) and not _jbig2_clean(obj):
                return False
        if any(_inline_images(page) for page in pdf.pages) or any(
            _inline_images(obj) for obj in pdf.objects if isinstance(obj, Stream) and obj.get("/Subtype") == "/Form"
        ):
            return False
    return True


def _inline_images(holder) -> bool:
    """Whether a page's or a form's content still draws an image written inline."""
    return any(
        isinstance(instruction, pikepdf.ContentStreamInlineImage)
        for instruction in pikepdf.parse_content_stream(holder)
    )


def _document_info(pdf: pikepdf.Pdf, report: Report, found: Found) -> None:
    info = pdf.trailer.get("/Info")
    if info is not None:
        fields = {}
        for key, value in info.items():
            fields[key[1:]] = str(value)
        inspect_text(fields, "PDF", report, found)
        del pdf.trailer["/Info"]


def _catalog(pdf: pikepdf.Pdf, report: Report, found: Found) -> None:
    root = pdf.Root
    outline_titles(root.get("/Outlines"), found)
    for key in list(root.keys()):
        if key not in _CATALOG_KEEP and key not in _CATALOG_KEYS:
            report.add(
                {
                    "/Outlines": "PDF bookmarks (outline titles)",
                    "/PageLabels": "PDF page labels",
                    "/StructTreeRoot": "PDF structure tree (alternate text, titles)",
                }.get(key, f"PDF catalog entry {key[1:]}"),
                "free_text",
            )
            del root[key]
    for key in _CATALOG_KEYS:
        if key in root:
            report.add(
                {
                    "/Metadata": "PDF XMP metadata",
                    "/OpenAction": "PDF open action (script)",
                    "/AA": "PDF automatic actions",
                    "/AF": "PDF attachment",
                }.get(key, f"PDF {key[1:]}")
            )
            del root[key]
    names = root.get("/Names")
    if names is not None:
        for key, label in (("/JavaScript", "PDF JavaScript"), ("/EmbeddedFiles", "PDF attachment")):
            if key in names:
                report.add(label, "other")
                del names[key]
    form = root.get("/AcroForm")
    if form is not None and "/XFA" in form:
        report.add("PDF XFA form data", "other")
        del form["/XFA"]


def _page(page: Dictionary, report: Report, found: Found) -> None:
    if "/Thumb" in page:
        report.add("PDF page thumbnail", "thumbnail")
        del page["/Thumb"]
    for key in list(page.keys()):
        if key not in _PAGE_KEEP:
            report.add(f"PDF page entry {key[1:]}")
            del page[key]
    annots = page.get("/Annots")
    if annots is None:
        return
    kept = pikepdf.Array()
    for annot in annots:
        if not isinstance(annot, Dictionary):
            continue
        for key in ("/T", "/Contents"):
            if key in annot:
                found.add(str(annot[key]))
        if annot.get("/Subtype") in _DROP_ANNOTS:
            report.add(f"PDF {str(annot.get('/Subtype'))[1:]} annotation", "free_text")
            continue
        for key in _ANNOT_KEYS:
            if key in annot:
                report.add("PDF annotation author" if key == "/T" else f"PDF annotation {key[1:]}")
                del annot[key]
        kept.append(annot)
    page[Name.Annots] = kept


def _object(obj: Dictionary | Stream, report: Report) -> None:
    for key in _OBJECT_KEYS:
        if key in obj:
            report.add(
                {
                    "/Metadata": "PDF XMP metadata",
                    "/Thumb": "PDF thumbnail",
                    "/JS": "PDF JavaScript",
                    "/AF": "PDF attachment",
                    "/EF": "PDF attachment",
                }.get(key, f"PDF {key[1:]}")
            )
            del obj[key]
    for key in list(obj.keys()):
        if key.startswith(_PRIVATE_PREFIXES):  # pdfTeX's file name and info of an included PDF
            report.add(f"PDF producer entry {key[1:]}", "device")
            del obj[key]
    action = _action(obj)
    if action == "/JavaScript" or action in _TARGET_ACTIONS:
        for key in _ACTION_TARGETS:
            if key in obj:
                del obj[key]
        report.add("PDF JavaScript" if action == "/JavaScript" else f"PDF {str(action)[1:]} action and its target")
        obj[Name.S] = Name.Named  # a harmless action in its place
        obj[Name.N] = Name.NextPage
    if isinstance(obj, Stream) and "/N" in obj and "/Subtype" not in obj:
        _neutralise_profile(obj, report)
    if isinstance(obj, Stream) and _is_jpx_image(obj):
        try:
            cleaned, removed = jpx.strip(_filtered(obj))
        except (ValueError, struct.error, IndexError) as exc:  # jpx.Unreadable, a box past the end
            raise MediaRefused("has a JPEG 2000 image the archive cannot clean; refused") from exc
        for name in removed:
            report.add(f"PDF image {name}")
        if removed or _filters(obj) != ["/JPXDecode"]:
            obj.write(cleaned, filter=Name.JPXDecode)
    if isinstance(obj, Stream) and _is_jbig2_image(obj):
        _clean_jbig2(obj, report)
    if isinstance(obj, Stream) and _is_jpeg_image(obj):
        picture = _filtered(obj)
        cleaned, removed = jpeg.strip(picture)
        for name in removed:
            report.add(f"PDF image {name}")
        if removed or _filters(obj) != ["/DCTDecode"]:
            # written back as a plain JPEG stream (outer filters of a chain undone)
            obj.write(cleaned, filter=Name.DCTDecode, decode_parms=_dct_parms(obj))


def _action(obj: Dictionary | Stream) -> str | None:
    """An action's type (/S), where /S is a name: a resource may be called /S too."""
    value = obj.get("/S")
    return str(value) if isinstance(value, Name) else None


def _clean_jbig2(obj: Stream, report: Report) -> None:
    """A JBIG2 image and the globals it shares, without extension segments (comments)."""
    parms = _dct_parms(obj)
    globals_ = parms.get("/JBIG2Globals") if parms is not None else None
    try:
        cleaned, removed = jbig2.strip(_filtered(obj))
        if isinstance(globals_, Stream):
            shared, more = jbig2.strip(globals_.read_bytes())
            if more:
                globals_.write(shared)
            removed += more
    except jbig2.Unreadable as exc:
        raise MediaRefused("has a JBIG2 image the archive cannot clean; refused") from exc
    for name in removed:
        report.add(f"PDF image {name}", "free_text")
    if removed or _filters(obj) != ["/JBIG2Decode"]:
        obj.write(cleaned, filter=Name.JBIG2Decode, decode_parms=parms)


def _is_jbig2_image(obj: Stream) -> bool:
    filters = _filters(obj)
    return obj.get("/Subtype") == "/Image" and bool(filters) and filters[-1] == "/JBIG2Decode"


def _jbig2_clean(obj: Stream) -> bool:
    """The verifier's check of a JBIG2 image and its globals: no extension segment left."""
    parms = _dct_parms(obj)
    globals_ = parms.get("/JBIG2Globals") if parms is not None else None
    try:
        streams = [_filtered(obj)] + ([globals_.read_bytes()] if isinstance(globals_, Stream) else [])
        return not any(jbig2.has_extensions(s) for s in streams)
    except jbig2.Unreadable:
        return False


def _neutralise_profile(obj: Stream, report: Report) -> None:
    """Empty the text of an embedded ICC profile (ICCBased colour space, output intent)."""
    try:
        data = obj.read_bytes()
    except pikepdf.PdfError:
        return
    if not icc.is_icc(data):
        return
    cleaned, emptied = icc.neutralise(data)
    if cleaned != data:
        report.add("PDF colour profile description and device", "device")
        obj.write(cleaned)


def _filters(obj: Stream) -> list[str]:
    filters = obj.get("/Filter")
    if filters is None:
        return []
    if isinstance(filters, pikepdf.Array):
        return [str(f) for f in filters]
    return [str(filters)]


def _is_jpeg_image(obj: Stream) -> bool:
    """An image whose filters end with DCTDecode, however written: /DCTDecode, [/DCTDecode],
    [/FlateDecode /DCTDecode]…"""
    filters = _filters(obj)
    return obj.get("/Subtype") == "/Image" and bool(filters) and filters[-1] in ("/DCTDecode", "/DCT")


# a JPEG inside a filter chain is inflated up to this size (a bomb is refused, not decoded)
MAX_IMAGE_STREAM = 256 * 1024 * 1024


def _is_jpx_image(obj: Stream) -> bool:
    filters = _filters(obj)
    return obj.get("/Subtype") == "/Image" and bool(filters) and filters[-1] == "/JPXDecode"


def _filtered(obj: Stream) -> bytes:
    """An image stream's data with every filter but its last (the picture's own: DCT, JPX)
    undone here; qpdf decodes a chain whole or not at all, and leaves DCT and JPX alone."""
    data = obj.read_raw_bytes()
    for name in _filters(obj)[:-1]:
        if name in ("/FlateDecode", "/Fl"):
            inflater = zlib.decompressobj()
            try:
                data = inflater.decompress(data, MAX_IMAGE_STREAM)
            except zlib.error as exc:
                raise MediaRefused("has an image stream that cannot be decompressed") from exc
            if inflater.unconsumed_tail:
                raise MediaRefused(f"has an image stream that inflates past {MAX_IMAGE_STREAM:,} bytes; refused")
        elif name in ("/ASCIIHexDecode", "/AHx"):
            data = bytes.fromhex(re.sub(rb"\s|>.*", b"", data, flags=re.S).decode("ascii") + "0" * (len(data) % 2))
        elif name in ("/ASCII85Decode", "/A85"):
            data = base64.a85decode(data.strip().removeprefix(b"<~").removesuffix(b"~>"), adobe=False)
        else:
            raise MediaRefused(f"has a picture behind a {name[1:]} filter the archive cannot undo; refused")
    return data


def _dct_parms(obj: Stream):
    parms = obj.get("/DecodeParms")
    if isinstance(parms, pikepdf.Array):
        parms = parms[len(parms) - 1] if len(parms) else None
    return parms if isinstance(parms, Dictionary) else None


def outline_titles(outlines, found: Found, limit: int = 100_000) -> None:
    """Note the bookmark titles (the catalog entry goes, and the leak check looks for them)."""
    if not isinstance(outlines, Dictionary):
        return
    stack, seen = [outlines.get("/First")], 0
    while stack and seen < limit:
        item = stack.pop()
        if not isinstance(item, Dictionary):
            continue
        seen += 1
        if "/Title" in item:
            found.add(str(item["/Title"]))
        stack += [item.get("/Next"), item.get("/First")]
