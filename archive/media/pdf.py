"""PDF: remove document information, XMP, scripts, attachments, thumbnails and annotation
authors; clean the JPEG images inside; keep the pages as they are.

Threat: a summons or statement whose PDF names its author, the software and computer that
made it, when, and carries the original as an attachment, a thumbnail of an earlier version, or
a photo with GPS inside. pikepdf (qpdf) rewrites only the objects still reachable, so what is
unlinked here is gone from the output.
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Dictionary, Name, Stream

from archive.errors import MediaRefused
from archive.media import icc, jpeg
from archive.media.inspect import Found, inspect_text, inspect_xmp
from archive.media.report import Report

MAX_PAGES = 5_000
_CATALOG_KEYS = ("/Metadata", "/OpenAction", "/AA", "/PieceInfo", "/SpiderInfo", "/Threads",
                 "/URI", "/Legal", "/Perms", "/AF")  # fmt: skip
# /AF (associated files) and /EF (a file specification's embedded files) carry attachments
_OBJECT_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/AA", "/Thumb", "/JS", "/AF", "/EF")
_ANNOT_KEYS = ("/T", "/M", "/CreationDate", "/NM", "/RC", "/Popup", "/Subj")
_DROP_ANNOTS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/Popup", "/Text"}


def strip(data: bytes, report: Report, found: Found) -> bytes:
    """Return the cleaned PDF; add what was found to the report."""
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
        inspect_xmp(data, report, found)
        _document_info(pdf, report, found)
        _catalog(pdf, report)
        for page in pdf.pages:
            _page(page.obj, report, found)
        for obj in pdf.objects:
            if isinstance(obj, Dictionary | Stream):
                _object(obj, report)
        out = io.BytesIO()
        pdf.remove_unreferenced_resources()
        pdf.save(out, deterministic_id=True, fix_metadata_version=False, compress_streams=True)
    return out.getvalue()


def verify(data: bytes) -> bool:
    """Check a cleaned PDF object by object: no metadata, scripts, attachments or EXIF left."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer:
            return False
        for obj in pdf.objects:
            if not isinstance(obj, Dictionary | Stream):
                continue
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
            is_jpeg = isinstance(obj, Stream) and _is_jpeg_image(obj)
            if is_jpeg and not jpeg.allowed_segments_only(obj.read_raw_bytes()):
                return False
    return True


def _document_info(pdf: pikepdf.Pdf, report: Report, found: Found) -> None:
    info = pdf.trailer.get("/Info")
    if info is not None:
        fields = {}
        for key, value in info.items():
            fields[key[1:]] = str(value)
        inspect_text(fields, "PDF", report, found)
        del pdf.trailer["/Info"]


def _catalog(pdf: pikepdf.Pdf, report: Report) -> None:
    root = pdf.Root
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
    if obj.get("/S") == "/JavaScript":
        obj[Name.S] = Name.Named
        obj[Name.N] = Name.NextPage
    if isinstance(obj, Stream) and "/N" in obj and "/Subtype" not in obj:
        _neutralise_profile(obj, report)
    if isinstance(obj, Stream) and _is_jpeg_image(obj):
        raw = obj.read_raw_bytes()
        cleaned, removed = jpeg.strip(raw)
        if removed:
            for name in removed:
                report.add(f"PDF image {name}")
            obj.write(cleaned, filter=Name.DCTDecode, decode_parms=obj.get("/DecodeParms"))


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


def _is_jpeg_image(obj: Stream) -> bool:
    return obj.get("/Subtype") == "/Image" and obj.get("/Filter") == "/DCTDecode"
