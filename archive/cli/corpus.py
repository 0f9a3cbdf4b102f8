"""The sample case and synthetic corpora: load-corpus, generate-sample."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from archive.cli.common import REVIEWED_BY, VIA, actor, ensure_schema, kinds, progress, reviewer, short, with_archive
from archive.corpus.loader import corpus_files, load_corpus
from archive.corpus.sample import SAMPLE_CASE, sample_case, sample_documents
from archive.errors import ArchiveError


@click.command("load-corpus")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@REVIEWED_BY
@with_archive
def load_corpus_command(path: Path | None, reviewed_by: str | None) -> None:
    """Load a corpus folder (default: ARCHIVE_CORPUS_DIR); already loaded items are skipped."""
    root = path or Path(current_app.config["CORPUS_DIR"])
    total = len(corpus_files(root)) if root.is_dir() else 0
    db = ensure_schema()
    attested_by = reviewer(reviewed_by)
    with db.session() as session, progress(total, "loading corpus") as bar:
        try:
            who = actor(attested_by=attested_by)
            report = load_corpus(session, root, kinds(), who, VIA, progress=lambda r: bar.update(1, short(r.path)))
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
    for result in report.results:
        if result.status == "error":
            click.echo(f"error: {result.message}", err=True)
    click.echo(
        f"corpus {root}: {report.count('ingested')} added, {report.count('skipped')} already "
        f"loaded, {report.count('error')} errors"
    )
    if not report.ok:
        sys.exit(1)


@click.command("generate-sample")
@click.option("--count", default=1000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--out", default=None, type=click.Path(path_type=Path), help="Default: ARCHIVE_DATA_DIR/sample.")
@click.option("--seed", default=1, show_default=True, type=int)
@with_archive
def generate_sample_command(count: int, out: Path | None, seed: int) -> None:
    """Write a clearly labelled SYNTHETIC corpus for benchmarks (load it with load-corpus)."""
    out = out or Path(current_app.config["DATA_DIR"]) / "sample"
    case_dir = out / SAMPLE_CASE
    (case_dir / "documents").mkdir(parents=True, exist_ok=True)
    name, data = sample_case()
    (case_dir / name).write_bytes(data)
    with progress(count, "generating") as bar:
        for name, data in sample_documents(count, seed):
            (case_dir / name).write_bytes(data)
            bar.update(1)
    click.echo(f"wrote {count} synthetic documents under {case_dir}")
