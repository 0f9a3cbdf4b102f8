"""A reader searches the sample case in a real browser, narrows by a facet and opens a hit."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_reader_searches_narrows_by_kind_and_opens_a_result(search_server, page):
    page.goto(search_server + "/search")
    assert page.get_by_role("heading", name="Search", exact=True).is_visible()
    box = page.get_by_role("searchbox")
    assert box.evaluate("el => el === document.activeElement")  # ready to type into
    box.fill("Kadyrov")
    box.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=Kadyrov"))
    hits = page.locator("ol.hits li.hit")
    everything = hits.count()
    assert everything >= 2
    status = page.get_by_role("status").inner_text()
    assert status == f"{everything} results"
    assert page.locator("ol.hits mark").count() >= 1  # matches are highlighted
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)

    kinds = page.locator("aside.facets section", has=page.get_by_role("heading", name="Kind"))
    link = kinds.get_by_role("link", name="official statement")
    expected = int(re.search(r"\((\d+)\)", link.locator("xpath=..").inner_text())[1])
    link.click()
    page.wait_for_url(re.compile(r"kind=official_statement"))
    query = _query(page.url)
    assert query["kind"] == ["official_statement"] and query["q"] == ["Kadyrov"]
    assert 0 < hits.count() == expected < everything
    assert page.get_by_role("status").inner_text() == f"{expected} results"
    for text in hits.locator("p.meta").all_inner_texts():
        assert text.startswith("official statement")
    assert kinds.get_by_role("link", name="Remove filter").is_visible()

    first = hits.first.locator("a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    assert page.locator("article.document h1").inner_text() == title
    page.screenshot(path=str(ARTIFACTS / "search-result.png"), full_page=True)


def test_search_works_without_javascript_and_keeps_filters_in_the_url(search_server, page):
    page.goto(search_server + "/search?q=Canada&lang=en&sort=date")
    assert page.get_by_role("searchbox").input_value() == "Canada"
    hits = page.locator("ol.hits li.hit")
    assert hits.count() >= 1
    for text in hits.locator("p.meta").all_inner_texts():
        assert " · English" in text
    page.get_by_role("button", name="Search").click()  # the hidden fields carry the filters
    page.wait_for_load_state()
    query = _query(page.url)
    assert query["lang"] == ["en"] and query["sort"] == ["date"] and query["q"] == ["Canada"]
