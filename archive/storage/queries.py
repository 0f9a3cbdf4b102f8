"""Reads and small writes of rows; the use cases decide who may ask for what."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Exists, Select, exists, extract, func, select
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from archive.kept import Kept
from archive.storage.db import committed_version
from archive.storage.models import (
    Act,
    ActPerpetrator,
    ActSource,
    Brief,
    Case,
    Citation,
    DateSuggestion,
    Document,
    LoginLockout,
    MediaFile,
    Place,
    Source,
    Tag,
    TimelineEntry,
    User,
)

_COUNTS: Kept[int] = Kept(256)  # documents an audience may see, by filters, in this process


@dataclass(frozen=True)
class Audience:
    """Which documents a reader may see: consent levels and review statuses."""

    consents: tuple[str, ...]
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class DocumentFilters:
    case_slug: str | None = None
    kind: str | None = None
    language: str | None = None
    year: int | None = None
    place: str | None = None
    tag: str | None = None


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_json(self) -> dict:
        """The page as the API sends it (its items already made JSON-ready)."""
        return {
            "items": self.items,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
        }


def visible_documents(audience: Audience) -> Select:
    return select(Document).where(Document.consent.in_(audience.consents), Document.status.in_(audience.statuses))


def entry_readable(audience: Audience) -> Exists:
    """Whether a timeline entry cites at least one document this audience may see.

    A join on each citation's document, not `document_id IN (every visible document)`: SQLite
    built that list for each query, which cost 400 ms a timeline page at 100,000 documents."""
    return exists().where(
        Citation.entry_id == TimelineEntry.id,
        Document.id == Citation.document_id,
        Document.consent.in_(audience.consents),
        Document.status.in_(audience.statuses),
    )


def act_readable(audience: Audience) -> Exists:
    """Whether an act has at least one source this audience may see (as entry_readable)."""
    return exists().where(
        ActSource.act_id == Act.id,
        Document.id == ActSource.document_id,
        Document.consent.in_(audience.consents),
        Document.status.in_(audience.statuses),
    )


def act_conditions(audience: Audience, case: str = "", act_type: str = "", perpetrator: str = "") -> list:
    """The conditions on acts an audience may see, of a case, a type, and a perpetrator whose
    name holds these words (for the violations layer, and for the timeline's and search's
    filters by act)."""
    conditions = [act_readable(audience)]
    if case:
        conditions.append(Act.case_id.in_(select(Case.id).where(Case.slug == case)))
    if act_type:
        conditions.append(Act.act_type == act_type)
    if perpetrator:
        pattern = f"%{escape_like(perpetrator)}%"
        conditions.append(
            exists().where(ActPerpetrator.act_id == Act.id, ActPerpetrator.name.ilike(pattern, escape="\\"))
        )
    return conditions


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_document(session: Session, doc_id: int, audience: Audience) -> Document | None:
    stmt = visible_documents(audience).where(Document.id == doc_id).options(*_document_loads())
    return session.scalars(stmt).first()


def list_documents(session: Session, audience: Audience, filters: DocumentFilters, page: int, per_page: int) -> Page:
    stmt = _filtered(visible_documents(audience), filters)
    # Counted and ordered on narrow rows (ids and dates), then only the page's documents are
    # loaded: sorting whole documents (their texts) cost half a second at 100,000 of them.
    # Counting 50,000 visible documents takes milliseconds, for every page: the count is
    # kept for the database's version (PostgreSQL; archive/kept.py)
    total = _COUNTS.get(
        committed_version(session),
        (audience, filters),
        lambda: session.scalar(stmt.with_only_columns(func.count(Document.id))) or 0,
    )
    ids = session.scalars(
        stmt.with_only_columns(Document.id)
        .order_by(Document.published_start.desc().nulls_last(), Document.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    loaded = session.scalars(select(Document).where(Document.id.in_(ids)).options(*_listed_loads())).all()
    by_id = {d.id: d for d in loaded}
    return Page([by_id[i] for i in ids], total, page, per_page)


def document_facets(session: Session, audience: Audience, case_slug: str | None = None) -> dict:
    """Count visible documents by kind, language and year of publication."""
    base = _filtered(visible_documents(audience), DocumentFilters(case_slug=case_slug)).subquery()
    year = extract("year", base.c.published_start)
    facets = {}
    for name, column in (("kind", base.c.kind), ("language", base.c.language), ("year", year)):
        rows = session.execute(select(column, func.count()).group_by(column).order_by(column)).all()
        facets[name] = {(int(k) if name == "year" else k): n for k, n in rows if k is not None}
    return facets


def latest_documents(session: Session, audience: Audience, limit: int) -> Sequence[Document]:
    stmt = visible_documents(audience).options(*_listed_loads())
    return session.scalars(stmt.order_by(Document.created_at.desc(), Document.id.desc()).limit(limit)).all()


def list_cases(session: Session) -> Sequence[Case]:
    return session.scalars(select(Case).order_by(Case.period_start, Case.title)).all()


def get_case(session: Session, slug: str) -> Case | None:
    return session.scalars(select(Case).where(Case.slug == slug)).first()


def document_by_sha256(session: Session, sha256: str) -> Document | None:
    return session.scalars(select(Document).where(Document.sha256 == sha256)).first()


def document_by_slug(session: Session, case_id: int, slug: str) -> Document | None:
    return session.scalars(select(Document).where(Document.case_id == case_id, Document.slug == slug)).first()


def entry_by_slug(session: Session, case_id: int, slug: str) -> TimelineEntry | None:
    return session.scalars(
        select(TimelineEntry).where(TimelineEntry.case_id == case_id, TimelineEntry.slug == slug)
    ).first()


def act_by_slug(session: Session, case_id: int, slug: str) -> Act | None:
    return session.scalars(select(Act).where(Act.case_id == case_id, Act.slug == slug)).first()


def get_act(session: Session, act_id: int) -> Act | None:
    return session.get(Act, act_id)


def get_entry(session: Session, entry_id: int) -> TimelineEntry | None:
    return session.get(TimelineEntry, entry_id)


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def login_lockout(session: Session, user_id: int, client: str) -> LoginLockout | None:
    return session.scalars(
        select(LoginLockout).where(LoginLockout.user_id == user_id, LoginLockout.client == client)
    ).first()


def count_documents(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Document)) or 0


def count_users(session: Session, roles: Iterable[str]) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role.in_(roles))) or 0


def places_named(session: Session, names: Iterable[str]) -> list[Place]:
    return [_get_or_create(session, Place, name=n) for n in names]


def tags_named(session: Session, names: Iterable[str]) -> list[Tag]:
    return [_get_or_create(session, Tag, name=n) for n in names]


def source_for(session: Session, **values) -> Source:
    """Return the source with exactly these values, creating it if new."""
    return _get_or_create(session, Source, **values)


def _get_or_create(session: Session, model, **values):
    row = session.scalars(select(model).filter_by(**values)).first()
    if row is None:
        row = model(**values)
        session.add(row)
        session.flush()
    return row


def _filtered(stmt: Select, filters: DocumentFilters) -> Select:
    if filters.case_slug:
        stmt = stmt.join(Case, Document.case_id == Case.id).where(Case.slug == filters.case_slug)
    if filters.kind:
        stmt = stmt.where(Document.kind == filters.kind)
    if filters.language:
        stmt = stmt.where(Document.language == filters.language)
    if filters.year:
        # a document belongs to a year when its publication period overlaps it
        stmt = stmt.where(
            Document.published_start <= date(filters.year, 12, 31),
            Document.published_end >= date(filters.year, 1, 1),
        )
    if filters.place:
        stmt = stmt.where(Document.places.any(Place.name == filters.place))
    if filters.tag:
        stmt = stmt.where(Document.tags.any(Tag.name == filters.tag))
    return stmt


def _described() -> tuple:
    # the case and the source (one each) come in the document's own row; each list is one
    # more statement
    return (
        joinedload(Document.case),
        joinedload(Document.source),
        selectinload(Document.places),
        selectinload(Document.tags),
    )


def _document_loads() -> tuple:
    """What a document's page shows: everything, its media included."""
    return (*_described(), selectinload(Document.media))


