"""Media files on disk, outside the archive: strip, inspect (photos, scans, PDFs, voice notes
and video)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archive.config import load_config
from archive.errors import ArchiveError, MediaRefused
from archive.media import CleanMedia, Limits, sanitise
from archive.storage.blobs import write_atomically

_FILES = click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
_JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON report per file.")


@click.command("strip")
@_FILES
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the cleaned files (same base names).",
)
@_JSON
@click.option(
    "--disguise-voice",
    is_flag=True,
    help="Shift pitch and formants of the voices in recordings (keep the originals safe yourself).",
)
def strip_command(files: tuple[Path, ...], out_dir: Path, as_json: bool, disguise_voice: bool) -> None:
    """Remove identifying metadata from media files; exit 1 if any file is refused."""
    refused = 0
    inputs = {p.resolve() for p in files}
    claimed: set[Path] = set()
    for path, clean in _sanitised(files, as_json, disguise_voice):
        if clean is None:
            refused += 1
            continue
        target = out_dir / f"{path.stem}.{clean.media_type.ext}"
        if target.resolve() in inputs | claimed:
            refused += 1
            why = "an input file" if target.resolve() in inputs else "another cleaned file"
            _print_result(path, None, f"{path.name}: would overwrite {why} ({target})", as_json)
            continue
        claimed.add(target.resolve())
        write_atomically(target, clean.data)
        _print_result(path, clean, str(target), as_json)
    sys.exit(1 if refused else 0)


@click.command("inspect")
@_FILES
@_JSON
def inspect_command(files: tuple[Path, ...], as_json: bool) -> None:
    """Show what metadata media files carry (field names by risk; nothing is written)."""
    refused = 0
    for path, clean in _sanitised(files, as_json):
        if clean is None:
            refused += 1
        else:
            _print_result(path, clean, None, as_json)
    sys.exit(1 if refused else 0)


def _sanitised(files: tuple[Path, ...], as_json: bool, disguise_voice: bool = False):
    """Yield (path, cleaned file), or (path, None) after printing why a file was refused."""
    try:  # the settings alone: these commands touch no database, index or app
        config = load_config()
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    limits = Limits.from_config(config)
    for path in files:
        try:
            yield path, sanitise(path.read_bytes(), limits, path.name, disguise_voice)
        except MediaRefused as exc:
            _print_result(path, None, str(exc), as_json)
            yield path, None


def _print_result(path: Path, clean: CleanMedia | None, note: str | None, as_json: bool) -> None:
    if as_json:
        data = {"file": str(path), "ok": clean is not None}
        if clean is None:
            data["error"] = note
        else:
            data |= {
                "type": clean.media_type.kind,
                "sha256_original": clean.original_sha256,
                "sha256_clean": clean.sha256,
                "seconds": clean.seconds,
                "report": clean.report.to_dict(),
            }
            if note:
                data["written"] = note
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    if clean is None:
        click.echo(f"refused  {note}")
        return
    length = f" ({clean.seconds:.1f} s)" if clean.seconds is not None else ""
    click.echo(f"{'cleaned' if note else 'found'}  {path} → {note or clean.media_type.kind}{length}")
    click.echo(f"    {clean.report.summary()}")
    for finding in sorted(clean.report.findings):
        click.echo(f"    - {finding.category:10} {finding.field}")
    for action in clean.report.actions:
        click.echo(f"    · {action}")
