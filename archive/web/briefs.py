"""Briefs in the browser: list, compose, quote from documents, reorder, share, export."""

from __future__ import annotations

import re

from flask import Blueprint, Response, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from archive.auth.permissions import can
from archive.briefs import compose
from archive.briefs.export import FORMATS, MEDIA_TYPES, export_brief
from archive.briefs.read import ItemView, briefs_for, full_order, shown_titles, view_brief
from archive.errors import N_, NotFound, ValidationError
from archive.services import get_session
from archive.storage.models import Brief
from archive.web.forms import flash_not_saved
from archive.web.helpers import (
    actor,
    brief_item_or_404,
    get_brief_or_404,
    get_document_or_404,
    permalink,
    require,
    visible_entry_or_404,
    whole_number,
)
from archive.web.i18n import current_language

bp = Blueprint("briefs", __name__)


@bp.app_template_global()
def my_briefs() -> list[Brief]:
    """The signed-in user's own briefs, for the "add to a brief" forms on other pages (looked
    up once a request: a page of results asks for each result)."""
    if "my_briefs" not in g:
        who = actor()
        g.my_briefs = briefs_for(get_session(), who)[0] if can(who, "brief:create") else []
    return g.my_briefs


@bp.app_template_global()
def briefs_holding(kind: str, key: int) -> list[tuple[Brief, int]]:
    """Which of the user's briefs already cite this document (whole) or timeline entry, and
    how often, so a second "Add to brief" is seen to be one before it is made."""
    field = {"document": "document_id", "entry": "entry_id"}[kind]
    held = [(b, sum(i.kind == kind and getattr(i, field) == key for i in b.items)) for b in my_briefs()]
    return [(b, n) for b, n in held if n]


@bp.get("/briefs")
def index():
    who = require("brief:create")
    owned, shared = briefs_for(get_session(), who)
    titles = shown_titles(get_session(), shared, who)
    return render_template("briefs.html", owned=owned, shared=shared, titles=titles)


@bp.post("/briefs")
def create():
    who = require("brief:create")
    try:
        brief = compose.create_brief(
            get_session(), who, request.form.get("title", ""), request.form.get("purpose", ""), "web"
        )
    except ValidationError as exc:
        return _refused(exc, url_for("briefs.index"))
    flash(_("Brief created. Add documents, passages and timeline entries to it."), "info")
    return redirect(url_for("briefs.show", brief_id=brief.id))


@bp.get("/briefs/<int:brief_id>")
def show(brief_id: int, note_draft: str = "", status: int = 200):
    brief = get_brief_or_404(brief_id)
    view = view_brief(get_session(), brief, actor(), permalink, current_language())
    owner = brief.owner_id == actor().id
    return render_template("brief.html", view=view, owner=owner, formats=FORMATS, note_draft=note_draft), status


@bp.post("/briefs/<int:brief_id>")
def update(brief_id: int):
    brief = get_brief_or_404(brief_id, write=True)
    return _do(
        brief,
        lambda s, who: compose.update_brief(
            s, brief, who, request.form.get("title", ""), request.form.get("purpose", ""), "web"
        ),
    )


@bp.post("/briefs/<int:brief_id>/share")
def share(brief_id: int):
    brief = get_brief_or_404(brief_id, write=True)
    names = request.form.get("shared_with", "").replace(",", " ").split()
    return _do(brief, lambda s, who: compose.share_brief(s, brief, who, names, "web"))


@bp.post("/briefs/<int:brief_id>/delete")
def delete(brief_id: int):
    """Delete the brief once the owner has ticked the box that says so (no script needed)."""
    brief = get_brief_or_404(brief_id, write=True)
    if request.form.get("confirm") != "yes":
        flash(_("Not deleted: tick the box to confirm that the brief should be deleted."), "error")
        return redirect(url_for("briefs.show", brief_id=brief.id) + "#delete-h")
    compose.delete_brief(get_session(), brief, actor(), "web")
    flash(_("Brief deleted."), "info")
    return redirect(url_for("briefs.index"))


