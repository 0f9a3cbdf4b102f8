"""The timeline from a terminal: timeline export."""

from __future__ import annotations

from pathlib import Path

import click

from archive.cli.common import AS_ROLE, BASE_URL, actor, ensure_schema, with_archive
from archive.links import under
from archive.timeline.export import FORMATS, export, schema_under
from archive.timeline.read import TimelineFilters, visible_entries


@click.group("timeline")
def timeline_group() -> None:
    """The timeline of events and denials."""


@timeline_group.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--case", "case_slug", default="", help="Only this case (slug).")
@AS_ROLE
@BASE_URL
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output).",
)
@with_archive
def timeline_export_command(fmt: str, case_slug: str, as_role: str, base_url: str, out: Path | None) -> None:
    """Export the timeline as an anonymous visitor (or the given role) may see it; links and
    the JSON's `$schema` are under --base-url (paths alone without it)."""
    db = ensure_schema()
    with db.session() as session:
        entries = visible_entries(session, actor(reads_as=as_role), TimelineFilters(case=case_slug))
        title = f"Timeline: {case_slug}" if case_slug else "Timeline"
        body = export(entries, fmt, under(base_url), schema_url=schema_under(base_url), title=title)
    if out is None:
        click.echo(body, nl=False)
    else:
        out.write_text(body, encoding="utf-8")
        click.echo(f"{len(entries)} entries written to {out}", err=True)
