"""The timeline page, entry pages, editing forms, suggestions and the API."""

from __future__ import annotations

import re

import pytest

from archive.dates import display_date
from archive.services import get_db
from archive.storage.models import DateSuggestion, TimelineEntry
from tests.conftest import csrf_token


def test_the_page_shows_two_lanes_by_month_with_denials_tied_to_events(client, small_case):
    _, ids = small_case
    page = client.get("/timeline")
    assert page.status_code == 200
    html = page.text
    months = re.findall(r'<h3 id="m-[^"]+-h">([^<]+)</h3>', html)
    assert months == [display_date(d, "en") for d in ("2017-XX", "2017-02", "2017-04")]
    february = html[html.index('id="m-2017-2"') : html.index('id="m-2017-4"')]
    assert 'class="lane lane-reported"' in february and "Detentions begin" in february
    april = html[html.index('id="m-2017-4"') :]
    said = april[april.index("lane-official") :]
    assert "Official denies it" in said and "A minister speaks" in said
    # the denial links to the event, the event names its denier, the ledger lists it
    assert f'#entry-{ids["detentions"]}"' in said
    assert "denied by" in february and "An official" in february
    assert 'class="denial-ledger"' in html and "Spokesman" in html
    assert "<svg" in html and "<script" not in html
    assert "21 April 2017" in html and not re.search(r"\b1 April 2017", html)
    assert "4 entries, 1 denial." in html and html.count("Export:") == 1


def test_filters_are_in_the_url_and_bad_ones_are_a_clear_400(client, small_case):
    page = client.get("/timeline?kind=denial&actor=official")
    assert "Official denies it" in page.text and "Detentions begin</a></h4>" not in page.text
    assert 'href="/timeline/export.json?kind=denial&amp;actor=official"' in page.text
    bad = client.get("/timeline?period=whenever")
    assert bad.status_code == 400 and "period" in bad.text


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_a_hidden_entry_looks_like_an_unused_id(reader, small_case, role):
    client = reader(role)
    hidden = client.get(f"/timeline/entries/{small_case[1]['hidden-event']}")
    unused = client.get("/timeline/entries/999999")
    assert hidden.status_code == unused.status_code == 404
    assert "Known only" not in client.get("/timeline").text
    assert client.get(f"/api/v1/timeline/{small_case[1]['hidden-event']}").status_code == 404


def test_an_entry_page_shows_its_evidence(client, small_case):
    docs, ids = small_case
    page = client.get(f"/timeline/entries/{ids['detentions']}")
    assert page.status_code == 200
    assert f'href="/documents/{docs["public"]}"' in page.text
    assert "+1 not public" in page.text


def _form_post(client, url, fields):
    token = csrf_token(client.get(url).text)
    return client.post(url, data={**fields, "csrf_token": token})


ENTRY = {
    "case": "test-case",
    "kind": "event",
    "date": "2017-05",
    "title": "A new event",
    "citations": "public-report | Men were detained",
}


def test_a_custodian_creates_and_edits_an_entry_through_the_forms(signed_in, small_case, app):
    client = signed_in("custodian")
    created = _form_post(client, "/timeline/entries/new", ENTRY)
    assert created.status_code == 302, created.text
    entry_id = int(created.headers["Location"].rsplit("/", 1)[1])
    edited = _form_post(
        client, f"/timeline/entries/{entry_id}/edit", {**ENTRY, "title": "An edited event", "date": "2017-05-02"}
    )
    assert edited.status_code == 302
    with app.app_context(), get_db(app).session() as s:
        entry = s.get(TimelineEntry, entry_id)
        assert (entry.title, entry.date_edtf) == ("An edited event", "2017-05-02")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date": "May"}, "EDTF"),
        ({"citations": "no-such-doc | x"}, "no-such-doc"),
        ({"kind": "denial"}, "denies"),
    ],
)
def test_a_bad_entry_form_says_what_is_wrong_and_saves_nothing(signed_in, small_case, app, changes, message):
    client = signed_in("custodian")
    response = _form_post(client, "/timeline/entries/new", {**ENTRY, **changes})
    assert response.status_code == 400
    assert message in response.text
    with app.app_context(), get_db(app).session() as s:
        assert s.query(TimelineEntry).filter_by(title="A new event").count() == 0


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_only_custodians_edit_the_timeline(reader, small_case, role):
    client = reader(role)
    for url in (
        "/timeline/entries/new",
        f"/timeline/entries/{small_case[1]['denial']}/edit",
        "/timeline/suggestions",
    ):
        assert client.get(url).status_code in (401, 403), url


