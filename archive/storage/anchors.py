"""Signed, anchored heads of the audit log: what a court can check without trusting the server.

Threat: someone with write access to the database rebuilding the whole hash chain after
editing or deleting entries (the chain alone only shows changes made by someone who did not
recompute it), or cutting entries off its end. `archive audit anchor` signs the chain's head
(the last entry's id and hash, and how many entries lead to it) with the archive's Ed25519
key, kept beside the vault key and never in the database, and, with ARCHIVE_TSA_URL set, has
an RFC 3161 time-stamping authority countersign the statement's SHA-256: a third party's
signed word that this head existed at that time. `archive audit verify` checks every recorded
head against the chain as it stands (the signed entry must still carry the signed hash, and be
there), its signature under the archive's public key, and its time-stamp token under the
authority's certificate (ARCHIVE_TSA_CA_FILE, with `openssl ts -verify`).

A rebuilt chain no longer carries the signed hashes; a deleted tail no longer holds the signed
entry; a forged head fails its signature; a forged or altered token fails the authority's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.errors import ConfigError, ValidationError
from archive.storage.blobs import private_folder
from archive.storage.models import AuditEntry, AuditHead

TSA_TIMEOUT = 30  # seconds for an authority to answer
MAX_TOKEN = 64 * 1024  # a time-stamp response is a few kilobytes


def create_signing_key(path: Path) -> bool:
    """Write a fresh Ed25519 key (PKCS#8 PEM) to `path` (folder 0700, file 0600) unless it
    exists; True if written."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return True


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise ConfigError(f"no audit signing key at {path}: run `archive init`") from exc
    except ValueError as exc:
        raise ConfigError(f"{path} is not a PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key")
    return key


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


@dataclass
class Authority:
    """An RFC 3161 time-stamping authority: its URL and (to verify) its CA certificate file."""

    url: str
    ca_file: str = ""

    def stamp(self, digest: str) -> bytes:
        """A time-stamp token (the DER TimeStampResp) over a SHA-256 hex digest."""
        with tempfile.TemporaryDirectory() as folder:
            query = Path(folder) / "query.tsq"
            _openssl("ts", "-query", "-digest", digest, "-sha256", "-cert", "-out", str(query))
            request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
                self.url,
                data=query.read_bytes(),
                headers={"Content-Type": "application/timestamp-query"},
                method="POST",
            )
            if not self.url.startswith(("http://", "https://")):
                raise ConfigError("ARCHIVE_TSA_URL must be an http(s) URL")
            try:
                with urllib.request.urlopen(request, timeout=TSA_TIMEOUT) as answer:  # noqa: S310
                    token = answer.read(MAX_TOKEN + 1)
            except OSError as exc:
                raise ValidationError(f"the time-stamping authority did not answer: {exc}", field="tsa") from exc
            if len(token) > MAX_TOKEN:
                raise ValidationError("the time-stamping authority's answer is too large", field="tsa")
        if self.ca_file:
            problem = check_token(token, digest, self.ca_file)
            if problem:
                raise ValidationError(f"the time-stamping authority's token {problem}", field="tsa")
        return token


def check_token(token: bytes, digest: str, ca_file: str) -> str:
    """'' if the token is a valid time-stamp of `digest` by an authority under `ca_file`,
    else what is wrong."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "token.tsr"
        path.write_bytes(token)
        result = _run("ts", "-verify", "-digest", digest, "-in", str(path), "-CAfile", ca_file)
    if result.returncode == 0 and "Verification: OK" in result.stdout:
        return ""
    return "does not verify (altered, for another statement, or not from that authority)"


def token_time(token: bytes) -> str:
    """The time the authority put in a token, as it prints it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "token.tsr"
        path.write_bytes(token)
        text = _openssl("ts", "-reply", "-in", str(path), "-text")
    for line in text.splitlines():
        if line.startswith("Time stamp:"):
            return line.partition(":")[2].strip()
    return ""


