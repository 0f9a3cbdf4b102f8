"""Search results as JSON, for the API and `archive search --json`."""

from __future__ import annotations

from archive.links import Link
from archive.search.backend import Hit, SearchResults


def hit_json(hit: Hit, link: Link) -> dict:
    return {
        "id": hit.id,
        "url": link("document", hit.id),
        "title": hit.title,
        "snippet": hit.snippet,
        "kind": hit.kind,
        "language": hit.language,
        "case": hit.case,
        "published": hit.published.isoformat() if hit.published else None,
        "score": round(hit.score, 4),
    }


def results_json(results: SearchResults, link: Link) -> dict:
    return {
        "items": [hit_json(h, link) for h in results.hits],
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "facets": results.facets,
        "suggestion": results.suggestion,
    }