@bp.post("/briefs/<int:brief_id>/order")
def reorder(brief_id: int):
    """Put the items in the order given (every item id, separated by commas): what dragging
    an item saves. Answers JSON to a script that asks for it, else goes back to the brief."""
    brief = get_brief_or_404(brief_id, write=True)
    as_json = request.accept_mimetypes.best == "application/json"
    try:
        raw = request.form.get("order", "")
        if not re.fullmatch(r"\d{1,12}(,\d{1,12})*", raw):
            raise ValidationError(N_("is every item id, separated by commas"), field="order")
        view = view_brief(get_session(), brief, actor(), permalink, current_language())
        try:  # the items the owner sees; any withheld keep their places
            order = full_order(view, [int(n) for n in raw.split(",")])
        except ValueError:
            raise ValidationError(N_("list every item of the brief exactly once"), field="order") from None
        compose.reorder(get_session(), brief, actor(), order, "web")
    except ValidationError as exc:
        if as_json:
            return jsonify({"error": f"{exc.field}: {exc.message}", "status": 400}), 400
        return _refused(exc, url_for("briefs.show", brief_id=brief.id))
    if as_json:
        return jsonify({"order": [i.id for i in brief.items]})
    flash(_("Saved."), "info")
    return redirect(url_for("briefs.show", brief_id=brief.id))


@bp.post("/briefs/items")
def add_item():
    """Add to the brief chosen in the form: a document, a quoted passage, an entry or a note.
    Forms on document, search and timeline pages post here and come back to where they were."""
    try:
        brief_id = int(request.form.get("brief_id", ""))
    except ValueError:
        return _refused(ValidationError(N_("choose a brief"), field="brief_id"), _back())
    brief = get_brief_or_404(brief_id, write=True)
    kind, session, who = request.form.get("kind", ""), get_session(), actor()
    text = request.form.get("text", "")
    try:
        if kind == "note":
            item = compose.add_note(session, brief, who, text, "web")
        elif kind == "entry":
            entry = visible_entry_or_404(_int_field("entry_id"))
            item = compose.add_entry(session, brief, who, entry, "web")
        elif kind in ("document", "quote"):
            document = get_document_or_404(_int_field("document_id"))
            if kind == "document":
                item = compose.add_document(session, brief, who, document, "web")
            else:
                near = whole_number(request.form.get("near"))  # a hint only: else ignored
                item = compose.add_quote(session, brief, who, document, text, "web", near)
        else:
            raise ValidationError(N_("is one of document, quote, entry, note"), field="kind")
    except ValidationError as exc:
        if kind == "note" and _back() == url_for("briefs.show", brief_id=brief.id):
            flash_not_saved(exc)
            return show(brief.id, note_draft=text, status=400)  # the words are kept
        return _refused(exc, _back() + _anchor(kind))
    added = ngettext(
        "Added to “%(title)s” (%(num)s item).",
        "Added to “%(title)s” (%(num)s items).",
        len(brief.items),
        title=brief.title,
    )
    flash(added, "info")
    shown = _shown(brief, item)
    if shown is not None and shown.same_as is not None:
        flash(_duplicate_warning(shown), "warning")
    return redirect(_back() + _anchor(kind, item))


@bp.post("/briefs/<int:brief_id>/items/<int:item_id>/<action>")
def item_action(brief_id: int, item_id: int, action: str):
    brief = get_brief_or_404(brief_id, write=True)
    item = brief_item_or_404(brief, item_id)
    actions = {
        "move": lambda s, who: compose.move_item(s, item, who, _position(brief), "web"),
        "note": lambda s, who: compose.edit_note(s, item, who, request.form.get("text", ""), "web"),
        "remove": lambda s, who: compose.remove_item(s, item, who, "web"),
        "refresh": lambda s, who: compose.refresh_item(s, item, who, "web"),
    }
    if action not in actions:
        raise NotFound(f"no action {action}")
    return _do(brief, actions[action], anchor=f"#item-{item.id}" if action != "remove" else "")


