"""JSON API under /api/v1/: the same access rules as the pages, public text only."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from archive.auth.permissions import audience_for, can
from archive.citations import STYLES, cite_document
from archive.config import document_kinds
from archive.documents.intake import ingest_bytes
from archive.documents.pictures import reader_files
from archive.documents.serialize import case_json, document_json
from archive.errors import NotFound, ValidationError
from archive.services import get_session
from archive.storage import queries
from archive.storage.queries import Page
from archive.timeline.entries import create_entry, update_entry, validate_entry
from archive.timeline.read import TimelineFilters, entry_visible_to, visible_timeline
from archive.timeline.serialize import entry_record
from archive.web.helpers import (
    actor,
    get_document_or_404,
    get_entry_or_404,
    page_args,
    permalink,
    require,
)
from archive.web.i18n import citation_words
from archive.web.pages import document_filters

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/cases")
def cases():
    page, per_page = page_args()
    rows = queries.list_cases(get_session())
    chunk = rows[(page - 1) * per_page : page * per_page]
    found = Page([case_json(c, permalink) for c in chunk], len(rows), page, per_page)
    return jsonify(found.as_json())


@bp.get("/documents")
def documents():
    filters = document_filters()
    page, per_page = page_args()
    result = queries.list_documents(get_session(), audience_for(actor()), filters, page, per_page)
    result.items = [document_json(d, permalink, full=False) for d in result.items]
    return jsonify(result.as_json())


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
    return jsonify(_document(document)), 201


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int):
    return jsonify(_document(get_document_or_404(doc_id)))


@bp.get("/timeline")
def timeline():
    page, per_page = page_args()
    filters = TimelineFilters.from_args(request.args)
    found = visible_timeline(get_session(), actor(), filters, page, per_page)
    found.items = [entry_record(v, permalink) for v in found.items]
    return jsonify(found.as_json())


@bp.get("/timeline/<int:entry_id>")
def timeline_entry(entry_id: int):
    return jsonify(entry_record(_visible_entry(entry_id), permalink))


@bp.post("/timeline")
def create_timeline_entry():
    """Create an entry from a JSON body in the corpus format (custodians)."""
    who = require("timeline:edit")
    entry = create_entry(get_session(), _entry_submission(), who, "api")
    return jsonify(entry_record(_visible_entry(entry.id), permalink)), 201


@bp.put("/timeline/<int:entry_id>")
def update_timeline_entry(entry_id: int):
    """Replace an entry (custodians): the same body as for creating one."""
    who = require("timeline:edit")
    entry = get_entry_or_404(entry_id)
    update_entry(get_session(), entry, _entry_submission(), who, "api")
    return jsonify(entry_record(_visible_entry(entry.id), permalink))


def _visible_entry(entry_id: int):
    item = entry_visible_to(get_session(), actor(), entry_id)
    if item is None:
        raise NotFound(f"no timeline entry {entry_id}")
    return item


def _entry_submission():
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationError("send the entry as a JSON object", field="content-type")
    return validate_entry(body, "request")


def _document(document) -> dict:
    reader = actor()
    custodian = can(reader, "document:read_original", document)
    derived = [d for d in document.derived if d.state == "confirmed" and can(reader, "document:read", d.original)]
    files = reader_files(get_session(), document, reader)
    record = document_json(document, permalink, full=True, custodian=custodian, derived=derived, files=files)
    # ready-to-copy citations, in the reader's language (?lang=)
    link, words = permalink("document", document), citation_words()
    record["citation"] = {style: cite_document(document, link, words, style) for style in STYLES}
    return record
