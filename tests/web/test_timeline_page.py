"""The timeline's pages for readers: the chart, neutral lanes, documents and entries linked both
ways, an entry's citation and "Add to brief", and cross-references in documents as links."""

from __future__ import annotations

import re

import pytest

from archive.dates import display_date
from archive.services import get_db
from archive.storage import queries
from archive.storage.models import Brief
from archive.timeline.entries import create_entries, validate_entry
from tests.conftest import CLI, csrf_token, store_document
from tests.web.conftest import CASE, may_see


def add_entries(app, *entries: dict) -> dict[str, int]:
    with app.app_context(), get_db(app).session() as s:
        case = queries.get_case(s, CASE)
        subs = [(e["slug"], validate_entry({"case": CASE, **e}, e["slug"])) for e in entries]
        return {e.slug: e.id for e in create_entries(s, case, subs, CLI, "cli")}


@pytest.fixture
def both_ways(app, cited_everywhere):
    """A public document and a custodians-only one, cited together by a denial of an event."""
    public, hidden = cited_everywhere["public", "published"], cited_everywhere["custodians", "published"]
    ids = add_entries(
        app,
        {
            "slug": "together",
            "kind": "denial",
            "date": "2017-05-03",
            "title": "An official denies the round-ups",
            "speaker": "A spokesman",
            "denies": [f"entry-{public.slug}"],
            "citations": [
                {"document": public.slug, "excerpt": f"said {public.canary} in"},
                {"document": hidden.slug, "excerpt": f"said {hidden.canary} in"},
            ],
        },
        {
            "slug": "a-year",
            "kind": "event",
            "date": "2016",
            "title": "Something in 2016",
            "citations": [{"document": public.slug, "excerpt": ""}],
        },
    )
    return cited_everywhere, ids


@pytest.mark.parametrize("role", ["anonymous", "researcher", "custodian"])
def test_the_chart_draws_every_entry_the_reader_may_see_and_no_other(reader, both_ways, role):
    docs, _ = both_ways
    html = reader(role).get("/timeline").text
    chart = html[html.index('<svg class="timeline-chart"') : html.index("</svg>")]
    marks = re.findall(r'<a href="#entry-(\d+)" class="mark', chart)
    cards = re.findall(r'<article class="entry [^"]+" id="entry-(\d+)"', html)
    seen = sum(may_see(role, d.consent, d.status) for d in docs.values()) + 2
    assert len(set(marks)) == len(cards) == seen
    assert set(marks) == set(cards)
    assert "2016" in chart and "precision-span" in chart and "precision-month" in chart and "precision-day" in chart
    assert 'style="' not in html and "<script" not in html.split("</main>")[0]  # the CSP forbids both


def test_the_lanes_are_named_for_what_entries_are_not_for_what_is_true(client, both_ways):
    html = client.get("/timeline").text
    assert ">Reported events<" in html and ">Official statements and denials<" in html
    assert "What happened" not in html and "What officials said" not in html


def test_the_axes_are_in_the_readers_language(client, both_ways):
    html = client.get("/timeline", headers={"Accept-Language": "ru"}).text
    months = re.findall(r'<text class="month m-abbr"[^>]*>([^<]+)</text>', html)
    assert months[3].lower().startswith("апр") and not any(m.startswith("Apr") for m in months)


@pytest.mark.parametrize("role", ["anonymous", "custodian"])
def test_a_document_page_lists_the_entries_citing_it(reader, both_ways, role):
    docs, ids = both_ways
    public, hidden = docs["public", "published"], docs["custodians", "published"]
    html = reader(role).get(f"/documents/{public.id}").text
    section = html[html.index('class="on-timeline"') :]
    section = section[: section.index("</section>")]
    for slug in ("together", "a-year"):
        assert f'href="/timeline/entries/{ids[slug]}"' in section
    assert "An official denies the round-ups" in section and "Something in 2016" in section
    assert f"said {public.canary} in" in section  # the passage it cites from this document
    assert hidden.canary not in section  # never another document's passage, hidden or not
    assert "3 timeline entries cite this document" in section


def test_an_entry_page_links_back_to_its_documents_and_the_document_to_it(client, both_ways):
    docs, ids = both_ways
    public = docs["public", "published"]
    entry = client.get(f"/timeline/entries/{ids['together']}").text
    assert f'href="/documents/{public.id}"' in entry
    document = client.get(f"/documents/{public.id}").text
    assert f'href="/timeline/entries/{ids["together"]}"' in document