@bp.get("/briefs/<int:brief_id>/export.<fmt>")
def download(brief_id: int, fmt: str):
    if fmt not in FORMATS:
        raise NotFound(f"no export format {fmt}")
    brief = get_brief_or_404(brief_id)
    data = export_brief(get_session(), brief, actor(), fmt, permalink, "web", locale=current_language())
    return Response(
        data,
        mimetype=MEDIA_TYPES[fmt].split(";")[0],
        headers={"Content-Disposition": f'attachment; filename="brief-{brief.id}.{fmt}"'},
    )


def _do(brief: Brief, change, anchor: str = ""):
    """Run a change; on a refusal say why. Either way, back to the brief."""
    target = url_for("briefs.show", brief_id=brief.id) + anchor
    try:
        change(get_session(), actor())
    except ValidationError as exc:
        return _refused(exc, target)
    flash(_("Saved."), "info")
    return redirect(target)


def _shown(brief: Brief, item) -> ItemView | None:
    """The new item as its owner sees it in the brief (so a duplicate is one the owner sees)."""
    view = view_brief(get_session(), brief, actor(), permalink, current_language())
    return next((s for s in view.items if s.item.id == item.id), None)


def _duplicate_warning(shown: ItemView) -> str:
    earlier, n = shown.same_as.number, shown.number
    if shown.item.kind == "quote":
        return _(
            "This passage was already quoted in this brief as item %(earlier)s; it is now item %(n)s as well. "
            "Remove one on the brief's page if that was not meant.",
            earlier=earlier,
            n=n,
        )
    if shown.item.kind == "entry":
        return _(
            "This timeline entry was already in this brief as item %(earlier)s; it is now item %(n)s as well. "
            "Remove one on the brief's page if that was not meant.",
            earlier=earlier,
            n=n,
        )
    return _(
        "This document was already cited in this brief as item %(earlier)s; it is now item %(n)s as well. "
        "Remove one on the brief's page if that was not meant.",
        earlier=earlier,
        n=n,
    )


def _refused(exc: ValidationError, target: str):
    flash_not_saved(exc)
    return redirect(target)


def _position(brief: Brief) -> int:
    """The brief's own position for "move to position N", N counted among the items the owner
    sees (any withheld from the owner are not numbered on the page)."""
    wanted = _int_field("position")
    shown = view_brief(get_session(), brief, actor(), permalink, current_language()).items
    if wanted < 1 or not shown:
        raise ValidationError(N_("is a position from 1"), field="position")
    return shown[min(wanted, len(shown)) - 1].item.position


def _int_field(name: str) -> int:
    value = whole_number(request.form.get(name))
    if value is None:
        raise ValidationError(N_("must be a whole number"), field=name)
    return value


def _back() -> str:
    """Where the form came from: a path on this site only (never another host)."""
    target = request.form.get("next", "").split("#", 1)[0]
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("briefs.index")


_ANCHOR = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,79}")


def _anchor(kind: str, item=None) -> str:
    """The place on the page the item was added from, so the reader lands back there: the
    form's own `anchor`, else the item's "Add to brief" button on a list, else (back on the
    brief itself) the new item."""
    named = request.form.get("anchor", "")
    if _ANCHOR.fullmatch(named):
        return "#" + named
    for field in ("document_id", "entry_id"):
        key = whole_number(request.form.get(field))
        if key is not None and kind in ("document", "entry") and field.startswith(kind):
            return f"#add-{kind}-{key}"
    if item is not None and _back() == url_for("briefs.show", brief_id=item.brief.id):
        return f"#item-{item.id}"
    return ""
