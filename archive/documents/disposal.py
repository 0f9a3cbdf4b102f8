"""Keeping and letting go: legal holds, retention reviews, and deletion.

Deletion destroys a document: its row and every revision (the exact bytes received), its
redaction decisions, consent records, timeline citations and conflicting accounts, the text
of brief quotes taken from it, its cleaned files and thumbnails, its sealed originals, its
index entries, and its own data key (storage/document_keys.py: crypto-shredding, so that a
copy of its sealed originals or revisions left anywhere no longer opens). What stays is a
tombstone (when, why in a fixed word, the custody hash) and the custody log's entries, which
hold ids and hashes, never text.

Threat: evidence destroyed that a court or an investigation needs. A document under an
active legal hold cannot be deleted; only an administrator releases a hold; every placing,
release and deletion is in the custody log with its actor.

Retention: a document's `review_after` date marks when a custodian must look at it again
(keep, narrow, delete); `due_for_review` lists those whose date has come.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.documents.consent import check_removal, take_out_of_view
from archive.documents.media import MediaStore
from archive.errors import N_, NotFound, NotPermitted, ValidationError
from archive.storage import audit, document_keys, queries
from archive.storage.audit import principal_of
from archive.storage.db import database_of
from archive.storage.models import (
    ActSource,
    BriefItem,
    Citation,
    ConflictingAccount,
    Document,
    LegalHold,
    MediaFile,
    Removal,
    utcnow,
)
from archive.storage.sealed_rows import sealed_tables
from archive.storage.unit import unit_of_work
from archive.storage.vault import Vault

log = logging.getLogger(__name__)


def active_holds(session: Session, document_id: int) -> list[LegalHold]:
    return list(
        session.scalars(
            select(LegalHold)
            .where(LegalHold.document_id == document_id, LegalHold.released_at.is_(None))
            .order_by(LegalHold.id)
        )
    )


def holds(session: Session, document_id: int) -> list[LegalHold]:
    """Every hold of a document, placed and released, oldest first."""
    return list(session.scalars(select(LegalHold).where(LegalHold.document_id == document_id).order_by(LegalHold.id)))


def place_hold(session: Session, document: Document, reason: str, actor: Actor, via: str) -> LegalHold:
    """Keep a document from deletion until an administrator releases the hold."""
    if not can(actor, "hold:place", document):
        raise NotPermitted("only custodians can place legal holds")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 2000:
        raise ValidationError(N_("say why (a case number, an order): at most 2000 characters"), field="reason")
    with unit_of_work(session):
        hold = LegalHold(
            document_id=document.id,
            reason=reason.strip(),
            placed_by_id=user_id(actor),
            placed_principal=principal_of(actor),
        )
        session.add(hold)
        session.flush()
        audit.record(session, actor, via, "hold.place", "document", document.id, hold=hold.id)
    return hold


def release_hold(session: Session, hold_id: int, actor: Actor, via: str) -> LegalHold:
    if not can(actor, "hold:release"):
        raise NotPermitted("only administrators can release legal holds")
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound(f"no legal hold {hold_id}")
    if hold.released_at is not None:
        raise ValidationError(N_("was released already"), field="hold")
    with unit_of_work(session):
        hold.released_at = utcnow()
        hold.released_by_id = user_id(actor)
        audit.record(session, actor, via, "hold.release", "document", hold.document_id, hold=hold.id)
    return hold


def set_review_after(session: Session, document: Document, when: date | None, actor: Actor, via: str) -> None:
    """Set (or clear) the date a custodian must look at a document again."""
    if not can(actor, "document:edit", document):
        raise NotPermitted("only custodians can set retention dates")
    if when is not None and not isinstance(when, date):
        raise ValidationError(N_("must be a date"), field="review_after")
    with unit_of_work(session):
        before = document.review_after
        document.review_after = when
        audit.record(
            session, actor, via, "document.retention", "document", document.id,
            review_after={"from": str(before) if before else None, "to": str(when) if when else None},
        )  # fmt: skip


@dataclass(frozen=True)
class Due:
    id: int
    title: str
    review_after: date
    held: bool


def due_for_review(session: Session, actor: Actor, today: date | None = None) -> list[Due]:
    """Documents whose retention date has come, oldest date first (custodians only)."""
    if not can(actor, "retention:read"):
        raise NotPermitted("only custodians see retention reviews")
    today = today or date.today()
    held = select(LegalHold.document_id).where(LegalHold.released_at.is_(None))
    rows = session.execute(
        select(Document.id, Document.title, Document.review_after, Document.id.in_(held))
        .where(Document.review_after.is_not(None), Document.review_after <= today)
        .order_by(Document.review_after, Document.id)
    )
    return [Due(*row) for row in rows]


def delete_document(
    session: Session, document: Document, reason: str, note: str, store: MediaStore, actor: Actor, via: str
) -> Removal:
    """Destroy a document (module docstring) unless a legal hold keeps it; return its
    tombstone. Rows go in one unit of work; files after it commits (a file left by a crash is
    reported by `archive fsck`, and opens nothing once the document's key is gone)."""
    if not can(actor, "document:delete", document):
        raise NotPermitted("only custodians can delete documents")
    check_removal(reason, note)
    _refuse_if_held(session, document.id)
    doc_id = document.id
    own = store.originals(session, doc_id, create=False)  # opened before its key is shredded
    files = [
        ((m.sha256, m.thumbnail_sha256, m.public_sha256, m.public_thumbnail_sha256), m.original_sha256, m.in_vault)
        for m in document.media
    ]
    with unit_of_work(session):
        # the row locked (PostgreSQL) or the database (SQLite, by this first write) before the
        # holds are read again: a hold placed meanwhile is seen, or waits for this to finish
        session.execute(
            update(Document)
            .where(Document.id == doc_id)
            .values(review_after=Document.review_after)
            .execution_options(synchronize_session=False)
        )
        _refuse_if_held(session, doc_id)
        removal = take_out_of_view(session, document, reason, note, actor, "deleted")
        session.execute(delete(Citation).where(Citation.document_id == doc_id))
        session.execute(delete(ConflictingAccount).where(ConflictingAccount.document_id == doc_id))
        # an act resting on this document alone is left with no source: no reader sees it
        session.execute(delete(ActSource).where(ActSource.document_id == doc_id))
        quoted = session.execute(
            update(BriefItem)
            .where(BriefItem.document_id == doc_id)
            .values(document_id=None, text="")
            .execution_options(synchronize_session=False)
        ).rowcount
        # released holds (their history stays in the custody log); an active one would fail the
        # foreign key and the whole deletion with it
        session.execute(delete(LegalHold).where(LegalHold.document_id == doc_id, LegalHold.released_at.is_not(None)))
        document_keys.shred(session, doc_id)
        session.delete(document)
        session.flush()
        audit.record(
            session, actor, via, "document.deleted", "document", doc_id,
            reason=reason, removal=removal.id, sha256=removal.sha256, files=len(files), brief_items=quoted,
        )  # fmt: skip
    _remove_files(session, store, own, files)
    session.commit()  # ends the read transaction the files' checks opened: the purge needs no lock of ours
    database = database_of(session)
    if database is not None:  # no copy of the rows in free pages or the write-ahead log
        database.purge_free_space(
            ("documents", "media", "brief_items", "citations", "act_sources", "document_keys", *sealed_tables())
        )
    log.info("document %s deleted via %s (%s)", doc_id, via, reason)
    return removal


def _refuse_if_held(session: Session, document_id: int) -> None:
    held = active_holds(session, document_id)
    if held:
        raise ValidationError(
            N_(
                "is under legal hold (since %(since)s): nothing was deleted; an administrator "
                "must release the hold first"
            ),
            field="legal_hold",
            params={"since": f"{held[0].placed_at:%Y-%m-%d}"},
        )


def _remove_files(session: Session, store: MediaStore, own: Vault | None, files: list[tuple]) -> None:
    """The document's cleaned files and originals that no other document's media still uses:
    its own sealed originals always (they open with nothing now), an original kept under the
    vault key itself (before documents had keys) only when no other media row names it."""
    for blobs, original, in_vault in files:
        for blob in blobs:
            if blob and not queries.blob_in_use(session, blob):
                store.blobs.delete(blob)
        if in_vault and own is not None and own is not store.vault:
            own.delete(original)
        unused = in_vault and not session.scalar(select(func.count()).where(MediaFile.original_sha256 == original))
        if unused and store.vault is not None:
            store.vault.delete(original)
