"""Briefs over JSON under /api/v1/briefs: the same rules as the pages (owner changes, named
users read), public text only. Unsafe methods need the CSRF token in X-CSRFToken."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from archive.auth.permissions import can
from archive.briefs import compose
from archive.briefs.export import FORMATS, MEDIA_TYPES, export_brief
from archive.briefs.read import briefs_for, shown_titles, view_brief
from archive.briefs.serialize import brief_json, brief_summary
from archive.errors import NotFound, ValidationError
from archive.services import get_session
from archive.storage.models import Brief
from archive.web.helpers import (
    actor,
    brief_item_or_404,
    get_brief_or_404,
    get_document_or_404,
    permalink,
    require,
    visible_entry_or_404,
)

bp = Blueprint("briefs_api", __name__, url_prefix="/api/v1/briefs")


@bp.get("")
def index():
    who = require("brief:create")
    owned, shared = briefs_for(get_session(), who)
    titles = shown_titles(get_session(), owned + shared, who)
    return jsonify(
        {
            "owned": [brief_summary(b, titles[b.id]) for b in owned],
            "shared": [brief_summary(b, titles[b.id]) for b in shared],
        }
    )


@bp.post("")
def create():
    who = require("brief:create")  # before reading the body: the refusal comes first
    body, session = _body(), get_session()
    brief = compose.create_brief(session, who, _text(body, "title"), _text(body, "purpose"), "api")
    if body.get("shared_with"):
        compose.share_brief(session, brief, who, _names(body), "api")
    return jsonify(_brief(brief)), 201


@bp.get("/<int:brief_id>")
def show(brief_id: int):
    return jsonify(_brief(get_brief_or_404(brief_id)))


@bp.patch("/<int:brief_id>")
def update(brief_id: int):
    """Change any of title, purpose, order (every item id, in the new order), shared_with."""
    brief = get_brief_or_404(brief_id, write=True)
    body, session, who = _body(), get_session(), actor()
    if "title" in body or "purpose" in body:
        compose.update_brief(
            session, brief, who, _text(body, "title", brief.title), _text(body, "purpose", brief.purpose), "api"
        )
    if "order" in body:
        order = body["order"]
        if not isinstance(order, list) or not all(isinstance(i, int) for i in order):
            raise ValidationError("is a list of item ids", field="order")
        compose.reorder(session, brief, who, order, "api")
    if "shared_with" in body:
        compose.share_brief(session, brief, who, _names(body), "api")
    return jsonify(_brief(brief))


@bp.delete("/<int:brief_id>")
def delete(brief_id: int):
    compose.delete_brief(get_session(), get_brief_or_404(brief_id, write=True), actor(), "api")
    return "", 204


@bp.post("/<int:brief_id>/items")
def add_item(brief_id: int):
    """Add {kind: document|quote|entry|note, document_id, entry_id, text, near}; the answer
    names an item already citing the same thing (`duplicate_of`), else null."""
    brief = get_brief_or_404(brief_id, write=True)
    body, session, who = _body(), get_session(), actor()
    kind = body.get("kind")
    if kind == "note":
        item = compose.add_note(session, brief, who, _text(body, "text"), "api")
    elif kind == "entry":
        entry = visible_entry_or_404(_id(body, "entry_id"))
        item = compose.add_entry(session, brief, who, entry, "api")
    elif kind in ("document", "quote"):
        document = get_document_or_404(_id(body, "document_id"))
        if kind == "document":
            item = compose.add_document(session, brief, who, document, "api")
        else:
            near = body.get("near")
            item = compose.add_quote(
                session, brief, who, document, _text(body, "text"), "api", near if isinstance(near, int) else None
            )
    else:
        raise ValidationError("is one of document, quote, entry, note", field="kind")
    shown = _brief(brief)
    same = next((i["duplicate_of"] for i in shown["items"] if i["id"] == item.id), None)
    return jsonify({"id": item.id, "duplicate_of": same, "brief": shown}), 201


@bp.patch("/<int:brief_id>/items/<int:item_id>")
def update_item(brief_id: int, item_id: int):
    """Change a note's {text}, move to {position}, or {refresh: true} to the current version."""
    brief = get_brief_or_404(brief_id, write=True)
    item = brief_item_or_404(brief, item_id)
    body, session, who = _body(), get_session(), actor()
    if "text" in body:
        compose.edit_note(session, item, who, _text(body, "text"), "api")
    if "position" in body:
        compose.move_item(session, item, who, _id(body, "position"), "api")
    if body.get("refresh") is True:
        compose.refresh_item(session, item, who, "api")
    return jsonify(_brief(brief))


@bp.delete("/<int:brief_id>/items/<int:item_id>")
def remove_item(brief_id: int, item_id: int):
    brief = get_brief_or_404(brief_id, write=True)
    item = brief_item_or_404(brief, item_id)
    compose.remove_item(get_session(), item, actor(), "api")
    return jsonify(_brief(brief))


@bp.get("/<int:brief_id>/export.<fmt>")
def download(brief_id: int, fmt: str):
    if fmt not in FORMATS:
        raise NotFound(f"no export format {fmt}")
    data = export_brief(
        get_session(),
        get_brief_or_404(brief_id),
        actor(),
        fmt,
        permalink,
        "api",
        locale=request.args.get("lang") or "en",
    )
    return Response(data, mimetype=MEDIA_TYPES[fmt].split(";")[0])


def _brief(brief: Brief) -> dict:
    view = view_brief(get_session(), brief, actor(), permalink)
    return brief_json(view, owner_view=can(actor(), "brief:edit", brief))


def _body() -> dict:
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationError("send a JSON object", field="content-type")
    return body


def _text(body: dict, name: str, default: str = "") -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        raise ValidationError("is a string", field=name)
    return value


def _id(body: dict, name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError("is a whole number of at least 1", field=name)
    return value


def _names(body: dict) -> list[str]:
    names = body.get("shared_with")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValidationError("is a list of user names", field="shared_with")
    return names
