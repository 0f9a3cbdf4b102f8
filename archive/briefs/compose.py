"""Compose briefs: create, add items, quote passages, reorder, note, share. Each change is
audited, and only the owner may make it.

Threat: a brief is handed to people outside the archive. Everything in it is public text: a
quote is located in the document's public text (never the original), and the owner's own
words (title, purpose, notes) are refused if they would reveal a protected person, as the
timeline's are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.errors import N_, NotPermitted, ValidationError
from archive.protection.public_text import refuse_identifiers
from archive.rendering import collapse_space, plain_text
from archive.storage import audit, queries
from archive.storage.models import Brief, BriefItem, Document, TimelineEntry, utcnow
from archive.storage.unit import unit_of_work
from archive.timeline.read import entry_readable

log = logging.getLogger(__name__)

MAX_TITLE, MAX_PURPOSE, MAX_NOTE, MAX_QUOTE = 300, 5000, 20_000, 5000
MAX_ITEMS = 500
MAX_SHARES = 50


@dataclass(frozen=True)
class Located:
    """A passage found in a document's public text: where, and the words as they stand."""

    start: int
    end: int
    text: str


def locate(document: Document, passage: str, near: int | None = None) -> Located:
    """Find a passage in the document's public text as a reader sees it (white space aside);
    where it occurs more than once, take the occurrence nearest to `near`."""
    wanted = collapse_space(passage)
    if not wanted:
        raise ValidationError(N_("select or paste the passage to quote"), field="text")
    if len(wanted) > MAX_QUOTE:
        raise ValidationError(N_("quote at most %(limit)s characters"), field="text", params={"limit": MAX_QUOTE})
    plain = plain_text(document.body_html)
    found, at = [], plain.find(wanted)
    while at != -1:
        found.append(at)
        at = plain.find(wanted, at + 1)
    if not found:
        raise ValidationError(
            N_("is not in the document's public text as it stands: select it on the page"),
            field="text",
        )
    start = min(found, key=lambda n: abs(n - near)) if near is not None else found[0]
    return Located(start, start + len(wanted), wanted)


def create_brief(session: Session, actor: Actor, title: str, purpose: str, via: str) -> Brief:
    """Create an empty brief owned by the actor (researchers and above)."""
    if not can(actor, "brief:create"):
        raise NotPermitted("sign in as a researcher to build briefs")
    title, purpose = _texts(session, title, purpose, via)
    brief = Brief(owner=actor, title=title, purpose=purpose)
    return _commit(session, brief, actor, via, "brief.create")


def update_brief(session: Session, brief: Brief, actor: Actor, title: str, purpose: str, via: str) -> Brief:
    _owner(brief, actor)
    brief.title, brief.purpose = _texts(session, title, purpose, via)
    return _commit(session, brief, actor, via, "brief.edit")


def delete_brief(session: Session, brief: Brief, actor: Actor, via: str) -> None:
    _owner(brief, actor)
    with unit_of_work(session):
        audit.record(session, actor, via, "brief.delete", "brief", brief.id, items=len(brief.items))
        session.delete(brief)
    log.info("brief %s deleted via %s", brief.id, via)


def add_document(session: Session, brief: Brief, actor: Actor, document: Document, via: str) -> BriefItem:
    """Cite a whole document."""
    _readable(actor, document)
    item = BriefItem(kind="document", document=document, version_sha256=document.version_sha256)
    return _add(session, brief, actor, item, via)


def add_quote(
    session: Session,
    brief: Brief,
    actor: Actor,
    document: Document,
    passage: str,
    via: str,
    near: int | None = None,
) -> BriefItem:
    """Quote a passage of a document's public text, keeping where it stands and the version."""
    _readable(actor, document)
    found = locate(document, passage, near)
    item = BriefItem(
        kind="quote",
        document=document,
        text=found.text,
        quote_start=found.start,
        quote_end=found.end,
        version_sha256=document.version_sha256,
    )
    return _add(session, brief, actor, item, via)


def add_entry(session: Session, brief: Brief, actor: Actor, entry: TimelineEntry, via: str) -> BriefItem:
    """Cite a timeline entry the actor may see."""
    if not entry_readable(actor, entry):
        raise NotPermitted("you may not cite this timeline entry")
    item = BriefItem(kind="entry", entry=entry, version_sha256=entry.version_sha256)
    return _add(session, brief, actor, item, via)


def add_note(session: Session, brief: Brief, actor: Actor, text: str, via: str) -> BriefItem:
    """Add the owner's own words, in Markdown."""
    item = BriefItem(kind="note", text=_note(session, text, via))
    return _add(session, brief, actor, item, via)


def edit_note(session: Session, item: BriefItem, actor: Actor, text: str, via: str) -> None:
    _owner(item.brief, actor)
    if item.kind != "note":
        raise ValidationError(N_("only notes are edited; quote a passage again instead"), "text")
    item.text = _note(session, text, via)
    _commit(session, item.brief, actor, via, "brief.item.edit", item=item)


def move_item(session: Session, item: BriefItem, actor: Actor, position: int, via: str) -> None:
    """Move an item to a position (1 is first), shifting the others."""
    brief = item.brief
    _owner(brief, actor)
    items = [i for i in brief.items if i is not item]
    items.insert(max(0, min(position - 1, len(items))), item)
    _number(brief, items)
    _commit(session, brief, actor, via, "brief.item.move", item=item.id, position=item.position)


