"""Back up and restore the whole archive: export-bundle, import-bundle."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from archive.backup import export_archive, import_archive
from archive.cli.common import VIA, actor, ensure_schema, with_archive
from archive.errors import ArchiveError, ValidationError
from archive.search.indexing import reindex
from archive.services import get_db, search_backend
from archive.storage.anchors import load_signing_key


@click.command("export-bundle")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@with_archive
def export_bundle_command(path: Path) -> None:
    """Write the whole archive (rows, clean media, sealed originals, audit log) to a new folder,
    sealed under the vault key, with a manifest of SHA-256 hashes signed with the audit key;
    print the manifest's own hash to keep elsewhere."""
    db = ensure_schema()
    key_file = Path(current_app.config["AUDIT_KEY_FILE"])
    signing = load_signing_key(key_file) if key_file.is_file() else None
    with db.session() as session:
        report = export_archive(
            session, actor(), Path(current_app.config["MEDIA_DIR"]), path, db.revision(), VIA, signing
        )
    click.echo(f"{sum(report.rows.values())} rows and {report.files} files written to {path}")
    click.echo(f"manifest SHA-256 {report.manifest_sha256}")
    if not db.sealer.active:
        click.echo("not sealed: this archive has no vault key (run `archive init`)", err=True)
    elif signing is None:
        click.echo(f"not signed: no audit key at {key_file} (run `archive init`)", err=True)


@click.command("import-bundle")
@click.argument("path", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--expect-manifest", default=None, help="The manifest SHA-256 printed at export: refuse any other.")
@with_archive
def import_bundle_command(path: Path, expect_manifest: str | None) -> None:
    """Restore a bundle into an empty archive after checking every file against the manifest
    (a tampered bundle is refused before anything is written); then rebuild the index."""
    db = get_db()
    db.upgrade()  # a new data folder needs no `archive init` first
    key_file = Path(current_app.config["AUDIT_KEY_FILE"])
    public = load_signing_key(key_file).public_key() if key_file.is_file() else None
    try:
        with db.session() as session:
            report = import_archive(
                session, actor(), Path(current_app.config["MEDIA_DIR"]), path, db.revision(), VIA, expect_manifest,
                public,
            )  # fmt: skip
            indexed = reindex(session, search_backend(), actor())
    except ValidationError as exc:
        raise click.ClickException(f"refused: {exc}") from exc
    except ArchiveError as exc:  # another rebuild of the index under way, say
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{sum(report.rows.values())} rows and {report.files} files restored; "
        f"{indexed} documents indexed; the audit log holds"
    )