def anchor(session: Session, key: Ed25519PrivateKey, authority: Authority | None, principal: str) -> AuditHead:
    """Sign the chain's head (and have it time-stamped), in the session's transaction."""
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    if last is None:
        raise ValidationError("the audit log is empty: nothing to anchor", field="audit")
    count = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= last.id))
    signed_at = datetime.now(UTC).replace(tzinfo=None)
    statement = statement_of(last.id, last.entry_hash, count, signed_at, public_key_hex(key))
    digest = hashlib.sha256(statement.encode()).hexdigest()
    head = AuditHead(
        entry_id=last.id,
        entry_hash=last.entry_hash,
        entries=count,
        signed_at=signed_at,
        statement=statement,
        public_key=public_key_hex(key),
        signature=key.sign(statement.encode()),
        tsa_url=authority.url if authority else None,
        tsa_token=authority.stamp(digest) if authority else None,
        principal=principal,
    )
    session.add(head)
    session.flush()
    return head


@dataclass
class HeadsReport:
    heads: int = 0
    anchored: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_heads(session: Session, public_key: Ed25519PublicKey, ca_file: str = "") -> HeadsReport:
    """Check every recorded head against the chain, the archive's public key and the authority."""
    report = HeadsReport()
    expected = public_key_hex(public_key)
    newest = session.scalar(select(func.max(AuditEntry.id)))
    for head in session.scalars(select(AuditHead).order_by(AuditHead.id)):
        report.heads += 1
        where = f"signed head {head.id} (entry {head.entry_id})"
        statement = statement_of(head.entry_id, head.entry_hash, head.entries, head.signed_at, head.public_key)
        if head.statement != statement:
            report.problems.append(f"{where}: its statement does not match its fields")
            continue
        if head.public_key != expected:
            report.problems.append(f"{where}: signed by another key ({head.public_key[:16]}…), not this archive's")
            continue
        try:
            public_key.verify(bytes(head.signature), head.statement.encode())
        except InvalidSignature:
            report.problems.append(f"{where}: the signature does not verify")
            continue
        entry = session.get(AuditEntry, head.entry_id)
        if entry is None:
            tail = "the log was cut before it" if newest is None or newest < head.entry_id else "it was deleted"
            report.problems.append(f"{where}: the signed entry is gone ({tail})")
        elif entry.entry_hash != head.entry_hash:
            report.problems.append(f"{where}: the chain was rewritten: the entry no longer has the signed hash")
        else:
            count = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= head.entry_id))
            if count != head.entries:
                report.problems.append(f"{where}: {head.entries} entries were signed, {count} lead to it now")
        if head.tsa_token is not None:
            if not ca_file:
                report.problems.append(f"{where}: has a time-stamp but ARCHIVE_TSA_CA_FILE is not set to check it")
                continue
            problem = check_token(bytes(head.tsa_token), hashlib.sha256(statement.encode()).hexdigest(), ca_file)
            if problem:
                report.problems.append(f"{where}: the time-stamp {problem}")
            else:
                report.anchored += 1
    return report


def statement_of(entry_id: int, entry_hash: str, entries: int, signed_at: datetime, public_key: str) -> str:
    return json.dumps(
        {
            "archive": "witness-archive audit head",
            "entry_id": entry_id,
            "entry_hash": entry_hash,
            "entries": entries,
            "signed_at": signed_at.isoformat(timespec="microseconds"),
            "public_key": public_key,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def _run(*args: str) -> subprocess.CompletedProcess:
    """Debian's openssl, with fixed arguments and no shell."""
    program = shutil.which("openssl")
    if program is None:
        raise ConfigError("openssl is not installed (apt-get install openssl): time-stamps need it")
    return subprocess.run(  # noqa: S603 - the program found above, arguments built here
        [program, *args], capture_output=True, text=True, timeout=TSA_TIMEOUT, check=False
    )


def _openssl(*args: str) -> str:
    result = _run(*args)
    if result.returncode != 0:
        raise ValidationError(f"openssl {args[0]} {args[1]} failed: {result.stderr.strip()[:200]}", field="tsa")
    return result.stdout