def test_a_suggestion_is_accepted_into_an_entry_or_dismissed(signed_in, make_document, app):
    make_document(slug="dated", body="He was detained on 21 April 2017. Freed in May 2017.\n", published="2017-09")
    client = signed_in("custodian")
    listing = client.get("/timeline/suggestions").text
    assert "21 April 2017" in listing and "May 2017" in listing
    with app.app_context(), get_db(app).session() as s:
        first, second = s.query(DateSuggestion).order_by(DateSuggestion.date_start).all()
        first_id, second_id = first.id, second.id
    form = client.get(f"/timeline/entries/new?suggestion={first_id}").text
    assert 'value="2017-04-21"' in form and "dated | He was detained on 21 April 2017." in form
    token = csrf_token(form)
    saved = client.post(
        "/timeline/entries/new",
        data={
            "suggestion": first_id,
            "case": "test-case",
            "kind": "event",
            "date": "2017-04-21",
            "title": "He is detained",
            "citations": "dated | He was detained on 21 April 2017.",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 302, saved.text
    dismissed = client.post(f"/timeline/suggestions/{second_id}/dismiss", data={"csrf_token": token})
    assert dismissed.status_code == 302
    with app.app_context(), get_db(app).session() as s:
        statuses = {r.id: (r.status, r.entry_id) for r in s.query(DateSuggestion)}
        assert statuses[first_id][0] == "accepted" and statuses[first_id][1] is not None
        assert statuses[second_id] == ("dismissed", None)
    assert "He was detained" not in client.get("/timeline/suggestions").text


def test_the_api_creates_reads_and_replaces_entries(signed_in, small_case):
    client = signed_in("custodian")
    token = csrf_token(client.get("/timeline/entries/new").text)
    body = {
        "case": "test-case",
        "kind": "response",
        "date": "2017-06",
        "title": "A response",
        "speaker": "A minister",
        "channel": "interview",
        "stances": [{"event": "detentions", "stance": "minimises"}],
        "citations": [{"document": "public-report", "excerpt": "Men were"}],
    }
    created = client.post("/api/v1/timeline", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.text
    entry = created.get_json()
    assert entry["stances"] == [{"event": small_case[1]["detentions"], "stance": "minimises"}]
    replaced = client.put(
        f"/api/v1/timeline/{entry['id']}", json={**body, "title": "Renamed"}, headers={"X-CSRFToken": token}
    )
    assert replaced.status_code == 200 and replaced.get_json()["title"] == "Renamed"
    bad = client.post("/api/v1/timeline", json={**body, "channel": "fax"}, headers={"X-CSRFToken": token})
    assert bad.status_code == 400 and "channel" in bad.text
    assert client.get(f"/api/v1/timeline/{entry['id']}").get_json()["title"] == "Renamed"


def test_the_api_refuses_writes_from_non_custodians(reader, small_case):
    client = reader("researcher")
    response = client.post("/api/v1/timeline", json={"title": "x"})
    assert response.status_code in (400, 403)
    assert not re.search(r"Traceback", response.text)


def test_a_denial_filter_still_links_each_denial_to_its_event(client, small_case):
    _, ids = small_case
    html = client.get("/timeline?kind=denial").text
    assert "Detentions begin</a></h4>" not in html  # events are filtered out of the lanes...
    # ...but the denial still names the event it denies, linked where it sits
    assert f'href="/timeline?case=test-case&amp;year=2017#entry-{ids["detentions"]}"' in html
    assert "Known only" not in html


def test_the_case_page_names_only_denied_events_its_reader_may_see(client, small_case):
    html = client.get("/cases/test-case").text
    assert "Official denies it" in html and "Detentions begin" in html
    assert "Known only" not in html


@pytest.fixture
def long_timeline(small_case, add_entries, monkeypatch):
    """The small case plus entries in 2015 and 2018, shown a year at a time."""
    import archive.web.timeline

    monkeypatch.setattr(archive.web.timeline, "YEAR_PAGING", 3)
    cite = [{"document": "public-report", "excerpt": ""}]
    ids = add_entries(
        {"slug": "early", "kind": "event", "date": "2015-06", "title": "Early event", "citations": cite},
        {
            "slug": "late-denial",
            "kind": "denial",
            "date": "2018-01-10",
            "title": "Late denial",
            "denies": ["detentions"],
            "citations": cite,
        },
        {"slug": "before", "kind": "event", "date": "../2016", "title": "Some time before", "citations": cite},
    )
    return {**small_case[1], **ids}


def test_a_long_timeline_is_shown_one_year_at_a_time(client, long_timeline):
    ids = long_timeline
    first = client.get("/timeline?case=test-case")
    assert first.status_code == 200
    html = first.text
    assert "Early event" in html and "Detentions begin" not in html  # the first year
    assert "Some time before" not in html
    assert "7 entries, 2 denials; showing 2015." in html
    years = re.findall(r'<li><a href="([^"]*)"[^>]*>([^<]+)</a> <span class="meta">\((\d+)\)', html)
    assert [(label, count) for _, label, count in years] == [
        ("2015", "1"),
        ("2016", "1"),
        ("2017", "4"),
        ("2018", "1"),
    ]
    assert years[2][0] == "/timeline?case=test-case&amp;year=2017"
    # the chart draws the year shown, its entries linked on the page
    assert re.findall(r'<a href="([^"]+)" class="mark', html) == [f"#entry-{ids['early']}"]

    later = client.get("/timeline?case=test-case&year=2018").text
    assert "Late denial" in later and "Early event" not in later
    assert "What was denied in 2018, and by whom" in later
    # the denied event is in another year: the link goes there
    assert f'href="/timeline?case=test-case&amp;year=2017#entry-{ids["detentions"]}"' in later
    assert "Some time before" in client.get("/timeline?case=test-case&year=2016").text
    bad = client.get("/timeline?year=twenty")
    assert bad.status_code == 400 and "year" in bad.text


def test_a_short_timeline_ignores_the_year(client, small_case):
    html = client.get("/timeline?year=2015").text
    assert "Detentions begin" in html and 'aria-label="Years"' not in html


def test_the_api_pages_the_timeline_in_date_order(client, long_timeline):
    first = client.get("/api/v1/timeline?case=test-case&per_page=3").get_json()
    second = client.get("/api/v1/timeline?case=test-case&per_page=3&page=2").get_json()
    assert first["total"] == second["total"] == 7  # the hidden event is not counted
    titles = [e["title"] for e in first["items"] + second["items"]]
    assert titles[:3] == ["Early event", "Some time before", "Something in 2017"]
    assert len(titles) == 6 and len(set(titles)) == 6
