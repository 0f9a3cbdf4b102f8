"""Custodians confirm or reject the derivations near-duplicate detection proposed.

A proposal counts for nothing until decided (documents/derivation.py): confirmed, the two
documents are one source wherever corroboration is counted; rejected, the pair is never
proposed again. Both documents must be ones the custodian may edit; anything else is 'not found'.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _

from archive.documents.derivation import decide_proposal
from archive.errors import NotFound, ValidationError
from archive.services import get_session
from archive.storage.models import Derivation
from archive.web.helpers import get_document_or_404, require
from archive.web.labels import label, localised

bp = Blueprint("derivations", __name__)


@bp.post("/documents/<int:doc_id>/derivations/<int:link_id>")
def decide(doc_id: int, link_id: int):
    who = require("document:edit")
    get_document_or_404(doc_id, "document:edit")
    session = get_session()
    link = session.get(Derivation, link_id)
    if link is None or doc_id not in (link.document_id, link.from_document_id):
        raise NotFound(f"no derivation {link_id} of document {doc_id}")
    get_document_or_404(link.document_id, "document:edit")
    get_document_or_404(link.from_document_id, "document:edit")
    try:
        decided = decide_proposal(
            session, link, request.form.get("decision", ""), request.form.get("relation"), who, "web"
        )
    except ValidationError as exc:
        session.rollback()
        flash(localised(exc), "error")
    else:
        if decided.state == "confirmed":
            flash(
                _("Confirmed: one is a %(relation)s of the other.", relation=label("derivation", decided.relation)),
                "info",
            )
        else:
            flash(_("Rejected: the two will not be proposed again."), "info")
    return redirect(url_for("pages.document", doc_id=doc_id) + "#derivations")
