"""Redaction of stored documents: derive the public text, review it, protect new names.

The public text is always derived from the original by archive.redaction with the case's
protected identities and public names and the document's review decisions, so a new protected
name or a custodian's correction is applied everywhere by running the same function again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy.orm import Session

from archive.auth.permissions import can
from archive.errors import IngestError, NotPermitted, ValidationError
from archive.redaction import MARKERS, Identity, Redaction, redact
from archive.rendering import render_markdown
from archive.storage import audit
from archive.storage.models import (
    Case,
    Document,
    ProtectedIdentity,
    RedactionDecision,
    User,
    utcnow,
)

log = logging.getLogger(__name__)
DECISION_TYPES = tuple(MARKERS)


def case_identities(case: Case | None) -> list[Identity]:
    """The case's protected identities, as the redactor takes them."""
    return [Identity(tuple(i.names), i.pseudonym) for i in case.identities] if case else []


def redact_for_cases(text: str, cases: Iterable[Case]) -> Redaction:
    """Redact text written inside the archive (timeline entries, brief notes) with the
    detectors and the cases' protected identities and public names."""
    cases = list(cases)
    return redact(
        text,
        lang="auto",
        public=tuple(name for c in cases for name in c.public_names or ()),
        identities=[identity for c in cases for identity in case_identities(c)],
    )


def refuse_identifiers(field: str, text: str, cases: Iterable[Case], source: str) -> None:
    """Refuse text that would reveal someone, naming the field and the kinds found (never the
    values): text written inside the archive has no original kept apart from its public form."""
    if not text.strip():
        return
    found = redact_for_cases(text, cases)
    if found.spans:
        kinds = sorted({span.type for span in found.spans})
        raise IngestError(
            f"would reveal {', '.join(kinds).lower()} ({len(found.spans)} found): write the "
            "pseudonym, or add a public official to the case's public names",
            field,
            source,
        )


def redact_document(session: Session, document: Document) -> bool:
    """Derive the public text from the original; return whether it changed. No commit."""
    case = session.get(Case, document.case_id)
    identities = case_identities(case)
    decisions = list(document.decisions) if document.id is not None else []
    result = redact(
        document.body_original,
        # Every script's detectors run whatever the document's language: a Russian testimony
        # quotes English press, an English one a Russian protocol.
        lang="auto",
        public=tuple(case.public_names or ()) if case else (),
        identities=identities,
        keep=[d.value for d in decisions if d.action == "reject"],
        add=[(d.value, d.type) for d in decisions if d.action == "add"],
    )
    changed = result.text != document.body_public
    document.body_public = result.text
    document.redaction_spans = result.as_json()
    document.body_html = render_markdown(result.text)
    return changed


def review_redaction(
    session: Session,
    document: Document,
    actor: User | None,
    via: str,
    reject: list[str] = (),
    add: list[tuple[str, str]] = (),
) -> Document:
    """Record a custodian's corrections, redact again, and mark the redaction reviewed."""
    if not can(actor, "document:edit"):
        raise NotPermitted("only custodians can review redactions")
    try:
        for value in reject:
            _decide(document, "reject", value, "PERSON", actor)
        for value, kind in add:
            if kind not in DECISION_TYPES:
                raise ValidationError(f"must be one of {', '.join(DECISION_TYPES)}", "type")
            _decide(document, "add", value, kind, actor)
        session.flush()
        redact_document(session, document)
        document.redaction_reviewed_at = utcnow()
        document.redaction_reviewed_by_id = actor.id if actor else None
        session.info["purge"] = True  # replaced words must leave the index files too
        audit.record(session, actor, via, "redaction.review", "document", document.id,
                     rejected=len(reject), added=len(add),
                     spans=len(document.redaction_spans))  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info("document %s redaction reviewed via %s", document.id, via)
    return document


def protect_identity(
    session: Session, case: Case, names: list[str], pseudonym: str, actor: User | None, via: str
) -> tuple[ProtectedIdentity, int]:
    """Register a protected identity and redact every document of the case again."""
    if via != "cli" and not can(actor, "document:edit"):
        raise NotPermitted("only custodians can protect identities")
    names = [n.strip() for n in names if n and n.strip()]
    pseudonym = " ".join((pseudonym or "").split())
    if not names:
        raise ValidationError("give at least one name or alias", field="names")
    if not pseudonym or len(pseudonym) > 80 or "[" in pseudonym:
        raise ValidationError(
            "give a pseudonym of up to 80 characters, without brackets", "pseudonym"
        )
    if any(i.pseudonym == pseudonym for i in case.identities):
        raise ValidationError(f"{pseudonym!r} is already used in this case", field="pseudonym")
    try:
        identity = ProtectedIdentity(
            case=case, names=names, pseudonym=pseudonym, created_by_id=actor.id if actor else None
        )
        session.add(identity)
        session.flush()
        changed = sum(redact_document(session, d) for d in case.documents)
        session.info["purge"] = True
        audit.record(session, actor, via, "identity.protect", "case", case.id,
                     identity_id=identity.id, documents_changed=changed)  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info(
        "identity %s protected in case %s; %d documents changed", identity.id, case.id, changed
    )
    return identity, changed


def add_public_name(session: Session, case: Case, name: str, actor: User | None, via: str) -> int:
    """Keep a public person or organisation readable in the case; redact its documents again."""
    if via != "cli" and not can(actor, "document:edit"):
        raise NotPermitted("only custodians can change the case's public names")
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ValidationError("give a name of up to 200 characters", field="name")
    try:
        case.public_names = [*(case.public_names or []), name]
        changed = sum(redact_document(session, d) for d in case.documents)
        audit.record(session, actor, via, "case.public_name.add", "case", case.id,
                     documents_changed=changed)  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return changed


def publish_document(
    session: Session, document: Document, actor: User | None, via: str
) -> Document:
    """Publish a document whose redaction has been reviewed."""
    if not can(actor, "document:edit"):
        raise NotPermitted("only custodians can publish")
    if document.redaction_reviewed_at is None:
        raise ValidationError("review the redaction before publishing", field="status")
    document.status = "published"
    audit.record(session, actor, via, "document.publish", "document", document.id)
    session.commit()
    log.info("document %s published via %s", document.id, via)
    return document


def view_original(session: Session, document: Document, actor: User | None, via: str) -> str:
    """Return the original text to a custodian, recording the view in the audit log."""
    if not can(actor, "document:read_original"):
        raise NotPermitted("only custodians can see original texts")
    audit.record(session, actor, via, "document.original.view", "document", document.id)
    session.commit()
    return document.body_original


def _decide(document: Document, action: str, value: str, kind: str, actor: User | None) -> None:
    value = (value or "").strip()
    if not value or len(value) > 500:
        raise ValidationError("give the exact text (up to 500 characters)", field="value")
    if value not in document.body_original:
        raise ValidationError("this text does not occur in the original", field="value")
    document.decisions.append(
        RedactionDecision(
            action=action, value=value, type=kind, created_by_id=actor.id if actor else None
        )  # fmt: skip
    )
