"""Read the timeline as an actor may see it: citations only to documents they may open."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from archive.auth.permissions import can
from archive.storage import queries
from archive.storage.models import Citation, ConflictingAccount, TimelineEntry, User
from archive.storage.queries import Page


@dataclass
class VisibleEntry:
    entry: TimelineEntry
    citations: list[Citation]
    accounts: list[ConflictingAccount]
    hidden_citations: int  # citations to documents beyond the actor's audience


def visible_timeline(
    session: Session, actor: User | None, case_slug: str | None, page: int, per_page: int
) -> Page:
    """Return a page of entries with the citations and accounts this actor may follow."""
    result = queries.list_timeline(session, case_slug, page, per_page)
    items = []
    for entry in result.items:
        citations = [c for c in entry.citations if can(actor, "document:read", c.document)]
        accounts = [a for a in entry.accounts if can(actor, "document:read", a.document)]
        items.append(
            VisibleEntry(entry, citations, accounts, len(entry.citations) - len(citations))
        )
    result.items = items
    return result
