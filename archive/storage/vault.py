"""Originals kept encrypted at rest, only when ARCHIVE_VAULT_KEY is set.

Threat: a stolen disk or backup exposing the original uploads with their metadata (GPS, serial
numbers, names). Each original is sealed with AES-256-GCM (authenticated: a changed byte fails
to open) under the vault key, with the original's SHA-256 as associated data so that a file
cannot be swapped for another. The key never touches the disk.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from archive.errors import ConfigError, NotFound
from archive.storage.blobs import is_sha256, write_atomically

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


class Vault:
    """Encrypted originals, one file per original SHA-256."""

    def __init__(self, root: Path, key: bytes):
        self.root = Path(root)
        self._aead = AESGCM(key)

    def put(self, original_sha256: str, data: bytes) -> None:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, data, original_sha256.encode())
        write_atomically(self._path(original_sha256), sealed)

    def get(self, original_sha256: str) -> bytes:
        try:
            sealed = self._path(original_sha256).read_bytes()
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

    def has(self, original_sha256: str) -> bool:
        return self._path(original_sha256).exists()

    def _path(self, original_sha256: str) -> Path:
        if not is_sha256(original_sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / f"{original_sha256}.sealed"
