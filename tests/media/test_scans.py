"""Scanned PDFs (archive/media/scans.py): pages rendered one at a time within limits, read,
redacted, burned, and rebuilt as a PDF of pictures alone, which holds no text layer (not even
the invisible one an OCR program laid over the original) and shows none of what was redacted
when read again."""

from __future__ import annotations

import io
import os

import pikepdf
import pytest

from archive.errors import MediaRefused
from archive.media import burn, ocr, scans
from archive.redaction.redact import redact
from tests.media import pages

# skipped on a machine without tesseract, never in CI (make test installs it): there it fails
needs_ocr = pytest.mark.skipif(
    not ocr.available() and not os.environ.get("CI"), reason="tesseract with Russian and English is not installed"
)


def scan(*drawn: pages.Page, dpi: int = 200) -> bytes:
    """A scanner's PDF: a picture per page and nothing else."""
    out = io.BytesIO()
    first, *rest = [p.image.convert("RGB") for p in drawn]
    first.save(out, format="PDF", resolution=dpi, save_all=True, append_images=rest)
    return out.getvalue()


def with_hidden_text(data: bytes, words: list[str]) -> bytes:
    """The PDF with an invisible text layer over each page (text render mode 3), as an OCR
    program leaves it: the words selectable and searchable, not shown."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        font = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
        )
        for page in pdf.pages:
            if "/Resources" not in page.obj:
                page.obj.Resources = pikepdf.Dictionary()
            if "/Font" not in page.obj.Resources:
                page.obj.Resources.Font = pikepdf.Dictionary()
            page.obj.Resources.Font.F9 = font
            text = " ".join(words).encode("latin-1")
            layer = b"BT 3 Tr /F9 10 Tf 40 40 Td (" + text + b") Tj ET"
            page.contents_add(pdf.make_stream(layer), prepend=False)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def test_a_scan_is_told_from_a_pdf_with_text_and_its_pages_are_rendered_at_300_dpi():
    drawn = [pages.page(1, "eng", size=32), pages.page(2, "rus", size=32)]
    data = scan(*drawn)
    assert scans.is_scanned(data)
    rendered = list(scans.pages(data))
    assert len(rendered) == 2
    assert abs(rendered[0].width - drawn[0].image.width * 300 / 200) <= 2
    assert not scans.is_scanned(with_hidden_text(data, ["Witness Zemaleman said so in his own words"]))


@needs_ocr
def test_a_redacted_scan_is_rebuilt_from_burned_pictures_with_no_text_and_nothing_redacted_shown():
    drawn = [pages.page(11, "rus+eng", size=30), pages.page(12, "rus+eng", size=36, face="DejaVuSerif.ttf")]
    names = [n.text for page in drawn for n in page.names]
    latin = [n for n in names if n.isascii()]
    original = with_hidden_text(scan(*drawn), latin)
    assert all(name in scans.text_of(original) for name in latin)  # the layer holds them
    burned, redacted = [], []
    for picture in scans.pages(original):
        read = ocr.recognise(picture)
        redaction = redact(read.text, names)
        redacted += [read.text[s.start : s.end] for s in redaction.spans]
        burned.append(burn.burn(picture, [w.box for w in read.words_within(redaction.spans)]))
    assert any(name in " ".join(redacted) for name in names)
    public = scans.rebuild(burned)
    assert scans.text_of(public).strip() == ""
    assert not any(name.encode() in public for name in latin)
    with pikepdf.open(io.BytesIO(public)) as pdf:
        assert len(pdf.pages) == 2 and "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root
    again = " ".join(ocr.recognise(picture).text for picture in scans.pages(public))
    assert ocr.still_shown(again, redacted) == []


def test_a_scan_of_too_many_pages_is_refused_and_a_damaged_one_said_so(monkeypatch):
    data = scan(pages.page(1), pages.page(2))
    monkeypatch.setattr(scans, "MAX_PAGES", 1)
    with pytest.raises(MediaRefused, match="2 pages"):
        list(scans.pages(data))
    with pytest.raises(MediaRefused, match="cannot be read as a PDF"):
        scans.is_scanned(data[: len(data) // 3])


def test_a_page_of_enormous_size_is_rendered_within_the_pixel_limit(monkeypatch):
    with pikepdf.open(io.BytesIO(scan(pages.page(1)))) as pdf:
        pdf.pages[0].obj["/MediaBox"] = [0, 0, 14400, 14400]  # 200 inches square
        out = io.BytesIO()
        pdf.save(out)
    monkeypatch.setattr(scans, "MAX_PAGE_PIXELS", 4_000_000)
    (picture,) = scans.pages(out.getvalue())
    assert picture.width * picture.height <= 4_000_000 * 1.01


def test_nothing_to_rebuild_is_refused():
    with pytest.raises(MediaRefused, match="no page"):
        scans.rebuild([])
