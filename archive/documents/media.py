"""Attach media to documents: cleaned first, stored content-addressed, originals only vaulted.

Order of work: every file is sanitised in memory before anything is written; only if all pass
are the clean files (and their thumbnails) written, then the rows committed. If the commit
fails, the files this call created are removed again. Originals are never written to disk
unless the vault is configured, and then only encrypted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.errors import MediaRefused, NotFound, NotPermitted
from archive.media import CleanMedia, Limits, pictures, sanitise
from archive.media.thumbnail import make_thumbnail
from archive.storage import audit, document_keys
from archive.storage.blobs import BlobStore
from archive.storage.models import Document, MediaFile
from archive.storage.unit import unit_of_work
from archive.storage.vault import Vault, parse_key

log = logging.getLogger(__name__)


@dataclass
class MediaStore:
    """Where clean media and (optionally) encrypted originals live."""

    blobs: BlobStore
    vault: Vault | None
    limits: Limits

    @classmethod
    def from_config(cls, config: dict) -> MediaStore:
        root = Path(config["MEDIA_DIR"])
        vault = Vault(root / "vault", parse_key(config["VAULT_KEY"])) if config["VAULT_KEY"] else None
        limits = Limits.from_config(config)
        return cls(BlobStore(root / "media"), vault, limits)

    def originals(self, session: Session, document_id: int, create: bool = True) -> Vault | None:
        """Where a document's originals are sealed: the vault folder, under the document's own
        key (storage/document_keys.py: deleting the document makes them unreadable). None
        without a vault key, or (`create` false) for a document that has no key yet; the vault
        key's own vault where the database seals nothing (no document keys there)."""
        if self.vault is None:
            return None
        key = document_keys.raw_key(session, document_id, create)
        if key is not None:
            return Vault(self.vault.root, key, legacy=False)
        return self.vault if create else None

    def original(self, session: Session, media: MediaFile) -> bytes:
        """A media file's sealed original (NotFound when none is kept or it does not open).
        Reading makes no key: an original kept before documents had keys is under the vault
        key itself."""
        if self.vault is None or not media.in_vault:
            raise NotFound("no original is kept for this file")
        own = self.originals(session, media.document_id, create=False)
        if own is not None and own.has(media.original_sha256):
            return own.get(media.original_sha256)
        return self.vault.get(media.original_sha256)


def move_originals_to_document_keys(session: Session, store: MediaStore) -> int:
    """Seal again under its document's own key each original still sealed under the vault key
    itself (kept before documents had keys), in one unit of work (the new documents' keys with
    it); the old sealed files are removed only once it is committed. Return how many moved."""
    if store.vault is None:
        return 0
    written: list[tuple[Vault, str]] = []
    old: set[str] = set()

    def undo() -> None:
        for vault, original in written:
            vault.delete(original)

    with unit_of_work(session, undo=undo):
        for media in session.scalars(select(MediaFile).where(MediaFile.in_vault).order_by(MediaFile.id)).all():
            own = store.originals(session, media.document_id)
            if own is store.vault:
                return 0  # a database that seals nothing has no document keys
            if not own.has(media.original_sha256):
                own.put(media.original_sha256, store.vault.get(media.original_sha256))
                written.append((own, media.original_sha256))
            if store.vault.has(media.original_sha256):  # every row using it has its own copy by the end
                old.add(media.original_sha256)
    for original in old:
        store.vault.delete(original)
    return len(written)


@dataclass
class Upload:
    """A file as received, with a name used only in messages to the uploader."""

    data: bytes
    name: str = "upload"
    disguise_voice: bool = False  # recordings: the public copy's voice shifted, the original sealed


def prepare(uploads: list[Upload], store: MediaStore) -> Batch:
    """Sanitise every upload in memory; raise MediaRefused for the first that fails."""
    if store.vault is None and any(u.disguise_voice for u in uploads):
        raise MediaRefused(
            "cannot have its voice disguised without the vault: the undisguised original would be "
            "lost; run `archive init` (it writes the vault key file) or set ARCHIVE_VAULT_KEY, so that "
            "originals are kept sealed",
            source=next(u.name for u in uploads if u.disguise_voice),
        )
    prepared = [(u, sanitise(u.data, store.limits, u.name, u.disguise_voice)) for u in uploads]
    return Batch(store, prepared, [_look(clean, store.limits) for _upload, clean in prepared])


