"""Withdraw a document at once, and list what is due for a retention review (for cron)."""

from __future__ import annotations

import json
import sys

import click

from archive.cli.common import VIA, actor, ensure_schema, with_archive
from archive.documents.consent import withdraw
from archive.documents.disposal import due_for_review
from archive.storage.models import REMOVAL_REASONS, Document


@click.command("withdraw")
@click.argument("document_id", type=int)
@click.option("--reason", required=True, type=click.Choice(REMOVAL_REASONS), help="Why, as readers are told.")
@click.option("--note", default="", help="For custodians only (sealed); may name someone.")
@with_archive
def withdraw_command(document_id: int, reason: str, note: str) -> None:
    """Take every public copy of a document away now (pages, API, search, timeline citations,
    brief quotes, exports), leaving a tombstone: for when a witness calls and the web is out of
    reach. Only narrows; publishing again takes a custodian's account."""
    db = ensure_schema()
    with db.session() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise click.ClickException(f"no document {document_id}")
        removal = withdraw(session, document, reason, note, actor(), VIA)
    click.echo(f"document {document_id} withdrawn ({reason}); readers who saw it are told since {removal.at:%Y-%m-%d}")


@click.group("retention")
def retention_group() -> None:
    """Retention reviews."""


@retention_group.command("due")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
@with_archive
def due_command(as_json: bool) -> None:
    """List the documents whose review date has come (exit 1 if any: a cron job mails it)."""
    db = ensure_schema()
    with db.session() as session:
        due = due_for_review(session, actor())
    for item in due:
        if as_json:
            fields = {"id": item.id, "review_after": item.review_after.isoformat(), "legal_hold": item.held}
            click.echo(json.dumps(fields))
        else:
            held = "  (legal hold)" if item.held else ""
            click.echo(f"{item.id}\t{item.review_after.isoformat()}{held}")
    if not as_json:
        click.echo(f"{len(due) or 'no'} documents due for a retention review", err=True)
    sys.exit(1 if due else 0)
