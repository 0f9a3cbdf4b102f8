"""A brief in Debian chromium: from a search to a PDF with a quoted passage and citations."""

from __future__ import annotations

import re

import pypdfium2
import pytest
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import CLI, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser


def test_search_quote_and_export_a_brief_as_pdf(search_server, page, corpus_app):
    live_server = search_server
    from archive.auth.users import create_user
    from archive.services import get_db

    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        create_user(s, "advocate", PASSWORD, "researcher", CLI, "cli")
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "advocate")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(live_server + "/briefs")
    page.fill("#brief-title", "Submission on Chechnya, 2017")
    page.fill("#brief-purpose", "For the UN Special Rapporteur.")
    page.get_by_role("button", name="Create the brief").click()
    page.wait_for_url(re.compile(r"/briefs/\d+$"))
    brief_url = page.url

    # from a search, add the first result, then open it and quote a passage selected in the text
    page.goto(live_server + "/search?q=Kadyrov+Canada")
    page.locator("button.add-to-brief").first.click()
    page.wait_for_url(re.compile(r"/search\?q=.*#add-document-\d+$"))  # back at the result added
    assert "Added to" in page.locator(".flash, [role=status], body").first.inner_text()
    page.locator("ol.hits li.hit a").first.click()
    paragraph = page.locator("#document-body p").nth(1)
    passage = " ".join(paragraph.inner_text().split())
    paragraph.select_text()
    page.locator("#document-body").dispatch_event("mouseup")
    assert " ".join(page.input_value("#quote-text").split()) == passage
    with page.expect_navigation():
        page.get_by_role("button", name="Quote the passage").click()

    # and a timeline entry
    page.goto(live_server + "/timeline")
    page.locator("article.entry-denial button.add-to-brief").first.click()
    page.wait_for_url(re.compile(r"/timeline.*#add-entry-\d+$"))  # back at the entry added
    assert page.locator("article.entry-denial .in-brief").first.is_visible()  # "Already cited…"

    page.goto(brief_url)
    items = page.locator("li.brief-item")
    assert items.count() == 3
    assert passage in " ".join(page.locator("blockquote.quote").inner_text().split())
    assert page.locator("ol.citations li").count() == 2  # the quote and the document: one source
    third = page.locator("li.brief-item").nth(2)
    third.locator("input.position").fill("2")
    third.get_by_role("button", name=re.compile("^Move")).click()
    page.wait_for_url(re.compile(r"/briefs/\d+#item-\d+$"))
    assert "item-entry" in (page.locator("li.brief-item").nth(1).get_attribute("class") or "")
    page.screenshot(path=str(ARTIFACTS / "brief.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    pdf = ARTIFACTS / "brief.pdf"
    download.value.save_as(pdf)
    reader = PdfReader(str(pdf))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Submission on Chechnya, 2017" in text
    assert passage[:60] in text
    assert "Citations" in text and "Appendix: verification" in text
    assert re.search(r"version SHA-256 [0-9a-f]{16}", text)
    assert "Cited on" in text  # the appendix's columns keep their words whole
    # the first page as an image, to look at (pdfium renders it as a PDF reader would)
    first = pypdfium2.PdfDocument(str(pdf))[0].render(scale=1.2).to_pil()
    first.save(ARTIFACTS / "brief-page1.png")
    assert first.width > 500 and first.getextrema() != ((255, 255), (255, 255), (255, 255))


LONG_TITLE = ("Submission to the UN Special Rapporteur on the persecution of gay men in Chechnya " * 4)[:300]


@pytest.fixture
def long_brief(corpus_app):
    """A researcher with a brief whose title is 300 characters, holding a document and an
    entry; the brief's path and the document's id."""
    from sqlalchemy import select

    from archive.auth.users import create_user
    from archive.briefs.compose import add_document, add_entry, create_brief
    from archive.services import get_db
    from archive.storage.models import Document, TimelineEntry

    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        owner = create_user(s, "advocate", PASSWORD, "researcher", CLI, "cli")
        document = s.scalars(
            select(Document).where(Document.status == "published", Document.consent == "public").order_by(Document.id)
        ).first()
        brief = create_brief(s, owner, LONG_TITLE, "For the UN Special Rapporteur.", "cli")
        add_document(s, brief, owner, document, "cli")
        add_entry(s, brief, owner, s.scalars(select(TimelineEntry).order_by(TimelineEntry.id)).first(), "cli")
        return f"/briefs/{brief.id}", document.id


@pytest.mark.parametrize("width", [1280, 390])
def test_a_300_character_brief_title_never_widens_a_page(search_server, page, long_brief, width):
    """The "Add to a brief" menu took its width from the longest title: 1,621 px at 1,280."""
    path, doc = long_brief
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, search_server, "advocate")
    wide = {}
    for url in ("/search?q=Kadyrov", "/timeline", f"/documents/{doc}", "/briefs", path):
        page.goto(search_server + url)
        if url != path and not url.startswith("/briefs"):
            assert page.locator("select[name=brief_id]").count() >= 1, url  # the menu is there
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide[url] = scroll
    page.screenshot(path=str(ARTIFACTS / f"brief-long-title-{width}.png"), full_page=True)
    assert wide == {}, f"pages wider than the {width}-px window"


def test_the_brief_page_lays_out_its_forms_and_sets_deleting_apart(live_server, page, long_brief):
    path, _ = long_brief
    sign_in(page, live_server, "advocate")
    page.goto(live_server + path)

    def box(selector: str) -> dict:
        found = page.locator(selector).bounding_box()
        assert found, selector
        return found

    # one field under another, each under its label, not crammed on one line
    title_label, title, purpose = box("label[for=edit-title]"), box("#edit-title"), box("#edit-purpose")
    assert title["y"] >= title_label["y"] + title_label["height"] - 1
    assert purpose["y"] >= title["y"] + title["height"]
    column = box("main")["width"]
    assert title["width"] >= 0.5 * min(column, 48 * 17) and purpose["width"] >= 0.5 * min(column, 48 * 17)
    # the note box is a box to write in
    note = box("#new-note")
    assert note["height"] >= 150 and note["width"] >= 0.5 * min(column, 48 * 17)
    # deleting: in a section of its own, a gap from the other forms, and a button unlike the rest
    sharing, zone = box("form[action$='/share']"), box("section.danger-zone")
    assert zone["y"] >= sharing["y"] + sharing["height"] + 32
    colour = "el => getComputedStyle(el).backgroundColor"
    danger = page.locator("section.danger-zone button.danger").evaluate(colour)
    ordinary = page.get_by_role("button", name="Save sharing").evaluate(colour)
    assert danger != ordinary
    red, green, blue = (int(n) for n in re.findall(r"\d+", danger)[:3])
    assert red > 2 * green and red > 2 * blue  # plainly red
    assert page.locator("section.danger-zone #confirm-delete").is_visible()
