"""Reading the audit log: custodians browse and filter it, and anyone allowed checks its hash
chain (storage/audit.py). Reading is itself not recorded: the log would grow with every look."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.errors import NotPermitted
from archive.storage import audit
from archive.storage.queries import Page


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


def _require(actor: Actor) -> None:
    if not can(actor, "audit:read"):
        raise NotPermitted("only custodians read the audit log")
