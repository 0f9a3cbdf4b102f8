"""Permalinks: where each kind of object lives in the archive's web interface.

Serializers and exports take a `Link` (kind, key) → URL instead of building addresses
themselves: the web gives one made by url_for under its own address (web/helpers.py), the
command line one under `--base-url` (`under()`). Both follow PATHS; a test checks they agree.

A key is an id (or a case's slug), or the record itself: a document, timeline entry or act
given as a record that has a slug is linked by its case and slug (`SLUG_PATHS`), an address
that stays the same in a copy of the archive restored elsewhere, where ids may differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

Link = Callable[[str, Any], str]

PATHS = {
    "document": "/documents/{}",
    "entry": "/timeline/entries/{}",
    "act": "/acts/{}",
    "case": "/cases/{}",
    "media": "/media/{}",
    "thumbnail": "/media/{}/thumbnail",
}
SLUG_PATHS = {
    "document": "/cases/{case}/documents/{slug}",
    "entry": "/cases/{case}/timeline/{slug}",
    "act": "/cases/{case}/acts/{slug}",
}


def by_slug(kind: str, key) -> tuple[str, str] | None:
    """(case slug, slug) when the key is a record linked by its slug, else None."""
    slug = getattr(key, "slug", None)
    if kind not in SLUG_PATHS or not slug or isinstance(key, int | str):
        return None
    return key.case.slug, slug


def key_of(key) -> int | str:
    """The id of a record, or the key as given."""
    return key if isinstance(key, int | str) else key.id


def under(base_url: str) -> Link:
    """Permalinks as the web pages make them, under the given address ('' for paths only)."""
    base = base_url.rstrip("/")

    def link(kind: str, key) -> str:
        slugs = by_slug(kind, key)
        if slugs is not None:
            return base + SLUG_PATHS[kind].format(case=quote(slugs[0]), slug=quote(slugs[1]))
        return base + PATHS[kind].format(key_of(key))

    return link
