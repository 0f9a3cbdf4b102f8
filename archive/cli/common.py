"""What every command needs: the database checked, the actor, progress bars, the settings."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo
from sqlalchemy.exc import OperationalError, ProgrammingError

from archive.auth.actors import ANONYMOUS, SystemActor, command_line_actor
from archive.cli import make_app
from archive.config import document_kinds
from archive.services import get_db, indexer
from archive.storage.db import Database
from archive.storage.models import ROLES

VIA = "cli"  # where the calls come from, for the audit log; it grants nothing

# Options several commands share
AS_ROLE = click.option(
    "--as-role",
    type=click.Choice([ANONYMOUS, *ROLES]),
    default=ANONYMOUS,
    show_default=True,
    help="Whose access rules apply.",
)
BASE_URL = click.option("--base-url", default="", help="Prefix for permalinks, e.g. https://archive.example")


def with_archive(command):
    """Flask's with_appcontext for a data command: the app with its settings and engines and
    without its web pages, unless the caller gave an app of its own (the tests do)."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        info = click.get_current_context().ensure_object(ScriptInfo)
        app = make_app(web=False) if info.create_app is make_app else info.load_app()
        pending = app.config["VAULT_KEY_FILE"] and Path(app.config["VAULT_KEY_FILE"] + ".new")
        if pending and pending.exists() and command.__name__ != "rotate_command":
            raise click.ClickException(
                "a vault key rotation stopped half-way: run `archive vault rotate` to finish it first"
            )
        with app.app_context():
            _finish_index_work()
            return command(*args, **kwargs)

    return run


def _finish_index_work() -> None:
    """Do the index work an earlier process left in the outbox (a failed update, a bulk load
    killed mid-way), before anything else: every command leaves the index as it should be."""
    try:
        indexer().drain()
    except (OperationalError, ProgrammingError):
        return  # no database yet, or not migrated: `archive init` says so
    except Exception as exc:  # noqa: BLE001 - the work stays queued; the command goes on
        click.echo(
            f"the search index could not take queued changes yet ({type(exc).__name__}); they stay queued", err=True
        )


def actor(reads_as: str = ANONYMOUS, attested_by: int | None = None) -> SystemActor:
    """The command line's actor: the operating-system user, with the commands' permissions."""
    return command_line_actor(reads_as, attested_by)


REVIEWED_BY = click.option(
    "--reviewed-by",
    "reviewed_by",
    default=None,
    metavar="USER",
    help="A custodian's account vouching that files saying `redaction: reviewed` were reviewed "
    "before they came in; without it that front matter is ignored and they wait for review.",
)


def reviewer(name: str | None, option: str = "--reviewed-by") -> int | None:
    """The account id of the custodian named by --reviewed-by (or `option`; checked), or None."""
    if name is None:
        return None
    from archive.auth.permissions import can
    from archive.storage import queries

    with get_db().session() as session:
        user = queries.user_by_name(session, name)
        if user is None or not user.active or not can(user, "document:edit"):
            raise click.ClickException(f"{option} {name}: no active custodian account of that name")
        return user.id


def ensure_schema() -> Database:
    """Return the database, if it is initialised and migrated; else stop with what to do."""
    db = get_db()
    if db.revision() != db.head():
        raise click.ClickException("the database is not initialised or not migrated: run `archive init`")
    return db


def kinds() -> tuple[str, ...]:
    return document_kinds(current_app.config)


def progress(total: int, label: str):
    """A progress bar on a terminal; nothing when piped (CI logs stay readable)."""
    return click.progressbar(length=max(total, 1), label=label, file=sys.stderr if sys.stderr.isatty() else _Null())


def short(path: str) -> str:
    return Path(path).name


class _Null:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False
