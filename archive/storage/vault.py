"""Originals kept encrypted at rest, under the vault key (`archive init` creates one).

Threat: a stolen disk or backup exposing the original uploads with their metadata (GPS, serial
numbers, names). Each original is sealed with AES-256-GCM (authenticated: a changed byte fails
to open) under the vault key, with the original's SHA-256 as associated data so that a file
cannot be swapped for another. Sealed files are named by a keyed hash of the original's
SHA-256, not the SHA-256 itself: someone holding a copy of an original (a seized phone) cannot
learn from the folder's listing that the archive has it. The key lives in ARCHIVE_VAULT_KEY or
in its own file (mode 0600), never in the database or beside the sealed files in a bundle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from archive.errors import ConfigError, NotFound
from archive.storage.blobs import is_sha256, private_folder, write_atomically

_NONCE = 12


def parse_key(text: str) -> bytes:
    """Return the 32-byte key from its URL-safe base64 form, or raise ConfigError."""
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("ARCHIVE_VAULT_KEY must be URL-safe base64") from exc
    if len(key) != 32:
        raise ConfigError(
            'ARCHIVE_VAULT_KEY must encode 32 bytes: python3 -c "import base64, os; '
            'print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
        )
    return key


def new_key() -> str:
    """A fresh vault key, as URL-safe base64 of 32 random bytes."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def create_key_file(path: Path) -> bool:
    """Write a fresh key to `path` (folder 0700, file 0600) unless it exists; True if written."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(new_key() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return True


class Vault:
    """Encrypted originals, one file per original, named by a keyed hash of its SHA-256."""

    def __init__(self, root: Path, key: bytes, legacy: bool = True):
        """`legacy`: also read originals kept under the plain SHA-256 (the vault key's own
        vault, before keyed names); a document's vault (storage/document_keys.py) has none."""
        self.root = Path(root)
        self.legacy = legacy
        self._aead = AESGCM(key)
        self._names = hmac.new(key, b"witness-archive vault file names", hashlib.sha256).digest()

    def put(self, original_sha256: str, data: bytes) -> None:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, data, original_sha256.encode())
        write_atomically(self._path(original_sha256), sealed)

    def get(self, original_sha256: str) -> bytes:
        try:
            sealed = self._existing(original_sha256).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound("the original is not in the vault") from exc
        if len(sealed) < _NONCE + 16:  # nonce and authentication tag at the least
            raise NotFound("the vaulted original is truncated")
        try:
            return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], original_sha256.encode())
        except (InvalidTag, ValueError) as exc:
            raise NotFound("the vaulted original fails its integrity check") from exc

    def delete(self, original_sha256: str) -> None:
        self._path(original_sha256).unlink(missing_ok=True)
        if self.legacy:
            self._legacy(original_sha256).unlink(missing_ok=True)

    def has(self, original_sha256: str) -> bool:
        return self._existing(original_sha256).exists()

    def location(self, original_sha256: str) -> Path:
        """Where this original is (or would be) sealed."""
        return self._path(original_sha256)

    def _path(self, original_sha256: str) -> Path:
        self._legacy(original_sha256)  # checks that it is a SHA-256
        name = hmac.new(self._names, original_sha256.encode(), hashlib.sha256).hexdigest()
        return self.root / f"{name}.sealed"

    def _legacy(self, original_sha256: str) -> Path:
        """Where vaults before keyed names kept an original (read until `archive vault rotate`)."""
        if not is_sha256(original_sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / f"{original_sha256}.sealed"

    def _existing(self, original_sha256: str) -> Path:
        path = self._path(original_sha256)
        if not self.legacy:
            return path
        legacy = self._legacy(original_sha256)
        return legacy if not path.exists() and legacy.exists() else path
