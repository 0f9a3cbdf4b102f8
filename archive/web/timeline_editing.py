"""Custodians create and edit timeline entries, and review the dates found in documents."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive.errors import IngestError, NotFound
from archive.services import get_session
from archive.storage import queries
from archive.storage.models import DateSuggestion
from archive.timeline.entries import create_entry, update_entry, validate_entry
from archive.timeline.suggest import decide_suggestion, pending_suggestions
from archive.web.forms import EntryForm, choices, show_field_error
from archive.web.helpers import get_entry_or_404, require, whole_number

bp = Blueprint("timeline_editing", __name__)


@bp.route("/timeline/entries/new", methods=["GET", "POST"])
def new_entry():
    who = require("timeline:edit")
    form = _form()
    suggestion = _suggestion(request.values.get("suggestion"))
    if form.validate_on_submit():
        try:
            entry = create_entry(get_session(), validate_entry(form.fields_for_entry(), "form"), who, "web")
        except IngestError as exc:
            _field_error(form, exc)
        else:
            if suggestion is not None:
                decide_suggestion(get_session(), suggestion, "accepted", who, "web", entry.id)
            flash(_("Timeline entry %(id)s saved.", id=entry.id), "info")
            return redirect(url_for("timeline.entry", entry_id=entry.id))
    elif not form.is_submitted():
        form.case.data = request.args.get("case", "")
        if suggestion is not None:  # a found date, its sentence as the supporting excerpt
            document = suggestion.document
            form.case.data = document.case.slug
            form.date.data = suggestion.date_edtf
            form.citations.data = f"{document.slug} | {suggestion.sentence}"
    return _render(form, None, suggestion)


@bp.route("/timeline/entries/<int:entry_id>/edit", methods=["GET", "POST"])
def edit_entry(entry_id: int):
    who = require("timeline:edit")
    entry = get_entry_or_404(entry_id)
    form = _form()
    if form.validate_on_submit():
        try:
            submission = validate_entry(form.fields_for_entry(), "form")
            update_entry(get_session(), entry, submission, who, "web")
        except IngestError as exc:
            _field_error(form, exc)
        else:
            flash(_("Timeline entry %(id)s updated.", id=entry.id), "info")
            return redirect(url_for("timeline.entry", entry_id=entry.id))
    elif not form.is_submitted():
        form.fill_from(entry)
    return _render(form, entry, None)


@bp.get("/timeline/suggestions")
def suggestions():
    who = require("timeline:edit")
    return render_template("suggestions.html", suggestions=pending_suggestions(get_session(), who))


@bp.post("/timeline/suggestions/<int:suggestion_id>/dismiss")
def dismiss(suggestion_id: int):
    who = require("timeline:edit")
    suggestion = _suggestion(str(suggestion_id))
    if suggestion is None:
        raise NotFound(f"no suggestion {suggestion_id}")
    decide_suggestion(get_session(), suggestion, "dismissed", who, "web")
    flash(_("Suggestion dismissed."), "info")
    return redirect(url_for("timeline_editing.suggestions"))


def _suggestion(raw: str | None) -> DateSuggestion | None:
    suggestion_id = whole_number(raw)
    if suggestion_id is None:
        return None
    found = queries.get_suggestion(get_session(), suggestion_id)
    if found is not None and found.status != "pending":
        abort(409)  # decided already
    return found


def _form() -> EntryForm:
    form = EntryForm()
    cases = queries.list_cases(get_session())
    form.case.choices = choices([c.slug for c in cases], {c.slug: c.title for c in cases})
    return form


def _render(form: EntryForm, entry, suggestion):
    status = 400 if form.is_submitted() else 200
    page = render_template("entry_form.html", form=form, entry=entry, suggestion=suggestion)
    return page, status


def _field_error(form: EntryForm, exc: IngestError) -> None:
    show_field_error(form, {"denies": "stances"}.get(exc.field or "", exc.field or ""), exc)
