"""Redaction of text outside the archive: redact."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from archive.redaction import redact


@click.command("redact")
@click.option(
    "--names",
    "names_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Protected names, one per line ('Name => Pseudonym' sets the pseudonym). "
    "Default: the file named by REDACT_NAMES_FILE, if set.",
)
@click.option("--lang", type=click.Choice(["auto", "en", "ru"]), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the spans as JSON instead of text.")
def redact_command(names_file: Path | None, lang: str, as_json: bool) -> None:
    """Redact text from standard input; print the redacted text (or the spans) to stdout."""
    if names_file is None and os.environ.get("REDACT_NAMES_FILE"):
        names_file = Path(os.environ["REDACT_NAMES_FILE"])
    names = names_file.read_text(encoding="utf-8").splitlines() if names_file else []
    text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    result = redact(text, names, lang=lang)
    if as_json:
        click.echo(json.dumps({"text": result.text, "spans": result.as_json()}, ensure_ascii=False))
    else:
        sys.stdout.write(result.text)
