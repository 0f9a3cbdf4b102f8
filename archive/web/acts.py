"""The violations layer on the web: a case's acts counted by type, filtered, each act's page,
and the same under /api/v1 (custodians record and remove acts there, in the corpus format)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from archive.errors import NotFound, ValidationError
from archive.services import get_session
from archive.storage import queries
from archive.storage.models import ACT_TYPES
from archive.timeline.read import entry_readable
from archive.violations.acts import remove_act, save_act, validate_act
from archive.violations.read import ActFilters, act_visible_to, count_by_type, perpetrator_names, visible_acts
from archive.violations.serialize import act_record, count_record
from archive.web.helpers import actor, permalink, require
from archive.web.i18n import current_language

bp = Blueprint("acts", __name__)


def _case_or_404(slug: str):
    found = queries.get_case(get_session(), slug)
    if found is None:
        raise NotFound(f"no case {slug}")
    return found


def _entry_shown(item) -> bool:
    return item.act.entry is not None and entry_readable(actor(), item.act.entry)


@bp.get("/cases/<slug>/acts")
def case_acts(slug: str):
    case = _case_or_404(slug)
    session, reader = get_session(), actor()
    filters = ActFilters.from_args(request.args, case=slug)
    items = visible_acts(session, reader, filters)
    return render_template(
        "acts.html",
        case=case,
        filters=filters,
        items=items,
        counts=count_by_type(session, reader, items),
        act_types=ACT_TYPES,
        perpetrators=perpetrator_names(session, reader, filters),
        entry_shown=_entry_shown,
    )


@bp.get("/acts/<int:act_id>")
def act(act_id: int):
    item = _visible(act_id)
    return render_template("act.html", item=item, entry_shown=_entry_shown)


@bp.get("/api/v1/cases/<slug>/acts")
def api_case_acts(slug: str):
    _case_or_404(slug)
    session, reader, locale = get_session(), actor(), current_language()
    filters = ActFilters.from_args(request.args, case=slug)
    items = visible_acts(session, reader, filters)
    return jsonify(
        {
            "case": slug,
            "filters": filters.as_args(),
            "counts": [count_record(c) for c in count_by_type(session, reader, items)],
            "acts": [act_record(i, permalink, _entry_shown(i), locale) for i in items],
        }
    )


@bp.get("/api/v1/acts/<int:act_id>")
def api_act(act_id: int):
    item = _visible(act_id)
    return jsonify(act_record(item, permalink, _entry_shown(item), current_language()))


@bp.post("/api/v1/acts")
def api_save_act():
    """Record an act from a JSON body in the corpus format, or replace the act of that slug
    (custodians; CSRF token in X-CSRFToken)."""
    who = require("timeline:edit")
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationError("send the act as a JSON object", field="content-type")
    stored = save_act(get_session(), validate_act(body, "request"), who, "api")
    item = _visible(stored.id)
    return jsonify(act_record(item, permalink, _entry_shown(item), current_language())), 201


@bp.delete("/api/v1/acts/<int:act_id>")
def api_remove_act(act_id: int):
    who = require("timeline:edit")
    found = queries.get_act(get_session(), act_id)
    if found is None:
        raise NotFound(f"no act {act_id}")
    remove_act(get_session(), found, who, "api")
    return "", 204


def _visible(act_id: int):
    item = act_visible_to(get_session(), actor(), act_id)
    if item is None:
        raise NotFound(f"no act {act_id}")
    return item
