"""Write a validated submission onto a document row: the steps creating and editing share."""

from __future__ import annotations

from sqlalchemy.orm import Session

from archive.documents.consent import require_allowed
from archive.documents.derivation import set_derived_from
from archive.documents.submission import Submission
from archive.errors import N_, IngestError, ValidationError
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


def apply_submission(session: Session, document: Document, s: Submission, asserted_by: int | None = None) -> None:
    """Keep the submission as the document's originals and derive its public projection;
    `asserted_by` is who states the derivations it names (kept on each new link)."""
    document.kind = s.kind
    document.source_type = s.source_type
    document.grade_source = s.grading.source
    document.grade_information = s.grading.information
    document.language = s.language
    document.body_original = s.body
    document.fields_original = {
        "title": s.title,
        "attribution": s.attribution,
        "slug": s.slug,
        "tags": list(s.tags),
        "places": list(s.places),
        "source": {**vars(s.source)},
        "grade_note": s.grading.note,
    }
    document.published_edtf = s.published.edtf if s.published else None
    document.published_start = s.published.earliest if s.published else None
    document.published_end = s.published.latest if s.published else None
    document.events_edtf = s.events.edtf if s.events else None
    document.events_start = s.events.earliest if s.events else None
    document.events_end = s.events.latest if s.events else None
    document.consent = s.consent
    document.status = s.status
    try:
        set_derived_from(session, document, s.derived_from, asserted_by)
    except ValidationError as exc:
        raise IngestError(
            exc.template, field=exc.field, source=f"document {document.id or 'new'}", params=exc.params
        ) from exc
    # Every reader outside the custodian role reads the projection only, derived here.
    protect_document(session, document)


def put_on_row(session: Session, document: Document, submission: Submission, asserted_by: int | None = None) -> None:
    """Write a submission onto an existing document's row (its case, originals and public
    projection), as an edit or a review of a pending revision does. No flush, no commit."""
    with session.no_autoflush:
        document.case_id = case_for(session, submission, f"document {document.id}").id
        apply_submission(session, document, submission, asserted_by)
        require_allowed(document, f"document {document.id}")  # no wider than its consent


def require_review_to_publish(document: Document, source_name: str) -> None:
    """Refuse a published document whose redaction no custodian has reviewed, or that has no
    Admiralty grading."""
    require_grading_to_publish(document, source_name)
    if document.status == "published" and document.redaction_reviewed_at is None:
        raise IngestError(
            N_(
                "cannot be published before its redaction is reviewed: save it as a draft or "
                "for review, review the redaction, then publish"
            ),
            "status",
            source_name,
        )


def require_grading_to_publish(document: Document, source_name: str) -> None:
    """Refuse to publish a document no custodian has graded (source A–F, information 1–6): a
    reader must be able to weigh what the archive shows."""
    if document.status == "published" and not (document.grade_source and document.grade_information):
        raise IngestError(
            N_(
                "cannot be published without a grading of its source (A–F) and of its information "
                "(1–6): grade it, then publish"
            ),
            "grading",
            source_name,
        )
