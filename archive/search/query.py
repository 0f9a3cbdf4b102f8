"""Search as a reader may: the request built from parameters, the audience from the actor."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive.auth.actors import Actor
from archive.auth.permissions import Audience, audience_for
from archive.dates import parse_edtf
from archive.errors import ValidationError
from archive.search.backend import FACETS, SearchBackend, SearchRequest, SearchResults
from archive.search.indexing import index_lags, indexed
from archive.storage.models import Document

_DATE_TERM = re.compile(r"(?:^|\s)date:(\S+)")


def search_documents(
    backend: SearchBackend,
    actor: Actor,
    session: Session,
    q: str = "",
    filters: dict | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """Search the documents this actor may read; `date:2017-02/2017-04` in q is a range too.

    The index is not trusted with access: each hit on the page is checked against the
    database (the reader may see the document, and the index holds its current version), and
    when the index lags the database (work in the outbox) or a hit fails the check, no total,
    facet count or suggestion the index computed is given (`partial`)."""
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
    return verified(session, backend.search(request), audience)


def verified(session: Session, results: SearchResults, audience: Audience) -> SearchResults:
    """Keep the hits the database agrees the audience may see in the version indexed."""
    current = _current_versions(session, [h.id for h in results.hits], audience)
    hits = [h for h in results.hits if h.version and current.get(h.id) == h.version]
    if len(hits) == len(results.hits) and not index_lags(session):
        return results
    return SearchResults(
        hits=hits,
        total=(results.page - 1) * results.per_page + len(hits),
        page=results.page,
        per_page=results.per_page,
        partial=True,
        more=results.total > results.page * results.per_page,
    )


def _current_versions(session: Session, ids: list[int], audience: Audience) -> dict[int, str]:
    if not ids:
        return {}
    stmt = (
        select(Document)
        .options(selectinload(Document.places), selectinload(Document.tags), selectinload(Document.case))
        .where(
            Document.id.in_(ids),
            Document.consent.in_(audience.consents),
            Document.status.in_(audience.statuses),
            Document.redaction_reviewed_at.is_not(None),
        )
    )
    return {d.id: indexed(d).version for d in session.scalars(stmt)}
