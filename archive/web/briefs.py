"""Briefs in the browser: list, compose, quote from documents, reorder, share, export."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive.auth.permissions import can
from archive.briefs import compose
from archive.briefs.export import FORMATS, MEDIA_TYPES, export_brief
from archive.briefs.read import briefs_for, shown_titles, view_brief
from archive.errors import NotFound, ValidationError
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

bp = Blueprint("briefs", __name__)


@bp.app_template_global()
def my_briefs() -> list[Brief]:
    """The signed-in user's own briefs, for the "add to a brief" forms on other pages."""
    who = actor()
    return briefs_for(get_session(), who)[0] if can(who, "brief:create") else []


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
    view = view_brief(get_session(), brief, actor(), permalink)
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
    brief = get_brief_or_404(brief_id, write=True)
    compose.delete_brief(get_session(), brief, actor(), "web")
    flash(_("Brief deleted."), "info")
    return redirect(url_for("briefs.index"))


@bp.post("/briefs/items")
def add_item():
    """Add to the brief chosen in the form: a document, a quoted passage, an entry or a note.
    Forms on document, search and timeline pages post here and come back to where they were."""
    try:
        brief_id = int(request.form.get("brief_id", ""))
    except ValueError:
        return _refused(ValidationError("choose a brief", field="brief_id"), _back())
    brief = get_brief_or_404(brief_id, write=True)
    kind, session, who = request.form.get("kind", ""), get_session(), actor()
    text = request.form.get("text", "")
    try:
        if kind == "note":
            compose.add_note(session, brief, who, text, "web")
        elif kind == "entry":
            entry = visible_entry_or_404(_int_field("entry_id"))
            compose.add_entry(session, brief, who, entry, "web")
        elif kind in ("document", "quote"):
            document = get_document_or_404(_int_field("document_id"))
            if kind == "document":
                compose.add_document(session, brief, who, document, "web")
            else:
                near = whole_number(request.form.get("near"))  # a hint only: else ignored
                compose.add_quote(session, brief, who, document, text, "web", near)
        else:
            raise ValidationError("is one of document, quote, entry, note", field="kind")
    except ValidationError as exc:
        if kind == "note" and _back() == url_for("briefs.show", brief_id=brief.id):
            flash_not_saved(exc)
            return show(brief.id, note_draft=text, status=400)  # the words are kept
        return _refused(exc, _back())
    flash(_("Added to “%(title)s” (%(n)s items).", title=brief.title, n=len(brief.items)), "info")
    return redirect(_back())


@bp.post("/briefs/<int:brief_id>/items/<int:item_id>/<action>")
def item_action(brief_id: int, item_id: int, action: str):
    brief = get_brief_or_404(brief_id, write=True)
    item = brief_item_or_404(brief, item_id)
    actions = {
        "move": lambda s, who: compose.move_item(s, item, who, _int_field("position"), "web"),
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
    data = export_brief(get_session(), brief, actor(), fmt, permalink, "web")
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


def _refused(exc: ValidationError, target: str):
    flash_not_saved(exc)
    return redirect(target)


def _int_field(name: str) -> int:
    value = whole_number(request.form.get(name))
    if value is None:
        raise ValidationError("must be a whole number", field=name)
    return value


def _back() -> str:
    """Where the form came from: a path on this site only (never another host)."""
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("briefs.index")
