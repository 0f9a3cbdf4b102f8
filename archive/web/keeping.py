"""Consent, withdrawal, legal holds, retention and deletion: the custodians' keeping page.

Threat: consent records name people, so the page is custodians only, never cached, and each
view is recorded in the custody log. Every change is a POST with the form's CSRF token that
names what it does (a reason from the fixed list, a typed confirmation for deletion): an empty
form changes nothing.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive.documents import consent, disposal
from archive.errors import N_, ValidationError
from archive.services import get_session, media_store
from archive.storage.models import CONSENT_USES, REMOVAL_REASONS
from archive.web.errors import removal_reasons
from archive.web.helpers import get_document_or_404, require, whole_number

bp = Blueprint("keeping", __name__)


@bp.get("/documents/<int:doc_id>/keeping")
def page(doc_id: int):
    who = require("consent:record")
    document = get_document_or_404(doc_id, "consent:record")
    session = get_session()
    records = consent.view_consent(session, document, who, "web")  # recorded first
    response = make_response(
        render_template(
            "keeping.html",
            doc=document,
            records=records,
            in_force=consent.in_force(document),
            allowed=consent.widest_allowed(document),
            holds=disposal.holds(session, document.id),
            removals=consent.removals(session, document.id),
            uses=CONSENT_USES,
            reasons=[(r, removal_reasons()[r]) for r in REMOVAL_REASONS],
            today=date.today().isoformat(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/documents/<int:doc_id>/consent")
def record(doc_id: int):
    who = require("consent:record")
    document = get_document_or_404(doc_id, "consent:record")
    form = request.form
    given = consent.ConsentGiven(
        given_by=form.get("given_by", ""),
        given_on=_date(form.get("given_on", ""), "given_on"),
        uses=tuple(form.getlist("uses")),
        obtained_by=form.get("obtained_by", ""),
        conditions=form.get("conditions", ""),
        evidence=form.get("evidence", ""),
    )
    consent.record_consent(get_session(), document, given, who, "web")
    flash(_("Consent recorded. Readers now see this document only as far as it allows."), "info")
    return redirect(url_for("keeping.page", doc_id=doc_id))


@bp.post("/documents/<int:doc_id>/withdraw")
def withdraw(doc_id: int):
    who = require("document:withdraw")
    document = get_document_or_404(doc_id, "document:withdraw")
    consent.withdraw(get_session(), document, request.form.get("reason", ""), request.form.get("note", ""), who, "web")
    flash(_("Withdrawn: no reader sees it any more; those who saw it are told when and why."), "info")
    return redirect(url_for("keeping.page", doc_id=doc_id))


@bp.post("/documents/<int:doc_id>/holds")
def place_hold(doc_id: int):
    who = require("hold:place")
    document = get_document_or_404(doc_id, "hold:place")
    disposal.place_hold(get_session(), document, request.form.get("reason", ""), who, "web")
    flash(_("Legal hold placed: this document cannot be deleted until an administrator releases it."), "info")
    return redirect(url_for("keeping.page", doc_id=doc_id))


@bp.post("/documents/<int:doc_id>/holds/release")
def release_hold(doc_id: int):
    who = require("hold:release")
    document = get_document_or_404(doc_id, "hold:release")
    hold_id = whole_number(request.form.get("hold"))
    hold = next((h for h in disposal.holds(get_session(), document.id) if h.id == hold_id), None)
    if hold is None:
        raise ValidationError(N_("is not a hold of this document"), field="hold")
    disposal.release_hold(get_session(), hold.id, who, "web")
    flash(_("Legal hold released."), "info")
    return redirect(url_for("keeping.page", doc_id=doc_id))


@bp.post("/documents/<int:doc_id>/retention")
def retention(doc_id: int):
    who = require("document:edit")
    document = get_document_or_404(doc_id, "document:edit")
    text = request.form.get("review_after", "").strip()
    disposal.set_review_after(get_session(), document, _date(text, "review_after") if text else None, who, "web")
    flash(_("Retention date saved."), "info")
    return redirect(url_for("keeping.page", doc_id=doc_id))


@bp.post("/documents/<int:doc_id>/delete")
def delete(doc_id: int):
    who = require("document:delete")
    document = get_document_or_404(doc_id, "document:delete")
    if request.form.get("confirm", "").strip() != str(document.id):
        raise ValidationError(N_("type the document's number to confirm the deletion"), field="confirm")
    form = request.form
    disposal.delete_document(
        get_session(), document, form.get("reason", ""), form.get("note", ""), media_store(), who, "web"
    )
    flash(_("Document %(id)s deleted, with its revisions, files and sealed originals.", id=doc_id), "info")
    return redirect(url_for("pages.documents"))


@bp.get("/retention")
def due():
    who = require("retention:read")
    return render_template("retention.html", due=disposal.due_for_review(get_session(), who))


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationError(N_("must be a date as YYYY-MM-DD"), field=field) from exc
