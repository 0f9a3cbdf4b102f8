"""What every view needs: the actor, pagination arguments, and permission-checked fetches."""

from __future__ import annotations

import re

from flask import current_app, request, url_for
from flask_login import current_user

from archive.auth.actors import Actor
from archive.auth.permissions import audience_for, can
from archive.briefs.read import brief_visible_to
from archive.documents.consent import tombstone
from archive.errors import N_, NotFound, NotPermitted, Removed, ValidationError
from archive.links import by_slug, key_of
from archive.services import get_session
from archive.storage import queries
from archive.storage.models import Brief, BriefItem, Document, TimelineEntry
from archive.timeline.read import entry_visible_to

# Where each kind of object lives (archive/links.py names the same paths for the command line)
_ENDPOINTS = {
    "document": ("pages.document", "doc_id"),
    "entry": ("timeline.entry", "entry_id"),
    "case": ("pages.case", "slug"),
    "act": ("acts.act", "act_id"),
    "media": ("media.file", "media_id"),
    "thumbnail": ("media.thumbnail", "media_id"),
}


# ... and where a document, entry or act is found by its case and slug (web/permalinks.py)
_SLUG_ENDPOINTS = {
    "document": ("permalinks.document", "doc_slug"),
    "entry": ("permalinks.entry", "entry_slug"),
    "act": ("permalinks.act", "act_slug"),
}


def permalink(kind: str, key) -> str:
    """The full address of a document, entry, act, case or media file on this site: by case
    and slug when given a record that has one (archive/links.py), else by id."""
    slugs = by_slug(kind, key)
    if slugs is not None:
        endpoint, argument = _SLUG_ENDPOINTS[kind]
        return url_for(endpoint, case=slugs[0], **{argument: slugs[1]}, _external=True)
    endpoint, argument = _ENDPOINTS[kind]
    return url_for(endpoint, **{argument: key_of(key)}, _external=True)


def actor() -> Actor:
    """Return the signed-in user, or None for an anonymous visitor."""
    return current_user if current_user.is_authenticated else None


def require(action: str) -> Actor:
    """Return the actor if it may perform the action, else raise NotPermitted."""
    who = actor()
    if not can(who, action):
        raise NotPermitted(f"not allowed: {action}")
    return who


def get_document_or_404(doc_id: int, action: str = "document:read") -> Document:
    """Fetch a document the actor may see and act on; anything else is 'not found'."""
    who = actor()
    audience = audience_for(who)
    document = queries.get_document(get_session(), doc_id, audience)
    if document is None:
        removal = tombstone(get_session(), doc_id, audience.consents)
        if removal is not None:  # gone, for a reader who saw it: when and why
            raise Removed(removal.kind, removal.reason, removal.at)
        # Not found and not allowed look the same, so ids cannot be probed.
        raise NotFound(f"no document {doc_id}")
    if action != "document:read" and not can(who, action, document):
        raise NotPermitted(f"not allowed: {action}")
    return document


def get_entry_or_404(entry_id: int) -> TimelineEntry:
    """Fetch a timeline entry for editing (callers have already required custodians)."""
    entry = queries.get_entry(get_session(), entry_id)
    if entry is None:
        raise NotFound(f"no timeline entry {entry_id}")
    return entry


def get_brief_or_404(brief_id: int, write: bool = False) -> Brief:
    """Fetch a brief the actor owns or has been shared; only the owner may change it."""
    who = actor()
    brief = brief_visible_to(get_session(), who, brief_id)
    if brief is None:  # someone else's brief looks like no brief at all
        raise NotFound(f"no brief {brief_id}")
    if write and not can(who, "brief:edit", brief):
        raise NotPermitted("this brief is shared with you to read; only its owner changes it")
    return brief


def brief_item_or_404(brief: Brief, item_id: int) -> BriefItem:
    for item in brief.items:
        if item.id == item_id:
            return item
    raise NotFound(f"no item {item_id} in brief {brief.id}")


def visible_entry_or_404(entry_id: int) -> TimelineEntry:
    """Fetch a timeline entry the actor may see."""
    item = entry_visible_to(get_session(), actor(), entry_id)
    if item is None:
        raise NotFound(f"no timeline entry {entry_id}")
    return item.entry


def page_args() -> tuple[int, int]:
    """Return (page, per_page) from the query string, validated."""
    config = current_app.config
    page = _positive_int("page", 1)
    per_page = _positive_int("per_page", config["PER_PAGE"])
    if per_page > config["MAX_PER_PAGE"]:
        raise ValidationError(
            N_("must be at most %(limit)s"), field="per_page", params={"limit": config["MAX_PER_PAGE"]}
        )
    return page, per_page


_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: str.isdigit() accepts '²', which int() refuses


def whole_number(raw: str | None) -> int | None:
    """The text as a whole number of up to nine ASCII digits, or None if it is not one."""
    return int(raw) if raw and _DIGITS.fullmatch(raw) else None


def _positive_int(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    value = whole_number(raw)
    if value is None or value < 1:
        raise ValidationError(N_("must be a whole number of at least 1"), field=name)
    return value
