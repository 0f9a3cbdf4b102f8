"""A small case with documents of each consent level and a timeline citing them."""

from __future__ import annotations

import pytest

from archive.services import get_db
from archive.storage import queries
from archive.storage.models import Document
from archive.timeline.entries import create_entries, validate_entry
from tests.conftest import CLI

CASE = "test-case"
# the source record of the governor's article (context_case): what the exports must give back
GOVERNOR_SOURCE = {
    "outlet": "The Daily Example",
    "author": "A. Reporter",
    "url": "https://news.example/2017/governor",
    "reported_by": "The Weekly Example",
    "date": "2017-04-22",
    "title": "Governor: no such people",
    "captured": "2017-05-01",
    "archived_sha256": "ab" * 32,
}


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


@pytest.fixture
def context_case(small_case, make_document, add_entries):
    """small_case, and a denial citing a graded article with its source and the archive's
    translation of it (derived from it: two documents, one independent source); a denial
    quoted only in the researcher testimony, by a speaker without an office; and one denying
    only the custodian-only event."""
    docs, ids = small_case
    docs["article"] = make_document(
        slug="governor-article",
        kind="news_report",
        title="A governor denies the detentions",
        body="Asked about the reports, the governor said: There are no such people here.\n",
        source_type="second_hand",
        grading={"source": "A", "information": "1", "note": "Named reporter, confirmed elsewhere."},
        source=GOVERNOR_SOURCE,
    )
    docs["translation"] = make_document(
        slug="governor-article-translation",
        kind="news_report",
        title="The governor's denial, translated",
        body="The governor said there were no such people in the region.\n",
        source_type="second_hand",
        grading={"source": "C", "information": "3"},
        derived_from=[{"document": "governor-article", "relation": "translation"}],
    )
    ids |= add_entries(
        {
            "slug": "governor-denial",
            "kind": "denial",
            "date": "2017-04",
            "title": "A governor denies the detentions",
            "speaker": "A governor",
            "office": "head of the region",
            "channel": "interview",
            "quotation": "There are no such people here.",
            "paraphrase": "The governor said there were none.",
            "denies": ["detentions"],
            "citations": [
                {"document": "governor-article", "excerpt": "There are no such people here."},
                {"document": "governor-article-translation", "excerpt": "no such people in the region"},
            ],
        },
        {
            "slug": "researcher-quoted-denial",
            "kind": "denial",
            "date": "2017~",
            "title": "Regional authorities deny it",
            "speaker": "Regional authorities",
            "quotation": "A first account.",
            "paraphrase": "The authorities said nothing had happened.",
            "denies": ["detentions"],
            "citations": [
                {"document": "public-report", "excerpt": "An official denied it."},
                {"document": "researcher-testimony", "excerpt": "A first account."},
            ],
        },
        {
            "slug": "hidden-only-denial",
            "kind": "denial",
            "date": "2017-05-02",
            "title": "An official denies what only custodians may read",
            "speaker": "An official",
            "denies": ["hidden-event"],
            "citations": [{"document": "public-report", "excerpt": "An official denied it."}],
        },
    )
    return docs, ids


def document_hashes(app) -> dict[str, str]:
    """Each document's public-text SHA-256, by slug (exports carry it, never the submission's)."""
    with app.app_context(), get_db(app).session() as s:
        return {d.slug: d.version_sha256 for d in s.query(Document)}
