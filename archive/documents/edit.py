"""Edit a document: its fields and text replaced by a validated submission, new media attached,
in one unit of work on the revision the editor read."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.documents.intake import sha256_hex
from archive.documents.media import Batch
from archive.documents.record import apply_submission, case_for, require_review_to_publish
from archive.documents.submission import Submission
from archive.errors import EditConflict, IngestError, NotPermitted
from archive.storage import audit, queries
from archive.storage.models import Document
from archive.storage.unit import unit_of_work

log = logging.getLogger(__name__)


def update_document(
    session: Session,
    document: Document,
    submission: Submission,
    actor: Actor,
    via: str,
    expected_revision: int | None = None,
    media: Batch | None = None,
) -> Document:
    """Replace a document's fields with a validated submission and attach sanitised media;
    the custody hash stays. All or nothing: a refused attachment leaves the text unchanged.

    The edit applies to the revision the editor read (`expected_revision`, by default the one
    loaded): the revision is advanced by one compare-and-set UPDATE, which also takes the row's
    lock, so of two custodians saving the same revision at once one wins and the other gets
    EditConflict instead of silently undoing the first one's work."""
    if not can(actor, "document:edit", document):
        raise NotPermitted("only custodians can edit documents")
    expected = document.revision if expected_revision is None else expected_revision
    with unit_of_work(session, undo=media.undo if media is not None else None):
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
        case = case_for(session, submission, f"document {document.id}")
        if submission.slug and submission.slug != document.slug:
            other = queries.document_by_slug(session, case.id, submission.slug)
            if other is not None and other.id != document.id:
                raise IngestError(f"{submission.slug!r} is already used", "slug")
        with session.no_autoflush:
            if submission.body != document.body_original:
                document.redaction_reviewed_at = None  # a new text needs a new review
            document.case_id = case.id
            apply_submission(session, document, submission)
            require_review_to_publish(document, f"document {document.id}")
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
        if media is not None:
            media.write(session, document, actor, via)
    log.info("document %s edited via %s revision=%s", document.id, via, document.revision)
    return document
