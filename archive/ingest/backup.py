"""Back up and restore the whole archive as a bundle (storage/bundle.py), recorded in the
audit log; a restore is checked end to end: files, rows, then the audit chain."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from archive.errors import ValidationError
from archive.storage import audit, bundle

log = logging.getLogger(__name__)


def export_archive(
    session: Session, data_dir: Path, target: Path, revision: str, via: str
) -> bundle.BundleReport:
    report = bundle.export_bundle(session, data_dir, target, revision)
    audit.record(session, None, via, "bundle.export", "archive", None,
                 manifest_sha256=report.manifest_sha256, files=report.files)  # fmt: skip
    session.commit()
    log.info("bundle written: %d files, manifest %s", report.files, report.manifest_sha256[:16])
    return report


def import_archive(
    session: Session,
    data_dir: Path,
    source: Path,
    revision: str,
    via: str,
    expect_manifest: str | None = None,
) -> bundle.BundleReport:
    """Restore a bundle into an empty archive; refuse a tampered one before writing anything."""
    report = bundle.import_bundle(session, data_dir, source, revision, expect_manifest)
    chain = audit.verify(session)
    if not chain.ok:  # the files matched their manifest, yet the log does not hold
        raise ValidationError(
            f"the restored audit log is broken at entry {chain.entry_id}: {chain.problem}",
            field="audit_log",
        )
    audit.record(session, None, via, "bundle.import", "archive", None,
                 manifest_sha256=report.manifest_sha256)  # fmt: skip
    session.commit()
    log.info("bundle restored: %d files, manifest %s", report.files, report.manifest_sha256[:16])
    return report
