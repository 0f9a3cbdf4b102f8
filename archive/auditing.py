"""Reading the audit log: custodians browse and filter it, and anyone allowed checks its hash
chain (storage/audit.py) and its signed heads, and signs its head (storage/anchors.py). Reading
is itself not recorded: the log would grow with every look; signing is."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.errors import NotPermitted, ValidationError
from archive.storage import anchors, audit
from archive.storage.models import AuditHead
from archive.storage.queries import Page
from archive.storage.unit import unit_of_work


def audit_entries(session: Session, actor: Actor, filters: audit.AuditFilters, page: int, per_page: int) -> Page:
    """A page of entries matching the filters, newest first, with their total."""
    _require(actor)
    stmt = audit.filtered(filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), total, page, per_page)


def verify_audit_log(session: Session, actor: Actor) -> audit.ChainReport:
    """Walk the hash chain and report the first entry that does not hold."""
    _require(actor)
    return audit.verify(session)


def anchor_audit_log(
    session: Session, actor: Actor, via: str, key: Ed25519PrivateKey, authority: anchors.Authority | None
) -> AuditHead:
    """Sign the chain's head with the archive's key (and have it time-stamped); recorded."""
    _require(actor)
    report = audit.verify(session)
    if not report.ok:  # a broken chain is reported, never signed over
        raise ValidationError(
            f"the audit log is broken at entry {report.entry_id} ({report.problem}): not signed", field="audit"
        )
    with unit_of_work(session):
        head = anchors.anchor(session, key, authority, audit.principal_of(actor))
        audit.record(
            session, actor, via, "audit.anchor", "audit_head", head.id,
            entry_id=head.entry_id, entry_hash=head.entry_hash, time_stamped=head.tsa_token is not None,
        )  # fmt: skip
    return head


def verify_audit_heads(
    session: Session, actor: Actor, public_key: Ed25519PublicKey, ca_file: str = ""
) -> anchors.HeadsReport:
    """Check every signed head against the chain, the archive's public key and the authority."""
    _require(actor)
    return anchors.verify_heads(session, public_key, ca_file)


def _require(actor: Actor) -> None:
    if not can(actor, "audit:read"):
        raise NotPermitted("only custodians read the audit log")
