"""Search results kept for the version of the index they were computed from (per process).

A popular search (a name, a place, "detained") is asked again and again between two changes
of the index, and on a large archive each asking counts, ranks and facets thousands of
matches. The results of the latest searches are kept (archive/kept.py), keyed by everything
the request holds, the reader's access included (a reader is only ever given results
computed for the same consents and statuses), and by the backend's version of the index,
which changes in the same transaction (PostgreSQL: migration 0013's generation) or commit
(Whoosh: its table of contents) as any write to it. So a withdrawn or re-redacted document
is gone from the results from the very next search, in every process and on every server.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import fields

from archive.kept import Kept
from archive.search.backend import SearchRequest, SearchResults

SIZE = 500  # searches kept per process by default (ARCHIVE_SEARCH_CACHE): some 10 MB


def request_key(request: SearchRequest) -> tuple:
    """Every field of the request (a new field is part of the key without anyone's edit)."""
    key = []
    for f in fields(request):
        value = getattr(request, f.name)
        if isinstance(value, dict):
            value = tuple(sorted(value.items()))
        key.append(value)
    return tuple(key)


class ResultCache(Kept[SearchResults]):
    """The results of the latest `size` searches on the index's current version."""

    def results(self, version: Hashable, request: SearchRequest, compute: Callable[[], SearchResults]) -> SearchResults:
        return self.get(version, request_key(request), compute)
