"""Consent as a record, and its withdrawal.

A testimony's consent is more than the audience it is shown to: who gave it, when, for which
uses (publication, research, media, legal proceedings), on which conditions, obtained by whom,
and where the proof is kept. Each change is a new record (the newest is in force), audited with
what it allows; names and conditions are sealed at rest (storage/sealing.py).

Threat: material shown beyond what its witness agreed to, or kept public after they withdrew.
The record in force caps the audience: without "publication" a document cannot be public,
without "research" or "publication" it stays with custodians, and without "media" its files
are shown to custodians only. A narrower record takes effect at once, in its own transaction.

Withdrawal takes every public copy away at once, in one unit of work: the document goes back to
custodians as a draft, its review is cleared (so the index drops it and merges its words out of
the index files), a revision waiting for review is set aside; pages, the API, search,
timeline citations and excerpts, brief quotes and exports all read through the same audience
check, so they follow in the same commit. Readers who saw it get a tombstone saying when and
why, in words from a fixed list; the custodian's note is sealed. A withdrawn consent blocks any
widening until a new consent is recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.errors import N_, NotPermitted, ValidationError
from archive.storage import audit
from archive.storage.audit import principal_of
from archive.storage.models import (
    CONSENT_LEVELS,
    CONSENT_USES,
    REMOVAL_REASONS,
    ConsentRecord,
    Document,
    DocumentRevision,
    Removal,
    utcnow,
)
from archive.storage.unit import unit_of_work

log = logging.getLogger(__name__)
_LONGEST = {"given_by": 300, "obtained_by": 300, "conditions": 4000, "evidence": 2000}
# Why a document cannot be shown as widely as asked, by (audience asked, widest allowed or
# "withdrawn"): whole sentences, so that a translation names each audience in its own words
# rather than a stored code. The two after it word any pair the table lacks.
_TOO_WIDE = {
    ("public", "researchers"): N_("cannot be shown to public: its consent allows researchers at the widest"),
    ("public", "custodians"): N_("cannot be shown to public: its consent allows custodians at the widest"),
    ("researchers", "custodians"): N_("cannot be shown to researchers: its consent allows custodians at the widest"),
    ("public", "withdrawn"): N_("cannot be shown to public: its consent was withdrawn"),
    ("researchers", "withdrawn"): N_("cannot be shown to researchers: its consent was withdrawn"),
}
_TOO_WIDE_ANY = N_("cannot be shown to %(asked)s: its consent allows %(allowed)s at the widest")
_WITHDRAWN_ANY = N_("cannot be shown to %(asked)s: its consent was withdrawn")


@dataclass(frozen=True)
class ConsentGiven:
    """What a custodian records of a person's consent."""

    given_by: str  # who gave it: the witness, a guardian, "the interviewee" (may be a name)
    given_on: date
    uses: tuple[str, ...]
    obtained_by: str  # who obtained it (a field worker, an interviewer)
    conditions: str = ""  # "no photographs", "not before 2019", "only with the face blurred"
    evidence: str = ""  # where the proof is kept: "signed form, safe B, folder 17"
    problems: dict = field(default_factory=dict, compare=False)

    def checked(self) -> ConsentGiven:
        """Itself, or ValidationError naming the first field that cannot be kept."""
        for name, longest in _LONGEST.items():
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ValidationError(N_("must be text"), field=name)
            if len(value) > longest:
                raise ValidationError(N_("must be at most %(limit)s characters"), field=name, params={"limit": longest})
        if not self.given_by.strip():
            raise ValidationError(N_("say who gave the consent (a role is enough: 'the witness')"), field="given_by")
        if not self.obtained_by.strip():
            raise ValidationError(N_("say who obtained the consent"), field="obtained_by")
        unknown = [u for u in self.uses if u not in CONSENT_USES]
        if unknown:
            raise ValidationError(
                N_("%(value)r is not one of %(allowed)s"),
                field="uses",
                params={"value": unknown[0], "allowed": ", ".join(CONSENT_USES)},
            )
        if not isinstance(self.given_on, date) or self.given_on > date.today():
            raise ValidationError(N_("must be a date, not in the future"), field="given_on")
        return self


def in_force(document: Document) -> ConsentRecord | None:
    """The consent record in force: the newest one (None when none was recorded, as for a news
    article or an official statement, which need none)."""
    return document.consent_records[-1] if document.consent_records else None


def widest_allowed(document: Document) -> str:
    """The widest audience the consent in force allows."""
    record = in_force(document)
    if record is None:
        return CONSENT_LEVELS[0]
    if record.withdrawn_at is not None:
        return "custodians"
    if "publication" in record.uses:
        return "public"
    return "researchers" if "research" in record.uses else "custodians"


def require_allowed(document: Document, source_name: str, consent: str | None = None) -> None:
    """Refuse a document shown wider than its consent allows (an edit, waiting or applied; a
    review of a waiting revision); `consent` is the audience asked for, by default the row's."""
    asked = consent or document.consent
    allowed = widest_allowed(document)
    if CONSENT_LEVELS.index(asked) < CONSENT_LEVELS.index(allowed):
        record = in_force(document)
        withdrawn = record.withdrawn_at is not None
        template = _TOO_WIDE.get((asked, "withdrawn" if withdrawn else allowed)) or (
            _WITHDRAWN_ANY if withdrawn else _TOO_WIDE_ANY
        )
        raise ValidationError(
            template, field="consent", source=source_name, params={"asked": asked, "allowed": allowed}
        )


