"""The tamper-evident audit log: audit verify."""

from __future__ import annotations

import sys

import click

from archive.auditing import verify_audit_log
from archive.cli.common import actor, ensure_schema, with_archive


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@with_archive
def audit_verify_command() -> None:
    """Check the audit log's hash chain; exit 1 and say where if an entry was edited, deleted
    or reordered. Prints the head hash: record it elsewhere to detect a cut-off tail."""
    db = ensure_schema()
    with db.session() as session:
        report = verify_audit_log(session, actor())
    if not report.ok:
        click.echo(
            f"audit log broken at entry {report.entry_id}: {report.problem} ({report.checked} entries before it hold)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"audit log holds: {report.checked} entries, head {report.head}")
