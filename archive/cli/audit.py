"""The tamper-evident audit log: verify its chain and signed heads, anchor its head."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from archive.auditing import anchor_audit_log, verify_audit_heads, verify_audit_log
from archive.cli.common import VIA, actor, ensure_schema, with_archive
from archive.storage.anchors import Authority, load_signing_key, public_key_hex, token_time


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@with_archive
def audit_verify_command() -> None:
    """Check the audit log's hash chain and every signed head (signature, time-stamp); exit 1
    and say where if an entry was edited, deleted or reordered, the chain rebuilt or cut, or a
    head or its time-stamp forged."""
    config = current_app.config
    db = ensure_schema()
    with db.session() as session:
        report = verify_audit_log(session, actor())
        if not report.ok:
            click.echo(
                f"audit log broken at entry {report.entry_id}: {report.problem} "
                f"({report.checked} entries before it hold)",
                err=True,
            )
            sys.exit(1)
        click.echo(f"audit log holds: {report.checked} entries, head {report.head}")
        key_file = Path(config["AUDIT_KEY_FILE"])
        if not key_file.is_file():
            click.echo(f"no audit signing key at {key_file}: signed heads not checked (run `archive init`)")
            return
        public = load_signing_key(key_file).public_key()
        heads = verify_audit_heads(session, actor(), public, config["TSA_CA_FILE"])
    for problem in heads.problems:
        click.echo(f"audit log: {problem}", err=True)
    if not heads.ok:
        sys.exit(1)
    click.echo(f"{heads.heads} signed heads hold, {heads.anchored} of them time-stamped by an authority")


@audit_group.command("anchor")
@with_archive
def audit_anchor_command() -> None:
    """Sign the audit log's head with the archive's Ed25519 key and, with ARCHIVE_TSA_URL set,
    have that RFC 3161 time-stamping authority countersign it. Run it daily (cron), and after
    anything that matters."""
    config = current_app.config
    key = load_signing_key(Path(config["AUDIT_KEY_FILE"]))
    authority = Authority(config["TSA_URL"], config["TSA_CA_FILE"]) if config["TSA_URL"] else None
    db = ensure_schema()
    with db.session() as session:
        head = anchor_audit_log(session, actor(), VIA, key, authority)
        stamped = token_time(bytes(head.tsa_token)) if head.tsa_token else ""
    click.echo(f"signed head {head.id}: entry {head.entry_id}, {head.entries} entries, hash {head.entry_hash}")
    if stamped:
        click.echo(f"time-stamped by {authority.url} at {stamped}")
    else:
        click.echo("not time-stamped: set ARCHIVE_TSA_URL (and ARCHIVE_TSA_CA_FILE) to have an authority countersign")


@audit_group.command("public-key")
@with_archive
def audit_public_key_command() -> None:
    """Print the public key that signs the audit log's heads (hex): publish it, or give it
    to whoever will check the archive's custody log."""
    click.echo(public_key_hex(load_signing_key(Path(current_app.config["AUDIT_KEY_FILE"]))))
