"""The search page, its help page, and GET /api/v1/search: the same parameters, the same
access rules. A query the parser cannot read is shown on the search page itself, with the
query kept in the box and the fault marked; the API answers the same message as JSON."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from archive.errors import ValidationError
from archive.search.backend import SearchResults
from archive.search.errors import QueryError
from archive.search.hints import cross_script_hint, query_script
from archive.search.language import FACETS, FILTER_PARAMS
from archive.search.query import requested_period, search_documents, visible_languages
from archive.search.serialize import results_json
from archive.services import get_session, search_backend
from archive.storage import queries
from archive.storage.models import ACT_TYPES
from archive.violations.read import ActFilters, documents_of_acts
from archive.web.helpers import actor, page_args, permalink
from archive.web.i18n import current_language
from archive.web.labels import label, localised

bp = Blueprint("search", __name__)
ACT_PARAMS = ("act", "perpetrator")  # the sources of acts of a type, or by a perpetrator
PARAMS = ("q", "from", "to", "sort", *FILTER_PARAMS, *ACT_PARAMS)
CONTEXT = 40  # characters of the query shown either side of a fault


@bp.app_template_filter("snippet")
def snippet_filter(text: str) -> Markup:
    # Built by the backend's formatter, which escapes the text and adds only <mark> tags.
    return Markup(text)  # noqa: S704


def _params() -> dict[str, str]:
    return {key: request.args.get(key, "") for key in PARAMS}


def _search(params: dict[str, str], page: int = 1, per_page: int = 20) -> SearchResults:
    acts = ActFilters.from_args(params)
    among = documents_of_acts(get_session(), actor(), acts) if acts else None
    return search_documents(
        search_backend(),
        actor(),
        get_session(),
        q=params["q"],
        filters={field: params[param] for param, field in FILTER_PARAMS.items()},
        date_from=params["from"] or None,
        date_to=params["to"] or None,
        sort=params["sort"] or "relevance",
        page=page,
        per_page=per_page,
        among=among,
    )


@bp.get("/search")
def page():
    params = _params()
    results = error = period = hint = None
    undated = params["q"]
    try:
        results = _search(params, *page_args())
        period, undated = requested_period(params["q"], params["from"] or None, params["to"] or None)
        hint = _hint(params, results)
    except ValidationError as exc:
        error = _fault(exc, params["q"])
    names = _names(results, hint.languages if hint else ())
    html = render_template(
        "search.html",
        results=results,
        params=params,
        facet_params={v: k for k, v in FILTER_PARAMS.items()},
        facets=FACETS,
        names=names,
        error=error,
        period=period,
        hint=hint,
        active=[p for p in (*FILTER_PARAMS, *ACT_PARAMS) if params[p]],
        act_types=ACT_TYPES,
        search_url=_linker(params),
        undated_q=" ".join(undated.split()),
        languages=lambda codes: ", ".join(names["language"].get(c) or c for c in codes),
    )
    return html, 400 if error else 200


@bp.get("/search/help")
def help_page():
    return render_template("search_help.html")


@bp.get("/api/v1/search")
def api():
    page_, per_page = page_args()
    results = _search(_params(), page_, per_page)
    return jsonify(results_json(results, permalink, current_language()))


def _field_names() -> dict[str, str]:
    """The parameters as the page names them, before the domain's message (the API gives the
    parameter's own name: `q: has an unclosed quotation mark`)."""
    return {
        "q": _("Query"),
        "date": _("Date in the query"),
        "from": _("From"),
        "to": _("To"),
        "year": _("Year"),
        "act": _("Act recorded"),
        "sort": _("Order"),
        "page": _("Page"),
        "per_page": _("Results per page"),
    }


def _linker(params: dict[str, str]):
    """A function giving this search's address with some parameters changed (empty: left out)."""
    base = {k: v for k, v in params.items() if v}
    if request.args.get("per_page"):
        base["per_page"] = request.args["per_page"]

    def search_url(**changes) -> str:
        return url_for("search.page", **{k: v for k, v in {**base, **changes}.items() if v not in ("", None)})

    return search_url


def _fault(exc: ValidationError, q: str) -> dict:
    """The error as the page shows it: the API's message, and where in the query it is."""
    fault = {"field": exc.field, "message": localised(exc), "where": _field_names().get(exc.field, exc.field)}
    if isinstance(exc, QueryError) and exc.start is not None:
        start, end = exc.start, min(exc.end, exc.start + CONTEXT)
        fault.update(
            at=start + 1,
            before=("…" if start > CONTEXT else "") + q[max(0, start - CONTEXT) : start],
            fault=q[start:end] + ("…" if exc.end > end else ""),
            after=q[exc.end : exc.end + CONTEXT] + ("…" if len(q) > exc.end + CONTEXT else ""),
        )
    return fault


def _hint(params: dict[str, str], results: SearchResults):
    """The cross-script hint (archive/search/hints.py) for this query and reader, about the
    languages the reader may find that this search found nothing in."""
    if query_script(params["q"]) is None:
        return None
    found = set(results.facets.get("language", {})) | {h.language for h in results.hits}
    missed = [code for code in visible_languages(search_backend(), actor()) if code not in found]

    def finds(q: str) -> bool:
        try:
            return bool(_search(dict(params, q=q), per_page=1).hits)
        except ValidationError:
            return False

    return cross_script_hint(params["q"], missed, finds)


def _names(results: SearchResults | None, more_languages=()) -> dict[str, dict[str, str]]:
    """What readers are shown for facet values and hits' codes: language names in the reader's
    language (Babel's CLDR data), case titles, kind names; places, tags and years as they are."""
    try:
        locale = Locale.parse(current_language())
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    facets = results.facets if results else {}
    hits = results.hits if results else []
    languages = set(facets.get("language", {})) | {h.language for h in hits} | set(more_languages)
    kinds = set(facets.get("kind", {})) | {h.kind for h in hits}
    cases = {c.slug: c.title for c in queries.list_cases(get_session())} if facets.get("case") else {}
    return {
        "language": {code: _capitalised(locale.languages.get(code, code)) for code in languages},
        "kind": {code: label("kind", code) for code in kinds},
        "case": {slug: cases.get(slug, slug) for slug in facets.get("case", {})},
        "tag": {tag: tag.replace("-", " ").replace("_", " ") for tag in facets.get("tag", {})},
    }


def _capitalised(name: str) -> str:
    """ "русский" → "Русский": a name standing alone in a list starts with a capital."""
    return name[:1].upper() + name[1:]
