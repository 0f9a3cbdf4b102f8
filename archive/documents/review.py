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
from archive.errors import NotPermitted, ValidationError
from archive.protection.public_text import redact_document
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
    reject: list[str] = (),
    add: list[tuple[str, str]] = (),
    publish: bool = False,
) -> Document:
    """Record a custodian's corrections, redact again, mark the redaction reviewed and, if
    asked, publish: one unit of work."""
    if not can(actor, "document:edit", document):
        raise NotPermitted("only custodians can review redactions")
    with unit_of_work(session):
        for value in reject:
            _decide(document, "reject", value, "PERSON", actor)
        for value, kind in add:
            if kind not in DECISION_TYPES:
                raise ValidationError(f"must be one of {', '.join(DECISION_TYPES)}", "type")
            _decide(document, "add", value, kind, actor)
        session.flush()
        redact_document(session, document)
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
        raise ValidationError("review the redaction before publishing", field="status")
    document.status = "published"
    audit.record(session, actor, via, "document.publish", "document", document.id)


def _decide(document: Document, action: str, value: str, kind: str, actor: Actor) -> None:
    value = (value or "").strip()
    if not value or len(value) > 500:
        raise ValidationError("give the exact text (up to 500 characters)", field="value")
    if value not in document.body_original:
        raise ValidationError("this text does not occur in the original", field="value")
    document.decisions.append(RedactionDecision(action=action, value=value, type=kind, created_by_id=user_id(actor)))
