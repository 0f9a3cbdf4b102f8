"""Ingest: submission → validated, hashed, stored, audited. The one place that orders the steps.

Each document is written in one transaction: on any error nothing of it remains.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from archive.auth.permissions import can
from archive.errors import DuplicateContent, EditConflict, IngestError, NotPermitted
from archive.ingest.media import Batch
from archive.ingest.parse import parse_submission
from archive.ingest.redaction import redact_document
from archive.ingest.validate import SourceInfo, Submission, validate_document
from archive.storage import audit, queries
from archive.storage.models import Document, Source, User, utcnow
from archive.timeline.suggest import suggest_for_document

log = logging.getLogger(__name__)

INGESTIBLE_SUFFIXES = (".md", ".markdown", ".json")


@dataclass
class FileResult:
    """What happened to one file of a bulk ingest."""

    path: str
    status: str  # ingested | duplicate | skipped | error
    message: str = ""
    object_id: int | None = None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def create_document(
    session: Session,
    submission: Submission,
    sha256: str,
    actor: User | None,
    via: str,
    source_name: str = "submission",
    media: Batch | None = None,
) -> Document:
    """Store a validated submission (and sanitised media) as a new document; all or nothing."""
    if via != "cli" and not can(actor, "document:create"):
        raise NotPermitted("only custodians can add documents")
    try:
        existing = queries.document_by_sha256(session, sha256)
        if existing is not None:
            raise DuplicateContent(
                f"the same content was already ingested as document {existing.id}",
                existing_id=existing.id,
                source=source_name,
            )
        case = _case_for(session, submission, source_name)
        if submission.slug and queries.document_by_slug(session, case.id, submission.slug):
            raise IngestError(
                f"{submission.slug!r} is already used in case {case.slug}", "slug", source_name
            )
        with session.no_autoflush:  # the row is complete only after _apply
            document = Document(case_id=case.id, sha256=sha256, created_by=actor)
            _apply(session, document, submission)
            if submission.redaction_reviewed and via == "cli":
                document.redaction_reviewed_at = utcnow()
            _require_review_to_publish(document, source_name)
            session.add(document)
        session.flush()
        suggest_for_document(session, document)  # dates for custodians to turn into entries
        audit.record(session, actor, via, "document.create", "document", document.id, sha256=sha256)
        if media is not None:
            media.write(session, document, actor, via)
        session.commit()
    except IntegrityError as exc:  # a concurrent ingest of the same bytes won the race
        _abandon(session, media)
        raise IngestError(
            "conflicts with data stored meanwhile (same content or slug); try again",
            "sha256",
            source_name,
        ) from exc
    except BaseException:
        _abandon(session, media)
        raise
    log.info("document %s created via %s sha256=%s", document.id, via, sha256[:16])
    return document


def _require_review_to_publish(document: Document, source_name: str) -> None:
    if document.status == "published" and document.redaction_reviewed_at is None:
        raise IngestError(
            "cannot be published before its redaction is reviewed: save it as draft or "
            "in_review, review the redaction, then publish",
            "status",
            source_name,
        )


def _abandon(session: Session, media: Batch | None) -> None:
    session.rollback()
    if media is not None:
        media.undo()


def update_document(
    session: Session,
    document: Document,
    submission: Submission,
    actor: User | None,
    via: str,
    expected_revision: int | None = None,
) -> Document:
    """Replace a document's fields with a validated submission; the custody hash stays.

    The edit applies to the revision the editor read (`expected_revision`, by default the one
    loaded): the revision is advanced by one compare-and-set UPDATE, which also takes the row's
    lock, so of two custodians saving the same revision at once one wins and the other gets
    EditConflict instead of silently undoing the first one's work."""
    if not can(actor, "document:edit"):
        raise NotPermitted("only custodians can edit documents")
    expected = document.revision if expected_revision is None else expected_revision
    try:
        advanced = session.execute(
            update(Document)
            .where(Document.id == document.id, Document.revision == expected)
            .values(revision=expected + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if advanced != 1:
            session.rollback()
            session.refresh(document)
            raise EditConflict(
                f"changed by someone else since you opened it (now revision {document.revision},"
                f" you edited revision {expected}): reload the page to see their changes",
                field="revision",
            )
        case = _case_for(session, submission, f"document {document.id}")
        if submission.slug and submission.slug != document.slug:
            other = queries.document_by_slug(session, case.id, submission.slug)
            if other is not None and other.id != document.id:
                raise IngestError(f"{submission.slug!r} is already used", "slug")
        with session.no_autoflush:
            if submission.body != document.body_original:
                document.redaction_reviewed_at = None  # a new text needs a new review
            document.case_id = case.id
            _apply(session, document, submission)
            _require_review_to_publish(document, f"document {document.id}")
        set_committed_value(document, "revision", expected + 1)  # as the UPDATE wrote it
        session.flush()
        audit.record(
            session,
            actor,
            via,
            "document.edit",
            "document",
            document.id,
            revision=document.revision,
            body_sha256=sha256_hex(document.body_original.encode()),
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info("document %s edited via %s revision=%s", document.id, via, document.revision)
    return document


def ingest_bytes(
    session: Session,
    data: bytes,
    source_name: str,
    kinds: tuple[str, ...],
    actor: User | None,
    via: str,
    fmt: str | None = None,
    max_bytes: int | None = None,
) -> Document:
    """Parse, validate and store one submitted file."""
    if max_bytes is not None and len(data) > max_bytes:
        raise IngestError(f"is {len(data)} bytes; the limit is {max_bytes}", "size", source_name)
    fields = parse_submission(data, source_name, fmt)
    submission = validate_document(fields, kinds, source_name)
    return create_document(session, submission, sha256_hex(data), actor, via, source_name)


def ingest_paths(
    session: Session,
    paths: Iterable[Path],
    kinds: tuple[str, ...],
    actor: User | None,
    via: str,
    max_bytes: int,
    progress: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Ingest each file on its own; one bad file does not stop or spoil the others."""
    results = []
    for path in expand_paths(paths):
        results.append(_ingest_one(session, path, kinds, actor, via, max_bytes))
        if progress:
            progress(results[-1])
    return results


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Return the ingestible files named, walking folders in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*")) if p.suffix.lower() in INGESTIBLE_SUFFIXES
            )
        else:
            files.append(path)
    return files


def _ingest_one(session, path, kinds, actor, via, max_bytes) -> FileResult:
    name = str(path)
    try:
        if path.stat().st_size > max_bytes:
            raise IngestError(f"is larger than the limit of {max_bytes} bytes", "size", name)
        document = ingest_bytes(session, path.read_bytes(), name, kinds, actor, via)
    except DuplicateContent as exc:
        return FileResult(name, "duplicate", str(exc), exc.existing_id)
    except IngestError as exc:
        return FileResult(name, "error", str(exc))
    except OSError as exc:
        return FileResult(name, "error", f"{name}: cannot read ({exc.strerror})")
    return FileResult(name, "ingested", "", document.id)


def _case_for(session: Session, submission: Submission, source_name: str):
    case = queries.get_case(session, submission.case)
    if case is None:
        raise IngestError(
            f"no case {submission.case!r}; create it first (archive load-corpus)",
            "case",
            source_name,
        )
    return case


def _apply(session: Session, document: Document, s: Submission) -> None:
    document.slug = s.slug
    document.kind = s.kind
    document.title = s.title
    document.language = s.language
    document.body_original = s.body
    # Every reader outside the custodian role reads body_public only, derived here.
    redact_document(session, document)
    document.published_edtf = s.published.edtf if s.published else None
    document.published_start = s.published.earliest if s.published else None
    document.published_end = s.published.latest if s.published else None
    document.events_edtf = s.events.edtf if s.events else None
    document.events_start = s.events.earliest if s.events else None
    document.events_end = s.events.latest if s.events else None
    document.places = queries.places_named(session, s.places)
    document.tags = queries.tags_named(session, s.tags)
    document.consent = s.consent
    document.status = s.status
    document.attribution = s.attribution
    document.source = None if s.source.empty else _source(session, s.source)


def _source(session: Session, info: SourceInfo) -> Source:
    values = vars(info).copy()
    values["date_edtf"] = values.pop("date")
    return queries.source_for(session, **values)
