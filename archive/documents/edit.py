"""Edit a document: its fields and text replaced by a validated submission, new media attached,
in one unit of work on the revision the editor read."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.documents import revisions
from archive.documents.consent import require_allowed
from archive.documents.intake import sha256_hex
from archive.documents.media import Batch
from archive.documents.near_duplicates import propose_for
from archive.documents.record import case_for, put_on_row, require_review_to_publish
from archive.documents.submission import Submission
from archive.errors import EditConflict, IngestError, NotPermitted
from archive.protection.public_text import originals
from archive.storage import audit, queries
from archive.storage.models import Document, DocumentRevision
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
    received: bytes | None = None,
    reason: str = "",
) -> DocumentRevision:
    """Keep a validated submission as the document's next revision and attach sanitised media;
    return the revision. Nothing is overwritten: every earlier revision, with the bytes received
    for it, stays (documents/revisions.py). All or nothing: a refused attachment keeps nothing.

    A published document whose edit changes what a review covers keeps its reviewed revision
    public: the new one waits ("pending") until a custodian reviews it. Otherwise the revision
    is put on the row at once; a changed text then needs a new review before it is public.

    The edit applies to the revision the editor read (`expected_revision`, by default the one
    loaded): the revision is advanced by one compare-and-set UPDATE, which also takes the row's
    lock, so of two custodians saving the same revision at once one wins and the other gets
    EditConflict instead of silently undoing the first one's work."""
    if not can(actor, "document:edit", document):
        raise NotPermitted("only custodians can edit documents")
    expected = document.revision if expected_revision is None else expected_revision
    if received is None:  # the submission itself, canonically encoded, is what came in
        received = revisions.encoded(revisions.content_of(submission))
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
        set_committed_value(document, "revision", expected + 1)  # as the UPDATE wrote it
        case = case_for(session, submission, f"document {document.id}")
        if submission.slug and submission.slug != (originals(document)["slug"] or document.slug):
            other = queries.document_by_slug(session, case.id, submission.slug)
            if other is not None and other.id != document.id:
                raise IngestError(f"{submission.slug!r} is already used", "slug")
        before = revisions.latest_content(session, document)
        after = revisions.content_of(submission)
        require_allowed(document, f"document {document.id}", after["consent"])  # waiting or not
        changed = revisions.changed_fields(before, after)
        on_row = revisions.row_content(document)
        waits = revisions.must_wait(document, on_row, after)
        if waits and revisions.narrower_consent(document, after):
            document.consent = after["consent"]  # out of view at once; the text waits for review
            session.flush()
        if not waits:
            if any(on_row.get(name) != after[name] for name in revisions.REVIEWED):
                document.redaction_reviewed_at = None  # a new text needs a new review
                document.redaction_reviewed_by_id = None
            put_on_row(session, document, submission, user_id(actor))
            require_review_to_publish(document, f"document {document.id}")
            session.flush()
            propose_for(session, document)  # its text may now match another's
        revision = revisions.record(
            session, document, "pending" if waits else "applied", after, received, sha256_hex(received),
            actor, via, reason,
        )  # fmt: skip
        audit.record(
            session,
            actor,
            via,
            "document.revision.pending" if waits else "document.edit",
            "document",
            document.id,
            revision=revision.number,
            received_sha256=revision.received_sha256,
            changed=changed,
            **_audience_change(before, after),
        )
        if media is not None:
            media.write(session, document, actor, via)
    log.info(
        "document %s edited via %s revision=%s%s", document.id, via, revision.number, " (pending)" if waits else ""
    )
    return revision


def _audience_change(before: dict, after: dict) -> dict:
    """Publication and consent changes, named in the custody log with their old and new value."""
    return {
        name: {"from": before[name], "to": after[name]} for name in ("status", "consent") if before[name] != after[name]
    }
