"""Permalinks by case and slug: /cases/<case>/documents/<slug>, …/timeline/<slug>, …/acts/<slug>.

Each answers a redirect to the record's page, for a reader who may see it, and "not found"
otherwise, exactly as the page itself would: a slug cannot be used to learn that something
hidden exists."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

from archive.errors import NotFound
from archive.services import get_session
from archive.storage import queries
from archive.timeline.read import entry_readable
from archive.violations.read import act_visible_to
from archive.web.helpers import actor, get_document_or_404

bp = Blueprint("permalinks", __name__)


def _case_id(case: str) -> int:
    found = queries.get_case(get_session(), case)
    if found is None:
        raise NotFound(f"no case {case}")
    return found.id


@bp.get("/cases/<case>/documents/<doc_slug>")
def document(case: str, doc_slug: str):
    found = queries.document_by_slug(get_session(), _case_id(case), doc_slug)
    if found is None:
        raise NotFound(f"no document {doc_slug} in {case}")
    get_document_or_404(found.id)  # a document this reader may not open is not found
    return redirect(url_for("pages.document", doc_id=found.id), 302)


@bp.get("/cases/<case>/timeline/<entry_slug>")
def entry(case: str, entry_slug: str):
    found = queries.entry_by_slug(get_session(), _case_id(case), entry_slug)
    if found is None or not entry_readable(actor(), found):
        raise NotFound(f"no timeline entry {entry_slug} in {case}")
    return redirect(url_for("timeline.entry", entry_id=found.id), 302)


@bp.get("/cases/<case>/acts/<act_slug>")
def act(case: str, act_slug: str):
    found = queries.act_by_slug(get_session(), _case_id(case), act_slug)
    if found is None or act_visible_to(get_session(), actor(), found.id) is None:
        raise NotFound(f"no act {act_slug} in {case}")
    return redirect(url_for("acts.act", act_id=found.id), 302)
