"""A custodian's review of a document's redaction, its publication, and views of its original.

The review records corrections (a false detection kept readable, a missed identifier added),
derives the public text again (protection/public_text.py) and marks the redaction reviewed:
only then may the document be published, and only then is it indexed.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.documents import pictures, revisions
from archive.documents.near_duplicates import propose_for
from archive.documents.record import put_on_row
from archive.errors import N_, EditConflict, NotPermitted, ValidationError
from archive.protection.public_text import original_texts, protect_document, review_token
from archive.redaction import MARKERS
from archive.storage import audit
from archive.storage.models import Document, RedactionDecision, utcnow
from archive.storage.unit import unit_of_work

log = logging.getLogger(__name__)
DECISION_TYPES = tuple(MARKERS)


def review_redaction(
    session: Session,
    document: Document,
    actor: Actor,
    via: str,
    reject: list[tuple[str, str]] = (),
    add: list[tuple[str, str]] = (),
    publish: bool = False,
    token: str | None = None,
) -> Document:
    """Record a custodian's corrections, redact again, mark the redaction reviewed and, if
    asked, publish: one unit of work.

    `reject` and `add` are (exact text, type) pairs: a rejection keeps readable the spans of
    that text detected as that type, never a protected identity. `token` is the review_token
    the form was opened on: when the text, the protected names, the public names or the
    decisions changed since, the spans the custodian saw are not the ones that stand, and the
    review is refused with nothing saved."""
    if not can(actor, "document:edit", document):
        raise NotPermitted("only custodians can review redactions")
    with unit_of_work(session):
        waiting = put_pending_on_row(session, document)
        if token is not None and token != review_token(document):
            raise EditConflict(
                N_(
                    "the text, the protected names or the decisions changed since this review was "
                    "opened: nothing was saved; reload the page and review what stands now"
                ),
                field="revision",
            )
        if waiting is not None:
            waiting.state = "applied"
            audit.record(session, actor, via, "document.revision.applied", "document", document.id,
                         revision=waiting.number)  # fmt: skip
        for value, kind in reject:
            _decide(document, "reject", value, kind, actor)
        for value, kind in add:
            _decide(document, "add", value, kind, actor)
        session.flush()
        protect_document(session, document)
        propose_for(session, document)  # the reviewed public text is what near-duplicates compare
        document.redaction_reviewed_at = utcnow()
        document.redaction_reviewed_by_id = user_id(actor)
        session.info["purge"] = True  # replaced words must leave the index files too
        audit.record(
            session,
            actor,
            via,
            "redaction.review",
            "document",
            document.id,
            rejected=len(reject),
            added=len(add),
            spans=len(document.redaction_spans),
        )
        if publish:
            _publish(session, document, actor, via)
    log.info("document %s redaction reviewed via %s", document.id, via)
    if publish:
        log.info("document %s published via %s", document.id, via)
    return document


def put_pending_on_row(session: Session, document: Document):
    """Put the revision waiting for review (if any) on the document's row, for the review to
    see and judge; return it. No commit: the caller commits it with the review, or rolls it
    back (the review page's preview)."""
    waiting = revisions.pending_revision(session, document)
    if waiting is not None:
        content = revisions.content(session, waiting)  # its derivations asserted by its editor
        put_on_row(session, document, revisions.submission_from(content), waiting.created_by_id)
        session.flush()
    return waiting


def publish_document(session: Session, document: Document, actor: Actor, via: str) -> Document:
    """Publish a document whose redaction has been reviewed."""
    if not can(actor, "document:edit", document):
        raise NotPermitted("only custodians can publish")
    with unit_of_work(session):
        _publish(session, document, actor, via)
    log.info("document %s published via %s", document.id, via)
    return document


def view_original(session: Session, document: Document, actor: Actor, via: str) -> str:
    """Return the original text to a custodian, recording the view in the audit log."""
    if not can(actor, "document:read_original", document):
        raise NotPermitted("only custodians can see original texts")
    with unit_of_work(session):
        audit.record(session, actor, via, "document.original.view", "document", document.id)
    return document.body_original


def _publish(session: Session, document: Document, actor: Actor, via: str) -> None:
    if document.redaction_reviewed_at is None:
        raise ValidationError(N_("review the redaction before publishing"), field="status")
    if not (document.grade_source and document.grade_information):
        raise ValidationError(
            N_("grade its source (A–F) and its information (1–6) before publishing: edit the document"),
            field="grading",
        )
    waiting = pictures.waiting(session, document)
    if waiting:
        raise ValidationError(
            N_("decide what its pictures may show before publishing: %(count)s file(s) wait for a decision"),
            field="media",
            params={"count": len(waiting)},
        )
    document.status = "published"
    audit.record(session, actor, via, "document.publish", "document", document.id)


def _decide(document: Document, action: str, value: str, kind: str, actor: Actor) -> None:
    value = (value or "").strip()
    if kind not in DECISION_TYPES:
        raise ValidationError(N_("must be one of %(allowed)s"), "type", params={"allowed": ", ".join(DECISION_TYPES)})
    if not value or len(value) > 500:
        raise ValidationError(N_("give the exact text (up to 500 characters)"), field="value")
    if not any(value in text for text in original_texts(document)):
        raise ValidationError(N_("this text does not occur in the original"), field="value")
    if any(d.action == action and d.value == value and d.type == kind for d in document.decisions):
        return
    document.decisions.append(RedactionDecision(action=action, value=value, type=kind, created_by_id=user_id(actor)))
