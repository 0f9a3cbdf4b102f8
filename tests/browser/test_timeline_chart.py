"""The timeline chart in Debian chromium: every entry drawn at its precision, axes in the
reader's language, colours by stance with shapes and words, readable on a phone and a desktop;
and the embed, framed only by the sites the setting names."""

from __future__ import annotations

import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser

CORPUS_ENTRIES = 23  # corpus/chechnya-2017/timeline: every one has a date


@pytest.mark.parametrize("width", [390, 1280])
def test_every_entry_is_drawn_and_the_axes_are_labelled(live_server, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server + "/timeline")
    chart = page.locator("svg.timeline-chart")
    assert chart.is_visible()
    marks = chart.locator("a.mark")
    drawn = {m.get_attribute("href") for m in marks.all()}
    assert len(drawn) == CORPUS_ENTRIES == page.locator("article.entry").count()
    # a day is a point, a month a short bar, a year or a period a long bar, one day somewhere
    # in a period a point on a thin line: the 6 entries dated to a day or a month (all the old
    # chart drew), the 5 single statements made some time in a period, and the 12 others
    assert chart.locator("a.precision-day").count() == 1
    assert chart.locator("a.precision-month").count() == 5
    assert chart.locator("a.precision-possible").count() == 5
    assert chart.locator("a.precision-possible line.possible").count() == 5
    assert chart.locator("a.precision-possible use").count() == 5  # one symbol each, never a bar
    assert chart.locator("a.precision-possible rect").count() == 0
    assert chart.locator("a.precision-span").count() == 12
    years = chart.locator("text.year").all_text_contents()
    assert years == ["1993", "1999", "2012", "2017"]
    # month labels: abbreviated on a desktop, one letter on a phone, each where its month is
    shown = "text.m-abbr" if width > 640 else "text.m-narrow"
    hidden = "text.m-narrow" if width > 640 else "text.m-abbr"
    labels = chart.locator(shown)
    assert labels.first.is_visible() and not chart.locator(hidden).first.is_visible()
    first_row = labels.all_text_contents()[:12]
    assert first_row[0] == ("Jan" if width > 640 else "J") and first_row[3] == ("Apr" if width > 640 else "A")
    boxes = [labels.nth(n).bounding_box() for n in range(12)]
    assert all(a["x"] + a["width"] <= b["x"] for a, b in zip(boxes, boxes[1:], strict=False)), "labels overlap"
    assert min(b["height"] for b in boxes) >= 10  # text keeps its size: the chart is not scaled down
    # nothing sticks out of the page: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = chart.bounding_box()
    for mark in marks.all():
        b = mark.bounding_box()
        assert box["x"] - 1 <= b["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 1
    page.locator("figure.timeline-figure").screenshot(path=str(ARTIFACTS / f"timeline-chart-{width}.png"))
    page.screenshot(path=str(ARTIFACTS / f"timeline-{width}.png"), full_page=True)


def test_colour_follows_the_stance_not_the_speaker_with_a_shape_and_a_legend(live_server, page):
    page.goto(live_server + "/timeline")
    chart = page.locator("svg.timeline-chart")
    condemns = chart.locator("a.mark", has=page.locator("title", has_text="condemns the persecution"))
    denial = chart.locator("a.mark", has=page.locator("title", has_text="Russian government says"))
    assert "stance-confirms" in condemns.get_attribute("class")
    assert "stance-denies" in denial.get_attribute("class")

    def look(mark):
        symbol = mark.locator("use:not(.open)").last
        return symbol.get_attribute("href"), symbol.evaluate("e => getComputedStyle(e).fill")

    (condemns_shape, condemns_colour), (denial_shape, denial_colour) = look(condemns), look(denial)
    assert condemns_colour != denial_colour and condemns_shape != denial_shape  # never colour alone
    assert "Confirms" in condemns.locator("title").text_content()
    legend = page.locator("ul.chart-legend").first.inner_text()
    for word in ("Reported event", "Denies", "Confirms"):
        assert word in legend
    bands = set(chart.locator("text.band").all_text_contents())
    assert {b.lower() for b in bands} == {"reported events", "official statements and denials"}


def test_the_axes_follow_the_readers_language(live_server, page):
    page.context.set_extra_http_headers({"Accept-Language": "ru"})
    page.goto(live_server + "/timeline")
    labels = page.locator("svg.timeline-chart text.m-abbr").all_text_contents()[:12]
    assert labels[0].lower().startswith("янв") and labels[3].lower().startswith("апр")
    assert re.search(r"[а-я]", page.locator("svg.timeline-chart a.mark title").first.text_content())


@pytest.fixture
def news_site():
    """Another site (another origin: another port on the loopback) whose pages frame the URL
    in their path: /frame?src=…"""

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            src = parse_qs(urlparse(self.path).query)["src"][0]
            body = (
                f'<!doctype html><title>News</title><iframe src="{html.escape(src)}" width="390" height="700"></iframe>'
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.mark.parametrize("allowed", [False, True])
def test_the_embed_is_framed_only_by_the_sites_the_setting_names(corpus_app, live_server, news_site, page, allowed):
    if allowed:
        corpus_app.config["EMBED_FRAME_ANCESTORS"] = news_site
    # a context of its own: a refused frame is a console error there, which is the point
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        news = context.new_page()
        messages: list[str] = []
        news.on("console", lambda m: messages.append(m.text))
        news.goto(f"{news_site}/frame?src={live_server}/embed/timeline")
        frame = news.frame_locator("iframe")
        if allowed:
            frame.locator("svg.timeline-chart").wait_for()
            assert frame.locator("svg.timeline-chart a.mark").count() == CORPUS_ENTRIES
            assert frame.locator("ol.embed-entries li").count() == CORPUS_ENTRIES
            news.screenshot(path=str(ARTIFACTS / "timeline-embedded.png"), full_page=True)
        else:
            news.wait_for_timeout(1000)
            assert frame.locator("svg.timeline-chart").count() == 0
            assert any("frame-ancestors" in m for m in messages), messages
        # the archive's other pages stay unframeable, whatever the setting
        news.goto(f"{news_site}/frame?src={live_server}/timeline")
        news.wait_for_timeout(1000)
        assert frame.get_by_text("Timeline of events and denials").count() == 0
        assert frame.locator("svg.timeline-chart").count() == 0
    finally:
        context.close()
