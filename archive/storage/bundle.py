"""Backup bundles: every table, the clean media, the vault's sealed originals, and a manifest
of SHA-256 hashes, sealed and signed. A bundle is a folder:

    manifest.json   format, schema revision, the key id, the signer's public key, and
                    {opaque name: {sha256, bytes}} for each file: what is inside, not what it is
    manifest.sig    the archive's Ed25519 signature of manifest.json (its audit key)
    p/<name>        each file sealed with AES-256-GCM under a key derived from the vault key,
                    bound to its name; the name is a keyed hash of what the file is (a table,
                    a clean file, a sealed original), and one of them, sealed like the rest,
                    says which name is which and how many rows each table holds

    inside:  tables/<name>.jsonl (one JSON object per row, tables in dependency order; sealed
             columns as stored), files/media/… (clean media, thumbnails), files/vault/…
             (originals as the vault sealed them)

Threat: a bundle read by whoever holds the copy (a backup disk, a cloud folder), or altered
on its way to the restoring machine (a testimony edited, a redaction undone, an audit entry
removed). Without the vault key a bundle gives away no table, no count, no file name and no
file; import reads nothing into the archive until the signature holds (under this archive's
audit key, when it has one), every file matches the manifest, none is missing or extra, and
the contents open with this archive's vault key; the manifest's own hash, printed at export,
lets the operator check that the manifest itself is the one that was written.

An archive without a vault key (a development checkout; production refuses to start without
one) writes the contents as they are, in the same layout as inside, with a plain manifest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Date, DateTime, Integer, LargeBinary, func, insert, select, text
from sqlalchemy.orm import Session

from archive.errors import ValidationError
from archive.storage.anchors import public_key_hex
from archive.storage.blobs import private_folder, write_atomically
from archive.storage.db import sealer_of
from archive.storage.models import Base
from archive.storage.sealed_rows import check_sealed, raw, seal_plain
from archive.storage.sealing import Sealer, Stored, sealed_type
from archive.storage.unit import unit_of_work

FORMAT = "witness-archive-bundle"
VERSION = 2  # sealed and signed
PLAIN_VERSION = 1  # an archive without a vault key
FILE_ROOTS = ("media", "vault")  # folders under MEDIA_DIR that a bundle carries
_INDEX = "index"  # the sealed file naming the others


class _Box:
    """Seals a bundle's files under a key derived from the vault key, and names them."""

    def __init__(self, sealer: Sealer):
        self._aead = AESGCM(sealer.derive(b"bundle files"))
        self._names = sealer.derive(b"bundle names")
        self.key_id = hmac.new(self._names, b"key id", hashlib.sha256).hexdigest()[:16]

    def name(self, path: str) -> str:
        return "p/" + hmac.new(self._names, path.encode(), hashlib.sha256).hexdigest()[:40]

    def seal(self, name: str, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data, name.encode())

    def open(self, name: str, sealed: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], name.encode())
        except (InvalidTag, ValueError) as exc:
            raise ValidationError(
                "the bundle does not open with this archive's vault key: restore with the key file of "
                "the archive that wrote it (ARCHIVE_VAULT_KEY_FILE); nothing was imported",
                field="vault_key",
            ) from exc


@dataclass(frozen=True)
class BundleReport:
    path: Path
    rows: dict[str, int]
    files: int
    manifest_sha256: str


def export_bundle(
    session: Session, data_dir: Path, target: Path, revision: str, signing_key: Ed25519PrivateKey | None = None
) -> BundleReport:
    """Write the bundle into `target`, which must not exist yet: sealed under the vault key and
    signed with `signing_key` (the archive's audit key) when the archive has them."""
    if target.exists():
        raise ValidationError(f"{target} exists already: give a new folder", field="path")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    private_folder(partial)
    try:
        return _write_bundle(session, data_dir, target, partial, revision, signing_key)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # nothing half-written is left behind
        raise


