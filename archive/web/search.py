"""The search page and GET /api/v1/search: the same parameters, the same access rules."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from markupsafe import Markup

from archive.search.backend import FACETS, SearchResults
from archive.search.query import search_documents
from archive.search.serialize import results_json
from archive.services import get_session, search_backend
from archive.web.helpers import actor, page_args, permalink

bp = Blueprint("search", __name__)
FILTER_PARAMS = {"kind": "kind", "lang": "language", "place": "place", "tag": "tag", "case": "case", "year": "year"}


@bp.app_template_filter("snippet")
def snippet_filter(text: str) -> Markup:
    # Built by the backend's formatter, which escapes the text and adds only <mark> tags.
    return Markup(text)  # noqa: S704


def _run() -> tuple[SearchResults, dict]:
    page, per_page = page_args()
    args = request.args
    params = {key: args.get(key, "") for key in ("q", "from", "to", "sort", *FILTER_PARAMS)}
    results = search_documents(
        search_backend(),
        actor(),
        get_session(),
        q=params["q"],
        filters={field: args.get(param) for param, field in FILTER_PARAMS.items()},
        date_from=params["from"] or None,
        date_to=params["to"] or None,
        sort=params["sort"] or "relevance",
        page=page,
        per_page=per_page,
    )
    return results, params


@bp.get("/search")
def page():
    results, params = _run()
    facet_params = {v: k for k, v in FILTER_PARAMS.items()}
    return render_template("search.html", results=results, params=params, facet_params=facet_params, facets=FACETS)


@bp.get("/api/v1/search")
def api():
    results, _params = _run()
    return jsonify(results_json(results, permalink))
