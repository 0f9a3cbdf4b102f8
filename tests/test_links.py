"""Permalinks made by the command line (archive/links.py) are the web's own addresses."""

from __future__ import annotations

import pytest

from archive.links import PATHS, SLUG_PATHS, under
from archive.web.helpers import permalink


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_command_line_links_are_the_pages_addresses(app, kind):
    key = "a-case" if kind == "case" else 42
    with app.test_request_context():
        assert under("http://archive.test")(kind, key) == permalink(kind, key)


@pytest.mark.parametrize("kind", sorted(SLUG_PATHS))
def test_a_record_with_a_slug_is_linked_by_its_case_and_slug_alike(app, kind):
    from types import SimpleNamespace

    record = SimpleNamespace(id=42, slug="men-held-in-argun", case=SimpleNamespace(slug="a-case"))
    with app.test_request_context():
        assert under("http://archive.test")(kind, record) == permalink(kind, record)
        assert permalink(kind, record).endswith(
            "/cases/a-case/" + SLUG_PATHS[kind].split("/")[3] + "/men-held-in-argun"
        )
        # without a slug: by id
        assert permalink(kind, SimpleNamespace(id=42, slug=None)) == permalink(kind, 42)
