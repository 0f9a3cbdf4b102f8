"""The search page on a 390-px phone and a 1,280-px desktop (issue 21): facets folded above
the results on the phone and a sidebar on the desktop, never a sideways scroll, the date range
boxes, query errors on the page, and the help page."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser

PAGES = [
    "/search",
    "/search?q=Kadyrov",
    "/search?q=torture&from=2017-02&to=2017-04&kind=testimony",
    "/search?q=" + "averyveryverylongwordwithoutanyspaces" * 4,
    "/search?q=zaderzhan",  # the cross-script hint
    "/search/help",
]


@contextmanager
def tab_answering_400(page):
    """A second tab of the page's browser for pages answered with 400 (a malformed query):
    Chromium logs such an answer as a failed load, which the `page` fixture counts as an
    error; any other console error (a CSP violation, a script error) still fails the test."""
    tab = page.context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" and "status of 400" not in m.text else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.set_viewport_size(page.viewport_size)
    try:
        yield tab
    finally:
        tab.close()
    assert errors == [], errors


def _sideways(page) -> int:
    """How many pixels the page is wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_search_page_scrolls_sideways_on_a_phone(search_server, page, lang):
    page.set_viewport_size(PHONE)
    page.context.add_cookies([{"name": "lang", "value": lang, "url": search_server}])
    for n, path in enumerate(PAGES):
        page.goto(search_server + path)
        assert _sideways(page) <= 0, (path, _sideways(page))
        page.screenshot(path=str(ARTIFACTS / f"search-390-{lang}-{n}.png"), full_page=True)
    with tab_answering_400(page) as tab:
        tab.goto(search_server + "/search?q=torture+%22electric+shocks&from=2017-02")
        assert tab.get_by_role("alert").is_visible()
        assert _sideways(tab) <= 0
        tab.screenshot(path=str(ARTIFACTS / f"search-390-{lang}-error.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.goto(search_server + PAGES[2])
    page.screenshot(path=str(ARTIFACTS / f"search-1280-{lang}.png"), full_page=True)


def test_on_a_phone_the_facets_are_folded_above_the_first_result(search_server, page):
    page.set_viewport_size(PHONE)
    page.goto(search_server + "/search?q=Kadyrov")
    refine = page.locator("details.refine > summary")
    kinds = page.locator("aside.facets section").first
    first = page.locator("ol.hits li.hit").first
    assert refine.is_visible() and not kinds.is_visible()
    top_of_facets = refine.bounding_box()["y"]
    assert first.bounding_box()["y"] - top_of_facets < 200  # not 1,000 px of facets first
    refine.focus()
    page.keyboard.press("Enter")  # opened from the keyboard
    assert kinds.is_visible()
    link = page.locator("aside.facets a.facet-link").first
    link.click()
    page.wait_for_url(re.compile(r"[?&](kind|lang|place|tag|case|year)="))
    assert "(1 filter on)" in page.locator("details.refine > summary").inner_text()
    assert _sideways(page) <= 0


def test_on_a_desktop_the_facets_are_an_open_sidebar(search_server, page):
    page.goto(search_server + "/search?q=Kadyrov")
    facets = page.locator("aside.facets")
    results = page.locator("section.results")
    assert page.locator("aside.facets section").first.is_visible()
    assert facets.bounding_box()["x"] + facets.bounding_box()["width"] <= results.bounding_box()["x"]
    assert page.get_by_role("link", name="Russian").is_visible()  # names, not codes


def test_a_reader_narrows_by_date_with_the_boxes_and_clears_it(search_server, page):
    page.goto(search_server + "/search?q=torture")
    everything = page.locator("ol.hits li.hit").count()
    page.get_by_label("From", exact=True).fill("2017-02")
    page.get_by_label("To", exact=True).fill("2017-03")
    page.get_by_label("To", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"to=2017-03"))
    notice = page.locator("#date-filter")
    assert "between February 2017 and March 2017" in notice.inner_text()
    assert page.get_by_label("From", exact=True).input_value() == "2017-02"
    assert page.locator("ol.hits li.hit").count() <= everything
    notice.get_by_role("link", name="Clear the dates").click()
    page.wait_for_load_state()
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"q": ["torture"]}
    assert page.locator("ol.hits li.hit").count() == everything


def test_a_malformed_query_is_corrected_on_the_same_page(search_server, page):
    with tab_answering_400(page) as tab:
        tab.goto(search_server + "/search")
        box = tab.get_by_role("searchbox")
        box.fill('torture "electric shocks')
        box.press("Enter")
        tab.wait_for_load_state()
        alert = tab.get_by_role("alert")
        assert "unclosed quotation mark" in alert.inner_text()
        assert alert.locator("mark.fault").inner_text() == '"'
        assert box.input_value() == 'torture "electric shocks'
        box.fill('torture "electric shocks"')
        box.press("Enter")
        tab.wait_for_url(re.compile(r"shocks%22"))
        assert tab.get_by_role("alert").count() == 0
        assert tab.locator("ol.hits li.hit").count() >= 1
        assert tab.locator("ol.hits mark").count() >= 1


def test_the_help_page_is_linked_and_its_examples_run(search_server, page):
    page.goto(search_server + "/search")
    page.get_by_role("link", name="How to write a query").first.click()
    page.wait_for_url(re.compile(r"/search/help$"))
    assert page.get_by_role("heading", name="How to write a query").is_visible()
    page.locator("a.example", has_text='"electric shocks"').click()
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.get_by_role("searchbox").input_value() == '"electric shocks"'
    assert page.locator("ol.hits li.hit").count() >= 1
