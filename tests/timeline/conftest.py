"""A small case with documents of each consent level and a timeline citing them."""

from __future__ import annotations

import pytest

from archive.services import get_db
from archive.storage import queries
from archive.storage.models import Document
from archive.timeline.entries import create_entries, validate_entry
from tests.conftest import CLI

CASE = "test-case"


@pytest.fixture
def add_entries(app):
    """Store entries (dicts in the corpus format) in one go; return their ids by slug."""

    def add(*entries: dict) -> dict[str, int]:
        with app.app_context(), get_db(app).session() as s:
            case = queries.get_case(s, CASE)
            subs = [(e["slug"], validate_entry({"case": CASE, **e}, e["slug"])) for e in entries]
            created = create_entries(s, case, subs, CLI, "cli")
            return {e.slug: e.id for e in created}

    return add


@pytest.fixture
def small_case(make_document, add_entries):
    """Public, researcher-only and custodian-only documents; events, a denial, a statement."""
    docs = {
        "public": make_document(
            slug="public-report",
            title="Public report",
            body="Men were detained in February 2017. An official denied it.\n\nA minister *spoke* about it.\n",
        ),
        "researchers": make_document(
            slug="researcher-testimony",
            consent="researchers",
            title="Researcher testimony",
            body="A first account. HIDDENCANARY one.\n",
        ),
        "custodians": make_document(
            slug="custodian-testimony", consent="custodians", title="Custodian testimony", body="HIDDENCANARY two.\n"
        ),
    }
    ids = add_entries(
        {
            "slug": "detentions",
            "kind": "event",
            "date": "2017-02",
            "title": "Detentions begin",
            "citations": [
                {"document": "public-report", "excerpt": "Men were detained"},
                {"document": "researcher-testimony", "excerpt": "A first account."},
            ],
        },
        {
            "slug": "year-event",
            "kind": "event",
            "date": "2017",
            "title": "Something in 2017",
            "citations": [{"document": "public-report", "excerpt": ""}],
        },
        {
            "slug": "hidden-event",
            "kind": "event",
            "date": "2017-03-05",
            "title": "Known only from a custodian testimony",
            "citations": [{"document": "custodian-testimony", "excerpt": ""}],
        },
        {
            "slug": "denial",
            "kind": "denial",
            "date": "2017-04-21",
            "title": "Official denies it",
            "speaker": "An official",
            "office": "Spokesman",
            "channel": "press_conference",
            "quotation": "An official denied it.",
            "denies": ["detentions", "hidden-event"],
            "citations": [{"document": "public-report", "excerpt": "An official denied it."}],
        },
        {
            "slug": "statement",
            "kind": "statement",
            "date": "2017-04",
            "title": "A minister speaks",
            "stances": [{"event": "detentions", "stance": "confirms"}],
            "citations": [{"document": "public-report", "excerpt": "minister spoke about"}],
            "conflicts": [
                {"document": "public-report", "account": "about 40"},
                {"document": "researcher-testimony", "account": "some 30"},
            ],
        },
    )
    return docs, ids


def document_ids(app) -> dict[str, int]:
    with app.app_context(), get_db(app).session() as s:
        return {d.slug: d.id for d in s.query(Document)}
