"""Write a validated submission onto a document row: the steps creating and editing share."""

from __future__ import annotations

from sqlalchemy.orm import Session

from archive.documents.consent import require_allowed
from archive.documents.submission import Submission
from archive.errors import N_, IngestError
from archive.protection.public_text import protect_document
from archive.storage import queries
from archive.storage.models import Case, Document


def case_for(session: Session, submission: Submission, source_name: str) -> Case:
    """The case a submission names, which must exist."""
    case = queries.get_case(session, submission.case)
    if case is None:
        raise IngestError(
            N_("no case %(case)r; create it first (archive load-corpus)"),
            "case",
            source_name,
            params={"case": submission.case},
        )
    return case


def apply_submission(session: Session, document: Document, s: Submission) -> None:
    """Keep the submission as the document's originals and derive its public projection."""
    document.kind = s.kind
    document.language = s.language
    document.body_original = s.body
    document.fields_original = {
        "title": s.title,
        "attribution": s.attribution,
        "slug": s.slug,
        "tags": list(s.tags),
        "places": list(s.places),
        "source": {**vars(s.source)},
    }
    document.published_edtf = s.published.edtf if s.published else None
    document.published_start = s.published.earliest if s.published else None
    document.published_end = s.published.latest if s.published else None
    document.events_edtf = s.events.edtf if s.events else None
    document.events_start = s.events.earliest if s.events else None
    document.events_end = s.events.latest if s.events else None
    document.consent = s.consent
    document.status = s.status
    # Every reader outside the custodian role reads the projection only, derived here.
    protect_document(session, document)


def put_on_row(session: Session, document: Document, submission: Submission) -> None:
    """Write a submission onto an existing document's row (its case, originals and public
    projection), as an edit or a review of a pending revision does. No flush, no commit."""
    with session.no_autoflush:
        document.case_id = case_for(session, submission, f"document {document.id}").id
        apply_submission(session, document, submission)
        require_allowed(document, f"document {document.id}")  # no wider than its consent


def require_review_to_publish(document: Document, source_name: str) -> None:
    """Refuse a published document whose redaction no custodian has reviewed."""
    if document.status == "published" and document.redaction_reviewed_at is None:
        raise IngestError(
            N_(
                "cannot be published before its redaction is reviewed: save it as a draft or "
                "for review, review the redaction, then publish"
            ),
            "status",
            source_name,
        )
