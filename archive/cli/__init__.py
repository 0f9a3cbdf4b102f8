"""The `archive` command: thin click commands over the use cases, one module per area. Each
command acts as the command line's system actor (cli/common.py), never as a bypass.

An area's module is imported only when one of its commands runs (or `--help` lists them): click's
lazy-loading pattern. `archive redact`, `strip` and `inspect` need no database, index or web
stack, and start in a fraction of the time the others take.
"""

from __future__ import annotations

import importlib
import os

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, shell_command

from archive import create_app
from archive.config import private_files
from archive.errors import ArchiveError

# Each area's module, imported when needed (written out, so the layer test reads every one)
_AREAS = {
    "audit": lambda: importlib.import_module("archive.cli.audit"),
    "backup": lambda: importlib.import_module("archive.cli.backup"),
    "briefs": lambda: importlib.import_module("archive.cli.briefs"),
    "corpus": lambda: importlib.import_module("archive.cli.corpus"),
    "documents": lambda: importlib.import_module("archive.cli.documents"),
    "evidence": lambda: importlib.import_module("archive.cli.evidence"),
    "keeping": lambda: importlib.import_module("archive.cli.keeping"),
    "media": lambda: importlib.import_module("archive.cli.media"),
    "redaction": lambda: importlib.import_module("archive.cli.redaction"),
    "search": lambda: importlib.import_module("archive.cli.search"),
    "setup": lambda: importlib.import_module("archive.cli.setup"),
    "timeline": lambda: importlib.import_module("archive.cli.timeline"),
    "users": lambda: importlib.import_module("archive.cli.users"),
    "vault": lambda: importlib.import_module("archive.cli.vault"),
}
# command → (area, the click command or group in its module)
COMMANDS = {
    "audit": ("audit", "audit_group"),
    "brief": ("briefs", "brief_group"),
    "check-index": ("search", "check_index_command"),
    "check-pictures": ("vault", "check_pictures_command"),
    "create-user": ("users", "create_user_command"),
    "end-sessions": ("users", "end_sessions_command"),
    "export-bundle": ("backup", "export_bundle_command"),
    "export-evidence": ("evidence", "export_evidence_command"),
    "fsck": ("vault", "fsck_command"),
    "generate-sample": ("corpus", "generate_sample_command"),
    "import-bundle": ("backup", "import_bundle_command"),
    "ingest": ("documents", "ingest_command"),
    "init": ("setup", "init_command"),
    "inspect": ("media", "inspect_command"),
    "load-corpus": ("corpus", "load_corpus_command"),
    "redact": ("redaction", "redact_command"),
    "reindex": ("search", "reindex_command"),
    "retention": ("keeping", "retention_group"),
    "run": ("setup", "run_command"),
    "search": ("search", "search_command"),
    "serve": ("setup", "serve_command"),
    "strip": ("media", "strip_command"),
    "timeline": ("timeline", "timeline_group"),
    "vault": ("vault", "vault_group"),
    "verify-evidence": ("evidence", "verify_evidence_command"),
    "withdraw": ("keeping", "withdraw_command"),
}


def make_app(*_args, web: bool = True) -> Flask:
    """The app a command runs in: the whole web app for run, serve, routes, shell (and each
    `archive serve` worker), the settings and engines alone for the data commands."""
    # Commands report on the terminal themselves; the log says more only when asked to.
    quiet = {} if "ARCHIVE_LOG_LEVEL" in os.environ else {"LOG_LEVEL": "WARNING"}
    try:
        return create_app(quiet, web=web)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc


class _Archive(FlaskGroup):
    """Flask's command group, with the archive's commands loaded on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            area, attribute = COMMANDS[name]
            return getattr(_AREAS[area](), attribute)
        return super().get_command(ctx, name)


@click.group(cls=_Archive, create_app=make_app, add_default_commands=False)
def main() -> None:
    """Witness Archive: ingest, protect and publish human-rights documentation."""
    private_files()  # every command: what it writes is its user's alone


main.add_command(routes_command)
main.add_command(shell_command)
