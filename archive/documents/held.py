"""Files attached to a form whose save failed, held sealed until the next try.

A custodian's save can fail after the files were sent: a missing title, an unreadable date,
another custodian's edit in between. The files must not be lost (the custodian may no longer
have them: a voice note forwarded once, a photo deleted from a phone for safety), nor left
readable on disk, nor reach anyone else.

Threat: a held file is an original, with all its metadata; a stolen disk, a backup, or another
account must not read it. Each try's files are sealed together with AES-256-GCM under a key
derived from two secrets: a one-time token of 32 random bytes that exists only in the form
shown again to the custodian (HTML is never cached: web/security.py), and the server's secret
key. The sealed file is named by a keyed hash of the token, and the account is bound in as
associated data, so only the same account, with the same form, opens it. The next submit takes
the files (moved aside first, so a double submit takes them once, then read and deleted); what
is not taken is removed after HOLD_SECONDS by every hold and take. Bundles and backups carry
only `media/` and `vault/`, never this folder. Nothing about a held file is logged but counts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from archive.documents.media import Upload
from archive.errors import MediaRefused
from archive.media.detect import detect
from archive.storage.blobs import write_atomically

log = logging.getLogger(__name__)

HOLD_SECONDS = 6 * 3600  # long enough to fix a form, short enough not to become a second vault
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_NONCE = 12
_HEADER = struct.Struct(">I")


@dataclass(frozen=True)
class Held:
    """What the form shows of a held file: never its name, only its place, kind and size."""

    name: str
    kind: str
    size: int
    disguise_voice: bool


class HeldUploads:
    """The folder of held tries, one sealed file each."""

    def __init__(self, root: Path, secret: str, seconds: int = HOLD_SECONDS):
        self.root = Path(root)
        self.seconds = seconds
        self._secret = hashlib.sha256(b"witness-archive held uploads\0" + secret.encode()).digest()

    def hold(self, uploads: list[Upload], user: int | None) -> str | None:
        """Seal these uploads for the account's next try; return the token (None if none)."""
        self.sweep()
        if not uploads:
            return None
        raw = os.urandom(32)
        token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        manifest = json.dumps([{"size": len(u.data), "disguise_voice": u.disguise_voice} for u in uploads]).encode()
        plain = _HEADER.pack(len(manifest)) + manifest + b"".join(u.data for u in uploads)
        nonce = os.urandom(_NONCE)
        sealed = nonce + AESGCM(self._key(raw)).encrypt(nonce, plain, self._bound(user))
        write_atomically(self._path(raw), sealed)
        log.info("held %d file(s) of a failed save for the next try", len(uploads))
        return token

    def take(self, token: str | None, user: int | None) -> list[Upload]:
        """The uploads held under this token for this account, removed as they are read; an
        empty list for an unknown, expired, already taken, altered or foreign token."""
        self.sweep()
        raw = _raw(token)
        if raw is None:
            return []
        path = self._path(raw)
        claimed = path.with_name(f"{path.stem}.taking-{os.urandom(8).hex()}")
        try:
            os.rename(path, claimed)  # one submit takes them; a second finds nothing
        except FileNotFoundError:
            return []
        try:
            sealed = claimed.read_bytes()
        finally:
            claimed.unlink(missing_ok=True)
        try:
            plain = AESGCM(self._key(raw)).decrypt(sealed[:_NONCE], sealed[_NONCE:], self._bound(user))
            (length,) = _HEADER.unpack_from(plain)
            manifest = json.loads(plain[_HEADER.size : _HEADER.size + length])
        except (InvalidTag, ValueError, struct.error):
            log.warning("a held try could not be opened (another account, or altered); removed")
            return []
        uploads, offset = [], _HEADER.size + length
        for n, item in enumerate(manifest, start=1):
            uploads.append(Upload(plain[offset : offset + item["size"]], f"file {n}", bool(item["disguise_voice"])))
            offset += item["size"]
        return uploads

    def sweep(self) -> int:
        """Remove held tries (and interrupted takes) older than the holding time."""
        if not self.root.is_dir():
            return 0
        cutoff, removed = time.time() - self.seconds, 0
        for path in self.root.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def _key(self, raw: bytes) -> bytes:
        return hmac.new(self._secret, b"key\0" + raw, hashlib.sha256).digest()

    def _path(self, raw: bytes) -> Path:
        name = hmac.new(self._secret, b"name\0" + raw, hashlib.sha256).hexdigest()
        return self.root / f"{name}.sealed"

    @staticmethod
    def _bound(user: int | None) -> bytes:
        return f"account {user}".encode()


def describe(uploads: list[Upload]) -> list[Held]:
    """What the form says of each held upload, in order."""
    return [Held(u.name, _kind(u), len(u.data), u.disguise_voice) for u in uploads]


def renumbered(uploads: list[Upload]) -> list[Upload]:
    """Held and new uploads together, named file 1, file 2… in the order they will be attached."""
    return [Upload(u.data, f"file {n}", u.disguise_voice) for n, u in enumerate(uploads, start=1)]


def keepable(uploads: list[Upload], error: Exception) -> list[Upload]:
    """The uploads worth holding after a failed save: all but the one the error refused."""
    if isinstance(error, MediaRefused) and error.source:
        return [u for u in uploads if u.name != error.source]
    return list(uploads)


def _kind(upload: Upload) -> str:
    try:
        return detect(upload.data, upload.name).kind
    except MediaRefused:
        return "file"


def _raw(token: str | None) -> bytes | None:
    if not token or not _TOKEN.fullmatch(token):
        return None
    try:
        return base64.urlsafe_b64decode(token + "=")
    except (binascii.Error, ValueError):
        return None
