"""Search as a reader may: the request built from parameters, the audience from the actor."""

from __future__ import annotations

import re

from archive.auth.actors import Actor
from archive.auth.permissions import audience_for
from archive.dates import parse_edtf
from archive.errors import ValidationError
from archive.search.backend import FACETS, SearchBackend, SearchRequest, SearchResults

_DATE_TERM = re.compile(r"(?:^|\s)date:(\S+)")


def search_documents(
    backend: SearchBackend,
    actor: Actor,
    q: str = "",
    filters: dict | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """Search the documents this actor may read; `date:2017-02/2017-04` in q is a range too."""
    audience = audience_for(actor)
    filters = {k: v for k, v in (filters or {}).items() if k in FACETS and v not in (None, "")}
    if "year" in filters and not re.fullmatch(r"[0-9]{4}", str(filters["year"])):
        raise ValidationError("must be a four-digit year", field="year")
    if sort not in ("relevance", "date"):
        raise ValidationError("must be relevance or date", field="sort")
    low = parse_edtf(date_from, "from").earliest if date_from else None
    high = parse_edtf(date_to, "to").latest if date_to else None
    match = _DATE_TERM.search(q or "")
    if match:
        period = parse_edtf(match.group(1), "date")
        low, high = period.earliest or low, period.latest or high
        q = _DATE_TERM.sub(" ", q)
    request = SearchRequest(
        q=q or "",
        filters=filters,
        date_from=low,
        date_to=high,
        consents=audience.consents,
        statuses=audience.statuses,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    return backend.search(request)
