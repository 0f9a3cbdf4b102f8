"""Search results as JSON, for the API and `archive search --json`."""

from __future__ import annotations

from archive.dates import display_date
from archive.links import Link
from archive.search.backend import Hit, SearchResults


def hit_json(hit: Hit, link: Link, locale: str = "en") -> dict:
    """`published` is the date as recorded, in EDTF (`2017-09?`: possibly September 2017),
    never a day it does not name; `date_display` words it for a reader of `locale`."""
    published = hit.published_edtf or (hit.published.isoformat() if hit.published else None)
    return {
        "id": hit.id,
        "url": link("document", hit.id),
        "title": hit.title,
        "snippet": hit.snippet,
        "kind": hit.kind,
        "language": hit.language,
        "case": hit.case,
        "published": published,
        "date_display": display_date(published, locale) or None,
    }


def results_json(results: SearchResults, link: Link, locale: str = "en") -> dict:
    """No relevance score (it moves when a hidden document shares a word); no total while
    the index catches up with the database (`partial`: only `more` says whether to page on)."""
    return {
        "items": [hit_json(h, link, locale) for h in results.hits],
        "total": None if results.partial else results.total,
        "partial": results.partial,
        "more": results.more if results.partial else results.total > results.page * results.per_page,
        "page": results.page,
        "per_page": results.per_page,
        "facets": results.facets,
        "suggestion": results.suggestion,
    }
