"""The audit log: one appended row for every change of state.

Details carry ids, hashes and counts only: a title, a name or an original filename can identify
a witness, and the log is read by more people than the originals are.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.storage.models import AuditEntry, User


def record(
    session: Session,
    actor: User | None,
    via: str,
    action: str,
    object_type: str,
    object_id: int | None,
    **detail,
) -> AuditEntry:
    """Append an audit entry to the session's transaction."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        via=via,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )
    session.add(entry)
    return entry


def entries(session: Session, limit: int = 100) -> Sequence[AuditEntry]:
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).all()