def _listed_loads() -> tuple:
    """What a list of documents shows: no texts (the original least of all), no media."""
    texts = (Document.body_original, Document.body_public, Document.body_html, Document.redaction_spans)
    return (*(defer(column) for column in texts), *_described())


def get_media(session: Session, media_id: int) -> MediaFile | None:
    return session.get(MediaFile, media_id)


def pending_suggestions(session: Session, limit: int) -> list[DateSuggestion]:
    stmt = (
        select(DateSuggestion)
        .where(DateSuggestion.status == "pending")
        .order_by(DateSuggestion.date_start, DateSuggestion.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def get_suggestion(session: Session, suggestion_id: int) -> DateSuggestion | None:
    return session.get(DateSuggestion, suggestion_id)


def get_brief(session: Session, brief_id: int) -> Brief | None:
    return session.get(Brief, brief_id)


def blob_in_use(session: Session, sha256: str) -> bool:
    """Whether any media row names this stored file: as its clean file, thumbnail, public copy
    or the public copy's thumbnail."""
    columns = (MediaFile.sha256, MediaFile.thumbnail_sha256, MediaFile.public_sha256, MediaFile.public_thumbnail_sha256)
    clause = columns[0] == sha256
    for column in columns[1:]:
        clause = clause | (column == sha256)
    return bool(session.scalar(select(func.count()).select_from(MediaFile).where(clause)))
