"""Reading and exporting briefs: numbered citations with hashes, stale quotes, access, and
nothing but public text in any format."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from archive.briefs.compose import (
    add_document,
    add_entry,
    add_note,
    add_quote,
    create_brief,
    share_brief,
)
from archive.briefs.export import export
from archive.briefs.read import brief_visible_to, briefs_for, view_brief
from archive.links import key_of
from archive.storage.models import Document, TimelineEntry
from tests.briefs.conftest import user
from tests.conftest import SETUP

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def link(kind: str, object_id) -> str:
    path = "documents" if kind == "document" else "timeline/entries"
    return f"https://archive.example/{path}/{key_of(object_id)}"


@pytest.fixture
def full_brief(db, evidence):
    """A brief by a custodian citing every kind of item, including a custodians-only document."""
    owner = user(db, "custodian-owner")
    brief = create_brief(db, owner, "Detentions in 2017", "For the *UN* rapporteur.", "cli")
    public = db.get(Document, evidence["docs"]["public"])
    add_quote(db, brief, owner, public, "held for two weeks at the station", "cli")
    add_note(db, brief, owner, "The two accounts agree on the length.", "cli")
    add_quote(db, brief, owner, public, "Later they were released.", "cli")
    add_document(db, brief, owner, db.get(Document, evidence["docs"]["custodians"]), "cli")
    add_entry(db, brief, owner, db.get(TimelineEntry, evidence["entry"]), "cli")
    add_document(db, brief, owner, db.get(Document, evidence["docs"]["researchers"]), "cli")
    return brief


def test_sources_are_numbered_once_in_order_of_first_use(db, full_brief):
    view = view_brief(db, full_brief, user(db, "custodian-owner"), link)
    numbers = [i.citation.number if i.citation else None for i in view.items]
    assert numbers == [1, None, 1, 2, 3, 4]  # both quotes of one version share a number
    first = view.citations[0]
    assert first.permalink.endswith("/documents/1") and len(first.version_sha256) == 64
    assert first.custody_sha256 and first.custody_sha256 != first.version_sha256
    assert not first.changed and view.withheld == 0


def test_a_reader_with_less_access_sees_fewer_items_and_is_told_how_many(db, full_brief):
    share_brief(db, full_brief, user(db, "custodian-owner"), ["other-researcher"], "cli")
    view = view_brief(db, full_brief, user(db, "other-researcher"), link)
    assert view.withheld == 1
    assert "Custodian account" not in [c.title for c in view.citations]


def test_a_brief_is_visible_to_its_owner_and_those_it_is_shared_with_only(db, full_brief):
    owner, other = user(db, "custodian-owner"), user(db, "other-researcher")
    assert brief_visible_to(db, owner, full_brief.id) is full_brief
    assert brief_visible_to(db, other, full_brief.id) is None
    assert brief_visible_to(db, None, full_brief.id) is None
    share_brief(db, full_brief, owner, ["other-researcher"], "cli")
    assert brief_visible_to(db, other, full_brief.id) is full_brief
    assert briefs_for(db, other) == ([], [full_brief])
    assert briefs_for(db, owner) == ([full_brief], [])


def test_a_changed_document_is_flagged_and_its_old_quote_redacted_as_of_today(db, evidence):
    from archive.protection.identities import protect_identity
    from archive.storage import queries

    owner = user(db, "researcher-owner")
    document = db.get(Document, evidence["docs"]["public"])
    brief = create_brief(db, owner, "Stale", "", "cli")
    add_quote(db, brief, owner, document, "The men were held again in April.", "cli")
    # a name in the quoted words becomes protected: the public text changes
    protect_identity(db, queries.get_case(db, "test-case"), ["April"], "Witness A", SETUP, "cli")
    view = view_brief(db, brief, owner, link)
    (item,) = view.items
    assert item.changed and view.changed == [item]
    assert "April" not in item.text and "Witness A" in item.text


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_every_format_holds_items_citations_and_the_verification_appendix(db, full_brief, fmt):
    view = view_brief(db, full_brief, user(db, "custodian-owner"), link)
    data = export(view, fmt, NOW)
    text = _text(data, fmt)
    assert "Detentions in 2017" in text
    assert "held for two weeks at the station" in text and "Later they were released." in text
    assert "The two accounts agree on the length." in text
    assert "Men held at the station" in text
    squeezed = "".join(text.split())  # a PDF breaks a long hash or link across lines
    for c in view.citations:
        assert c.version_sha256 in squeezed and c.permalink in squeezed
    assert "Appendix: verification" in text and "2026-11-22 09:30 UTC" in text
    assert "pseudonyms" in text  # the note on what redaction was applied
    assert re.search(r"\[1\]", text) and re.search(r"\[4\]", text)


def test_the_pdf_is_a_pdf_whose_first_page_names_the_brief(db, full_brief, tmp_path):
    data = export(view_brief(db, full_brief, user(db, "custodian-owner"), link), "pdf", NOW)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert "Detentions in 2017" in reader.pages[0].extract_text()
    assert reader.metadata.title == "Detentions in 2017"


def test_markdown_export_shows_text_as_itself(db, evidence):
    owner = user(db, "researcher-owner")
    brief = create_brief(db, owner, "A *title* with [brackets]", "", "cli")
    md = export(view_brief(db, brief, owner, link), "md", NOW).decode()
    assert md.startswith("# A \\*title\\* with \\[brackets\\]")


def test_html_export_runs_no_script_from_a_note(db, evidence):
    owner = user(db, "researcher-owner")
    brief = create_brief(db, owner, "<script>alert(1)</script>", "", "cli")
    add_note(db, brief, owner, "Read <img src=x onerror=alert(1)> [this](javascript:alert(1))", "cli")
    html = export(view_brief(db, brief, owner, link), "html", NOW).decode()
    assert "<script>" not in html and "onerror" not in html and "javascript:" not in html
    assert "&lt;script&gt;" in html


def _text(data: bytes, fmt: str) -> str:
    if fmt == "pdf":
        return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)
    return data.decode()


def test_a_pdf_export_leaves_truncated_images_refused(db, full_brief):
    """WeasyPrint's import relaxes Pillow for the whole process; the export puts it back."""
    from PIL import ImageFile

    export(view_brief(db, full_brief, user(db, "custodian-owner"), link), "pdf", NOW)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# --- in the reader's language ------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_an_export_is_in_the_readers_language_and_its_quotes_are_not(db, full_brief, fmt):
    view = view_brief(db, full_brief, user(db, "custodian-owner"), link, "ru")
    data = export(view, fmt, NOW, locale="ru")
    text = _pdf_text(data) if fmt == "pdf" else data.decode()
    text = " ".join(text.replace("\u202f", " ").split())
    wanted = ("Ссылки на источники", "Приложение: проверка", "сентябрь 2017 г.", "апрель 2017 г.", "свидетельство")
    for russian in wanted:
        assert russian in text, (fmt, russian)
    for english in ("Citations", "Appendix", "September 2017", "testimony", "Exported from"):
        assert english not in text, (fmt, english)
    assert "held for two weeks at the station" in text  # quoted as written, never translated
    if fmt == "html":
        assert '<html lang="ru">' in data.decode()


def test_an_english_export_is_unchanged_and_an_unknown_language_is_english(db, full_brief):
    view = view_brief(db, full_brief, user(db, "custodian-owner"), link)
    english = export(view, "md", NOW)
    assert "## Citations" in english.decode() and "September 2017" in english.decode()
    assert export(view, "md", NOW, locale="xx") == english
    assert export(view, "md", NOW, locale="../../etc") == english
