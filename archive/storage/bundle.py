"""Backup bundles: every table, the clean media, the vault's sealed originals, and a manifest
of SHA-256 hashes. A bundle is a folder:

    manifest.json            format, schema revision, and {path: {sha256, bytes}} for each file
    tables/<name>.jsonl      one JSON object per row, tables in dependency order
    files/media/…            the blob store as it is (clean media, thumbnails)
    files/vault/…            originals as sealed by the vault (ciphertext; the key is not here)

Threat: a bundle altered on its way to the restoring machine (a testimony edited, a redaction
undone, an audit entry removed). Import reads nothing into the archive until every file
matches the manifest and no file is missing or extra; the manifest's own hash, printed at
export, lets the operator check that the manifest itself is the one that was written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Date, DateTime, Integer, LargeBinary, func, insert, select, text
from sqlalchemy.orm import Session

from archive.errors import ValidationError
from archive.storage.blobs import write_atomically
from archive.storage.db import sealer_of
from archive.storage.models import Base
from archive.storage.sealed_rows import check_sealed, raw, seal_plain
from archive.storage.sealing import Stored, sealed_type
from archive.storage.unit import unit_of_work

FORMAT = "witness-archive-bundle"
VERSION = 1
FILE_ROOTS = ("media", "vault")  # folders under MEDIA_DIR that a bundle carries


@dataclass(frozen=True)
class BundleReport:
    path: Path
    rows: dict[str, int]
    files: int
    manifest_sha256: str


def export_bundle(session: Session, data_dir: Path, target: Path, revision: str) -> BundleReport:
    """Write the bundle into `target`, which must not exist yet."""
    if target.exists():
        raise ValidationError(f"{target} exists already: give a new folder", field="path")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "tables").mkdir(parents=True)
    rows = {}
    for table in Base.metadata.sorted_tables:
        # sealed columns as stored (storage/sealed_rows.py): a bundle carries them sealed
        columns = [raw(c) if sealed_type(c.type) else c for c in table.columns]
        ordered = select(*columns).order_by(*table.primary_key.columns)
        lines = [
            json.dumps(_plain(dict(row)), ensure_ascii=False, sort_keys=True)
            for row in session.execute(ordered).mappings()
        ]
        (partial / "tables" / f"{table.name}.jsonl").write_text(
            "".join(line + "\n" for line in lines), encoding="utf-8"
        )
        rows[table.name] = len(lines)
    for root in FILE_ROOTS:
        source = data_dir / root
        if source.is_dir():
            shutil.copytree(source, partial / "files" / root, ignore=shutil.ignore_patterns(".partial-*"))
    files = {
        path.relative_to(partial).as_posix(): {"sha256": _file_hash(path), "bytes": path.stat().st_size}
        for path in sorted(partial.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "schema_revision": revision,
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        "rows": rows,
        "files": files,
    }
    body = json.dumps(manifest, indent=1, sort_keys=True).encode()
    write_atomically(partial / "manifest.json", body)
    partial.rename(target)  # the bundle appears whole, or not at all
    return BundleReport(target, rows, len(files), hashlib.sha256(body).hexdigest())


def verify_bundle(source: Path, expect_manifest: str | None = None) -> dict:
    """Return the manifest if every file matches it; raise ValidationError naming the first
    file that is altered, missing or extra."""
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
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise ValidationError("is not a bundle of this format and version", field="manifest")
    listed = manifest.get("files") or {}
    present = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    present.discard("manifest.json")
    extra = sorted(present - set(listed))
    if extra:
        raise ValidationError(f"{extra[0]} is in the bundle but not in its manifest", "files")
    for name, meta in sorted(listed.items()):
        path = source / name
        if name not in present:
            raise ValidationError(f"{name} is missing", field="files")
        if path.stat().st_size != meta.get("bytes") or _file_hash(path) != meta.get("sha256"):
            raise ValidationError(f"{name} does not match its SHA-256 in the manifest", field="files")
    return manifest


def import_bundle(
    session: Session, data_dir: Path, source: Path, revision: str, expect_manifest: str | None
) -> BundleReport:
    """Load a verified bundle into an empty archive of the same schema revision, in one
    transaction; files are copied only after the rows are in."""
    manifest = verify_bundle(source, expect_manifest)
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
            path = source / "tables" / f"{table.name}.jsonl"
            records = [_typed(table, json.loads(line)) for line in path.read_text("utf-8").splitlines()]
            if records:
                session.execute(insert(table), records)
            rows[table.name] = len(records)
        if session.get_bind().dialect.name == "postgresql":
            _reset_sequences(session)
        _open_with_this_key(session)
    for root in FILE_ROOTS:
        folder = source / "files" / root
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file():
                write_atomically(data_dir / root / path.relative_to(folder), path.read_bytes())
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
