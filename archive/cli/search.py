"""The search index and searching from a terminal: reindex, check-index, search."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack

import click

from archive.cli.common import AS_ROLE, actor, ensure_schema, progress, with_archive
from archive.errors import ArchiveError
from archive.links import under
from archive.search.indexing import check, reindex, repair
from archive.search.query import search_documents
from archive.search.serialize import results_json
from archive.services import get_session, search_backend
from archive.storage import queries


@click.command("reindex")
@with_archive
def reindex_command() -> None:
    """Rebuild the search index from the database (the source of truth)."""
    db = ensure_schema()
    with db.session() as session:
        total = queries.count_documents(session)
        try:
            with ExitStack() as shown:
                bar = shown.enter_context(progress(total, "indexing"))

                def ending(note: str) -> None:  # the bar done, what the backend does meanwhile
                    shown.close()
                    click.echo(f"{note}…", err=True)

                count = reindex(session, search_backend(), actor(), progress=bar.update, ending=ending)
        except ArchiveError as exc:  # another rebuild under way, say
            raise click.ClickException(str(exc)) from exc
    click.echo(f"indexed {count} documents")


@click.command("check-index")
@click.option("--repair", "fix", is_flag=True, help="Index what is missing or stale; drop what is extra.")
@with_archive
def check_index_command(fix: bool) -> None:
    """Report documents missing, stale or extra in the search index; exit 1 on drift."""
    db = ensure_schema()
    with db.session() as session:
        found = check(session, search_backend())
        click.echo(
            f"missing {len(found.missing)}, stale {len(found.stale)}, extra {len(found.extra)}, queued {found.queued}"
        )
        for lacking in found.lacking:
            click.echo(f"  lacking: {lacking}")
        for label, ids in (("missing", found.missing), ("stale", found.stale), ("extra", found.extra)):
            if ids:
                click.echo(f"  {label}: {', '.join(map(str, ids[:50]))}{' …' if len(ids) > 50 else ''}")
        if fix and not found.ok:
            try:
                repair(session, search_backend(), found, actor())
            except ArchiveError as exc:  # a rebuild under way, say
                raise click.ClickException(str(exc)) from exc
            found = check(session, search_backend())
            click.echo("repaired" if found.ok else "still drifting after repair")
    sys.exit(0 if found.ok else 1)


@click.command("search")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@AS_ROLE
@click.option("--page", default=1, type=click.IntRange(1, 1_000_000))
@with_archive
def search_command(query: str, as_json: bool, as_role: str, page: int) -> None:
    """Search the archive as an anonymous visitor (or the given role) would."""
    try:
        results = search_documents(search_backend(), actor(reads_as=as_role), get_session(), q=query, page=page)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(results_json(results, under("")), ensure_ascii=False))
        return
    if results.partial:
        click.echo("the index is catching up with recent changes: results re-checked, no total given")
    else:
        click.echo(f"{results.total} results")
    for hit in results.hits:
        click.echo(f"{hit.id:>6}  {hit.kind:18} {hit.language}  {hit.title}")
    if results.suggestion:
        click.echo(f"did you mean: {results.suggestion}")
