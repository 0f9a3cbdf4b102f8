"""Intake: submission → validated, hashed, stripped, redacted, stored, audited. The one place
that orders the steps of a new document, whichever way it comes in (form, API, command line).

Each document is written in one unit of work with its media, its date suggestions and its
audit entries: on any error nothing of it remains, files included.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.documents import revisions
from archive.documents.media import Batch
from archive.documents.near_duplicates import propose_for
from archive.documents.parse import parse_submission
from archive.documents.record import apply_submission, case_for, require_review_to_publish
from archive.documents.submission import Submission, validate_document
from archive.errors import DuplicateContent, IngestError, NotPermitted
from archive.storage import audit, queries
from archive.storage.db import index_in_batches
from archive.storage.models import Document, utcnow
from archive.storage.unit import unit_of_work
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
    actor: Actor,
    via: str,
    source_name: str = "submission",
    media: Batch | None = None,
    received: bytes | None = None,
) -> Document:
    """Store a validated submission (and sanitised media) as a new document; all or nothing.

    `received` is the exact bytes that came in (hashing to `sha256`, the custody hash): they
    are sealed as revision 1, beside the submission it holds."""
    if not can(actor, "document:create"):
        raise NotPermitted("only custodians can add documents")
    if received is not None and sha256_hex(received) != sha256:
        raise ValueError("the custody hash is not the received bytes' SHA-256")
    try:
        with unit_of_work(session, undo=media.undo if media is not None else None):
            existing = queries.document_by_sha256(session, sha256)
            if existing is not None:
                raise DuplicateContent(
                    f"the same content was already ingested as document {existing.id}",
                    existing_id=existing.id,
                    source=source_name,
                )
            case = case_for(session, submission, source_name)
            if submission.slug and queries.document_by_slug(session, case.id, submission.slug):
                raise IngestError(
                    f"{submission.slug!r} is already used in case {case.slug}",
                    "slug",
                    source_name,
                )
            with session.no_autoflush:  # the row is complete only after apply_submission
                document = Document(case_id=case.id, sha256=sha256, created_by_id=user_id(actor))
                apply_submission(session, document, submission, user_id(actor))
                attested = submission.redaction_reviewed and can(actor, "redaction:attest")
                if attested:
                    document.redaction_reviewed_at = utcnow()
                    document.redaction_reviewed_by_id = getattr(actor, "attested_by", None)
                require_review_to_publish(document, source_name)
                session.add(document)
            session.flush()
            revisions.record(
                session, document, "applied", revisions.content_of(submission), received, sha256, actor, via
            )
            suggest_for_document(session, document)  # dates for custodians to turn into entries
            propose_for(session, document)  # near-duplicates, for custodians to confirm as derivations
            audit.record(session, actor, via, "document.create", "document", document.id, sha256=sha256)
            if attested:  # who vouched for the review, on its own line of the custody log
                reviewer = document.redaction_reviewed_by_id
                audit.record(session, actor, via, "document.redaction_attested", "document", document.id, by=reviewer)
            if media is not None:
                media.write(session, document, actor, via)
    except IntegrityError as exc:  # a concurrent ingest of the same bytes won the race
        raise IngestError(
            "conflicts with data stored meanwhile (same content or slug); try again",
            "sha256",
            source_name,
        ) from exc
    log.info("document %s created via %s sha256=%s", document.id, via, sha256[:16])
    return document


def ingest_bytes(
    session: Session,
    data: bytes,
    source_name: str,
    kinds: tuple[str, ...],
    actor: Actor,
    via: str,
    fmt: str | None = None,
    max_bytes: int | None = None,
) -> Document:
    """Parse, validate and store one submitted file."""
    if max_bytes is not None and len(data) > max_bytes:
        raise IngestError(f"is {len(data)} bytes; the limit is {max_bytes}", "size", source_name)
    fields = parse_submission(data, source_name, fmt)
    submission = validate_document(fields, kinds, source_name)
    return create_document(session, submission, sha256_hex(data), actor, via, source_name, received=data)


def ingest_paths(
    session: Session,
    paths: Iterable[Path],
    kinds: tuple[str, ...],
    actor: Actor,
    via: str,
    max_bytes: int,
    progress: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Ingest each file on its own; one bad file does not stop or spoil the others."""
    if not can(actor, "document:create"):
        raise NotPermitted("only custodians can add documents")
    results = []
    with index_in_batches(session):
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
            files.extend(p for p in sorted(path.rglob("*")) if p.suffix.lower() in INGESTIBLE_SUFFIXES)
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
