"""Search as a reader may: the request built from parameters, the audience from the actor."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import Audience, audience_for
from archive.dates import parse_edtf
from archive.errors import N_, ValidationError
from archive.search.backend import SearchBackend, SearchRequest, SearchResults
from archive.search.errors import QueryError
from archive.search.indexing import index_lags, indexed, indexed_loads
from archive.search.language import FACETS, parse_query
from archive.search.snippets import snippet
from archive.storage.models import Document


@dataclass(frozen=True)
class Period:
    """The period of events a search is narrowed to: each bound as written (EDTF, "" when
    open) and the day it stands for."""

    start: str = ""
    end: str = ""
    earliest: date | None = None
    latest: date | None = None

    def __bool__(self) -> bool:
        return bool(self.start or self.end)


def requested_period(q: str, date_from: str | None, date_to: str | None) -> tuple[Period, str]:
    """The period asked for by the `from` and `to` parameters and each `date:` term of the
    query, which must all hold (so the latest start and the earliest end), and the query with
    its date terms blanked out (the same length: a fault found later is at the same place).

    A document matches when its events end on or after the start and begin on or before the
    end, which is each condition at once."""
    lows: list[tuple[str, date]] = []
    highs: list[tuple[str, date]] = []
    if date_from:
        lows.append((date_from, parse_edtf(date_from, "from").earliest))
    if date_to:
        highs.append((date_to, parse_edtf(date_to, "to").latest))
    q = q or ""
    periods = parse_query(q).periods
    for value, at, end in periods:
        try:
            period = parse_edtf(value, "date")
        except ValidationError as exc:
            # translated as the date's own error
            raise QueryError(exc.template, at, end, field="date", params=exc.params) from exc
        start, _, end = value.partition("/") if "/" in value else (value, "", value)
        if period.earliest:
            lows.append((start, period.earliest))
        if period.latest:
            highs.append((end, period.latest))
    low = max(lows, key=lambda bound: bound[1], default=("", None))
    high = min(highs, key=lambda bound: bound[1], default=("", None))
    blanked = q
    for _, at, end in periods:
        blanked = blanked[:at] + " " * (end - at) + blanked[end:]
    return Period(low[0], high[0], low[1], high[1]), blanked


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
    among: Collection[int] | None = None,
) -> SearchResults:
    """Search the documents this actor may read; `date:2017-02/2017-04` in q is a range too,
    narrowing `date_from` and `date_to` further (requested_period); `among` narrows it to
    those documents (the sources of the acts a reader asked for).

    The index is not trusted with access: each hit on the page is checked against the
    database (the reader may see the document, and the index holds its current version), and
    when the index lags the database (work in the outbox) or a hit fails the check, no total,
    facet count or suggestion the index computed is given (`partial`)."""
    audience = audience_for(actor)
    filters = {k: v for k, v in (filters or {}).items() if k in FACETS and v not in (None, "")}
    if "year" in filters and not re.fullmatch(r"[0-9]{4}", str(filters["year"])):
        raise ValidationError(N_("must be a four-digit year"), field="year")
    if sort not in ("relevance", "date"):
        raise ValidationError(N_("must be relevance or date"), field="sort")
    period, q = requested_period(q, date_from, date_to)
    request = SearchRequest(
        q=q or "",
        filters=filters,
        date_from=period.earliest,
        date_to=period.latest,
        consents=audience.consents,
        statuses=audience.statuses,
        sort=sort,
        among=tuple(sorted(among)) if among is not None else None,
        page=page,
        per_page=per_page,
    )
    # asked before the index is read too: work queued when the search began and done (its
    # outbox rows removed) before it ended would otherwise leave figures computed from the
    # index's copy before it unmarked
    lagging = index_lags(session)
    return verified(session, backend.search(request), audience, lagging)


def verified(session: Session, results: SearchResults, audience: Audience, lagging: bool = False) -> SearchResults:
    """Keep the hits the database agrees the audience may see in the version indexed, each
    with its date of publication as recorded (EDTF: `2017-09?`, not the day it begins) and
    its snippet, made of the database's public text of that very version (the PostgreSQL
    index holds no text); `lagging`: the index had work queued when it was read."""
    current = _current(session, [h.id for h in results.hits], audience)
    checked = [h for h in results.hits if h.version and h.id in current and current[h.id].version == h.version]
    texts = {h.id: current[h.id].body for h in checked}
    hits = [
        replace(h, published_edtf=current[h.id].published_edtf or "")
        for h in with_snippets(replace(results, hits=checked), texts).hits
    ]
    if len(hits) == len(results.hits) and not lagging and not index_lags(session):
        return replace(results, hits=hits)  # a copy: the results may be kept for other readers
    return SearchResults(
        hits=hits,
        total=(results.page - 1) * results.per_page + len(hits),
        page=results.page,
        per_page=results.per_page,
        partial=True,
        more=results.total > results.page * results.per_page,
        terms=results.terms,
    )


def with_snippets(results: SearchResults, texts: dict[int, str]) -> SearchResults:
    """The results with a snippet for each hit whose public text `texts` gives (the text of
    the version the index holds: verified() checks it), marking the words the query found;
    the others' hits left out."""
    hits = [replace(h, snippet=snippet(texts[h.id], results.terms)) for h in results.hits if h.id in texts]
    return replace(results, hits=hits)


@dataclass(frozen=True)
class _Current:
    version: str  # as the index would hold the document now (indexing.version_of)
    published_edtf: str | None
    body: str  # its public text now, of that version


def _current(session: Session, ids: list[int], audience: Audience) -> dict[int, _Current]:
    """Each visible document's current index version, recorded date of publication and
    public text."""
    if not ids:
        return {}
    stmt = (
        select(Document)
        .options(*indexed_loads(Document.published_edtf))
        .where(
            Document.id.in_(ids),
            Document.consent.in_(audience.consents),
            Document.status.in_(audience.statuses),
            Document.redaction_reviewed_at.is_not(None),
        )
    )
    found = {}
    for document in session.scalars(stmt):
        doc = indexed(document)
        found[document.id] = _Current(doc.version, document.published_edtf, doc.body)
    return found


def visible_languages(backend: SearchBackend, actor: Actor) -> dict[str, int]:
    """The languages of the documents this actor may find, as the index has them.

    For a hint only (which languages a reader could search in), never shown as counts: it
    is the very request of the search page with no query, so it is usually kept already."""
    audience = audience_for(actor)
    found = backend.search(SearchRequest(consents=audience.consents, statuses=audience.statuses))
    return found.facets.get("language", {})
