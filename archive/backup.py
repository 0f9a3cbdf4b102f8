"""Back up and restore the whole archive as a bundle (storage/bundle.py), recorded in the
audit log; a restore is checked end to end: files, rows, then the audit chain."""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.errors import NotPermitted, ValidationError
from archive.storage import audit, bundle
from archive.storage.unit import unit_of_work

log = logging.getLogger(__name__)


def export_archive(
    session: Session,
    actor: Actor,
    data_dir: Path,
    target: Path,
    revision: str,
    via: str,
    signing_key: Ed25519PrivateKey | None = None,
) -> bundle.BundleReport:
    """Write a bundle of everything the archive holds (sealed under the vault key, signed with
    `signing_key`), and record that it was written."""
    if not can(actor, "archive:export"):
        raise NotPermitted("only an administrator exports the whole archive")
    report = bundle.export_bundle(session, data_dir, target, revision, signing_key)
    with unit_of_work(session):
        audit.record(
            session,
            actor,
            via,
            "bundle.export",
            "archive",
            None,
            manifest_sha256=report.manifest_sha256,
            files=report.files,
        )
    log.info("bundle written: %d files, manifest %s", report.files, report.manifest_sha256[:16])
    return report


def import_archive(
    session: Session,
    actor: Actor,
    data_dir: Path,
    source: Path,
    revision: str,
    via: str,
    expect_manifest: str | None = None,
    public_key: Ed25519PublicKey | None = None,
) -> bundle.BundleReport:
    """Restore a bundle into an empty archive; refuse a tampered one, or one not signed by
    `public_key` (this archive's audit key), before writing anything."""
    if not can(actor, "archive:import"):
        raise NotPermitted("only an administrator restores an archive")
    report = bundle.import_bundle(session, data_dir, source, revision, expect_manifest, public_key)
    chain = audit.verify(session)
    if not chain.ok:  # the files matched their manifest, yet the log does not hold
        raise ValidationError(
            f"the restored audit log is broken at entry {chain.entry_id}: {chain.problem}",
            field="audit_log",
        )
    with unit_of_work(session):
        audit.record(session, actor, via, "bundle.import", "archive", None, manifest_sha256=report.manifest_sha256)
    log.info("bundle restored: %d files, manifest %s", report.files, report.manifest_sha256[:16])
    return report
