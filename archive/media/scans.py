"""Scanned PDFs: their pages as pictures, read, and a public copy rebuilt from burned pictures.

A scanner's PDF is a picture per page, often with an invisible text layer an OCR program laid
over it: the original words, selectable and searchable, under a picture that no longer shows
them once burned. So a public copy of a scan is never the original with boxes drawn on it: each
page is rendered (pdfium, through pypdfium2), read (ocr.py), burned where redacted (burn.py),
and a new PDF is made of the burned pictures alone, a JPEG per page, with no text, no layer, no
metadata. `text_of` reads what a PDF's own text layer holds, for the check that a public copy
holds none.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import pikepdf
from PIL import Image

from archive.errors import MediaRefused

DPI = 300  # a scan is rendered at the resolution OCR reads best
MAX_PAGES = 500  # of one scan read and rebuilt
MAX_PAGE_PIXELS = 80_000_000  # one rendered page: A3 at 400 dpi
SCANNED_CHARACTERS = 20  # a page with fewer characters of its own text than this is a picture


def _document(data: bytes):
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise MediaRefused("cannot be read as a PDF (damaged, or protected by a password)") from exc


def pages(data: bytes, dpi: int = DPI, at_most: int | None = None, first: int = 0) -> Iterator[Image.Image]:
    """Each page of a PDF as a greyscale picture at `dpi`, one at a time (a scan of hundreds of
    pages is never held whole), from page `first` (from 0); refused past MAX_PAGES (unless only
    `at_most` of them are wanted) or a page past MAX_PAGE_PIXELS."""
    import pypdfium2

    document = _document(data)
    try:
        if at_most is None and len(document) > MAX_PAGES:
            raise MediaRefused(f"has {len(document):,} pages; a scan of at most {MAX_PAGES} is read")
        last = len(document) if at_most is None else min(len(document), first + at_most)
        for number in range(first, last):
            page = document[number]
            width, height = page.get_size()  # in points, 1/72 inch
            scale = dpi / 72
            if width * scale * height * scale > MAX_PAGE_PIXELS:
                scale = (MAX_PAGE_PIXELS / (width * height)) ** 0.5
            try:
                yield page.render(scale=scale, grayscale=True).to_pil()
            except pypdfium2.PdfiumError as exc:
                raise MediaRefused(f"has a page that cannot be rendered (page {number + 1})") from exc
    finally:
        document.close()


def page_count(data: bytes) -> int:
    document = _document(data)
    try:
        return len(document)
    finally:
        document.close()


def text_of(data: bytes) -> str:
    """The text a PDF's own pages hold (a text layer, visible or not), page after page."""
    document = _document(data)
    try:
        out = []
        for page in document:
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
        return "\n".join(out)
    finally:
        document.close()


def is_scanned(data: bytes) -> bool:
    """Whether every page is a picture: fewer than SCANNED_CHARACTERS characters of its own.
    A page whose text is only an invisible layer laid over its picture counts as text: such a
    PDF is read from that layer by the text path, and its public copy is still rebuilt from
    pictures here (the layer is never carried over)."""
    document = _document(data)
    try:
        for page in document:
            textpage = page.get_textpage()
            count = textpage.count_chars()
            textpage.close()
            if count >= SCANNED_CHARACTERS:
                return False
        return True
    finally:
        document.close()


def rebuild(pictures: Iterable[Image.Image], dpi: int = DPI, quality: int = 85) -> bytes:
    """A PDF of these pictures alone, a JPEG page each at `dpi`: no text layer, no metadata."""
    pictures = iter(pictures)
    first = next(pictures, None)
    if first is None:
        raise MediaRefused("has no page to publish")
    made = io.BytesIO()
    first.convert("RGB").save(
        made,
        format="PDF",
        resolution=dpi,
        quality=quality,
        save_all=True,
        append_images=(p.convert("RGB") for p in pictures),
    )
    # rewritten by qpdf without Pillow's document information (the times it was made)
    with pikepdf.open(io.BytesIO(made.getvalue())) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()
