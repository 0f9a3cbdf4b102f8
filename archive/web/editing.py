"""Custodians create and edit documents through a form."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from archive.config import document_kinds
from archive.documents.derivation import derived_from_slugs
from archive.documents.edit import update_document
from archive.documents.intake import create_document
from archive.documents.review import view_original
from archive.documents.revisions import latest_content
from archive.documents.submission import validate_document
from archive.errors import EditConflict, IngestError
from archive.services import get_session
from archive.storage import queries
from archive.web.forms import DocumentForm, choices, show_field_error
from archive.web.helpers import get_document_or_404, require, whole_number
from archive.web.index_queue import tell_if_queued
from archive.web.media import hold_for_next_try, prepared, uploads_of_this_try

bp = Blueprint("editing", __name__)


@bp.route("/documents/new", methods=["GET", "POST"])
def new_document():
    who = require("document:create")
    form = _form()
    del form.reason  # a new document's first revision needs no why
    uploads = uploads_of_this_try("media", who) if form.is_submitted() else []
    failed = None
    if form.validate_on_submit():
        fields = form.fields_for_ingest()  # media are hashed on their own, file by file
        data = _canonical(fields)  # what the custody hash covers
        try:
            submission = validate_document(fields, _kinds(), "form")
            batch = prepared(uploads)
            document = create_document(
                get_session(),
                submission,
                hashlib.sha256(data).hexdigest(),
                who,
                "web",
                "form",
                media=batch,
                received=data,
            )
        except IngestError as exc:
            _field_error(form, exc)
            failed = exc
        else:
            flash(_("Document %(id)s saved.", id=document.id), "info")
            tell_if_queued([document.id])
            return redirect(url_for("pages.document", doc_id=document.id))
    return _render(form, None, uploads=uploads, failed=failed, who=who)


@bp.route("/documents/<int:doc_id>/edit", methods=["GET", "POST"])
def edit_document(doc_id: int):
    who = require("document:edit")
    document = get_document_or_404(doc_id, "document:edit")
    form = _form()
    session = get_session()
    uploads = uploads_of_this_try("media", who) if form.is_submitted() else []
    failed = None
    if form.validate_on_submit():
        try:
            fields = form.fields_for_ingest()
            submission = validate_document(fields, _kinds(), "form")
            batch = prepared(uploads)
            read = whole_number(form.revision.data)
            revision = update_document(
                session, document, submission, who, "web", read, batch,
                received=_canonical(fields), reason=form.reason.data or "",
            )  # fmt: skip
        except EditConflict as exc:
            _field_error(form, exc)
            return _render(form, document, 409, uploads=uploads, who=who)
        except IngestError as exc:
            _field_error(form, exc)
            failed = exc
        else:
            if revision.state == "pending":
                flash(
                    _(
                        "Saved as revision %(n)s: it waits for a review of its redaction, and the "
                        "reviewed revision stays public until then.",
                        n=revision.number,
                    ),
                    "info",
                )
                tell_if_queued([document.id])
                return redirect(url_for("review.review", doc_id=document.id))
            flash(_("Document %(id)s updated.", id=document.id), "info")
            tell_if_queued([document.id])
            return redirect(url_for("pages.document", doc_id=document.id))
    elif not form.is_submitted():
        # The form holds the original text: a custodian's view of it, recorded like any other;
        # an edit starts from the newest revision, the one waiting for review if there is one.
        view_original(session, document, who, "web")
        content = latest_content(session, document)
        # derivations confirmed since on the document page are the row's, not the revision's:
        # shown too, so that saving the form keeps them
        links = dict(content.get("derived_from", ()))
        content["derived_from"] = [*links.items(), *((s, r) for s, r in derived_from_slugs(document) if s not in links)]
        form.fill_from(document.revision, content)
    return _render(form, document, uploads=uploads, failed=failed, who=who)


def _canonical(fields: dict) -> bytes:
    """The form's fields as received, canonically encoded: what the custody hash covers."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()


def _form() -> DocumentForm:
    form = DocumentForm()
    cases = queries.list_cases(get_session())
    form.case.choices = choices([c.slug for c in cases], {c.slug: c.title for c in cases})
    form.kind.choices = choices(_kinds(), group="kind")
    return form


def _kinds() -> tuple[str, ...]:
    return document_kinds(current_app.config)


def _field_error(form: DocumentForm, exc: IngestError) -> None:
    show_field_error(form, (exc.field or "").replace("source.", "source_"), exc)


def _render(form: DocumentForm, document, status: int | None = None, uploads=(), failed=None, who=None):
    """The form, shown again after a failed save with its files held for the next try."""
    status = status or (400 if form.is_submitted() else 200)
    held = []
    if form.is_submitted():
        form.held.data, held = hold_for_next_try(list(uploads), failed, who)
    return render_template("document_form.html", form=form, doc=document, held=held), status
