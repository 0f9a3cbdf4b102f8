"""Accounts: create-user, end-sessions."""

from __future__ import annotations

import click

from archive.auth.users import create_user, end_sessions
from archive.cli.common import VIA, actor, ensure_schema, with_archive
from archive.errors import ArchiveError
from archive.storage import queries
from archive.storage.models import ROLES


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="researcher", show_default=True)
@click.password_option(help="Asked for when not given (at least 12 characters).")
@with_archive
def create_user_command(username: str, role: str, password: str) -> None:
    """Create an account with a role: researcher, custodian or admin."""
    db = ensure_schema()
    with db.session() as session:
        try:
            user = create_user(session, username, password, role, actor(), VIA)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"created {role} {user.username} (id {user.id})")


@click.command("end-sessions")
@click.argument("username")
@with_archive
def end_sessions_command(username: str) -> None:
    """End every signed-in session of an account, on every device (a lost laptop, a copied
    cookie); the account itself stays, and signs in again with its password."""
    db = ensure_schema()
    with db.session() as session:
        user = queries.user_by_name(session, username)
        if user is None:
            raise click.ClickException(f"no account {username!r}")
        try:
            end_sessions(session, user, actor(), VIA)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"every session of {username} has ended")
