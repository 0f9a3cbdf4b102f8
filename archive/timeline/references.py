"""Links between documents and the timeline, as a reader may follow them.

Entries cite documents (their pages link to the evidence); a document's page lists the entries
that cite it, and a document's text names other documents (or entries) by slug, in backticks.
Each answer holds only what the reader may see: an entry is listed, and a slug becomes a link
with a title, only when the reader may open the target. Anything else is simply absent, so a
hidden target and a missing one look the same.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import audience_for
from archive.storage import queries
from archive.storage.models import Citation, Document, TimelineEntry
from archive.timeline.read import TimelineFilters, VisibleEntry, visible_entries


def entries_citing(session: Session, actor: Actor, document_id: int) -> list[VisibleEntry]:
    """The timeline entries citing a document that this actor may see, in date order."""
    ids = set(session.scalars(select(Citation.entry_id).where(Citation.document_id == document_id)))
    return visible_entries(session, actor, TimelineFilters(), ids) if ids else []


@dataclass(frozen=True)
class Reference:
    kind: str  # "document" or "entry"
    id: int
    title: str


def resolve_references(session: Session, actor: Actor, case_id: int, slugs: Collection[str]) -> dict[str, Reference]:
    """The slugs that name, in the case, a document or a timeline entry this actor may open
    (a document first, when both share a slug); other slugs are left out."""
    if not slugs:
        return {}
    audience = audience_for(actor)
    found: dict[str, Reference] = {}
    documents = (
        queries.visible_documents(audience)
        .with_only_columns(Document.id, Document.slug, Document.title)
        .where(Document.case_id == case_id, Document.slug.in_(list(slugs)))
    )
    for doc_id, slug, title in session.execute(documents):
        found[slug] = Reference("document", doc_id, title)
    rest = set(slugs) - set(found)
    if rest:
        entries = select(TimelineEntry.id, TimelineEntry.slug, TimelineEntry.title).where(
            TimelineEntry.case_id == case_id,
            TimelineEntry.slug.in_(list(rest)),
            queries.entry_readable(audience),
        )
        for entry_id, slug, title in session.execute(entries):
            found[slug] = Reference("entry", entry_id, title)
    return found
