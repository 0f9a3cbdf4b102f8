"""Permalinks made by the command line (archive/links.py) are the web's own addresses."""

from __future__ import annotations

import pytest

from archive.links import PATHS, under
from archive.web.helpers import permalink


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_command_line_links_are_the_pages_addresses(app, kind):
    key = "a-case" if kind == "case" else 42
    with app.test_request_context():
        assert under("http://archive.test")(kind, key) == permalink(kind, key)
