"""Custodians create and edit documents through a form."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from archive.config import document_kinds
from archive.documents.edit import update_document
from archive.documents.intake import create_document
from archive.documents.review import view_original
from archive.documents.submission import validate_document
from archive.errors import EditConflict, IngestError
from archive.protection.public_text import originals
from archive.services import get_session
from archive.storage import queries
from archive.web.forms import DocumentForm, choices, show_field_error
from archive.web.helpers import get_document_or_404, require, whole_number
from archive.web.index_queue import tell_if_queued
from archive.web.media import prepare_uploads

bp = Blueprint("editing", __name__)


@bp.route("/documents/new", methods=["GET", "POST"])
def new_document():
    who = require("document:create")
    form = _form()
    if form.validate_on_submit():
        fields = form.fields_for_ingest()  # media are hashed on their own, file by file
        # The custody hash covers what was submitted: the form's fields, canonically encoded.
        data = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
        try:
            submission = validate_document(fields, _kinds(), "form")
            batch = prepare_uploads("media")
            document = create_document(
                get_session(),
                submission,
                hashlib.sha256(data).hexdigest(),
                who,
                "web",
                "form",
                media=batch,
            )
        except IngestError as exc:
            _field_error(form, exc)
        else:
            flash(_("Document %(id)s saved.", id=document.id), "info")
            tell_if_queued([document.id])
            return redirect(url_for("pages.document", doc_id=document.id))
    return _render(form, None)


@bp.route("/documents/<int:doc_id>/edit", methods=["GET", "POST"])
def edit_document(doc_id: int):
    who = require("document:edit")
    document = get_document_or_404(doc_id, "document:edit")
    form = _form()
    if form.validate_on_submit():
        try:
            submission = validate_document(form.fields_for_ingest(), _kinds(), "form")
            batch = prepare_uploads("media")
            read = whole_number(form.revision.data)
            update_document(get_session(), document, submission, who, "web", read, batch)
        except EditConflict as exc:
            _field_error(form, exc)
            return _render(form, document, 409)
        except IngestError as exc:
            _field_error(form, exc)
        else:
            flash(_("Document %(id)s updated.", id=document.id), "info")
            tell_if_queued([document.id])
            return redirect(url_for("pages.document", doc_id=document.id))
    elif not form.is_submitted():
        # The form holds the original text: a custodian's view of it, recorded like any other.
        form.fill_from(document, view_original(get_session(), document, who, "web"), originals(document))
    return _render(form, document)


def _form() -> DocumentForm:
    form = DocumentForm()
    cases = queries.list_cases(get_session())
    form.case.choices = choices([c.slug for c in cases], {c.slug: c.title for c in cases})
    form.kind.choices = choices(_kinds())
    return form


def _kinds() -> tuple[str, ...]:
    return document_kinds(current_app.config)


def _field_error(form: DocumentForm, exc: IngestError) -> None:
    show_field_error(form, (exc.field or "").replace("source.", "source_"), exc)


def _render(form: DocumentForm, document, status: int | None = None):
    status = status or (400 if form.is_submitted() else 200)
    return render_template("document_form.html", form=form, doc=document), status
