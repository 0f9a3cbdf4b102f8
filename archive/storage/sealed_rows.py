"""The database values sealed under the vault key (storage/sealing.py), in one list: what
`archive vault rotate` seals again under a new key and what `archive fsck` opens.

Each entry names a table's model and its sealed columns; a row's `seal_context(column)` is
what its values are authenticated with. A value kept plain (an archive that had no key yet)
is sealed by the next rotation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.errors import NotFound
from archive.storage.models import Document, DocumentRevision
from archive.storage.sealing import Sealer

SEALED_COLUMNS = ((DocumentRevision, ("received", "content")),)


def _values(session: Session) -> Iterator[tuple[object, str, bytes]]:
    for model, columns in SEALED_COLUMNS:
        for row in session.scalars(select(model).order_by(model.id)).yield_per(500):
            for column in columns:
                value = getattr(row, column)
                if value is not None:
                    yield row, column, bytes(value)


def reseal(session: Session, old: Sealer, new: Sealer) -> int:
    """Open every sealed value with `old` and seal it with `new`, in the session's transaction
    (no commit); return how many. NotFound (naming the row) if one does not open."""
    count = 0
    for row, column, value in _values(session):
        context = row.seal_context(column)
        setattr(row, column, new.seal(old.open(value, context), context))
        count += 1
    return count


def check_sealed(session: Session, sealer: Sealer) -> tuple[int, list[str]]:
    """Open every sealed value and check the received bytes against their custody hashes;
    return (values opened, problems). Problems name rows, never content."""
    opened, problems = 0, []
    custody = dict(session.execute(select(Document.id, Document.sha256)).all())
    for row, column, value in _values(session):
        where = f"revision {row.number} of document {row.document_id}: {column}"
        try:
            data = sealer.open(value, row.seal_context(column))
        except NotFound as exc:
            problems.append(f"{where} {str(exc).split(': ', 1)[-1]}")
            continue
        opened += 1
        if column == "received" and hashlib.sha256(data).hexdigest() != row.received_sha256:
            problems.append(f"{where} does not hash to its recorded SHA-256")
        if column == "received" and row.number == 1 and row.received_sha256 != custody.get(row.document_id):
            problems.append(f"{where} is not what the custody hash of the document names")
    return opened, problems
