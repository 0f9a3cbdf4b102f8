"""JSON API under /api/v1/: the same access rules as the pages, public text only."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from archive.auth.permissions import audience_for, can
from archive.config import document_kinds
from archive.errors import NotFound, ValidationError
from archive.ingest.documents import ingest_bytes
from archive.storage import queries
from archive.storage.queries import Page
from archive.web.database import get_session
from archive.web.helpers import actor, get_document_or_404, get_entry_or_404, page_args, require
from archive.web.media import media_json
from archive.web.pages import document_filters

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/cases")
def cases():
    page, per_page = page_args()
    rows = queries.list_cases(get_session())
    chunk = rows[(page - 1) * per_page : page * per_page]
    return jsonify(_page(Page([_case(c) for c in chunk], len(rows), page, per_page)))


@bp.get("/documents")
def documents():
    filters = document_filters()
    page, per_page = page_args()
    result = queries.list_documents(get_session(), audience_for(actor()), filters, page, per_page)
    result.items = [_document(d, full=False) for d in result.items]
    return jsonify(_page(result))


@bp.post("/documents")
def create_document():
    """Ingest one document from a JSON body (custodians; CSRF token in X-CSRFToken)."""
    who = require("document:create")
    if not request.is_json:
        raise ValidationError("send the document as application/json", field="content-type")
    document = ingest_bytes(
        get_session(),
        request.get_data(cache=False),
        "request",
        document_kinds(current_app.config),
        who,
        "api",
        fmt="json",
        max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
    )
    return jsonify(_document(document, full=True)), 201


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int):
    return jsonify(_document(get_document_or_404(doc_id), full=True))


@bp.get("/timeline")
def timeline():
    from archive.timeline.read import TimelineFilters, visible_timeline

    page, per_page = page_args()
    filters = TimelineFilters.from_args(request.args)
    found = visible_timeline(get_session(), actor(), filters, page, per_page)
    found.items = [_entry(v) for v in found.items]
    return jsonify(_page(found))


@bp.get("/timeline/<int:entry_id>")
def timeline_entry(entry_id: int):
    from archive.timeline.read import entry_visible_to

    item = entry_visible_to(get_session(), actor(), entry_id)
    if item is None:
        raise NotFound(f"no timeline entry {entry_id}")
    return jsonify(_entry(item))


@bp.post("/timeline")
def create_timeline_entry():
    """Create an entry from a JSON body in the corpus format (custodians)."""
    from archive.timeline.entries import create_entry
    from archive.timeline.read import entry_visible_to

    who = require("document:edit")
    entry = create_entry(get_session(), _entry_submission(), who, "api")
    return jsonify(_entry(entry_visible_to(get_session(), who, entry.id))), 201


@bp.put("/timeline/<int:entry_id>")
def update_timeline_entry(entry_id: int):
    """Replace an entry (custodians): the same body as for creating one."""
    from archive.timeline.entries import update_entry
    from archive.timeline.read import entry_visible_to

    who = require("document:edit")
    entry = get_entry_or_404(entry_id)
    update_entry(get_session(), entry, _entry_submission(), who, "api")
    return jsonify(_entry(entry_visible_to(get_session(), who, entry.id)))


def _entry_submission():
    from archive.timeline.entries import validate_entry

    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationError("send the entry as a JSON object", field="content-type")
    return validate_entry(body, "request")


def _page(result: Page) -> dict:
    return {
        "items": result.items,
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
    }


def _case(case) -> dict:
    return {
        "slug": case.slug,
        "title": case.title,
        "summary": case.summary,
        "region": case.region,
        "period": case.period_edtf,
        "url": url_for("pages.case", slug=case.slug, _external=True),
    }


def _document(doc, full: bool) -> dict:
    data = {
        "id": doc.id,
        "url": url_for("pages.document", doc_id=doc.id, _external=True),
        "case": doc.case.slug,
        "slug": doc.slug,
        "kind": doc.kind,
        "title": doc.title,
        "language": doc.language,
        "published": doc.published_edtf,
        "events": doc.events_edtf,
        "places": [p.name for p in doc.places],
        "tags": [t.name for t in doc.tags],
        "consent": doc.consent,
        "status": doc.status,
        "sha256": doc.sha256,
        "revision": doc.revision,
    }
    if full:
        source = doc.source
        data["source"] = (
            {
                "outlet": source.outlet,
                "author": source.author,
                "url": source.url,
                "date": source.date_edtf,
                "reliability": source.reliability,
            }
            if source
            else None
        )
        data["attribution"] = doc.attribution
        data["media"] = [
            media_json(m, full=can(actor(), "document:read_original")) for m in doc.media
        ]
        data["body"] = doc.body_public  # never the original: that is for custodians' pages only
    return data


def _entry(visible) -> dict:
    from archive.timeline.export import entry_record
    from archive.web.timeline import permalink

    return entry_record(visible, permalink)
