"""Every stored file checked against the hash it is kept under: `archive fsck`.

Threat: a disk, a copy or a restore that silently changed or lost a clean file, a thumbnail or
a sealed original. Each clean file and thumbnail is read and hashed again (the name it is
stored under is its SHA-256); each sealed original is opened (AES-GCM: a changed byte fails)
and its plaintext hashed against the custody SHA-256 recorded when it came in. Files in the
media folder that no row refers to are listed too. Nothing is written; no content is shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.errors import NotFound
from archive.storage.blobs import BlobStore, is_sha256
from archive.storage.models import MediaFile


@dataclass
class FsckReport:
    files: int = 0  # clean files and thumbnails read
    originals: int = 0  # sealed originals opened
    problems: list[str] = field(default_factory=list)  # "media 12: …", never content
    unreferenced: list[str] = field(default_factory=list)  # blob names no row refers to

    @property
    def ok(self) -> bool:
        return not self.problems


def check_files(session: Session, blobs: BlobStore, original: Callable[[MediaFile], bytes] | None) -> FsckReport:
    """Re-hash every stored file and open every sealed original (`original` opens a media
    file's, under its document's key; None without a vault key)."""
    report = FsckReport()
    referenced: set[str] = set()
    for media in session.scalars(select(MediaFile).order_by(MediaFile.id)):
        for what, sha256 in (
            ("file", media.sha256),
            ("thumbnail", media.thumbnail_sha256),
            ("public copy", media.public_sha256),
            ("public copy's thumbnail", media.public_thumbnail_sha256),
        ):
            if sha256 is None:
                continue
            referenced.add(sha256)
            report.files += 1
            problem = _blob_problem(blobs, sha256)
            if problem:
                report.problems.append(f"media {media.id}: {what} {problem}")
        if media.in_vault:
            report.originals += 1
            problem = _original_problem(original, media)
            if problem:
                report.problems.append(f"media {media.id}: sealed original {problem}")
    if blobs.root.is_dir():
        stored = {p.name for p in blobs.root.rglob("*") if p.is_file() and is_sha256(p.name)}
        report.unreferenced = sorted(stored - referenced)
    return report


def _blob_problem(blobs: BlobStore, sha256: str) -> str | None:
    try:
        data = blobs.get(sha256)
    except FileNotFoundError:
        return "is missing"
    if hashlib.sha256(data).hexdigest() != sha256:
        return "does not hash to its name (changed on disk)"
    return None


def _original_problem(original: Callable[[MediaFile], bytes] | None, media: MediaFile) -> str | None:
    if original is None:
        return "cannot be checked: no vault key"
    original_sha256 = media.original_sha256
    try:
        data = original(media)
    except NotFound as exc:
        if "truncated" in str(exc):
            return "is truncated"
        if "integrity" in str(exc):
            return "fails its integrity check (changed on disk, or sealed under another key)"
        return "is missing from the vault"
    if hashlib.sha256(data).hexdigest() != original_sha256:
        return "does not hash to its custody SHA-256"
    return None
