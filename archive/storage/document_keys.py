"""Each document's own data key: what makes deleting a document final (crypto-shredding).

A document's revisions (the exact bytes received, every submission) and its vaulted originals
are sealed under a random 256-bit key of its own; that key is kept in `document_keys`, sealed
under the vault key and bound to the document's id. Deleting a document overwrites and
deletes its key row: any copy of its sealed values or originals left behind (a snapshot of the
vault folder, a disk's free blocks, a file whose removal failed) no longer opens, with or
without the vault key. Rotating the vault key re-seals only these keys, not the data.

An archive without a vault key (a development checkout) has no document keys: its values
stay plain, as storage/sealing.py describes.
"""

from __future__ import annotations

import os

from sqlalchemy import update
from sqlalchemy.orm import Session

from archive.storage.db import sealer_of
from archive.storage.models import DocumentKey
from archive.storage.sealing import Sealer, key_id_of

_CACHE = "archive.document_keys"  # session.info: document id -> opened key


def context(document_id: int) -> str:
    """What a document key is authenticated with: its row."""
    return f"document_keys:{document_id}:key"


def raw_key(session: Session, document_id: int, create: bool = True) -> bytes | None:
    """The document's key, made (in the session's transaction) if it has none and `create`;
    None in an archive without a vault key, or when it has none and may not make one.
    NotFound if its sealed key does not open."""
    vault = sealer_of(session)
    if not vault.active:
        return None
    cache = session.info.setdefault(_CACHE, {})
    if (vault.key_id, document_id) in cache:  # opened under this vault key, in this session
        return cache[vault.key_id, document_id]
    row = session.get(DocumentKey, document_id)
    if row is None:
        if not create:
            return None
        key = os.urandom(32)
        session.add(DocumentKey(document_id=document_id, key=vault.seal(key, context(document_id))))
        session.flush()
    else:
        key = vault.open(row.key, context(document_id))
    cache[vault.key_id, document_id] = key
    return key


def sealer(session: Session, document_id: int) -> Sealer:
    """The sealer of a document's own values (the plain one without a vault key)."""
    key = raw_key(session, document_id)
    return Sealer(key) if key is not None else sealer_of(session)


def opener(session: Session, document_id: int, stored: bytes) -> Sealer:
    """The sealer that opens `stored`: the document's, or the vault key's own for a value
    sealed before documents had keys."""
    vault = sealer_of(session)
    if not vault.active or key_id_of(stored) in (None, vault.key_id):
        return vault
    key = raw_key(session, document_id, create=False)  # reading never makes a key
    return Sealer(key) if key is not None else vault


def shred(session: Session, document_id: int) -> None:
    """Destroy a document's key, in the session's transaction: overwritten first, so that the
    deleted row's bytes in the database's free space are not the key."""
    cache = session.info.get(_CACHE, {})
    for entry in [entry for entry in cache if entry[1] == document_id]:
        del cache[entry]
    table = DocumentKey.__table__
    session.execute(update(table).where(table.c.document_id == document_id).values(key=bytes(64)))
    session.execute(table.delete().where(table.c.document_id == document_id))


def forget(session: Session) -> None:
    """Drop the keys opened in this session (after a rollback, or when the vault key changes)."""
    session.info.pop(_CACHE, None)
