"""Revisions: every change to a document kept, never overwritten.

Each revision holds the whole submission it made (its *content*: every field as submitted, in
one JSON shape) and the exact bytes received for it (a file, an API body, the form's fields as
canonical JSON), both sealed in the database (storage/sealing.py). The received bytes hash to
`received_sha256`; revision 1's is the custody hash recorded at intake.

An edit of a published, reviewed document that changes anything a review covers (text, title,
attribution, slug, tags, places, source, case) waits as a *pending* revision: the reviewed one
stays public until a custodian reviews the new one, which puts it on the row
(documents/review.py). An edit that narrows who may see the document, or withdraws it, is put on
the row at once: taking something out of view never waits.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.dates import parse_edtf
from archive.documents.derivation import derived_from_slugs
from archive.documents.submission import Grading, SourceInfo, Submission
from archive.errors import NotFound, NotPermitted
from archive.protection.public_text import originals
from archive.storage import audit, document_keys
from archive.storage.models import CONSENT_LEVELS, Document, DocumentRevision
from archive.storage.unit import unit_of_work

# What a custodian's review of the redaction covers: a change to any of these needs a review
REVIEWED = ("case", "body", "title", "attribution", "slug", "tags", "places", "source", "grading")
SOURCE_KEYS = ("outlet", "author", "url", "reported_by", "date", "reliability", "title", "captured", "archived_sha256")


def content_of(submission: Submission) -> dict:
    """A submission as a revision keeps it: every field, in one JSON shape."""
    return {
        "case": submission.case,
        "kind": submission.kind,
        "title": submission.title,
        "language": submission.language,
        "body": submission.body,
        "slug": submission.slug,
        "published": submission.published.edtf if submission.published else None,
        "events": submission.events.edtf if submission.events else None,
        "places": list(submission.places),
        "tags": list(submission.tags),
        "consent": submission.consent,
        "status": submission.status,
        "source": {key: getattr(submission.source, key) or "" for key in SOURCE_KEYS},
        "attribution": submission.attribution,
        "source_type": submission.source_type,
        "grading": vars(submission.grading).copy(),
        "derived_from": [list(link) for link in submission.derived_from],
    }


def row_content(document: Document) -> dict:
    """What the document's row holds, in a revision's shape (its originals, never the public
    projection)."""
    fields = originals(document)
    return {
        "case": document.case.slug,
        "kind": document.kind,
        "title": fields["title"],
        "language": document.language,
        "body": document.body_original,
        "slug": fields["slug"],
        "published": document.published_edtf,
        "events": document.events_edtf,
        "places": fields["places"],
        "tags": fields["tags"],
        "consent": document.consent,
        "status": document.status,
        "source": {key: fields["source"].get(key) or "" for key in SOURCE_KEYS},
        "attribution": fields["attribution"],
        "source_type": document.source_type or "",
        "grading": {
            "source": document.grade_source or "",
            "information": document.grade_information or "",
            "note": fields["grade_note"],
        },
        "derived_from": [list(link) for link in derived_from_slugs(document)],
    }


def submission_from(content: dict) -> Submission:
    """The submission a revision holds, to put on the row."""
    source = {key: content["source"].get(key) or "" for key in SOURCE_KEYS}
    source["date"] = source["date"] or None
    source["captured"] = source["captured"] or None
    return Submission(
        case=content["case"],
        kind=content["kind"],
        title=content["title"],
        language=content["language"],
        body=content["body"],
        slug=content["slug"],
        published=parse_edtf(content["published"]) if content["published"] else None,
        events=parse_edtf(content["events"]) if content["events"] else None,
        places=list(content["places"]),
        tags=list(content["tags"]),
        consent=content["consent"],
        status=content["status"],
        source=SourceInfo(**source),
        attribution=content["attribution"],
        source_type=content.get("source_type", ""),
        grading=Grading(**(content.get("grading") or {})),
        derived_from=[tuple(link) for link in content.get("derived_from", ())],
    )


def changed_fields(before: dict, after: dict) -> list[str]:
    """The names of the fields that differ (names only: the custody log keeps no text)."""
    return [name for name in after if before.get(name) != after[name]]


def must_wait(document: Document, before: dict, after: dict) -> bool:
    """Whether an edit waits for review while the reviewed revision stays public: the
    document is public now, stays published, and the edit changes what a review covers. (A
    narrower audience it asks for is applied at once all the same: see narrower_consent.)"""
    public = document.status == "published" and document.redaction_reviewed_at is not None
    if not public or after["status"] != "published":
        return False
    return any(before.get(name) != after[name] for name in REVIEWED)


def narrower_consent(document: Document, after: dict) -> bool:
    """Whether an edit asks for a narrower audience than the row has."""
    return CONSENT_LEVELS.index(after["consent"]) > CONSENT_LEVELS.index(document.consent)


def record(
    session: Session,
    document: Document,
    state: str,
    content: dict,
    received: bytes | None,
    received_sha256: str,
    by: Actor,
    via: str,
    reason: str = "",
) -> DocumentRevision:
    """Keep one revision of a flushed document (numbered as the row's revision counter),
    its received bytes and content sealed. No commit."""
    sealer = document_keys.sealer(session, document.id)  # deleting the document shreds its key
    number = document.revision
    revision = DocumentRevision(
        document_id=document.id,
        number=number,
        state=state,
        received_sha256=received_sha256,
        reason=reason.strip()[:2000],
        via=via,
        principal=audit.principal_of(by),
        created_by_id=user_id(by),
    )
    if received is not None:
        revision.received = sealer.seal(received, revision.seal_context("received"))
    revision.content = sealer.seal(encoded(content), revision.seal_context("content"))
    session.add(revision)
    if state != "superseded":
        for earlier in pending_revisions(session, document):
            if earlier is not revision:
                earlier.state = "superseded"
    session.flush()
    return revision


def content(session: Session, revision: DocumentRevision) -> dict:
    stored = revision.content
    kept = json.loads(
        document_keys.opener(session, revision.document_id, stored).open(stored, revision.seal_context("content"))
    )
    # a revision kept before a source key existed had it empty: compared as such, not as a change
    kept["source"] = {key: (kept.get("source") or {}).get(key) or "" for key in SOURCE_KEYS}
    return kept


def received(session: Session, revision: DocumentRevision) -> bytes | None:
    """The exact bytes received for a revision (None if it predates keeping them); NotFound
    if they are damaged or do not hash to the recorded custody hash."""
    if revision.received is None:
        return None
    stored = revision.received
    data = document_keys.opener(session, revision.document_id, stored).open(stored, revision.seal_context("received"))
    if hashlib.sha256(data).hexdigest() != revision.received_sha256:
        raise NotFound(f"revision {revision.number} of document {revision.document_id}: received bytes changed")
    return data


def revisions_of(session: Session, document: Document) -> list[DocumentRevision]:
    return list(
        session.scalars(
            select(DocumentRevision)
            .where(DocumentRevision.document_id == document.id)
            .order_by(DocumentRevision.number)
        )
    )


def pending_revisions(session: Session, document: Document) -> list[DocumentRevision]:
    if document.id is None:
        return []
    return list(
        session.scalars(
            select(DocumentRevision).where(
                DocumentRevision.document_id == document.id, DocumentRevision.state == "pending"
            )
        )
    )


def pending_revision(session: Session, document: Document) -> DocumentRevision | None:
    """The newest revision waiting for review, if any (at most one is ever pending)."""
    waiting = pending_revisions(session, document)
    return max(waiting, key=lambda r: r.number) if waiting else None


def latest_content(session: Session, document: Document) -> dict:
    """What an editor starts from: the pending revision if one waits, else the row."""
    waiting = pending_revision(session, document)
    return content(session, waiting) if waiting is not None else row_content(document)


@dataclass
class HistoryLine:
    """One revision as the history page shows it."""

    revision: DocumentRevision
    changed: list[str]
    diff: list[tuple[str, str]]  # (kind: "+", "-", "@" or " ", line) of the text's changes
    received_kept: bool


def history(session: Session, document: Document, context_lines: int = 2) -> list[HistoryLine]:
    """Every revision, oldest first, with what changed against the one before."""
    lines, before = [], None
    for revision in revisions_of(session, document):
        now = content(session, revision)
        changed = changed_fields(before, now) if before is not None else []
        diff = []
        if before is not None and before["body"] != now["body"]:
            diff = _diff(before["body"], now["body"], context_lines)
        lines.append(HistoryLine(revision, changed, diff, revision.received is not None))
        before = now
    return lines


def view_history(session: Session, document: Document, actor: Actor, via: str) -> list[HistoryLine]:
    """Every revision of a document with its changes, for a custodian; the view is recorded."""
    if not can(actor, "document:read_original", document):
        raise NotPermitted("only custodians can see a document's revisions")
    with unit_of_work(session):
        audit.record(session, actor, via, "document.history.view", "document", document.id)
    return history(session, document)


def view_received(session: Session, document: Document, number: int, actor: Actor, via: str) -> bytes:
    """The exact bytes received for one revision, checked against its custody hash, for a
    custodian; the view is recorded. NotFound if the revision kept none."""
    if not can(actor, "document:read_original", document):
        raise NotPermitted("only custodians can see what was received")
    revision = session.scalar(
        select(DocumentRevision).where(DocumentRevision.document_id == document.id, DocumentRevision.number == number)
    )
    data = received(session, revision) if revision is not None else None
    if data is None:
        raise NotFound(f"revision {number} of document {document.id} kept no received bytes")
    with unit_of_work(session):
        audit.record(session, actor, via, "document.received.view", "document", document.id, revision=number)
    return data


def adopt_unrevised(session: Session, by: Actor) -> int:
    """Give documents stored before revisions were kept their present state as a revision
    (with no received bytes: those were not kept); return how many. Run by `archive init`."""
    have = select(DocumentRevision.document_id)
    count = 0
    for document in session.scalars(select(Document).where(Document.id.not_in(have))):
        record(session, document, "applied", row_content(document), None, document.sha256, by, "cli",
               "recorded when revisions began to be kept; the bytes received were not kept")  # fmt: skip
        count += 1
    return count


def _diff(before: str, after: str, context_lines: int) -> list[tuple[str, str]]:
    out = []
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=context_lines)
    for line in list(lines)[2:]:  # past the ---/+++ header
        kind = line[:1] if line[:1] in ("+", "-", "@") else " "
        out.append((kind, line if kind == "@" else line[1:]))
    return out


def encoded(value: dict) -> bytes:
    """A revision's content as canonical JSON bytes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