def _look(clean: CleanMedia, limits: Limits) -> pictures.Seen:
    """Faces and words in a picture (documents/pictures.py decides on them); nothing to look
    for in a recording."""
    if not pictures.is_picture(clean.media_type):
        return pictures.Seen()
    return pictures.look(clean.data, clean.media_type, limits, clean.seconds)


@dataclass
class Batch:
    """Sanitised uploads waiting to be written, and the files written for them so far."""

    store: MediaStore
    prepared: list[tuple[Upload, CleanMedia]]
    seen: list[pictures.Seen]
    created_blobs: list[str] = field(default_factory=list)
    created_vault: list[tuple[Vault, str]] = field(default_factory=list)

    def write(self, session: Session, document: Document, actor: Actor, via: str):
        """Write files and add rows to the session's transaction (the caller commits)."""
        return [
            _store_one(session, document, upload, clean, seen, self, actor, via)
            for (upload, clean), seen in zip(self.prepared, self.seen, strict=True)
        ]

    def undo(self) -> None:
        """Remove the files this batch created (after a failed commit)."""
        for sha256 in self.created_blobs:
            self.store.blobs.delete(sha256)
        for vault, sha256 in self.created_vault:
            vault.delete(sha256)


def attach(session: Session, document: Document, batch: Batch, actor: Actor, via: str) -> list[MediaFile]:
    """Store sanitised files for a document and commit; on failure store nothing."""
    if not can(actor, "document:edit", document):
        raise NotPermitted("only custodians can attach media")
    with unit_of_work(session, undo=batch.undo):
        rows = batch.write(session, document, actor, via)
    for row in rows:
        log.info("media %s attached to document %s sha256=%s", row.id, document.id, row.sha256[:16])
    return rows


def add_media(
    session: Session,
    document: Document,
    uploads: list[Upload],
    store: MediaStore,
    actor: Actor,
    via: str,
) -> list[MediaFile]:
    """Sanitise and attach uploads to an existing document."""
    return attach(session, document, prepare(uploads, store), actor, via)


def read_original(session: Session, media: MediaFile, store: MediaStore, actor: Actor, via: str) -> bytes:
    """Return a vaulted original to a custodian, recording the view in the audit log."""
    if not can(actor, "document:read_original", media.document):
        raise NotPermitted("only custodians can see originals")
    data = store.original(session, media)
    with unit_of_work(session):
        audit.record(
            session, actor, via, "media.original.view", "media", media.id, original_sha256=media.original_sha256
        )
    return data


def _store_one(session, document, upload, clean: CleanMedia, seen: pictures.Seen, batch: Batch, actor, via):
    store = batch.store
    sha256, created = store.blobs.put(clean.data)
    if created:
        batch.created_blobs.append(sha256)
    # a thumbnail of an image, or of a video's poster; none for documents and sound
    picture = {"image": clean.data, "video": clean.poster}.get(clean.media_type.family)
    thumb_sha = None
    if picture is not None:
        thumbnail = make_thumbnail(picture)
        thumb_sha, created = store.blobs.put(thumbnail[0])
        if created:
            batch.created_blobs.append(thumb_sha)
    in_vault = False
    vault = store.originals(session, document.id)
    if vault is not None:
        if not vault.has(clean.original_sha256):
            vault.put(clean.original_sha256, upload.data)
            batch.created_vault.append((vault, clean.original_sha256))
        in_vault = True
    row = MediaFile(
        document_id=document.id,
        sha256=sha256,
        original_sha256=clean.original_sha256,
        kind=clean.media_type.kind,
        mime=clean.media_type.mime,
        ext=clean.media_type.ext,
        size=len(clean.data),
        width=clean.width,
        height=clean.height,
        frames=clean.frames,
        seconds=clean.seconds,
        voice_disguised=upload.disguise_voice,
        thumbnail_sha256=thumb_sha,
        in_vault=in_vault,
        report=clean.report.to_dict(),
        created_by_id=user_id(actor),
        # readers get nothing of a picture showing a face or text until a custodian decides
        picture_state="undecided" if seen.undecided else "clear",
        regions=seen.regions,
        words=pictures.stored(seen.pages) if seen.pages else None,
        picture_notes=seen.notes,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        via,
        "media.attach",
        "media",
        row.id,
        document_id=document.id,
        sha256=sha256,
        original_sha256=clean.original_sha256,
        picture=row.picture_state,
        faces=sum(r["source"] == "face" for r in seen.regions),
        words=sum(len(p.words) for p in seen.pages),
    )
    return row