def _write_bundle(
    session: Session, data_dir: Path, target: Path, partial: Path, revision: str, signing_key
) -> BundleReport:
    sealer = sealer_of(session)
    box = _Box(sealer) if sealer.active else None
    rows: dict[str, int] = {}
    names: dict[str, str] = {}
    for path, data in _contents(session, data_dir, rows):
        name = box.name(path) if box else path
        names[name] = path
        write_atomically(partial / name, box.seal(name, data) if box else data)
    manifest = {
        "format": FORMAT,
        "version": VERSION if box else PLAIN_VERSION,
        "schema_revision": revision,
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    if box:
        index = box.name(_INDEX)
        contents = json.dumps({"paths": names, "rows": rows}, sort_keys=True).encode()
        write_atomically(partial / index, box.seal(index, contents))
        manifest["key_id"] = box.key_id
        if signing_key is not None:
            manifest["public_key"] = public_key_hex(signing_key)
    else:
        manifest["rows"] = rows
    manifest["files"] = {
        path.relative_to(partial).as_posix(): {"sha256": _file_hash(path), "bytes": path.stat().st_size}
        for path in sorted(partial.rglob("*"))
        if path.is_file()
    }
    body = json.dumps(manifest, indent=1, sort_keys=True).encode()
    write_atomically(partial / "manifest.json", body)
    if box and signing_key is not None:
        write_atomically(partial / "manifest.sig", signing_key.sign(body).hex().encode())
    partial.rename(target)  # the bundle appears whole, or not at all
    return BundleReport(target, rows, len(manifest["files"]), hashlib.sha256(body).hexdigest())


def _contents(session: Session, data_dir: Path, rows: dict[str, int]) -> Iterator[tuple[str, bytes]]:
    """(path inside the bundle, bytes) of every table and file; counts rows into `rows`."""
    for table in Base.metadata.sorted_tables:
        # sealed columns as stored (storage/sealed_rows.py): a bundle carries them sealed
        columns = [raw(c) if sealed_type(c.type) else c for c in table.columns]
        ordered = select(*columns).order_by(*table.primary_key.columns)
        lines = [
            json.dumps(_plain(dict(row)), ensure_ascii=False, sort_keys=True)
            for row in session.execute(ordered).mappings()
        ]
        rows[table.name] = len(lines)
        yield f"tables/{table.name}.jsonl", "".join(line + "\n" for line in lines).encode()
    for root in FILE_ROOTS:
        source = data_dir / root
        for path in sorted(source.rglob("*")) if source.is_dir() else ():
            if path.is_file() and not path.name.startswith(".partial-"):
                yield f"files/{root}/{path.relative_to(source).as_posix()}", path.read_bytes()


class Contents:
    """What a verified bundle holds, by its path inside (opened when it is sealed)."""

    def __init__(self, source: Path, box: _Box | None, names: dict[str, str] | None, rows: dict):
        self.source = source
        self.box = box
        self.rows = rows
        self._where = {path: name for name, path in names.items()} if names else None

    def paths(self) -> list[str]:
        if self._where is not None:
            return sorted(self._where)
        return sorted(
            p.relative_to(self.source).as_posix()
            for p in self.source.rglob("*")
            if p.is_file() and p.name not in ("manifest.json", "manifest.sig")
        )

    def read(self, path: str) -> bytes:
        if self._where is None:
            return (self.source / path).read_bytes()
        name = self._where.get(path)
        if name is None:
            raise ValidationError(f"{path} is not in the bundle", field="files")
        return self.box.open(name, (self.source / name).read_bytes())


def verify_bundle(
    source: Path, expect_manifest: str | None = None, sealer: Sealer | None = None,
    public_key: Ed25519PublicKey | None = None,
) -> tuple[dict, Contents]:  # fmt: skip
    """Return the manifest and the contents if the signature holds and every file matches the
    manifest; raise ValidationError naming the first problem (nothing is read into the archive
    before). `public_key`: this archive's audit key, which must have signed a sealed bundle
    (without it, the signature is checked against the key the manifest names, anchored by
    `expect_manifest`); `sealer`: this archive's, to open a sealed bundle."""
    manifest_path = source / "manifest.json"
    if not manifest_path.is_file():
        raise ValidationError(f"{source} has no manifest.json: not a bundle", field="path")
    body = manifest_path.read_bytes()
    if expect_manifest and hashlib.sha256(body).hexdigest() != expect_manifest.lower():
        raise ValidationError("the manifest is not the one expected (its SHA-256 differs)", field="manifest")
    try:
        manifest = json.loads(body)
    except ValueError as exc:
        raise ValidationError("manifest.json is not valid JSON", field="manifest") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") not in (VERSION, PLAIN_VERSION):
        raise ValidationError("is not a bundle of this format and version", field="manifest")
    sealed = manifest["version"] == VERSION
    if sealed:
        _check_signature(source, body, manifest, public_key, expect_manifest)
    elif ((sealer is not None and sealer.active) or public_key is not None) and not expect_manifest:
        raise ValidationError(
            "the bundle is neither sealed nor signed, and this archive has keys: give --expect-manifest with "
            "the hash printed when it was written; nothing was imported",
            field="signature",
        )
    listed = manifest.get("files") or {}
    present = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    present -= {"manifest.json", "manifest.sig"}
    extra = sorted(present - set(listed))
    if extra:
        raise ValidationError(f"{extra[0]} is in the bundle but not in its manifest", "files")
    for name, meta in sorted(listed.items()):
        path = source / name
        if name not in present:
            raise ValidationError(f"{name} is missing", field="files")
        if path.stat().st_size != meta.get("bytes") or _file_hash(path) != meta.get("sha256"):
            raise ValidationError(f"{name} does not match its SHA-256 in the manifest", field="files")
    if not sealed:
        return manifest, Contents(source, None, None, manifest.get("rows") or {})
    if sealer is None or not sealer.active:
        raise ValidationError(
            "the bundle is sealed and this archive has no vault key: put the key file of the archive that "
            "wrote it in place (ARCHIVE_VAULT_KEY_FILE); nothing was imported",
            field="vault_key",
        )
    box = _Box(sealer)
    index = box.name(_INDEX)
    if index not in listed:
        raise ValidationError(
            "the bundle was sealed under another vault key than this archive's: restore with the key file of "
            "the archive that wrote it (ARCHIVE_VAULT_KEY_FILE); nothing was imported",
            field="vault_key",
        )
    inside = json.loads(box.open(index, (source / index).read_bytes()))
    if set(inside["paths"]) | {index} != set(listed):
        raise ValidationError("the bundle's index does not name the files its manifest lists", field="files")
    return manifest, Contents(source, box, inside["paths"], inside["rows"])


def _check_signature(
    source: Path, body: bytes, manifest: dict, public_key: Ed25519PublicKey | None, expect: str | None
) -> None:
    signature = source / "manifest.sig"
    named = manifest.get("public_key")
    if public_key is not None:
        if not signature.is_file() or named != public_key_hex(public_key):
            raise ValidationError(
                "the bundle is not signed by this archive's audit key (keys/audit.key from the backup of the "
                "archive that wrote it): nothing was imported",
                field="signature",
            )
    elif not expect:
        raise ValidationError(
            "cannot tell who wrote this bundle: put the audit key from the backup in place (keys/audit.key), "
            "or give --expect-manifest; nothing was imported",
            field="signature",
        )
    if not signature.is_file():
        if expect:  # an unsigned sealed bundle, anchored by the manifest's hash alone
            return
        raise ValidationError("the bundle's manifest is not signed", field="signature")
    try:
        key = public_key or Ed25519PublicKey.from_public_bytes(bytes.fromhex(named or ""))
        key.verify(bytes.fromhex(signature.read_text().strip()), body)
    except (InvalidSignature, ValueError) as exc:
        raise ValidationError("the bundle's signature does not verify: it was altered", field="signature") from exc


def import_bundle(
    session: Session, data_dir: Path, source: Path, revision: str, expect_manifest: str | None,
    public_key: Ed25519PublicKey | None = None,
) -> BundleReport:  # fmt: skip
    """Load a verified bundle into an empty archive of the same schema revision, in one
    transaction; files are copied only after the rows are in."""
    manifest, contents = verify_bundle(source, expect_manifest, sealer_of(session), public_key)
    if manifest.get("schema_revision") != revision:
        raise ValidationError(
            f"the bundle is at schema revision {manifest.get('schema_revision')}, this archive "
            f"at {revision}: restore into an archive of the same version",
            field="schema_revision",
        )
    for table in Base.metadata.sorted_tables:
        if table.name != "alembic_version" and session.scalar(select(func.count()).select_from(table)):
            raise ValidationError(
                f"this archive is not empty ({table.name} has rows): import into a new one", field="path"
            )
    rows = {}
    with unit_of_work(session):
        for table in Base.metadata.sorted_tables:
            lines = contents.read(f"tables/{table.name}.jsonl").decode("utf-8").splitlines()
            records = [_typed(table, json.loads(line)) for line in lines]
            if records:
                session.execute(insert(table), records)
            rows[table.name] = len(records)
        if session.get_bind().dialect.name == "postgresql":
            _reset_sequences(session)
        _open_with_this_key(session)
    for path in contents.paths():
        root, _, rest = path.partition("/")[2].partition("/")
        if path.startswith("files/") and root in FILE_ROOTS and rest:
            write_atomically(data_dir / root / rest, contents.read(path))
    body = (source / "manifest.json").read_bytes()
    return BundleReport(source, rows, len(manifest["files"]), hashlib.sha256(body).hexdigest())


def _plain(row: dict) -> dict:
    """JSON-ready values: dates as ISO text, bytes as base64."""
    out = {}
    for key, value in row.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode()
        out[key] = value
    return out


def _typed(table, record: dict) -> dict:
    """Values back to the column types that JSON could not carry."""
    for column in table.columns:
        value = record.get(column.name)
        if value is None:
            continue
        if isinstance(column.type, DateTime):
            record[column.name] = datetime.fromisoformat(value)
        elif isinstance(column.type, Date):
            record[column.name] = date.fromisoformat(value)
        elif isinstance(column.type, LargeBinary):
            record[column.name] = base64.b64decode(value)
        elif sealed_type(column.type) and isinstance(value, str):
            record[column.name] = Stored(value)  # as the bundle carries it: sealed, or plain text
    return record


def _open_with_this_key(session: Session) -> None:
    """A bundle's sealed values must open with this archive's vault key (they were sealed with
    the key of the archive that wrote it); plain ones are sealed now if this archive has a key."""
    sealer = sealer_of(session)
    if sealer.active:
        seal_plain(session, sealer)
    _opened, problems = check_sealed(session, sealer)
    if problems:
        raise ValidationError(
            f"{len(problems)} sealed values of the bundle do not open with this archive's vault key "
            f"(the first: {problems[0]}): restore with the key file of the archive that wrote it "
            "(ARCHIVE_VAULT_KEY_FILE); nothing was imported",
            field="vault_key",
        )


def _reset_sequences(session: Session) -> None:
    for table in Base.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, Integer):
            # names from our own metadata, never from the bundle
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key[0].name}'), "  # noqa: S608
                    f"COALESCE((SELECT max({key[0].name}) FROM {table.name}), 0) + 1, false)"
                )
            )


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
