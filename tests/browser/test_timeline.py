"""The timeline in Debian chromium: filter it, follow an entry to its evidence, print it."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser


def test_filter_the_timeline_and_follow_an_entry_to_its_evidence(live_server, page):
    page.goto(live_server + "/timeline")
    assert page.get_by_role("heading", name="Timeline of events and denials").is_visible()
    ledger = page.locator("section.denial-ledger li")
    assert ledger.count() >= 4  # who denied what, at a glance
    assert page.locator("svg.timeline-chart a.mark").count() == page.locator("article.entry").count()
    reported = page.locator(".lane-reported article.entry")
    official = page.locator(".lane-official article.entry")
    assert reported.count() >= 10 and official.count() >= 4
    # two lanes side by side: a month's statements sit to the right of its events
    april = page.locator("#m-2017-4")
    left = april.locator(".lane-reported").bounding_box()
    right = april.locator(".lane-official").bounding_box()
    assert right["x"] > left["x"] + left["width"] - 1
    page.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=True)

    # a denial's link lands on the event it denies
    denial = page.locator("article.entry-denial").first
    target = denial.locator("li.stance-denies a").first
    event_id = target.get_attribute("href").split("#")[1]
    target.click()
    assert page.locator(f"#{event_id}").is_visible()
    assert page.locator(f"#{event_id} li.stance-denies").count() >= 1  # "denied by"

    # filter through the form: the view is in the URL, so it can be shared
    page.select_option("select[name=kind]", "denial")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"kind=denial"))
    kinds = page.locator("article.entry .kind").all_inner_texts()
    assert kinds and set(kinds) == {"denial"}
    page.fill("input[name=actor]", "Kadyrov")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"actor=Kadyrov"))
    assert page.locator("article.entry").count() == 1
    page.screenshot(path=str(ARTIFACTS / "timeline-filtered.png"), full_page=True)

    # one click to the entry, one more to the evidence
    page.locator("article.entry h4 a").first.click()
    page.wait_for_url(re.compile(r"/timeline/entries/\d+$"))
    evidence = page.locator("details.evidence li a").first
    assert evidence.is_visible()  # open on the entry's own page
    evidence.click()
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    assert page.locator("article.document h1").is_visible()


def test_the_timeline_prints_without_its_controls(live_server, page):
    page.goto(live_server + "/timeline")
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    assert page.locator("article.entry").first.is_visible()
    page.pdf(path=str(ARTIFACTS / "timeline.pdf"))


def test_the_timeline_is_usable_from_the_keyboard(live_server, page):
    page.goto(live_server + "/timeline")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    for article in page.locator("article.entry").all()[:5]:
        labelled = article.get_attribute("aria-labelledby")
        assert page.locator(f"#{labelled}").inner_text().strip()
    # the chart's marks are links named by their titles: date, stance and the entry's title
    mark = page.locator("svg.timeline-chart a.mark").first
    assert mark.locator("title").text_content().strip()
    assert page.locator("#chart-summary").inner_text().startswith("23 entries by date")
