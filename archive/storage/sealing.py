"""Values sealed inside the database under the vault key: what a copy of the database file
alone must not give away (original texts and fields, protected names, redaction decisions,
the exact bytes a witness sent and every revision's text).

Threat: a seized server, a stolen backup of the database file or a bundle. Each value is
sealed with AES-256-GCM under a key derived from the vault key (never the vault key itself),
and authenticated with what it belongs to (`context`): a revision's values with their row and
field, a column sealed in place with its table and column (a sealed value copied into another
column, or changed by one byte, fails to open instead of being believed; a document's original
copied onto another document is caught by its revisions, which are bound to their rows).

Stored form: b"WAS1" + key id (8 bytes) + nonce (12) + ciphertext and tag (in a text column,
"wa-sealed:1:" and that in base64). The key id says which key sealed a value, so a value
sealed under another key (a rotation stopped half-way, a backup restored beside the wrong key
file) is reported as such, not as damage.

An archive without a vault key (a development checkout; production refuses to start without
one) keeps values plain (b"WAP1" + the bytes; text columns as they are); `archive init` seals
them once a key exists, and `archive vault rotate` seals everything again under a new key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import weakref

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import JSON, Text
from sqlalchemy.types import TypeDecorator

from archive.errors import NotFound

SEALED = b"WAS1"
PLAIN = b"WAP1"
_ID = 8
_NONCE = 12


class Sealer:
    """Seal and open values under one vault key (or keep them plain without one)."""

    def __init__(self, vault_key: bytes | None):
        self._aead = None
        self._key = b""
        self.key_id = b""
        if vault_key is not None:
            key = hmac.new(vault_key, b"witness-archive sealed records", hashlib.sha256).digest()
            self._aead = AESGCM(key)
            self._key = key
            self.key_id = hmac.new(key, b"key id", hashlib.sha256).digest()[:_ID]

    @property
    def active(self) -> bool:
        """Whether values are sealed (a vault key is configured)."""
        return self._aead is not None

    def derive(self, purpose: bytes) -> bytes:
        """A 256-bit key for another use of the same vault key (bundles), never this one."""
        if self._aead is None:
            raise ValueError("no vault key: nothing to derive from")
        return hmac.new(self._key, b"derived: " + purpose, hashlib.sha256).digest()

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


def key_id_of(stored: bytes) -> bytes | None:
    """Which key sealed a value (None for a plain one)."""
    stored = bytes(stored)
    return stored[len(SEALED) : len(SEALED) + _ID] if stored.startswith(SEALED) else None


def is_sealed(stored: bytes | None) -> bool:
    return stored is not None and bytes(stored).startswith(SEALED)


# --- Columns sealed in place ------------------------------------------------------------------
# A column declared SealedText(context) or SealedJSON(context) holds, in an archive with a vault
# key, "wa-sealed:1:" + base64 of the sealed form above (authenticated with `context`, the
# table and column); without a key, the value itself, as before sealing existed (and as rows
# written before it still hold until `archive init` seals them). The type finds the sealer of
# the engine it runs on (each Database registers its own), so every read and write through the
# ORM or Core is sealed and opened without the code above knowing; SQL sees only the stored
# form (no query may compare or search a sealed column).

SEALED_TEXT = "wa-sealed:1:"
_ESCAPED = "wa-plain:"  # a plain text that happens to start like a sealed one
_SEALERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PLAIN = Sealer(None)


def register(dialect, sealer: Sealer) -> None:
    """Seal what goes through this engine's dialect with `sealer` (Database does this)."""
    _SEALERS[dialect] = sealer


class Stored(str):
    """A value exactly as a sealed column stores it: written as it is, never sealed again
    (a bundle restored, values sealed again by a rotation)."""

    __slots__ = ()


class _Sealed(TypeDecorator):
    cache_ok = True

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, Stored):
            return None if value is None else str(value)
        sealer = _SEALERS.get(dialect, _PLAIN)
        if not sealer.active:
            return self._plain(value)
        return seal_text(sealer, self._text(value), self.context)

    def process_result_value(self, value, dialect):
        if not (isinstance(value, str) and value.startswith(SEALED_TEXT)):
            return self._from_plain(value)
        return self._value(open_text(_SEALERS.get(dialect, _PLAIN), value, self.context))


class SealedText(_Sealed):
    """Text sealed at rest."""

    impl = Text
    cache_ok = True

    def _text(self, value):
        return value

    def _value(self, text):
        return text

    def _plain(self, value):
        return _ESCAPED + value if value.startswith((SEALED_TEXT, _ESCAPED)) else value

    def _from_plain(self, value):
        return value[len(_ESCAPED) :] if isinstance(value, str) and value.startswith(_ESCAPED) else value


class SealedJSON(_Sealed):
    """A JSON value (an object or a list) sealed at rest: stored as a JSON string when sealed,
    as the value itself when not."""

    impl = JSON
    cache_ok = True

    def _text(self, value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def _value(self, text):
        return json.loads(text)

    def _plain(self, value):
        return value

    def _from_plain(self, value):
        return value


def seal_text(sealer: Sealer, text: str, context: str) -> str:
    return SEALED_TEXT + base64.b64encode(sealer.seal(text.encode(), context)).decode("ascii")


def open_text(sealer: Sealer, stored: str, context: str) -> str:
    """A text from its sealed stored form; NotFound if it does not open."""
    try:
        raw = base64.b64decode(stored[len(SEALED_TEXT) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NotFound(f"{context}: not a sealed value") from exc
    return sealer.open(raw, context).decode()


def is_sealed_text(stored) -> bool:
    return isinstance(stored, str) and stored.startswith(SEALED_TEXT)


def sealed_type(column_type) -> bool:
    """Whether a column's type is sealed in place."""
    return isinstance(column_type, _Sealed)


def plain_text(column_type, stored) -> str:
    """The text a sealed column's plain stored value stands for (to seal it)."""
    if isinstance(column_type, SealedJSON):
        return json.dumps(stored, ensure_ascii=False, sort_keys=True)
    return column_type._from_plain(stored)
