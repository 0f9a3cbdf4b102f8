"""The audit log: one appended row for every change of state, chained by hashes.

Details carry ids, hashes and counts only: a title, a name or an original filename can identify
a witness, and the log is read by more people than the originals are.

Threat: someone with access to the database editing, deleting or reordering entries to hide
what was done. Each entry carries the SHA-256 of the one before and a SHA-256 over its own
fields and that link (the hash chain of Certificate Transparency and of Git, without the
tree), so `verify` finds the first entry that no longer fits and says how. Cutting entries
off the end leaves a shorter, valid chain: the head printed by `archive audit verify` is the
anchor to keep elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select, text
from sqlalchemy.orm import Session

from archive.storage.models import AuditEntry, User

GENESIS = "0" * 64  # the link of the first entry
ANONYMOUS = "anonymous"  # the principal of a reader who has not signed in
# PostgreSQL hands out ids before commit: writers take turns at the head of the chain
_PG_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(7261001)")


def principal_of(actor) -> str:
    """Who an actor is, as the custody log names it: a user name, system:<os user>, anonymous."""
    return actor.principal if actor is not None else ANONYMOUS


def record(
    session: Session,
    actor,
    via: str,
    action: str,
    object_type: str,
    object_id: int | None,
    **detail,
) -> AuditEntry:
    """Append an audit entry, linked to the one before, to the session's transaction.

    `actor` is a User, a system actor (anything with a `principal`) or None (anonymous): the
    entry names it either way; `via` only says where the call came from."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_CHAIN_LOCK)
    entry = AuditEntry(
        actor_id=actor.id if isinstance(actor, User) else None,
        principal=principal_of(actor),
        via=via,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )
    session.add(entry)
    # From the flush on, this transaction holds the write lock (SQLite) or the chain lock
    # (PostgreSQL) until it commits: no other entry can come between the head and this one.
    session.flush()
    head = session.scalar(
        select(AuditEntry.entry_hash).where(AuditEntry.id < entry.id).order_by(AuditEntry.id.desc()).limit(1)
    )
    entry.prev_hash = head or GENESIS
    entry.entry_hash = entry_hash(entry)
    return entry


def entry_hash(entry) -> str:
    """SHA-256 over the entry's fields and the hash of the entry before it (an AuditEntry, or
    a row of the same columns)."""
    canonical = json.dumps(hashed_fields(entry), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def hashed_fields(entry) -> dict:
    """The fields an entry's hash covers, as they are hashed (an evidence package carries them
    so: evidence/export.py)."""
    fields = {
        "id": entry.id,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "via": entry.via,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail or {},
        "prev_hash": entry.prev_hash,
    }
    if entry.principal:  # entries written before principals were recorded have none
        fields["principal"] = entry.principal
    return fields


_CHAIN_COLUMNS = (AuditEntry.id, AuditEntry.at, AuditEntry.actor_id, AuditEntry.principal,
                  AuditEntry.via, AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id,
                  AuditEntry.detail, AuditEntry.prev_hash, AuditEntry.entry_hash)  # fmt: skip


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str  # the last entry's hash: keep it elsewhere to detect a cut-off tail
    problem: str = ""  # empty when the chain holds
    entry_id: int | None = None  # where it first fails

    @property
    def ok(self) -> bool:
        return not self.problem


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in id order; report the first entry that was edited, or follows a gap
    (entries deleted) or the wrong entry (entries reordered)."""
    previous_hash, previous_id, checked, last = GENESIS, None, 0, None
    while True:
        stmt = select(*_CHAIN_COLUMNS).order_by(AuditEntry.id).limit(batch)
        if last is not None:
            stmt = stmt.where(AuditEntry.id > last)
        rows = session.execute(stmt).all()  # rows, not objects: nothing piles up in the session
        if not rows:
            return ChainReport(checked, previous_hash)
        for entry in rows:
            if entry.prev_hash != previous_hash:
                known = session.scalar(select(AuditEntry.id).where(AuditEntry.entry_hash == entry.prev_hash))
                problem = (
                    f"out of order: it follows entry {known}, not entry {previous_id}"
                    if known is not None
                    else f"follows an entry that is gone: deleted after entry {previous_id}"
                    if previous_id is not None
                    else "follows an entry that is gone: deleted at the start of the log"
                )
                return ChainReport(checked, previous_hash, problem, entry.id)
            if entry_hash(entry) != entry.entry_hash:
                return ChainReport(checked, previous_hash, "edited: its fields do not match its hash", entry.id)
            previous_hash, previous_id, checked = entry.entry_hash, entry.id, checked + 1
        last = rows[-1].id


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""  # a prefix: "brief." matches every brief action
    actor: str = ""  # a user name, or a principal (system:<os user>, anonymous)
    object_type: str = ""
    object_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def filtered(filters: AuditFilters) -> Select:
    """Entries matching the filters, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if filters.action:
        stmt = stmt.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.actor:
        stmt = stmt.outerjoin(User, AuditEntry.actor_id == User.id).where(
            or_(User.username == filters.actor, AuditEntry.principal == filters.actor)
        )
    if filters.object_type:
        stmt = stmt.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == filters.object_id)
    if filters.since:
        stmt = stmt.where(AuditEntry.at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEntry.at < filters.until)
    return stmt
