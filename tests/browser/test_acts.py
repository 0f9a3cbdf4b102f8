"""A journalist reads the sample case's acts: counts by type, a filter, one act, its timeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser


def test_a_reader_goes_from_the_counts_to_an_act_and_its_event(live_server, page):
    page.goto(live_server + "/cases/chechnya-2017")
    table = page.locator("table.act-counts")
    assert table.is_visible()
    row = table.locator("tr", has_text="torture or ill-treatment")
    assert row.locator("td").all_inner_texts()[:2] == ["2", "52"]  # acts, people at least
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/cases/chechnya-2017/acts\?act=torture$"))
    assert page.locator("article.act").count() == 2
    page.get_by_label("Perpetrator").fill("police")
    page.get_by_label("Act", exact=True).select_option("arbitrary_detention")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"act=arbitrary_detention"))
    acts = page.locator("article.act")
    assert acts.count() == 1
    assert "52 men who told the Russian LGBT Network" in acts.first.inner_text()
    assert "disputes" in acts.first.inner_text()  # the official denials, as sources that dispute it
    page.screenshot(path=str(ARTIFACTS / "acts.png"), full_page=True)
    page.get_by_role("link", name="These acts on the timeline").click()
    page.wait_for_url(re.compile(r"/timeline\?.*act=arbitrary_detention"))
    titles = page.locator("article.entry h4").all_inner_texts()
    assert titles and all("round" in t.lower() for t in titles)
