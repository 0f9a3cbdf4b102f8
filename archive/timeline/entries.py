"""Timeline entries: validate and store events, denials, statements and responses."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from archive.dates import FuzzyDate, parse_edtf
from archive.errors import IngestError, ValidationError
from archive.ingest.validate import SLUG, optional_text, required_text
from archive.storage import audit, queries
from archive.storage.models import (
    ENTRY_KINDS,
    Case,
    Citation,
    ConflictingAccount,
    TimelineEntry,
    User,
)

log = logging.getLogger(__name__)

ENTRY_FIELDS = frozenset(
    {"slug", "case", "kind", "date", "title", "description", "actor", "place", "citations",
     "denies", "conflicts"}
)  # fmt: skip


@dataclass
class EntrySubmission:
    case: str
    kind: str
    date: FuzzyDate
    title: str
    slug: str | None = None
    description: str = ""
    actor: str = ""
    place: str = ""
    citations: list[tuple[str, str]] = field(default_factory=list)  # (document slug, excerpt)
    denies: list[str] = field(default_factory=list)  # event slugs
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (document slug, account)


def validate_entry(fields: dict, source: str) -> EntrySubmission:
    """Return an EntrySubmission, or raise IngestError naming the source and field."""
    try:
        return _validate(fields)
    except ValidationError as exc:
        raise IngestError(exc.message, field=exc.field, source=source) from exc


def create_entries(
    session: Session,
    case: Case,
    submissions: list[tuple[str, EntrySubmission]],
    actor: User | None,
    via: str,
) -> list[TimelineEntry]:
    """Store entries of one case together (denials may point at any of them) or none at all."""
    try:
        created: dict[str, TimelineEntry] = {}
        pending = []
        for source, sub in submissions:
            entry = TimelineEntry(
                case=case,
                slug=sub.slug,
                kind=sub.kind,
                date_edtf=sub.date.edtf,
                date_start=sub.date.earliest,
                date_end=sub.date.latest,
                title=sub.title,
                description=sub.description,
                actor=sub.actor,
                place=sub.place,
            )
            entry.citations = [
                Citation(document=_document(session, case, slug, source), excerpt=excerpt)
                for slug, excerpt in sub.citations
            ]
            entry.accounts = [
                ConflictingAccount(document=_document(session, case, slug, source), account=text)
                for slug, text in sub.conflicts
            ]
            session.add(entry)
            if sub.slug:
                created[sub.slug] = entry
            pending.append((source, sub, entry))
        session.flush()
        for source, sub, entry in pending:
            entry.denies = [
                _denied_event(session, case, created, slug, source) for slug in sub.denies
            ]
            audit.record(session, actor, via, "timeline.create", "timeline_entry", entry.id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info("%d timeline entries created in case %s via %s", len(pending), case.id, via)
    return [entry for _, _, entry in pending]


def _document(session: Session, case: Case, slug: str, source: str):
    document = queries.document_by_slug(session, case.id, slug)
    if document is None:
        raise IngestError(
            f"cites {slug!r}, which is not a document of {case.slug}", "citations", source
        )
    return document


def _denied_event(session, case, created, slug, source) -> TimelineEntry:
    event = created.get(slug) or queries.entry_by_slug(session, case.id, slug)
    if event is None or event.kind != "event":
        raise IngestError(
            f"denies {slug!r}, which is not an event of {case.slug}", "denies", source
        )
    return event


def _validate(fields: dict) -> EntrySubmission:
    unknown = sorted(set(map(str, fields)) - ENTRY_FIELDS)
    if unknown:
        raise ValidationError(
            f"unknown field (expected one of {', '.join(sorted(ENTRY_FIELDS))})", unknown[0]
        )
    kind = required_text(fields, "kind", 20)
    if kind not in ENTRY_KINDS:
        raise ValidationError(f"{kind!r} is not one of {', '.join(ENTRY_KINDS)}", "kind")
    slug = optional_text(fields, "slug", 120) or None
    if slug is not None and not SLUG.match(slug):
        raise ValidationError("use lowercase letters, digits and '-'", field="slug")
    denies = _slugs(fields.get("denies"), "denies")
    if denies and kind != "denial":
        raise ValidationError("only a denial can deny events", field="denies")
    citations = _pairs(fields.get("citations"), "citations", "excerpt", required=False)
    if not citations:
        raise ValidationError("an entry needs at least one citation", field="citations")
    return EntrySubmission(
        case=required_text(fields, "case", 80),
        kind=kind,
        date=parse_edtf(required_text(fields, "date", 64), field="date"),
        title=required_text(fields, "title", 300),
        slug=slug,
        description=optional_text(fields, "description", 5000),
        actor=optional_text(fields, "actor", 300),
        place=optional_text(fields, "place", 200),
        citations=citations,
        denies=denies,
        conflicts=_pairs(fields.get("conflicts"), "conflicts", "account", required=True),
    )


def _slugs(value, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and SLUG.match(v) for v in value):
        raise ValidationError("must be a list of entry slugs", field=name)
    return value


def _pairs(value, name: str, text_key: str, required: bool) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"must be a list of {{document, {text_key}}}", field=name)
    pairs = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"document", text_key}:
            raise ValidationError(f"each item has 'document' and '{text_key}'", field=name)
        slug = required_text(item, "document", 120)
        text = (required_text if required else optional_text)(item, text_key, 2000)
        pairs.append((slug, text))
    return pairs
