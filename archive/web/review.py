"""The custodian's redaction review: the original with every span marked, corrections, names.

Threat: the review page is the one place the original text is shown, so it is custodians only,
each view is recorded in the audit log, and it is never cached.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive.documents.review import DECISION_TYPES, review_redaction, view_original
from archive.errors import NotFound, ValidationError
from archive.protection.identities import add_public_name, protect_identity
from archive.services import get_session
from archive.storage import queries
from archive.web.helpers import get_document_or_404, require, whole_number

bp = Blueprint("review", __name__)


@bp.route("/documents/<int:doc_id>/redaction", methods=["GET", "POST"])
def review(doc_id: int):
    who = require("document:read_original")
    document = get_document_or_404(doc_id, "document:edit")
    session = get_session()
    if request.method == "POST":
        spans = document.redaction_spans
        kept = set(request.form.getlist("keep"))
        reject = sorted({_text(document, s) for i, s in enumerate(spans) if str(i) not in kept})
        add = []
        if request.form.get("add_value", "").strip():
            add.append((request.form["add_value"], request.form.get("add_type", "PERSON")))
        publish = bool(request.form.get("publish"))
        review_redaction(session, document, who, "web", reject=reject, add=add, publish=publish)
        if publish:
            flash(_("Redaction reviewed; document published."), "info")
        else:
            flash(_("Redaction reviewed."), "info")
        return redirect(url_for("review.review", doc_id=document.id))
    original = view_original(session, document, who, "web")
    return render_template(
        "redaction_review.html",
        doc=document,
        segments=_segments(original, document.redaction_spans),
        spans=[(i, s, _text(document, s)) for i, s in enumerate(document.redaction_spans)],
        types=DECISION_TYPES,
        identities=document.case.identities,
    )


@bp.post("/cases/<slug>/identities")
def add_identity(slug: str):
    who = require("document:edit")
    case = queries.get_case(get_session(), slug)
    if case is None:
        raise NotFound(f"no case {slug}")
    names = [n for n in request.form.get("names", "").splitlines() if n.strip()]
    _identity, changed = protect_identity(get_session(), case, names, request.form.get("pseudonym", ""), who, "web")
    flash(_("Protected; %(n)s documents redacted again.", n=changed), "info")
    return _back(case)


@bp.post("/cases/<slug>/public-names")
def add_public(slug: str):
    who = require("document:edit")
    case = queries.get_case(get_session(), slug)
    if case is None:
        raise NotFound(f"no case {slug}")
    changed = add_public_name(get_session(), case, request.form.get("name", ""), who, "web")
    flash(_("Kept readable; %(n)s documents redacted again.", n=changed), "info")
    return _back(case)


def _text(document, span: dict) -> str:
    return document.body_original[span["start"] : span["end"]]


def _segments(text: str, spans: list[dict]) -> list[tuple[str, dict | None]]:
    """Cut the original into plain runs and marked spans, for the template to escape."""
    out, last = [], 0
    for span in sorted(spans, key=lambda s: s["start"]):
        if span["start"] < last:
            raise ValidationError("overlapping spans", field="redaction")
        out.append((text[last : span["start"]], None))
        out.append((text[span["start"] : span["end"]], span))
        last = span["end"]
    out.append((text[last:], None))
    return out


def _back(case):
    """Back to the review page the form was posted from, or else to the case."""
    target = whole_number(request.form.get("back_to_document"))
    if target is not None:
        return redirect(url_for("review.review", doc_id=target))
    return redirect(url_for("pages.case", slug=case.slug))