def reorder(session: Session, brief: Brief, actor: Actor, ids: list[int], via: str) -> None:
    """Put every item in the order given (a list of all the brief's item ids)."""
    _owner(brief, actor)
    by_id = {i.id: i for i in brief.items}
    if sorted(ids) != sorted(by_id):
        raise ValidationError(N_("list every item of the brief exactly once"), field="order")
    _number(brief, [by_id[i] for i in ids])
    _commit(session, brief, actor, via, "brief.reorder")


def remove_item(session: Session, item: BriefItem, actor: Actor, via: str) -> None:
    brief = item.brief
    _owner(brief, actor)
    _number(brief, [i for i in brief.items if i is not item])
    _commit(session, brief, actor, via, "brief.item.remove", item=item.id)


def refresh_item(session: Session, item: BriefItem, actor: Actor, via: str) -> BriefItem:
    """Bring an item to the current version of what it cites. A quote must still stand in the
    document's public text; if it does not, the owner quotes the new wording instead."""
    _owner(item.brief, actor)
    if item.kind in ("document", "quote"):
        if item.document is None:
            raise ValidationError(N_("the document is no longer in the archive"), field="item")
        _readable(actor, item.document)
        if item.kind == "quote":
            try:
                found = locate(item.document, item.text, item.quote_start)
            except ValidationError as exc:
                raise ValidationError(
                    N_("the passage no longer stands in the document: quote the new wording, or remove the item"),
                    field="item",
                ) from exc
            item.quote_start, item.quote_end = found.start, found.end
        item.version_sha256 = item.document.version_sha256
    elif item.kind == "entry":
        if item.entry is None:
            raise ValidationError(N_("the timeline entry is no longer in the archive"), "item")
        item.version_sha256 = item.entry.version_sha256
    item.added_at = utcnow()
    _commit(session, item.brief, actor, via, "brief.item.refresh", item=item)
    return item


def share_brief(session: Session, brief: Brief, actor: Actor, usernames: list[str], via: str) -> Brief:
    """Share the brief read-only with exactly these users (an empty list makes it private)."""
    _owner(brief, actor)
    names = sorted({n.strip() for n in usernames if n and n.strip()})
    if len(names) > MAX_SHARES:
        raise ValidationError(
            N_("share with at most %(limit)s people"), field="shared_with", params={"limit": MAX_SHARES}
        )
    users = []
    for name in names:
        user = queries.user_by_name(session, name)
        if user is None or not user.active:
            raise ValidationError(N_("there is no active user %(name)r"), field="shared_with", params={"name": name})
        if user.id != brief.owner_id:
            users.append(user)
    brief.shared_with = users
    return _commit(session, brief, actor, via, "brief.share", users=[u.id for u in users])


# -- helpers ---------------------------------------------------------------------------------


def _owner(brief: Brief, actor: Actor) -> None:
    if not can(actor, "brief:edit", brief):
        raise NotPermitted("only the brief's owner changes it")


def _readable(actor: Actor, document: Document) -> None:
    if not can(actor, "document:read", document):
        raise NotPermitted("you may not cite this document")


def _add(session: Session, brief: Brief, actor: Actor, item: BriefItem, via: str):
    _owner(brief, actor)
    if len(brief.items) >= MAX_ITEMS:
        raise ValidationError(N_("a brief holds at most %(limit)s items"), field="item", params={"limit": MAX_ITEMS})
    item.position = len(brief.items) + 1
    brief.items.append(item)
    _commit(session, brief, actor, via, "brief.item.add", item=item, kind=item.kind)
    return item


def _number(brief: Brief, items: list[BriefItem]) -> None:
    """Put the items in this order (an item left out is deleted), numbered from 1."""
    brief.items = items
    for n, item in enumerate(items, start=1):
        item.position = n


def _texts(session: Session, title: str, purpose: str, via: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    purpose = (purpose or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationError(
            N_("give a title of up to %(limit)s characters"), field="title", params={"limit": MAX_TITLE}
        )
    if len(purpose) > MAX_PURPOSE:
        raise ValidationError(N_("write at most %(limit)s characters"), field="purpose", params={"limit": MAX_PURPOSE})
    cases = queries.list_cases(session)
    refuse_identifiers("title", title, cases, via, protected=False)
    refuse_identifiers("purpose", purpose, cases, via, protected=False)
    return title, purpose


def _note(session: Session, text: str, via: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise ValidationError(N_("write a note of 1 to %(limit)s characters"), field="text", params={"limit": MAX_NOTE})
    refuse_identifiers("text", text, queries.list_cases(session), via, protected=False)
    return text


def _commit(session: Session, brief: Brief, actor: Actor, via: str, action: str, **detail):
    with unit_of_work(session):
        if brief.id is None:
            session.add(brief)
        session.flush()
        brief.updated_at = utcnow()
        # ids only in the log (an item's id is known once flushed)
        detail = {k: v.id if isinstance(v, BriefItem) else v for k, v in detail.items()}
        audit.record(session, actor, via, action, "brief", brief.id, **detail)
    log.info("%s: brief %s via %s", action, brief.id, via)
    return brief
