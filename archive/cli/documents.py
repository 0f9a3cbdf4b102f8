"""Documents from files: ingest."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from archive.cli.common import REVIEWED_BY, VIA, actor, ensure_schema, kinds, progress, reviewer, short, with_archive
from archive.documents.intake import expand_paths, ingest_paths


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@REVIEWED_BY
@with_archive
def ingest_command(paths: tuple[Path, ...], reviewed_by: str | None) -> None:
    """Ingest Markdown (YAML front matter) or JSON files, or folders of them, one by one."""
    db = ensure_schema()
    attested_by = reviewer(reviewed_by)
    files = expand_paths(paths)
    with db.session() as session, progress(len(files), "ingesting") as bar:
        results = ingest_paths(
            session,
            files,
            kinds(),
            actor(attested_by=attested_by),
            VIA,
            current_app.config["MAX_UPLOAD_BYTES"],
            progress=lambda r: bar.update(1, short(r.path)),
        )
    for r in results:
        detail = f"document {r.object_id}" if r.object_id else ""
        click.echo(f"{r.status:9} {r.path} {detail} {r.message}".rstrip())
    counts = {s: sum(r.status == s for r in results) for s in ("ingested", "duplicate", "error")}
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items()))
    if counts["error"] or counts["duplicate"]:
        sys.exit(1)
