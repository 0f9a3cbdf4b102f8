"""A reader browses the sample case in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser


def test_reader_browses_home_list_and_document(live_server, page):
    page.goto(live_server + "/")
    assert page.title() == "Witness Archive"
    assert page.get_by_role("heading", name="Cases").is_visible()
    page.get_by_role("link", name=re.compile("Persecution of gay men in Chechnya")).first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    page.get_by_role("link", name="Documents", exact=True).first.click()
    page.wait_for_url(re.compile(r"/documents$"))
    assert "documents" in page.get_by_role("status").inner_text()
    page.get_by_label("Kind").select_option("testimony")
    page.locator("select[name=language]").select_option("ru")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"kind=testimony"))
    rows = page.locator("ul.docs li.doc")
    assert rows.count() >= 1
    for text in rows.all_inner_texts():
        assert "testimony" in text and "ru" in text
    page.screenshot(path=str(ARTIFACTS / "documents.png"), full_page=True)

    rows.first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    assert page.locator("article.document h1").is_visible()
    citation = page.get_by_label("Chicago (note)").input_value()
    assert citation.startswith("Witness Archive, “") and "SHA-256" in citation
    assert "/cases/chechnya-2017/documents/" in citation  # the permalink by case and slug
    assert page.get_by_label("Legal (OSCOLA)").input_value().startswith("Witness Archive, '")
    assert page.locator("code.public-hash").inner_text().strip() in citation
    page.screenshot(path=str(ARTIFACTS / "document.png"), full_page=True)


def test_case_page_shows_denials_linked_to_events(live_server, page):
    page.goto(live_server + "/cases/chechnya-2017")
    denials = page.locator("li.entry-denial")
    assert denials.count() >= 4
    first = denials.first
    assert first.locator("p.denies a").count() >= 1
    target = first.locator("p.denies a").first.get_attribute("href")
    assert page.locator(target).count() == 1  # the denied event is on the page
    first.locator("p.evidence a").first.click()
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    page.screenshot(path=str(ARTIFACTS / "case-evidence.png"), full_page=True)
