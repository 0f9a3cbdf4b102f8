"""Briefs from a terminal: brief export."""

from __future__ import annotations

from pathlib import Path

import click

from archive.briefs.export import FORMATS, export_brief
from archive.cli.common import BASE_URL, VIA, actor, ensure_schema, with_archive
from archive.links import under
from archive.storage.queries import get_brief


@click.group("brief")
def brief_group() -> None:
    """Briefs: export them."""


@brief_group.command("export")
@click.argument("brief_id", type=int)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@BASE_URL
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output; a PDF needs --out).",
)
@click.option(
    "--language",
    default="en",
    show_default=True,
    help="The language of the headings, dates and kinds (en or ru); quoted text is never translated.",
)
@with_archive
def brief_export_command(brief_id: int, fmt: str, base_url: str, out: Path | None, language: str) -> None:
    """Export a brief as its owner may see it: public text only, with its citations."""
    if out is None and fmt == "pdf":
        raise click.UsageError("a PDF is written to a file: give --out FILE")
    db = ensure_schema()
    with db.session() as session:
        brief = get_brief(session, brief_id)
        if brief is None:
            raise click.ClickException(f"no brief {brief_id}")
        data = export_brief(session, brief, actor(), fmt, under(base_url), VIA, reader=brief.owner, locale=language)
    if out is None:
        click.echo(data.decode(), nl=False)
    else:
        out.write_bytes(data)
        click.echo(f"brief {brief_id} written to {out} ({len(data):,} bytes)", err=True)
