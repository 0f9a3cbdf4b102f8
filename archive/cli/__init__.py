"""The `archive` command: thin click commands over the use cases, one module per area. Each
command acts as the command line's system actor (cli/common.py), never as a bypass."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from archive.cli import (
    audit,
    backup,
    briefs,
    corpus,
    documents,
    media,
    redaction,
    search,
    setup,
    timeline,
    users,
)
from archive.cli.common import make_app


@click.group(cls=FlaskGroup, create_app=make_app, add_default_commands=False)
def main() -> None:
    """Witness Archive: ingest, protect and publish human-rights documentation."""


main.add_command(routes_command)
main.add_command(shell_command)
for _area in (setup, corpus, documents, users, media, redaction, search, timeline, briefs, audit, backup):
    for _command in _area.COMMANDS:
        main.add_command(_command)