@pytest.mark.parametrize("role", ["anonymous", "custodian"])
def test_an_entry_page_has_a_citation_naming_only_documents_the_reader_may_open(reader, both_ways, role):
    docs, ids = both_ways
    public, hidden = docs["public", "published"], docs["custodians", "published"]
    html = reader(role).get(f"/timeline/entries/{ids['together']}").text
    citation = re.search(r'<textarea id="citation" readonly[^>]*>([^<]+)</textarea>', html)[1]
    assert "A spokesman" in citation and "An official denies the round-ups" in citation
    assert citation.startswith("Witness Archive, “An official denies the round-ups”, timeline entry, denial")
    assert f"/cases/test-case/documents/{public.slug}" in citation
    assert (f"/cases/test-case/documents/{hidden.slug}" in citation) == (role == "custodian")
    assert 'data-copy="citation"' in html and "copy.js" in html


def test_a_researcher_adds_an_entry_to_a_brief_from_its_page(signed_in, both_ways, app):
    _, ids = both_ways
    client = signed_in("researcher")
    page = f"/timeline/entries/{ids['together']}"
    assert "Start a brief" in client.get(page).text  # no brief yet: how to start one
    client.post("/briefs", data={"title": "For the court", "csrf_token": csrf_token(client.get("/briefs").text)})
    html = client.get(page).text
    assert 'form="brief-add"' in html and f'name="entry_id" value="{ids["together"]}"' in html
    form = {"csrf_token": csrf_token(html), "kind": "entry", "entry_id": ids["together"], "next": page}
    with app.app_context(), get_db(app).session() as s:
        form["brief_id"] = s.query(Brief).filter_by(title="For the court").one().id
    added = client.post("/briefs/items", data=form)
    assert added.status_code == 302 and added.headers["Location"].startswith(page)
    with app.app_context(), get_db(app).session() as s:
        brief = s.query(Brief).filter_by(title="For the court").one()
        assert [(i.kind, i.entry_id) for i in brief.items] == [("entry", ids["together"])]


@pytest.fixture
def referring(app, every_document):
    """A public document whose text refers to a public, a hidden and a missing document, and
    to a timeline entry, by slug in backticks as the corpus does."""
    public, hidden = every_document["public", "published"], every_document["custodians", "published"]
    add_entries(
        app,
        {
            "slug": "an-entry",
            "kind": "event",
            "date": "2017-04",
            "title": "An entry on the timeline",
            "citations": [{"document": public.slug, "excerpt": ""}],
        },
    )
    doc_id = store_document(
        app,
        slug="referring",
        title="Referring",
        body=f"See `{public.slug}`, `{hidden.slug}`, `no-such-document` and `an-entry`.\n",
    )
    return doc_id, public, hidden


@pytest.mark.parametrize("role", ["anonymous", "researcher", "custodian"])
def test_cross_references_are_links_only_to_what_the_reader_may_open(reader, referring, role):
    doc_id, public, hidden = referring
    html = reader(role).get(f"/documents/{doc_id}").text
    body = html[html.index('id="document-body"') : html.index("</article>")]
    assert f'<a class="xref" href="/documents/{public.id}" title="Account {public.canary}">' in body
    assert '<a class="xref" href="/timeline/entries/' in body and 'title="An entry on the timeline"' in body
    if role == "custodian":
        assert f'<a class="xref" href="/documents/{hidden.id}" title="Account {hidden.canary}">' in body
    else:  # the hidden one reads exactly like the missing one: its slug as plain text
        assert f"/documents/{hidden.id}" not in body and hidden.canary not in body
        assert f", {hidden.slug}, no-such-document and" in body
    assert "<code>" not in body


def test_an_entry_citation_writes_the_date_as_the_reader_does(client, both_ways):
    _, ids = both_ways
    html = client.get(f"/timeline/entries/{ids['a-year']}", headers={"Accept-Language": "ru"}).text
    citation = re.search(r'<textarea id="citation" readonly[^>]*>([^<]+)</textarea>', html)[1]
    assert f"«Something in 2016», запись хронологии, сообщаемое событие, {display_date('2016', 'ru')}, " in citation
    assert ".." not in citation  # "2016 г." ends the sentence itself
