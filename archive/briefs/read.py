"""Read a brief as a given reader may see it: numbered citations, what changed since it was
cited, and nothing the reader may not open.

An item is withheld when what it cites is gone or beyond the reader's access (a document
whose consent was narrowed, a brief shared with someone of a lesser role): the reader learns
only how many items were withheld. A quote or note is shown as the cases' redaction would
show it today, so an identity protected after the quote was taken does not leak through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from archive.auth.actors import Actor, SystemActor
from archive.auth.permissions import can
from archive.dates import parse_edtf
from archive.links import Link
from archive.protection.public_text import protection_for, redact_for_cases
from archive.storage import queries
from archive.storage.models import Brief, BriefItem, Document, User, brief_shares
from archive.timeline.read import VisibleEntry, entry_visible_to
from archive.wording import entry_kind_name, kind_name, translations


@dataclass
class CitationRecord:
    """One numbered source: enough to find it in the archive and check it is the same."""

    number: int
    kind: str
    title: str
    source: str
    date: str
    case: str
    permalink: str
    version_sha256: str  # of the version cited
    current_sha256: str  # of the version in the archive now
    custody_sha256: str = ""  # documents: of the submission as received
    cited_at: datetime | None = None

    @property
    def changed(self) -> bool:
        return self.version_sha256 != self.current_sha256


@dataclass
class ItemView:
    item: BriefItem
    text: str = ""  # the quote or note, as it may be shown today
    citation: CitationRecord | None = None
    entry: VisibleEntry | None = None
    number: int = 0  # its place among the items this reader sees, from 1
    same_as: ItemView | None = None  # another item citing the same thing (the first other)

    @property
    def changed(self) -> bool:
        return self.citation is not None and self.citation.changed


@dataclass
class BriefView:
    brief: Brief
    items: list[ItemView] = field(default_factory=list)
    citations: list[CitationRecord] = field(default_factory=list)
    withheld: int = 0
    title: str = ""  # the brief's title and purpose as this reader may see them
    purpose: str = ""

    @property
    def changed(self) -> list[ItemView]:
        return [i for i in self.items if i.changed]


def briefs_for(session: Session, actor: Actor) -> tuple[list[Brief], list[Brief]]:
    """The actor's own briefs, and those shared with the actor, newest first."""
    if not isinstance(actor, User):
        return [], []
    shared = select(brief_shares.c.brief_id).where(brief_shares.c.user_id == actor.id)
    rows = session.scalars(
        select(Brief)
        .where(or_(Brief.owner_id == actor.id, Brief.id.in_(shared)))
        .options(selectinload(Brief.owner), selectinload(Brief.items))
        .order_by(Brief.updated_at.desc(), Brief.id.desc())
    ).all()
    return [b for b in rows if b.owner_id == actor.id], [b for b in rows if b.owner_id != actor.id]


def brief_visible_to(session: Session, actor: Actor, brief_id: int) -> Brief | None:
    """The brief, if the actor owns it or it is shared with the actor; else None."""
    brief = session.get(Brief, brief_id)
    return brief if brief is not None and can(actor, "brief:read", brief) else None


def view_brief(session: Session, brief: Brief, reader: Actor, link: Link, locale: str = "en") -> BriefView:
    """Number the sources in order of first use; the same version of a source keeps one
    number however many times it is quoted. Dates and kinds are worded in `locale`."""
    numbers: dict[tuple, CitationRecord] = {}
    same: dict[tuple, list[ItemView]] = {}
    owner = _owner(reader, brief)
    cases = [] if owner and all(i.kind != "note" for i in brief.items) else queries.list_cases(session)
    title, purpose = _words(brief, owner, cases)
    view = BriefView(brief, title=title, purpose=purpose)
    for item in brief.items:
        shown = _item_view(session, item, reader, cases)
        if shown is None:
            view.withheld += 1
            continue
        if item.kind != "note":
            key = (item.kind == "entry", item.entry_id or item.document_id, item.version_sha256)
            if key not in numbers:
                numbers[key] = _citation(item, len(numbers) + 1, link, locale, reader)
                view.citations.append(numbers[key])
            shown.citation = numbers[key]
        view.items.append(shown)
        shown.number = len(view.items)
        if (key := same_key(item)) is not None:
            same.setdefault(key, []).append(shown)
    for group in same.values():  # duplicates among the items this reader sees only
        if len(group) > 1:
            for shown in group:
                shown.same_as = group[1] if shown is group[0] else group[0]
    return view


