"""Briefs as JSON, for the API: items and numbered citations as their reader may see them."""

from __future__ import annotations

from archive.briefs.read import BriefView
from archive.storage.models import Brief


def brief_summary(brief: Brief, title: str) -> dict:
    """`title`: as the reader may see it (read.shown_titles, or the view's)."""
    return {
        "id": brief.id,
        "title": title,
        "owner": brief.owner.username,
        "items": len(brief.items),
        "updated": brief.updated_at.isoformat(),
    }


def brief_json(view: BriefView, owner_view: bool) -> dict:
    """The brief as `view_brief` showed it to its reader; `owner_view` adds with whom it is
    shared (the owner's business only)."""
    brief = view.brief
    items = []
    for shown in view.items:
        item = shown.item
        record = {
            "id": item.id,
            "position": item.position,
            "kind": item.kind,
            "citation": shown.citation.number if shown.citation else None,
            "changed": shown.changed,
            # another item citing the same document, passage or entry (among those shown)
            "duplicate_of": shown.same_as.item.id if shown.same_as else None,
        }
        if item.kind in ("quote", "note"):
            record["text"] = shown.text
        if item.kind == "quote":
            record.update(start=item.quote_start, end=item.quote_end)
        if item.kind in ("document", "quote"):
            record["document_id"] = item.document_id
        if item.kind == "entry":
            record["entry_id"] = item.entry_id
        items.append(record)
    citations = [
        {
            "number": c.number,
            "kind": c.kind,
            "title": c.title,
            "source": c.source,
            "date": c.date,
            "case": c.case,
            "permalink": c.permalink,
            "version_sha256": c.version_sha256,
            "custody_sha256": c.custody_sha256 or None,
            "changed": c.changed,
            "cited_at": c.cited_at.isoformat() if c.cited_at else None,
        }
        for c in view.citations
    ]
    return {
        **brief_summary(brief, view.title),
        "purpose": view.purpose,
        "shared_with": [u.username for u in brief.shared_with] if owner_view else [],
        "items": items,
        "citations": citations,
        "withheld": view.withheld,
    }
