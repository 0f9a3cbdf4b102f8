"""The PDF export as printed: the appendix's columns keep their words whole, and no hash or
link runs past the page's margin (WeasyPrint lays it out; pdfium reads it back)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pypdfium2
import pytest
from pypdf import PdfReader

from archive.briefs.compose import add_document, add_entry, add_quote, create_brief
from archive.briefs.export import export
from archive.briefs.read import view_brief
from archive.links import key_of
from archive.storage.models import Document, TimelineEntry
from tests.briefs.conftest import user

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
MARGIN = 1.8 / 2.54 * 72  # the A4 page's side margin in points (brief_export.html's @page)


def link(kind: str, object_id) -> str:
    path = "documents" if kind == "document" else "timeline/entries"
    return f"https://archive.example.org/{path}/{key_of(object_id)}"


@pytest.fixture
def printed(db, evidence, tmp_path):
    """A brief citing documents and an entry, exported as a PDF: its view and its pages."""
    owner = user(db, "custodian-owner")
    brief = create_brief(db, owner, "Detentions in 2017", "", "cli")
    public = db.get(Document, evidence["docs"]["public"])
    add_quote(db, brief, owner, public, "held for two weeks at the station", "cli")
    add_document(db, brief, owner, db.get(Document, evidence["docs"]["researchers"]), "cli")
    add_entry(db, brief, owner, db.get(TimelineEntry, evidence["entry"]), "cli")
    view = view_brief(db, brief, owner, link)
    data = export(view, "pdf", NOW)
    (tmp_path / "brief.pdf").write_bytes(data)
    document = pypdfium2.PdfDocument(data)
    yield view, data, document
    document.close()


def _chars(page):
    """Each character of a page with its box (left, bottom, right, top), in points."""
    text = page.get_textpage()
    return [(text.get_text_range(i, 1), text.get_charbox(i)) for i in range(text.count_chars())]


def test_the_appendix_keeps_its_headings_and_dates_whole(printed):
    view, data, _ = printed
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Cited on" in text  # was "Cite d on": a column too narrow, broken anywhere
    assert "Status" in text and "Permalink" in text
    for c in view.citations:
        day = c.cited_at.date().isoformat()
        assert day in text  # was "2026-11-2" and "2" on two lines
    assert "unchanged" in text  # was "unchan ged"


def test_no_hash_or_link_runs_past_the_margin(printed):
    view, _, document = printed
    hashes = {c.version_sha256 for c in view.citations} | {c.custody_sha256 for c in view.citations if c.custody_sha256}
    found = set()
    for page in document:
        width, _ = page.get_size()
        chars = _chars(page)
        printed_chars = [(ch, box) for ch, box in chars if ch.strip()]
        beyond = [ch for ch, (left, _b, right, _t) in printed_chars if right > width - MARGIN + 1 or left < MARGIN - 1]
        assert beyond == [], f"{len(beyond)} characters outside the margins: {''.join(beyond)[:80]}"
        # each hash is whole on one line of its own: found in the page's text between line breaks
        lines = {line.strip() for line in re.split(r"[\r\n]+", page.get_textpage().get_text_range())}
        found |= hashes & lines
    assert found == hashes
