"""The database values sealed under the vault key (storage/sealing.py), found in one place: what
`archive init` seals once a key exists, what `archive vault rotate` seals again under a new
key, what `archive fsck` opens, and what a bundle carries as it is stored.

Three kinds: the columns declared SealedText/SealedJSON (original texts and fields, protected
names, redaction decisions, consent records, holds and tombstones' notes), authenticated with
their table and column; each document's own key (storage/document_keys.py), authenticated
with its row; and a revision's received bytes and content (LargeBinary), authenticated with
the row they belong to and sealed under its document's key (or, written before documents
had keys, under the vault key itself).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import Column, Table, select, type_coerce, update
from sqlalchemy.orm import Session

from archive.errors import NotFound
from archive.storage import document_keys
from archive.storage.models import Base, Document, DocumentKey, DocumentRevision
from archive.storage.sealing import (
    Sealer,
    Stored,
    is_sealed,
    is_sealed_text,
    key_id_of,
    open_text,
    plain_text,
    seal_text,
    sealed_type,
)

REVISION_COLUMNS = ("received", "content")
_BATCH = 500


def sealed_columns() -> list[tuple[Table, Column]]:
    """Every (table, column) declared sealed in the models."""
    return [
        (table, column) for table in Base.metadata.sorted_tables for column in table.columns if sealed_type(column.type)
    ]


def sealed_tables() -> tuple[str, ...]:
    """The tables holding sealed values."""
    names = [t.name for t, _c in sealed_columns()] + [DocumentRevision.__tablename__, DocumentKey.__tablename__]
    return tuple(dict.fromkeys(names))


def _keys(session: Session) -> list[tuple[int, bytes]]:
    table = DocumentKey.__table__
    return [(row[0], bytes(row[1])) for row in session.execute(select(table.c.document_id, table.c.key))]


def _document_sealers(session: Session, sealer: Sealer, problems: list[str] | None = None) -> dict[int, Sealer]:
    """Each document's sealer, its key opened with the vault key's `sealer`."""
    found = {}
    for document_id, stored in _keys(session):
        try:
            found[document_id] = Sealer(sealer.open(stored, document_keys.context(document_id)))
        except NotFound as exc:
            if problems is not None:
                problems.append(f"key of document {document_id} {str(exc).split(': ', 1)[-1]}")
    return found


def _for(value: bytes, sealer: Sealer, documents: dict[int, Sealer], document_id: int) -> Sealer:
    """Which sealer opens a revision's value: the vault key's (plain, or sealed before
    documents had keys) or its document's."""
    if key_id_of(value) in (None, sealer.key_id):
        return sealer
    return documents.get(document_id, sealer)


def raw(column: Column):
    """The column as stored, without opening it (for bundles and the commands below)."""
    return type_coerce(column, column.type.impl_instance).label(column.name)


def _stored(session: Session, table: Table, column: Column) -> Iterator[tuple[int, object]]:
    key = table.c.id
    rows = session.execute(select(key, raw(column)).where(column.is_not(None)).order_by(key))
    yield from rows.yield_per(_BATCH)


def _revisions(session: Session) -> Iterator[tuple[object, str, bytes]]:
    """(row, column, stored bytes) of every revision's sealed values: the rows hold only what
    a check needs (no other column is opened while keys change)."""
    table = DocumentRevision.__table__
    columns = (table.c.id, table.c.document_id, table.c.number, table.c.received_sha256)
    for column in REVISION_COLUMNS:
        rows = session.execute(
            select(*columns, table.c[column]).where(table.c[column].is_not(None)).order_by(table.c.id)
        )
        for row in rows.all():
            yield _Revision(row.id, row.document_id, row.number, row.received_sha256), column, bytes(row[4])


class _Revision(NamedTuple):
    id: int
    document_id: int
    number: int
    received_sha256: str

    def seal_context(self, name: str) -> str:
        return DocumentRevision.seal_context(self, name)


def _write_revision(session: Session, row, column: str, value: bytes) -> None:
    table = DocumentRevision.__table__
    session.execute(update(table).where(table.c.id == row.id).values({column: value}))


def seal_plain(session: Session, sealer: Sealer) -> int:
    """Seal every value still kept plain (written before the archive had a key), in the
    session's transaction; return how many."""
    count = 0
    for table, column in sealed_columns():
        context = column.type.context
        changes = [(key, value) for key, value in _stored(session, table, column) if not is_sealed_text(value)]
        for key, value in changes:
            text = plain_text(column.type, value)
            _write(session, table, column, key, seal_text(sealer, text, context))
        count += len(changes)
    for row, column, value in list(_revisions(session)):
        if not is_sealed(value):
            context = row.seal_context(column)
            _write_revision(session, row, column, sealer.seal(sealer.open(value, context), context))
            count += 1
    session.flush()
    return count


