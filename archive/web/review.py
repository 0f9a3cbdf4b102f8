"""The custodian's redaction review: the original with every span marked, corrections, names.

Threat: the review page is the one place the original text is shown, so it is custodians only,
each view is recorded in the audit log, and it is never cached.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from archive.documents.review import DECISION_TYPES, put_pending_on_row, review_redaction, view_original
from archive.documents.revisions import view_history, view_received
from archive.errors import N_, EditConflict, NotFound, ValidationError
from archive.protection.identities import add_public_name, protect_identity
from archive.protection.public_text import originals, review_spans, review_token
from archive.services import get_session
from archive.storage import queries
from archive.web.helpers import get_document_or_404, require, whole_number
from archive.web.index_queue import tell_if_queued
from archive.web.labels import localised

bp = Blueprint("review", __name__)


@bp.route("/documents/<int:doc_id>/redaction", methods=["GET", "POST"])
def review(doc_id: int):
    who = require("document:read_original")
    document = get_document_or_404(doc_id, "document:edit")
    session = get_session()
    if request.method == "POST":
        put_pending_on_row(session, document)  # the revision the page showed, if one waits
        shown = review_spans(document)
        kept = set(request.form.getlist("keep"))
        # a span the custodian unticked is kept readable: by its text and type, not its place
        reject = sorted(
            {
                (text, span["type"])
                for i, (_f, span, text) in enumerate(shown)
                if str(i) not in kept and span["type"] != "PROTECTED"  # a protected identity stays
            }
        )
        add = []
        if request.form.get("add_value", "").strip():
            add.append((request.form["add_value"], request.form.get("add_type", "PERSON")))
        publish = bool(request.form.get("publish"))
        try:
            token = request.form.get("token", "")
            review_redaction(session, document, who, "web", reject=reject, add=add, publish=publish, token=token)
        except EditConflict as exc:
            flash(localised(exc), "error")
            return _page(document, who, 409)
        if publish:
            flash(_("Redaction reviewed; document published."), "info")
        else:
            flash(_("Redaction reviewed."), "info")
        tell_if_queued([document.id])
        return redirect(url_for("review.review", doc_id=document.id))
    return _page(document, who)


def _page(document, who, status: int = 200):
    session = get_session()
    view_original(session, document, who, "web")  # recorded (and committed) first
    # A revision waiting for review is shown as it would stand, then taken off the row again:
    # until this review is saved, the reviewed revision is the one on the row and in public.
    waiting = put_pending_on_row(session, document)
    try:
        fields = originals(document)
        by_field: dict[str, list] = {}
        for i, (name, span, text) in enumerate(review_spans(document)):
            by_field.setdefault(name, []).append((i, span, text))
        return render_template(
            "redaction_review.html",
            doc=document,
            waiting=waiting,
            segments=_segments(document.body_original, document.redaction_spans),
            body_spans=by_field.pop("body", []),
            field_spans=by_field,
            fields=_shown_fields(document, fields),
            token=review_token(document),
            types=DECISION_TYPES,
            identities=document.case.identities,
        ), status
    finally:
        if waiting is not None:
            session.rollback()


def _shown_fields(document, fields: dict) -> list[tuple[str, str, str]]:
    """(name, original, public) of each field besides the body, for the review page."""
    source = document.source
    rows = [
        ("title", fields["title"], document.title),
        ("slug", fields["slug"] or "", document.slug or ""),
        ("attribution", fields["attribution"], document.attribution),
        ("grade_note", fields["grade_note"], document.grade_note),
    ]
    for key in ("title", "outlet", "author", "reported_by", "url", "reliability"):
        public = getattr(source, key) if source else ""
        rows.append((f"source.{key}", fields["source"].get(key) or "", public or ""))
    public_tags = {t.name for t in document.tags}
    rows += [(f"tags.{i}", t, t if t in public_tags else "") for i, t in enumerate(fields["tags"])]
    public_places = {p.name for p in document.places}
    rows += [(f"places.{i}", p, p if p in public_places else "") for i, p in enumerate(fields["places"])]
    return [row for row in rows if row[1] or row[2]]


@bp.get("/documents/<int:doc_id>/history")
def history(doc_id: int):
    """Every revision: who made it, how, why, what changed; the text's differences."""
    who = require("document:read_original")
    document = get_document_or_404(doc_id, "document:edit")
    lines = view_history(get_session(), document, who, "web")
    return render_template("history.html", doc=document, lines=lines)


@bp.get("/documents/<int:doc_id>/revisions/<int:number>/received")
def received(doc_id: int, number: int):
    """The exact bytes received for a revision, as they came in (they hash to its custody hash)."""
    who = require("document:read_original")
    document = get_document_or_404(doc_id, "document:edit")
    data = view_received(get_session(), document, number, who, "web")
    response = make_response(data)
    response.headers["Content-Type"] = "application/octet-stream"
    response.headers["Content-Disposition"] = f'attachment; filename="document-{doc_id}-revision-{number}.received"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/cases/<slug>/identities")
def add_identity(slug: str):
    who = require("document:edit")
    case = queries.get_case(get_session(), slug)
    if case is None:
        raise NotFound(f"no case {slug}")
    names = [n for n in request.form.get("names", "").splitlines() if n.strip()]
    _identity, changed = protect_identity(get_session(), case, names, request.form.get("pseudonym", ""), who, "web")
    flash(
        ngettext(
            "Protected; %(num)s document redacted again.", "Protected; %(num)s documents redacted again.", changed
        ),
        "info",
    )
    tell_if_queued()
    return _back(case)


@bp.post("/cases/<slug>/public-names")
def add_public(slug: str):
    who = require("document:edit")
    case = queries.get_case(get_session(), slug)
    if case is None:
        raise NotFound(f"no case {slug}")
    changed = add_public_name(get_session(), case, request.form.get("name", ""), who, "web")
    flash(
        ngettext(
            "Kept readable; %(num)s document redacted again.",
            "Kept readable; %(num)s documents redacted again.",
            changed,
        ),
        "info",
    )
    tell_if_queued()
    return _back(case)


def _segments(text: str, spans: list[dict]) -> list[tuple[str, dict | None]]:
    """Cut the original into plain runs and marked spans, for the template to escape."""
    out, last = [], 0
    for span in sorted(spans, key=lambda s: s["start"]):
        if span["start"] < last:
            raise ValidationError(N_("overlapping spans"), field="redaction")
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
