"""No figure leaks (issue 18): counts shown to a reader are computed over what that reader
may see."""

from __future__ import annotations

import re

from archive.services import get_db
from archive.storage import queries
from archive.timeline.entries import create_entries, validate_entry
from tests.conftest import CLI


def _entry(slug: str, document: str) -> dict:
    return {
        "slug": slug,
        "case": "test-case",
        "kind": "event",
        "date": "2017-04",
        "title": f"Entry {slug}",
        "description": "Men were held.",
        "citations": [{"document": document, "excerpt": "held"}],
    }


def test_the_home_page_counts_only_the_timeline_entries_the_reader_may_see(app, make_document, reader):
    make_document(slug="open", body="Men were held.\n")
    make_document(slug="closed", consent="custodians", body="Men were held.\n")
    with app.app_context(), get_db(app).session() as s:
        case = queries.get_case(s, "test-case")
        entries = [("seen", validate_entry(_entry("seen", "open"), "t"))]
        entries += [(f"hidden-{i}", validate_entry(_entry(f"hidden-{i}", "closed"), "t")) for i in range(3)]
        create_entries(s, case, entries, CLI, "cli")

    def counted(role: str) -> int:
        page = reader(role).get("/").text
        return int(re.search(r"timeline entries: <strong>(\d+)</strong>", page)[1])

    assert counted("anonymous") == 1
    assert counted("custodian") == 4