def record_consent(session: Session, document: Document, given: ConsentGiven, actor: Actor, via: str) -> ConsentRecord:
    """Record a person's consent for a document as the one in force; narrow the document's
    audience at once if it allows less than the document is shown to."""
    if not can(actor, "consent:record", document):
        raise NotPermitted("only custodians can record consent")
    given = given.checked()
    with unit_of_work(session):
        record = ConsentRecord(
            document_id=document.id,
            given_by=given.given_by.strip(),
            given_on=given.given_on,
            uses=[u for u in CONSENT_USES if u in given.uses],
            conditions=given.conditions.strip(),
            obtained_by=given.obtained_by.strip(),
            evidence=given.evidence.strip(),
            recorded_by_id=user_id(actor),
            principal=principal_of(actor),
        )
        session.add(record)
        session.flush()
        session.refresh(document, ["consent_records"])
        before = document.consent
        allowed = widest_allowed(document)
        if CONSENT_LEVELS.index(before) < CONSENT_LEVELS.index(allowed):
            document.consent = allowed
        audit.record(
            session, actor, via, "consent.record", "document", document.id,
            record=record.id, uses=record.uses, conditions=bool(record.conditions), evidence=bool(record.evidence),
            **({"consent": {"from": before, "to": document.consent}} if before != document.consent else {}),
        )  # fmt: skip
    log.info("consent recorded for document %s via %s", document.id, via)
    return record


def withdraw(
    session: Session, document: Document, reason: str, note: str, actor: Actor, via: str, kind: str = "withdrawn"
) -> Removal:
    """Take every public copy of a document away at once and leave a tombstone (module
    docstring). The consent in force, if any, is marked withdrawn."""
    if not can(actor, "document:withdraw", document):
        raise NotPermitted("only custodians can withdraw documents")
    check_removal(reason, note)
    with unit_of_work(session):
        removal = take_out_of_view(session, document, reason, note, actor, kind)
        record = in_force(document)
        if record is not None and record.withdrawn_at is None:
            record.withdrawn_at = removal.at
        audit.record(
            session, actor, via, "document.withdrawn", "document", document.id,
            reason=reason, removal=removal.id, audience={"from": removal.audience, "to": "custodians"},
            consent_record=record.id if record is not None else None,
        )  # fmt: skip
    log.info("document %s withdrawn via %s (%s)", document.id, via, reason)
    return removal


def check_removal(reason: str, note: str) -> None:
    if reason not in REMOVAL_REASONS:
        raise ValidationError(
            N_("must be one of %(allowed)s"), field="reason", params={"allowed": ", ".join(REMOVAL_REASONS)}
        )
    if not isinstance(note, str) or len(note) > 4000:
        raise ValidationError(N_("must be text of at most %(limit)s characters"), field="note", params={"limit": 4000})


def take_out_of_view(session: Session, document: Document, reason: str, note: str, by: Actor, kind: str) -> Removal:
    """Within the caller's unit of work: the document to custodians only, as an unreviewed
    draft, out of the index (its words merged out of the files), a waiting revision set
    aside; a tombstone for those who saw it. No commit."""
    was_public = document.status == "published" and document.redaction_reviewed_at is not None
    audience = document.consent if was_public else "custodians"
    earlier = tombstone(session, document.id, CONSENT_LEVELS)
    if earlier is not None and CONSENT_LEVELS.index(earlier.audience) < CONSENT_LEVELS.index(audience):
        audience = earlier.audience  # withdrawn before, deleted now: those who saw it are still told
    removal = Removal(
        document_id=document.id,
        kind=kind,
        reason=reason,
        note=note.strip(),
        audience=audience,
        sha256=document.sha256,
        by_id=user_id(by),
        principal=principal_of(by),
        at=utcnow(),
    )
    session.add(removal)
    document.consent = "custodians"
    document.status = "draft"
    document.redaction_reviewed_at = None  # the index keeps reviewed documents only
    document.redaction_reviewed_by_id = None
    session.execute(
        update(DocumentRevision)
        .where(DocumentRevision.document_id == document.id, DocumentRevision.state == "pending")
        .values(state="superseded")
        .execution_options(synchronize_session=False)
    )
    session.info["purge"] = True  # the index merges its segments: the words leave the files
    session.flush()
    return removal


def tombstone(session: Session, document_id: int, audience_consents: tuple[str, ...]) -> Removal | None:
    """The newest tombstone of a document that a reader of this audience saw before it was
    removed; None when there is none or they never could see it (then it is simply not found)."""
    removal = session.scalars(
        select(Removal).where(Removal.document_id == document_id).order_by(Removal.id.desc()).limit(1)
    ).first()
    if removal is None or removal.audience not in audience_consents:
        return None
    return removal


def view_consent(session: Session, document: Document, actor: Actor, via: str) -> list[ConsentRecord]:
    """Every consent record of a document, oldest first, for a custodian: they name people,
    so each view is recorded in the custody log (and committed) before they are shown."""
    if not can(actor, "consent:record", document):
        raise NotPermitted("only custodians can see consent records")
    with unit_of_work(session):
        audit.record(session, actor, via, "consent.view", "document", document.id)
    return list(document.consent_records)


def removals(session: Session, document_id: int) -> list[Removal]:
    """A document's tombstones, oldest first (custodians' page)."""
    return list(session.scalars(select(Removal).where(Removal.document_id == document_id).order_by(Removal.id)))
