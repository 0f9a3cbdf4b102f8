"""A small case for the violations layer: documents of each audience, events, acts."""

from __future__ import annotations

import pytest

from archive.services import get_db
from archive.storage import queries
from archive.timeline.entries import create_entries, validate_entry
from archive.violations.acts import save_acts, validate_act
from tests.conftest import CLI

CASE = "test-case"


@pytest.fixture
def add_acts(app):
    """Store acts (dicts in the corpus format); return their ids by slug."""

    def add(*acts: dict) -> dict[str, int]:
        with app.app_context(), get_db(app).session() as s:
            case = queries.get_case(s, CASE)
            subs = [(a["slug"], validate_act({"case": CASE, **a}, a["slug"])) for a in acts]
            return {a.slug: a.id for a in save_acts(s, case, subs, CLI, "cli")}

    return add


@pytest.fixture
def acts_case(make_document, add_acts, app):
    """A public report, a researchers' testimony and a custodians' testimony; an event on the
    timeline; acts resting on each, one attributed to a named unit."""
    docs = {
        "public": make_document(
            slug="public-report",
            kind="news_report",
            title="Public report",
            body="Police held twelve men in Argun in March 2017 and beat them.\n",
        ),
        "researchers": make_document(
            slug="researcher-testimony",
            title="Researchers' testimony",
            consent="researchers",
            body="I was held for a week and threatened with being outed.\n",
        ),
        "custodians": make_document(
            slug="custodian-testimony",
            title="Custodians' testimony",
            consent="custodians",
            body="They took us to the Kurchaloy base and one man died there.\n",
        ),
    }
    with app.app_context(), get_db(app).session() as s:
        case = queries.get_case(s, CASE)
        event = {
            "slug": "held-in-argun",
            "case": CASE,
            "kind": "event",
            "date": "2017-03",
            "title": "Men held in Argun",
            "citations": [{"document": "public-report", "excerpt": ""}],
        }
        hidden_event = {
            "slug": "held-at-base",
            "case": CASE,
            "kind": "event",
            "date": "2017-03",
            "title": "Men held at a base",
            "citations": [{"document": "custodian-testimony", "excerpt": ""}],
        }
        entries = {e.slug: e.id for e in create_entries(
            s, case, [("e", validate_entry(event, "e")), ("h", validate_entry(hidden_event, "h"))], CLI, "cli"
        )}  # fmt: skip
    acts = add_acts(
        {
            "slug": "argun-detentions",
            "type": "arbitrary_detention",
            "date": "2017-03",
            "place": "Argun",
            "summary": "Twelve men held by police in Argun",
            "entry": "held-in-argun",
            "victims": [{"count": 12, "who": "men held in Argun"}],
            "perpetrators": [{"name": "Argun police", "kind": "institution"}],
            "sources": [{"document": "public-report", "excerpt": "Police held twelve men in Argun"}],
        },
        {
            "slug": "argun-beatings",
            "type": "torture",
            "date": "2017-03",
            "summary": "Men beaten after their arrest",
            "entry": "held-in-argun",
            "victims": [{"count": 12, "who": "men held in Argun"}],
            "perpetrators": [{"name": "Argun police", "kind": "institution"}],
            "sources": [
                {"document": "public-report", "excerpt": "beat them"},
                {"document": "researcher-testimony", "excerpt": "I was held for a week"},
            ],
        },
        {
            "slug": "threats-of-outing",
            "type": "threats",
            "date": "2017-03",
            "summary": "A detainee threatened with being outed",
            "victims": [{"count": 1, "who": "detainee"}],
            "perpetrators": [{"name": "Interrogators", "kind": "group"}],
            "sources": [{"document": "researcher-testimony", "excerpt": "threatened with being outed"}],
        },
        {
            "slug": "death-at-base",
            "type": "death_in_custody",
            "date": "2017-03",
            "summary": "A man died at the Kurchaloy base",
            "entry": "held-at-base",
            "victims": [{"count": 1, "who": "man held at the base"}],
            "perpetrators": [{"name": "Kurchaloy garrison", "kind": "unit"}],
            "sources": [{"document": "custodian-testimony", "excerpt": "one man died there"}],
        },
    )
    return {"docs": docs, "acts": acts, "entries": entries}