def full_order(view: BriefView, shown_ids: list[int]) -> list[int]:
    """Every item id of the brief in a new order, given the order of the items the reader
    sees: those withheld from the reader keep their places. Raises ValueError unless
    `shown_ids` names each shown item exactly once."""
    shown = [s.item.id for s in view.items]
    if sorted(shown_ids) != sorted(shown):
        raise ValueError("not the items shown")
    given, visible = iter(shown_ids), set(shown)
    return [next(given) if i.id in visible else i.id for i in view.brief.items]


def same_key(item: BriefItem) -> tuple | None:
    """What makes two items the same: one document cited whole, one passage of a document
    (white space aside), one timeline entry, whatever the version. Notes are never the same."""
    if item.kind == "document":
        return ("document", item.document_id)
    if item.kind == "quote":
        return ("quote", item.document_id, " ".join((item.text or "").split()))
    if item.kind == "entry":
        return ("entry", item.entry_id)
    return None


def shown_titles(session: Session, briefs: list[Brief], reader: Actor) -> dict[int, str]:
    """Each brief's title as this reader may see it (for lists of briefs)."""
    cases = queries.list_cases(session) if any(not _owner(reader, b) for b in briefs) else []
    return {b.id: _words(b, _owner(reader, b), cases)[0] for b in briefs}


def _owner(reader: Actor, brief: Brief) -> bool:
    return getattr(reader, "id", None) == brief.owner_id and not isinstance(reader, SystemActor)


def _words(brief: Brief, owner: bool, cases: list) -> tuple[str, str]:
    """The owner's own words, as typed, to the owner (showing them redacted would tell the owner
    which words are a protected name); to anyone else, as every case's protection shows them:
    the brief's title and purpose like its notes."""
    if owner:
        return brief.title, brief.purpose or ""
    return tuple(redact_for_cases(text, cases).text if text else "" for text in (brief.title, brief.purpose))


def _item_view(session: Session, item: BriefItem, reader: Actor, cases: list) -> ItemView | None:
    if item.kind == "note":
        if _owner(reader, item.brief):
            return ItemView(item, item.text)
        return ItemView(item, redact_for_cases(item.text, cases).text)
    if item.kind == "entry":
        entry = item.entry and entry_visible_to(session, reader, item.entry.id)
        return ItemView(item, entry=entry) if entry else None
    document = item.document
    if document is None or not can(reader, "document:read", document):
        return None
    text = item.text
    if item.kind == "quote" and document.version_sha256 != item.version_sha256:
        text = protection_for([document.case], document).redact(text).text  # an older version's words
    return ItemView(item, text)


def _citation(item: BriefItem, number: int, link: Link, locale: str, reader: Actor = None) -> CitationRecord:
    words = translations(locale)
    if item.kind == "entry":
        entry = item.entry
        return CitationRecord(
            number=number,
            kind=words.gettext("timeline entry (%(kind)s)") % {"kind": entry_kind_name(entry.kind, locale)},
            title=entry.title,
            source=words.gettext("Witness Archive timeline"),
            date=parse_edtf(entry.date_edtf).display(locale),
            case=entry.case.title,
            permalink=link("entry", entry),
            version_sha256=item.version_sha256,
            current_sha256=entry.version_sha256,
            cited_at=item.added_at,
        )
    document: Document = item.document
    origin = document.source
    source = ", ".join(p for p in (origin.author, origin.outlet) if p) if origin else ""
    return CitationRecord(
        number=number,
        kind=kind_name(document.kind, locale),
        title=document.title,
        source=source,
        date=parse_edtf(document.published_edtf).display(locale) if document.published_edtf else "",
        case=document.case.title,
        permalink=link("document", document),
        version_sha256=item.version_sha256,
        current_sha256=document.version_sha256,
        # the hash of the submission (names and all) could confirm a guess at a redacted name:
        # only for a reader who may read the original
        custody_sha256=document.sha256 if can(reader, "document:read_original", document) else "",
        cited_at=item.added_at,
    )
