"""Permalinks: where each kind of object lives in the archive's web interface.

Serializers and exports take a `Link` (kind, key) → URL instead of building addresses
themselves: the web gives one made by url_for under its own address (web/helpers.py), the
command line one under `--base-url` (`under()`). Both follow PATHS; a test checks they agree.
"""

from __future__ import annotations

from collections.abc import Callable

Link = Callable[[str, int | str], str]

PATHS = {
    "document": "/documents/{}",
    "entry": "/timeline/entries/{}",
    "case": "/cases/{}",
    "media": "/media/{}",
    "thumbnail": "/media/{}/thumbnail",
}


def under(base_url: str) -> Link:
    """Permalinks as the web pages make them, under the given address ('' for paths only)."""
    base = base_url.rstrip("/")

    def link(kind: str, key: int | str) -> str:
        return base + PATHS[kind].format(key)

    return link
