"""A brief in Debian chromium: from a search to a PDF with a quoted passage and citations."""

from __future__ import annotations

import re

import pypdfium2
import pytest
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS
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
    page.wait_for_url(re.compile(r"/search\?q="))
    assert "Added to" in page.locator(".flash, [role=status], body").first.inner_text()
    page.locator("ol.hits li.hit a").first.click()
    paragraph = page.locator("#document-body p").nth(1)
    passage = " ".join(paragraph.inner_text().split())
    paragraph.select_text()
    page.locator("#document-body").dispatch_event("mouseup")
    assert " ".join(page.input_value("#quote-text").split()) == passage
    page.get_by_role("button", name="Quote the passage").click()
    page.wait_for_load_state()

    # and a timeline entry
    page.goto(live_server + "/timeline")
    page.locator("article.entry-denial button.add-to-brief").first.click()
    page.wait_for_url(re.compile(r"/timeline"))

    page.goto(brief_url)
    items = page.locator("li.brief-item")
    assert items.count() == 3
    assert passage in " ".join(page.locator("blockquote.quote").inner_text().split())
    assert page.locator("ol.citations li").count() == 2  # the quote and the document: one source
    page.get_by_role("button", name="Move item 3 up").click()
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
    # the first page as an image, to look at (pdfium renders it as a PDF reader would)
    first = pypdfium2.PdfDocument(str(pdf))[0].render(scale=1.2).to_pil()
    first.save(ARTIFACTS / "brief-page1.png")
    assert first.width > 500 and first.getextrema() != ((255, 255), (255, 255), (255, 255))
