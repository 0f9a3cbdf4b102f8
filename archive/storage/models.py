"""The archive's tables. Every schema change comes with an Alembic migration in migrations/."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from archive.storage.sealing import SealedJSON, SealedText

CONSENT_LEVELS = ("public", "researchers", "custodians")  # widest audience first
REVIEW_STATUSES = ("draft", "in_review", "published")
# A document revision: on the row ("applied"), waiting for review while an earlier one stays
# public ("pending"), or replaced by a later edit before its review ("superseded")
REVISION_STATES = ("applied", "pending", "superseded")
ENTRY_KINDS = ("event", "denial", "statement", "response")
# What an official's statement says about an event
STANCES = ("denies", "confirms", "minimises", "justifies")
# Where it was said
CHANNELS = ("press_conference", "interview", "official_release", "speech", "social_media", "parliament", "other")
SUGGESTION_STATUSES = ("pending", "accepted", "dismissed")
# What a brief holds: a whole document, a passage quoted from one, a timeline entry, a note
BRIEF_ITEM_KINDS = ("document", "quote", "entry", "note")
ROLES = ("researcher", "custodian", "admin")  # least to most trusted
# What a person may consent to their material being used for
CONSENT_USES = ("publication", "research", "media", "legal")
# Why public copies of a document are gone: shown to readers on its tombstone (a reason in
# these words, never the custodian's note, which may name someone)
REMOVAL_REASONS = ("consent_withdrawn", "source_request", "safety", "legal_order", "error")
REMOVAL_KINDS = ("withdrawn", "deleted")
# Who speaks in a document, apart from what it is about (its kind): a witness in their own
# words, someone reporting what others saw or said, an official body in its own publication,
# or commentary on any of these
SOURCE_TYPES = ("first_hand", "second_hand", "official", "commentary")
# The Admiralty (NATO) grading: how reliable the source is, how credible the information
SOURCE_GRADES = ("A", "B", "C", "D", "E", "F")
INFORMATION_GRADES = ("1", "2", "3", "4", "5", "6")
# How a document derives from another: it says nothing the other did not, so the two are one
# source when corroboration is counted
DERIVATIONS = ("translation", "summary", "reprint", "quotation")
# A derivation asserted by a custodian, or proposed by near-duplicate detection and waiting for one
DERIVATION_STATES = ("confirmed", "proposed", "rejected")
# The violations layer (HURIDOCS events methodology): what was done to people, by type. The
# first group are violations; the last two record what happened to victims after (they sought
# help, they were brought to safety) so that those figures are counted the same way.
ACT_TYPES = (
    "arbitrary_detention",
    "torture",
    "killing",
    "death_in_custody",
    "enforced_disappearance",
    "threats",
    "forced_outing",
    "extortion",
    "incitement",
    "sought_help",
    "evacuation",
)
VIOLATION_TYPES = ACT_TYPES[:-2]
# Who did it: public entities only (an institution, a unit, an official in office); a "group"
# describes private perpetrators without naming them ("relatives of the victims")
PERPETRATOR_KINDS = ("institution", "unit", "official", "group")
# What a source says of an act
ACT_STANCES = ("supports", "disputes")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


document_places = Table(
    "document_places",
    Base.metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("place_id", ForeignKey("places.id", ondelete="CASCADE"), primary_key=True),
)

document_tags = Table(
    "document_tags",
    Base.metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    period_edtf: Mapped[str | None] = mapped_column(String(64))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    # Public people and organisations of this case's record, kept readable by redaction.
    public_names: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="case")
    identities: Mapped[list[ProtectedIdentity]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="ProtectedIdentity.id"
    )


class ProtectedIdentity(Base):
    """A person whose names are replaced by a pseudonym in every document of a case."""

    __tablename__ = "protected_identities"
    __table_args__ = (UniqueConstraint("case_id", "pseudonym", name="uq_protected_identities_case_pseudonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(80))
    # as typed: names, aliases, nicknames; sealed at rest (storage/sealing.py)
    names: Mapped[list] = mapped_column(SealedJSON("protected_identities.names"), default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="identities")


class Source(Base):
    """Who published or recorded a document."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet: Mapped[str] = mapped_column(String(300), default="")
    author: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    reported_by: Mapped[str] = mapped_column(String(300), default="")  # the original outlet
    date_edtf: Mapped[str | None] = mapped_column(String(64))
    reliability: Mapped[str] = mapped_column(Text, default="")
    # the original publication's own title, the day a copy was captured (EDTF) and the SHA-256
    # of that archived copy (a web capture, a PDF, a scan)
    title: Mapped[str] = mapped_column(String(500), default="", server_default="")
    captured: Mapped[str | None] = mapped_column(String(64))
    archived_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Place(Base):
    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # failed sign-ins in a row from clients the account has not signed in from before (every
    # address together), and until when such clients are refused (auth/users.py)
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # raised to end every session of the account (sign-out, an admin's revocation)
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    # The attributes Flask-Login reads, written out so that storage does not import Flask.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def principal(self) -> str:
        """How the audit log names this account's actions."""
        return f"user:{self.id}"

    def get_id(self) -> str:
        """The session's user id, bound to the password and the session generation: changing
        the password or signing out ends every session (Flask-Login's "alternative tokens")."""
        return f"{self.id}.{self.session_token}"

    @property
    def session_token(self) -> str:
        bound = f"session:{self.password_hash}:{self.session_generation or 0}"
        return hashlib.sha256(bound.encode()).hexdigest()[:32]


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("case_id", "slug", name="uq_documents_case_slug"),
        CheckConstraint(_in("consent", CONSENT_LEVELS), name="consent"),
        CheckConstraint(_in("status", REVIEW_STATUSES), name="status"),
        CheckConstraint(_in("source_type", ("", *SOURCE_TYPES)), name="source_type"),
        CheckConstraint(_in("grade_source", ("", *SOURCE_GRADES)), name="grade_source"),
        CheckConstraint(_in("grade_information", ("", *INFORMATION_GRADES)), name="grade_information"),
        # what a reader may see, newest first: lists count and page through it in the index
        Index("ix_documents_access_published", "consent", "status", "published_start", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    slug: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(12), index=True)
    # The text as submitted; only custodians ever see it. Pages, API, exports and the index
    # read body_public, which the redaction step derives (equal to the original until then).
    body_original: Mapped[str] = mapped_column(SealedText("documents.body_original"))  # sealed at rest
    body_public: Mapped[str] = mapped_column(Text)
    # body_public rendered by archive.rendering.render_markdown when it is written: rendering
    # hostile Markdown can take seconds, so it is done once per change, never per page view.
    body_html: Mapped[str] = mapped_column(Text, default="")
    # What the redaction replaced in body_original (offsets, type, detector, replacement), for
    # the custodian's review; and when that review happened. Published requires a review.
    redaction_spans: Mapped[list] = mapped_column(JSON, default=list)
    # Every other field as submitted (title, attribution, slug, tags, places, source), for
    # custodians only; the ordinary columns hold what redaction derives from them
    # (protection/public_text.py), and field_spans what it replaced in each, for the review.
    fields_original: Mapped[dict] = mapped_column(
        SealedJSON("documents.fields_original"), default=dict, server_default="{}"
    )  # sealed at rest
    field_spans: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    redaction_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    redaction_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_edtf: Mapped[str | None] = mapped_column(String(64))
    published_start: Mapped[date | None] = mapped_column(Date, index=True)
    published_end: Mapped[date | None] = mapped_column(Date)
    events_edtf: Mapped[str | None] = mapped_column(String(64))
    events_start: Mapped[date | None] = mapped_column(Date, index=True)
    events_end: Mapped[date | None] = mapped_column(Date)
    consent: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # when a custodian must look at it again (retention): listed by `archive retention due`
    review_after: Mapped[date | None] = mapped_column(Date, index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    revision: Mapped[int] = mapped_column(default=1)
    attribution: Mapped[str] = mapped_column(Text, default="")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    # Who speaks (SOURCE_TYPES) and the Admiralty grading; "" until a custodian grades it, and
    # published requires both grades. The note is public text, derived by redaction from the
    # original kept in fields_original like the title's.
    source_type: Mapped[str] = mapped_column(String(20), default="", server_default="")
    grade_source: Mapped[str] = mapped_column(String(1), default="", server_default="")
    grade_information: Mapped[str] = mapped_column(String(1), default="", server_default="")
    grade_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def version_sha256(self) -> str:
        """The SHA-256 of the public text as it stands: which version a quote was taken from."""
        return hashlib.sha256(self.body_public.encode()).hexdigest()

    case: Mapped[Case] = relationship(back_populates="documents")
    source: Mapped[Source | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decisions: Mapped[list[RedactionDecision]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="RedactionDecision.id"
    )
    places: Mapped[list[Place]] = relationship(secondary=document_places, order_by=Place.name)
    tags: Mapped[list[Tag]] = relationship(secondary=document_tags, order_by=Tag.name)
    media: Mapped[list[MediaFile]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="MediaFile.id"
    )
    # documents/derivation.py: what this document translates, summarises, reprints or quotes
    derived: Mapped[list[Derivation]] = relationship(
        foreign_keys="Derivation.document_id", cascade="all, delete-orphan", order_by="Derivation.id",
        back_populates="document",
    )  # fmt: skip
    # documents/consent.py: the newest is in force
    consent_records: Mapped[list[ConsentRecord]] = relationship(
        cascade="all, delete-orphan", order_by="ConsentRecord.id"
    )

    @property
    def media_consented(self) -> bool:
        """Whether its files may be shown beyond custodians: no consent was recorded (material
        that needs none) or the one in force includes "media"."""
        record = self.consent_records[-1] if self.consent_records else None
        return record is None or (record.withdrawn_at is None and "media" in record.uses)


class DocumentRevision(Base):
    """One change to a document, kept for good: the exact bytes that came in (a file, an API
    body, the form's fields), sealed, hashing to `received_sha256` (revision 1's is the custody
    hash of the document); the whole submission it holds, sealed; who made it, how and why."""

    __tablename__ = "document_revisions"
    __table_args__ = (
        UniqueConstraint("document_id", "number", name="uq_document_revisions_number"),
        CheckConstraint(_in("state", REVISION_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))
    received_sha256: Mapped[str] = mapped_column(String(64), index=True)
    # storage/sealing.py: sealed under the vault key, authenticated with row and field; None
    # for a revision recorded before received bytes were kept (migration 0020)
    received: Mapped[bytes | None] = mapped_column(LargeBinary)
    content: Mapped[bytes] = mapped_column(LargeBinary)  # the submission, as sealed JSON
    reason: Mapped[str] = mapped_column(SealedText("document_revisions.reason"), default="")  # may name someone
    via: Mapped[str] = mapped_column(String(20))
    principal: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()

    def seal_context(self, name: str) -> str:
        """What a sealed value of this revision is authenticated with (storage/sealing.py)."""
        return f"document_revisions:{self.document_id}:{self.number}:{name}"


class MediaFile(Base):
    """A cleaned media file attached to a document; the bytes live in the blob store."""

    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("document_id", "sha256", name="uq_media_document_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the cleaned file
    original_sha256: Mapped[str] = mapped_column(String(64), index=True)  # chain of custody
    kind: Mapped[str] = mapped_column(String(20))
    mime: Mapped[str] = mapped_column(String(60))
    ext: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    frames: Mapped[int] = mapped_column(Integer, default=1)
    seconds: Mapped[float | None] = mapped_column(Float)  # recordings
    voice_disguised: Mapped[bool] = mapped_column(default=False)  # the original alone has the voice
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    in_vault: Mapped[bool] = mapped_column(default=False)
    report: Mapped[dict] = mapped_column(JSON, default=dict)  # field names and categories only
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # what the picture shows (documents/pictures.py): readers get nothing while "undecided" or
    # "withheld"; once "clear", "shown" or "obscured", the public copy where one was made, else
    # the clean file (and nothing while a protection changed since names a word read in it)
    picture_state: Mapped[str] = mapped_column(String(12), default="clear", server_default="clear")
    regions: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")  # boxes only
    words: Mapped[list | None] = mapped_column(SealedJSON("media.words"))  # what OCR read, per page
    picture_notes: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")  # why, if nothing found
    picture_reason: Mapped[str] = mapped_column(SealedText("media.picture_reason"), default="", server_default="")
    picture_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    picture_decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    picture_version: Mapped[int] = mapped_column(default=0, server_default="0")  # one decision at a time
    burned_for: Mapped[str] = mapped_column(String(32), default="", server_default="")  # the protection burned
    public_sha256: Mapped[str | None] = mapped_column(String(64))  # the copy readers get
    public_thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))

    document: Mapped[Document] = relationship(back_populates="media")


class LoginLockout(Base):
    """Failed sign-ins of one account from one client (a keyed hash of its address, or a
    device the account signed in from before), and until when that client is refused."""

    __tablename__ = "login_lockouts"
    __table_args__ = (UniqueConstraint("user_id", "client", name="uq_login_lockouts_user_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class IndexOutbox(Base):
    """Index work not yet done: written in the same transaction as the change to a document,
    removed once the search index has taken it (storage/db.py, search/indexing.py). While a
    row is here, search shows no figure the index alone computed."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(Integer, index=True)  # no foreign key: deletions too
    purge: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RedactionDecision(Base):
    """A custodian's correction, re-applied whenever the document is redacted again.

    `reject` keeps every occurrence of the exact text readable (a false detection); `add`
    redacts every occurrence of it as the given type (a missed identifier).
    """

    __tablename__ = "redaction_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # reject | add
    value: Mapped[str] = mapped_column(SealedText("redaction_decisions.value"))  # sealed at rest
    type: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    document: Mapped[Document] = relationship(back_populates="decisions")


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"
    __table_args__ = (
        UniqueConstraint("case_id", "slug", name="uq_timeline_entries_case_slug"),
        CheckConstraint(_in("kind", ENTRY_KINDS), name="kind"),
        CheckConstraint(_in("channel", ("", *CHANNELS)), name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    slug: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    date_edtf: Mapped[str] = mapped_column(String(64))
    date_start: Mapped[date | None] = mapped_column(Date, index=True)
    date_end: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    # for statements, denials and responses: who spoke, in which office, where, and the words
    speaker: Mapped[str] = mapped_column(String(300), default="", server_default="")
    speaker_office: Mapped[str] = mapped_column(String(300), default="", server_default="")
    channel: Mapped[str] = mapped_column(String(40), default="", server_default="")
    quotation: Mapped[str] = mapped_column(Text, default="", server_default="")
    # what was said, in the archive's words, when no cited document carries the words themselves
    paraphrase: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    citations: Mapped[list[Citation]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="Citation.id"
    )
    accounts: Mapped[list[ConflictingAccount]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="ConflictingAccount.id"
    )
    stances: Mapped[list[EntryStance]] = relationship(
        foreign_keys="EntryStance.entry_id",
        back_populates="entry",
        cascade="all, delete-orphan",
        order_by="EntryStance.event_id",
    )
    # what statements, denials and responses said about this event
    responses: Mapped[list[EntryStance]] = relationship(
        foreign_keys="EntryStance.event_id", viewonly=True, order_by="EntryStance.entry_id"
    )

    @property
    def denies(self) -> list[TimelineEntry]:
        return [s.event for s in self.stances if s.stance == "denies"]

    @property
    def denied_by(self) -> list[TimelineEntry]:
        return [s.entry for s in self.responses if s.stance == "denies"]

    @property
    def version_sha256(self) -> str:
        """The SHA-256 of what the entry says, to tell whether it changed since it was cited."""
        fields = [
            self.kind,
            self.date_edtf,
            self.title,
            self.description,
            self.actor,
            self.place,
            self.speaker,
            self.speaker_office,
            self.channel,
            self.quotation,
            *([self.paraphrase] if self.paraphrase else []),  # the same hash for entries that have none
        ]
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()

    @property
    def speaks(self) -> bool:
        """Whether this entry records something said (a statement, denial or response)."""
        return self.kind != "event"


class EntryStance(Base):
    """What a statement, denial or response says about an event: denies, confirms, ..."""

    __tablename__ = "entry_stances"
    __table_args__ = (CheckConstraint(_in("stance", STANCES), name="stance"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("timeline_entries.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("timeline_entries.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    stance: Mapped[str] = mapped_column(String(20))

    entry: Mapped[TimelineEntry] = relationship(foreign_keys=[entry_id], back_populates="stances")
    event: Mapped[TimelineEntry] = relationship(foreign_keys=[event_id])


class DateSuggestion(Base):
    """A date found in a document's public text, proposed to custodians as a timeline entry."""

    __tablename__ = "date_suggestions"
    __table_args__ = (CheckConstraint(_in("status", SUGGESTION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    phrase: Mapped[str] = mapped_column(String(200))  # the words that gave the date
    sentence: Mapped[str] = mapped_column(Text)  # from the public text
    date_edtf: Mapped[str] = mapped_column(String(64))
    date_start: Mapped[date | None] = mapped_column(Date, index=True)
    date_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("timeline_entries.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    document: Mapped[Document] = relationship()


class Derivation(Base):
    """One document derived from another (a translation, summary, reprint or quotation of it),
    as a custodian asserted it or near-duplicate detection proposed it."""

    __tablename__ = "derivations"
    __table_args__ = (
        UniqueConstraint("document_id", "from_document_id", name="uq_derivations_pair"),
        CheckConstraint(_in("relation", DERIVATIONS), name="relation"),
        CheckConstraint(_in("state", DERIVATION_STATES), name="state"),
        CheckConstraint("document_id <> from_document_id", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    from_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(10), default="confirmed")
    # near-duplicate detection's estimate of shared shingles (Jaccard), for a proposal
    similarity: Mapped[float | None] = mapped_column(Float)
    asserted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asserted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    document: Mapped[Document] = relationship(foreign_keys=[document_id], back_populates="derived")
    original: Mapped[Document] = relationship(foreign_keys=[from_document_id])
    asserted_by: Mapped[User | None] = relationship()


class DocumentFingerprint(Base):
    """A document's public text summarised for near-duplicate detection (a MinHash signature:
    documents/near_duplicates.py); replaced whenever the public text changes."""

    __tablename__ = "document_fingerprints"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class FingerprintBand(Base):
    """One band of a document's signature, hashed: documents sharing one are candidates."""

    __tablename__ = "fingerprint_bands"
    __table_args__ = (Index("ix_fingerprint_bands_case_band", "case_id", "band"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    band: Mapped[int] = mapped_column(BigInteger)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)


class Act(Base):
    """One act of the violations layer: a type, a date, a place, its victims, its perpetrators
    and the documents that support or dispute it. Written in the archive, shown to a reader only
    through the sources they may open (like a timeline entry), its texts refused when they would
    reveal someone and redacted again when a name is protected later."""

    __tablename__ = "acts"
    __table_args__ = (
        UniqueConstraint("case_id", "slug", name="uq_acts_case_slug"),
        CheckConstraint(_in("act_type", ACT_TYPES), name="act_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    act_type: Mapped[str] = mapped_column(String(30), index=True)
    date_edtf: Mapped[str] = mapped_column(String(64))
    date_start: Mapped[date | None] = mapped_column(Date)
    date_end: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # the timeline event this act is part of, if any
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("timeline_entries.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    entry: Mapped[TimelineEntry | None] = relationship()
    victims: Mapped[list[ActVictim]] = relationship(
        back_populates="act", cascade="all, delete-orphan", order_by="ActVictim.id"
    )
    perpetrators: Mapped[list[ActPerpetrator]] = relationship(
        back_populates="act", cascade="all, delete-orphan", order_by="ActPerpetrator.id"
    )
    sources: Mapped[list[ActSource]] = relationship(
        back_populates="act", cascade="all, delete-orphan", order_by="ActSource.id"
    )


class ActVictim(Base):
    """A victim of an act: a person known by the pseudonym of a protected identity (never by
    the names it keeps), or a counted group ("52 men held in Argun")."""

    __tablename__ = "act_victims"
    __table_args__ = (
        CheckConstraint(
            "(identity_id IS NOT NULL AND victim_count IS NULL) OR (identity_id IS NULL AND victim_count >= 1)",
            name="person_or_group",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), index=True)
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("protected_identities.id"), index=True)
    victim_count: Mapped[int | None] = mapped_column(Integer)
    who: Mapped[str] = mapped_column(String(300), default="")  # who the counted people are

    act: Mapped[Act] = relationship(back_populates="victims")
    identity: Mapped[ProtectedIdentity | None] = relationship()

    @property
    def people(self) -> int:
        return 1 if self.identity_id is not None else (self.victim_count or 0)


class ActPerpetrator(Base):
    """Who an act is attributed to: an institution, unit or official (public entities), or a
    group of private people described without a name."""

    __tablename__ = "act_perpetrators"
    __table_args__ = (CheckConstraint(_in("kind", PERPETRATOR_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))

    act: Mapped[Act] = relationship(back_populates="perpetrators")


class ActSource(Base):
    """A document that supports or disputes an act, with the passage that says so."""

    __tablename__ = "act_sources"
    __table_args__ = (
        UniqueConstraint("act_id", "document_id", name="uq_act_sources_act_document"),
        CheckConstraint(_in("stance", ACT_STANCES), name="stance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    stance: Mapped[str] = mapped_column(String(10), default="supports")
    excerpt: Mapped[str] = mapped_column(Text, default="")

    act: Mapped[Act] = relationship(back_populates="sources")
    document: Mapped[Document] = relationship()


class Citation(Base):
    """A timeline entry's reference to a document, with the passage that supports it."""

    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("timeline_entries.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    excerpt: Mapped[str] = mapped_column(Text, default="")

    entry: Mapped[TimelineEntry] = relationship(back_populates="citations")
    document: Mapped[Document] = relationship()


class ConflictingAccount(Base):
    """One source's version of an entry where the sources disagree."""

    __tablename__ = "conflicting_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("timeline_entries.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    account: Mapped[str] = mapped_column(Text)

    entry: Mapped[TimelineEntry] = relationship(back_populates="accounts")
    document: Mapped[Document] = relationship()


class AuditEntry(Base):
    """Who did what to which object, when. Details carry ids and hashes, never text or names."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # who acted: user:<id>, system:<operating-system user> (the command line) or anonymous;
    # empty only on entries written before it was recorded
    principal: Mapped[str] = mapped_column(String(120), default="", server_default="")
    via: Mapped[str] = mapped_column(String(20))  # web | api | cli: where from; grants nothing
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    # the hash chain (storage/audit.py): the entry before's hash, and this entry's
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    entry_hash: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)

    actor: Mapped[User | None] = relationship()


brief_shares = Table(
    "brief_shares",
    Base.metadata,
    Column("brief_id", ForeignKey("briefs.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Brief(Base):
    """An advocate's ordered selection of evidence, private to its owner unless shared."""

    __tablename__ = "briefs"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    items: Mapped[list[BriefItem]] = relationship(
        back_populates="brief", cascade="all, delete-orphan", order_by="BriefItem.position"
    )
    shared_with: Mapped[list[User]] = relationship(secondary=brief_shares, order_by=User.username)


class BriefItem(Base):
    """One item of a brief. A quote keeps the passage as it stood, its place in the document's
    public text (character offsets, white space collapsed) and the hash of that version."""

    __tablename__ = "brief_items"
    __table_args__ = (CheckConstraint(_in("kind", BRIEF_ITEM_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("timeline_entries.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")  # the quoted passage, or the note
    quote_start: Mapped[int | None] = mapped_column(Integer)
    quote_end: Mapped[int | None] = mapped_column(Integer)
    version_sha256: Mapped[str] = mapped_column(String(64), default="")  # of what was cited
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    brief: Mapped[Brief] = relationship(back_populates="items")
    document: Mapped[Document | None] = relationship()
    entry: Mapped[TimelineEntry | None] = relationship()


class ApiToken(Base):
    """A secret for scripts calling the API: acts as its user, with at most the role given,
    until revoked. Only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class AuditHead(Base):
    """The audit log's head as `archive audit anchor` signed it (storage/anchors.py): no foreign
    key to the entry, so that an entry deleted later is reported, not cascaded."""

    __tablename__ = "audit_heads"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer)
    signed_at: Mapped[datetime] = mapped_column(DateTime)
    statement: Mapped[str] = mapped_column(Text)  # canonical JSON of the fields above and the key
    public_key: Mapped[str] = mapped_column(String(64))  # raw Ed25519 public key, hex
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    tsa_url: Mapped[str | None] = mapped_column(String(2000))
    tsa_token: Mapped[bytes | None] = mapped_column(LargeBinary)  # the DER TimeStampResp
    principal: Mapped[str] = mapped_column(String(120))


class ConsentRecord(Base):
    """What a person consented to for one document: who, when, for which uses, on which
    conditions, obtained by whom, and where the proof is kept. A change is a new record; the
    newest is the one in force, and a withdrawn one keeps its withdrawal. Names are sealed."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    given_by: Mapped[str] = mapped_column(SealedText("consent_records.given_by"))  # may be a name
    given_on: Mapped[date] = mapped_column(Date)
    uses: Mapped[list] = mapped_column(JSON, default=list)  # of CONSENT_USES
    conditions: Mapped[str] = mapped_column(SealedText("consent_records.conditions"), default="")
    obtained_by: Mapped[str] = mapped_column(SealedText("consent_records.obtained_by"))
    evidence: Mapped[str] = mapped_column(SealedText("consent_records.evidence"), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    principal: Mapped[str] = mapped_column(String(120), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    recorded_by: Mapped[User | None] = relationship()


class LegalHold(Base):
    """A hold that keeps a document from deletion (litigation, an investigation), until an
    administrator releases it. No cascade: a document under hold is never deleted."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    reason: Mapped[str] = mapped_column(SealedText("legal_holds.reason"))
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    placed_principal: Mapped[str] = mapped_column(String(120), default="")
    placed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime)

    placed_by: Mapped[User | None] = relationship(foreign_keys=[placed_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])


class Removal(Base):
    """The tombstone of a document whose public copies are gone: withdrawn (kept for
    custodians) or deleted (nothing left but this). Readers who could see it are told when and
    why in REMOVAL_REASONS' words; the custodian's note is sealed. No foreign key: the row
    outlives a deleted document."""

    __tablename__ = "removals"
    __table_args__ = (
        CheckConstraint(_in("kind", REMOVAL_KINDS), name="kind"),
        CheckConstraint(_in("reason", REMOVAL_REASONS), name="reason"),
        CheckConstraint(_in("audience", CONSENT_LEVELS), name="audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(SealedText("removals.note"), default="")
    # the widest readers who saw it published before: they are shown the tombstone; anyone
    # else still gets "not found" (a tombstone must not reveal that a draft existed)
    audience: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))  # the custody hash, for the record
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    principal: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    by: Mapped[User | None] = relationship()


class DocumentKey(Base):
    """A document's own data key, sealed under the vault key: its revisions and vaulted
    originals are sealed with it, so that deleting this row (crypto-shredding) leaves any
    copy of them (a snapshot of the vault folder, a disk's free space) unreadable."""

    __tablename__ = "document_keys"

    document_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary)  # storage/sealing.py, bound to the document
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
