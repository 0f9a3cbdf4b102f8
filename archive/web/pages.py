"""Public pages: home, cases, the document list and document pages."""

from __future__ import annotations

import re
from collections import Counter

from flask import Blueprint, current_app, g, render_template, request, url_for
from markupsafe import Markup

from archive.auth.permissions import audience_for, can
from archive.citations import STYLES, cite_document
from archive.config import document_kinds
from archive.documents.derivation import derivatives_of, proposals_for
from archive.documents.pictures import reader_files
from archive.errors import N_, NotFound, ValidationError
from archive.media.detect import SUPPORTED
from archive.media.report import summarise
from archive.rendering import link_references, reference_slugs, render_markdown_cached
from archive.services import get_session
from archive.storage import queries
from archive.storage.models import DERIVATIONS
from archive.storage.queries import DocumentFilters
from archive.timeline.read import TimelineFilters, timeline_outline, visible_timeline
from archive.timeline.references import entries_citing, resolve_references
from archive.violations.read import ActFilters, count_by_type, visible_acts
from archive.web.helpers import actor, get_document_or_404, page_args, permalink
from archive.web.i18n import citation_words

bp = Blueprint("pages", __name__)
CASE_PAGE_ENTRIES = 100  # the case page lists the first entries; /timeline has them all


@bp.app_template_filter("markdown")
def markdown_filter(text: str) -> Markup:
    return Markup(render_markdown_cached(text))  # noqa: S704 - sanitised by render_markdown


@bp.app_template_filter("rendered")
def rendered_filter(document) -> Markup:
    """Return a document's public text as render_markdown() made it when it was stored."""
    return Markup(document.body_html)  # noqa: S704 - written only by render_markdown at ingest


@bp.app_template_filter("media_summary")
def media_summary(report: dict) -> str:
    """Return 'metadata removed: N fields (location, device…)' from a stored report."""
    return summarise(report)


@bp.app_template_filter("duration")
def duration_filter(seconds: float) -> str:
    """Return a recording's length as m:ss (or h:mm:ss)."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


# What the file inputs offer to pick: every type the archive accepts (detect.py), by MIME type
# and by the suffixes phones give voice notes that have no registered type (.opus, .amr).
MEDIA_ACCEPT = ",".join(
    sorted({t.mime for t in SUPPORTED} | {"video/quicktime", "video/3gpp", "video/webm", "audio/aac"})
    + [".opus", ".amr", ".m4a", ".mkv", ".3gp", ".heic"]
)


@bp.app_context_processor
def _globals():
    return {
        "current_actor": actor(),
        "can": lambda action, obj=None: can(actor(), action, obj),
        "media_accept": MEDIA_ACCEPT,
    }


@bp.get("/")
def home():
    session = get_session()
    audience = audience_for(actor())
    return render_template(
        "home.html",
        cases=queries.list_cases(session),
        facets=queries.document_facets(session, audience),
        latest=queries.latest_documents(session, audience, 8),
        # entries this reader may see, not every entry: a count of hidden ones would tell
        timeline_counts=Counter(row.kind for row in timeline_outline(session, actor(), TimelineFilters())),
    )


@bp.get("/cases/<slug>")
def case(slug: str):
    session = get_session()
    found = queries.get_case(session, slug)
    if found is None:
        raise NotFound(f"no case {slug}")
    audience = audience_for(actor())
    timeline = visible_timeline(session, actor(), TimelineFilters(case=slug), 1, CASE_PAGE_ENTRIES)
    g.timeline_on_page = {item.entry.id for item in timeline.items}
    acts = visible_acts(session, actor(), ActFilters(case=slug))
    return render_template(
        "case.html",
        case=found,
        facets=queries.document_facets(session, audience, slug),
        timeline=timeline,
        act_counts=count_by_type(session, actor(), acts),
    )


@bp.get("/documents")
def documents():
    filters = document_filters()
    page, per_page = page_args()
    session = get_session()
    audience = audience_for(actor())
    result = queries.list_documents(session, audience, filters, page, per_page)
    return render_template(
        "documents.html",
        result=result,
        filters=filters,
        facets=queries.document_facets(session, audience, filters.case_slug),
        cases=queries.list_cases(session),
        kinds=document_kinds(current_app.config),
    )


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int):
    doc = get_document_or_404(doc_id)
    session, reader = get_session(), actor()
    link = permalink("document", doc)
    return render_template(
        "document.html",
        doc=doc,
        body=_linked_body(session, reader, doc),
        permalink=link,
        citations={style: cite_document(doc, link, citation_words(), style) for style in STYLES},
        on_timeline=entries_citing(session, reader, doc.id),
        shown_media=[media for media, _sha256 in reader_files(session, doc, reader)],
        **_derivations(session, reader, doc),
    )


def _derivations(session, reader, doc) -> dict:
    """What the document derives from and what derives from it, among documents this reader
    may open; and, for a custodian, the near-duplicate proposals waiting for a decision."""
    derived_from = [d for d in doc.derived if d.state == "confirmed" and can(reader, "document:read", d.original)]
    derivatives = [d for d in derivatives_of(session, doc.id) if can(reader, "document:read", d.document)]
    proposals = []
    if can(reader, "document:edit", doc):
        proposals = [
            d
            for d in proposals_for(session, doc.id)
            if can(reader, "document:edit", d.document) and can(reader, "document:edit", d.original)
        ]
    return {"derived_from": derived_from, "derivatives": derivatives, "proposals": proposals, "relations": DERIVATIONS}


def _linked_body(session, reader, doc) -> Markup:
    """The document's text as stored (render_markdown at ingest), its cross-references made
    links to what this reader may open: decided per reader and per view, never stored."""
    found = resolve_references(session, reader, doc.case_id, reference_slugs(doc.body_html))
    endpoints = {"document": ("pages.document", "doc_id"), "entry": ("timeline.entry", "entry_id")}
    targets = {}
    for slug, ref in found.items():
        endpoint, argument = endpoints[ref.kind]
        targets[slug] = (url_for(endpoint, **{argument: ref.id}), ref.title)
    return Markup(link_references(doc.body_html, targets))  # noqa: S704 - render_markdown's output, titles escaped


def document_filters() -> DocumentFilters:
    """Read list filters from the query string; an unknown value is an error, not ignored."""
    args = request.args
    year = args.get("year") or None
    if year is not None and not re.fullmatch(r"[0-9]{4}", year):
        raise ValidationError(N_("must be a four-digit year"), field="year")
    kind = args.get("kind") or None
    if kind is not None and kind not in document_kinds(current_app.config):
        raise ValidationError(N_("%(kind)r is not a document kind"), field="kind", params={"kind": kind})
    return DocumentFilters(
        case_slug=args.get("case") or None,
        kind=kind,
        language=args.get("language") or None,
        year=int(year) if year else None,
        place=args.get("place") or None,
        tag=args.get("tag") or None,
    )
