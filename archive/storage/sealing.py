"""Values sealed inside the database under the vault key: what a copy of the database file
alone must not give away (the exact bytes a witness sent, the texts of every revision).

Threat: a seized server, a stolen backup of the database file. Each value is sealed with
AES-256-GCM under a key derived from the vault key (never the vault key itself), and
authenticated with what it belongs to (`context`: table, row, field), so that a sealed value
copied onto another row, or changed by one byte, fails to open instead of being believed.

Stored form: b"WAS1" + key id (8 bytes) + nonce (12) + ciphertext and tag. The key id says
which key sealed a value, so a value sealed under another key (a rotation stopped half-way, a
backup restored beside the wrong key file) is reported as such, not as damage.

An archive without a vault key (a development checkout; production refuses to start without
one) keeps values as b"WAP1" + the bytes: `sealed()` says which, and `archive vault rotate`
seals them once a key exists.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from archive.errors import NotFound

SEALED = b"WAS1"
PLAIN = b"WAP1"
_ID = 8
_NONCE = 12


class Sealer:
    """Seal and open values under one vault key (or keep them plain without one)."""

    def __init__(self, vault_key: bytes | None):
        self._aead = None
        self.key_id = b""
        if vault_key is not None:
            key = hmac.new(vault_key, b"witness-archive sealed records", hashlib.sha256).digest()
            self._aead = AESGCM(key)
            self.key_id = hmac.new(key, b"key id", hashlib.sha256).digest()[:_ID]

    @property
    def active(self) -> bool:
        """Whether values are sealed (a vault key is configured)."""
        return self._aead is not None

    def seal(self, data: bytes, context: str) -> bytes:
        if self._aead is None:
            return PLAIN + data
        nonce = os.urandom(_NONCE)
        return SEALED + self.key_id + nonce + self._aead.encrypt(nonce, data, context.encode())

    def open(self, stored: bytes, context: str) -> bytes:
        """The value, or NotFound when it is damaged, moved or sealed under another key."""
        stored = bytes(stored)
        if stored.startswith(PLAIN):
            return stored[len(PLAIN) :]
        if not stored.startswith(SEALED) or len(stored) < len(SEALED) + _ID + _NONCE + 16:
            raise NotFound(f"{context}: not a sealed value")
        key_id = stored[len(SEALED) : len(SEALED) + _ID]
        if self._aead is None or key_id != self.key_id:
            raise NotFound(
                f"{context}: sealed under another key (id {key_id.hex()}); is ARCHIVE_VAULT_KEY_FILE the "
                "key this database was sealed with, or did `archive vault rotate` stop half-way "
                "(its new key is then in vault.key.new)?"
            )
        rest = stored[len(SEALED) + _ID :]
        try:
            return self._aead.decrypt(rest[:_NONCE], rest[_NONCE:], context.encode())
        except (InvalidTag, ValueError) as exc:
            raise NotFound(f"{context}: the sealed value fails its integrity check") from exc


def is_sealed(stored: bytes | None) -> bool:
    return stored is not None and bytes(stored).startswith(SEALED)