def reseal(session: Session, old: Sealer, new: Sealer) -> int:
    """Open every sealed value with `old` and seal it with `new` (plain ones too), in the
    session's transaction (no commit); return how many. NotFound (naming the value) if one
    does not open."""
    count = 0
    for row, column, value in list(_revisions(session)):
        if key_id_of(value) not in (None, old.key_id):
            continue  # sealed under its document's key, which is sealed again below
        context = row.seal_context(column)
        _write_revision(session, row, column, new.seal(old.open(value, context), context))
        count += 1
    table = DocumentKey.__table__
    for document_id, stored in _keys(session):
        context = document_keys.context(document_id)
        resealed = new.seal(old.open(stored, context), context)
        session.execute(update(table).where(table.c.document_id == document_id).values(key=resealed))
        count += 1
    session.flush()
    for table, column in sealed_columns():
        context = column.type.context
        for key, value in list(_stored(session, table, column)):
            text = open_text(old, value, context) if is_sealed_text(value) else plain_text(column.type, value)
            _write(session, table, column, key, seal_text(new, text, context))
            count += 1
    return count


def check_sealed(session: Session, sealer: Sealer) -> tuple[int, list[str]]:
    """Open every sealed value and check each revision's received bytes against its recorded
    SHA-256 (revision 1's against the custody hash); return (values opened, problems).
    Problems name rows and columns, never content."""
    opened, problems = 0, []
    for table, column in sealed_columns():
        for key, value in _stored(session, table, column):
            if not is_sealed_text(value):  # expected in an archive without a key, not with one
                if sealer.active:
                    problems.append(f"{table.name} {key}: {column.name} is kept plain (run `archive init`)")
                continue
            try:
                open_text(sealer, value, column.type.context)
            except NotFound as exc:
                problems.append(f"{table.name} {key}: {column.name} {str(exc).split(': ', 1)[-1]}")
                continue
            opened += 1
    custody = dict(session.execute(select(Document.id, Document.sha256)).all())
    documents = _document_sealers(session, sealer, problems)
    opened += len(documents)
    for row, column, value in _revisions(session):
        where = f"revision {row.number} of document {row.document_id}: {column}"
        try:
            data = _for(value, sealer, documents, row.document_id).open(value, row.seal_context(column))
        except NotFound as exc:
            problems.append(f"{where} {str(exc).split(': ', 1)[-1]}")
            continue
        opened += 1
        if column == "received" and hashlib.sha256(data).hexdigest() != row.received_sha256:
            problems.append(f"{where} does not hash to its recorded SHA-256")
        if column == "received" and row.number == 1 and row.received_sha256 != custody.get(row.document_id):
            problems.append(f"{where} is not what the custody hash of the document names")
    return opened, problems


def _write(session: Session, table: Table, column: Column, key: int, stored: str) -> None:
    session.execute(update(table).where(table.c.id == key).values({column.name: Stored(stored)}))


def answers_to(session: Session, sealer: Sealer) -> bool:
    """Whether the database's sealed values are sealed under `sealer`'s key (a rotation that
    committed): judged by a document key, or else by any value sealed in place."""
    stored = session.scalar(select(DocumentKey.__table__.c.key).limit(1))
    if stored is not None:
        return key_id_of(bytes(stored)) == sealer.key_id
    for table, column in sealed_columns():
        for _key, value in _stored(session, table, column):
            if is_sealed_text(value):
                try:
                    open_text(sealer, value, column.type.context)
                except NotFound:
                    return False
                return True
    return False


def move_to_document_keys(session: Session, sealer: Sealer) -> int:
    """Seal again, under their document's own key, the revision values still sealed under the
    vault key itself (written before documents had keys) or kept plain, so that deleting the
    document shreds them too; in the session's transaction; return how many."""
    moved = 0
    for row, column, value in list(_revisions(session)):
        if key_id_of(value) not in (None, sealer.key_id):
            continue  # already under its document's key
        context = row.seal_context(column)
        own = document_keys.sealer(session, row.document_id)
        _write_revision(session, row, column, own.seal(sealer.open(value, context), context))
        moved += 1
    session.flush()
    return moved
