"""Set the archive up and serve it: init, run (development), serve (production)."""

from __future__ import annotations

import gc
import ipaddress
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication
from werkzeug.serving import run_simple

from archive.auth.users import ensure_first_custodian
from archive.cli import make_app
from archive.cli.common import VIA, actor, ensure_schema, with_archive
from archive.config import DEV_SECRET
from archive.documents.media import move_originals_to_document_keys
from archive.documents.revisions import adopt_unrevised
from archive.protection.public_text import adopt_unprotected
from archive.search.errors import RebuildUnderWay
from archive.search.indexing import check, reindex, repair
from archive.services import get_db, media_store, search_backend
from archive.storage.anchors import create_signing_key
from archive.storage.sealed_rows import move_to_document_keys, seal_plain, sealed_tables
from archive.storage.sealing import Sealer
from archive.storage.unit import unit_of_work
from archive.storage.vault import create_key_file, parse_key


@click.command("init")
@with_archive
def init_command() -> None:
    """Create or migrate the database, bring the search index in line, create the first
    custodian account."""
    db = get_db()
    db.upgrade()
    click.echo(f"database at revision {db.revision()}")
    key = _vault_key(current_app.config)
    if create_signing_key(Path(current_app.config["AUDIT_KEY_FILE"])):
        click.echo(f"audit signing key created at {current_app.config['AUDIT_KEY_FILE']} (readable by this user only):")
        click.echo("`archive audit anchor` signs the audit log's head with it. Back it up with the vault key.")
    if key is not None:  # what this run seals, it seals under the key just made
        db.sealer = Sealer(parse_key(key))
    with db.session() as session:
        adopted = adopt_unprotected(session)
        if adopted:
            click.echo(f"{adopted} documents: every field redacted (their originals kept for custodians)")
        with unit_of_work(session):
            revised = adopt_unrevised(session, actor())
        if revised:
            click.echo(
                f"{revised} documents: their present state kept as a revision (received bytes were not kept before)"
            )
        if db.sealer.active:
            with unit_of_work(session):
                sealed = seal_plain(session, db.sealer)
                moved = move_to_document_keys(session, db.sealer)
            # originals: the new sealed files are written before the commit, the old ones
            # removed only after it (a crash in between leaves both, and the next init ends it)
            originals = move_originals_to_document_keys(session, media_store())
            if sealed or moved:  # and the copies they replaced gone from the file
                db.purge_free_space(sealed_tables())
            if sealed:
                click.echo(f"{sealed} values kept plain so far sealed under the vault key (texts, names, decisions)")
            if moved or originals:
                click.echo(
                    f"{moved} revision values and {originals} originals sealed again under their document's own key "
                    "(so that deleting a document destroys them)"
                )
    with db.session() as session:
        found = check(session, search_backend())
        if not found.ok:  # a new index format, or writes the index missed
            try:
                if found.missing and not found.held:  # emptied (a new format): rebuilt at once,
                    # the engine building its structures once (a repair writes one batch at a time)
                    count = reindex(session, search_backend(), actor())
                    click.echo(f"search index: {count} documents indexed")
                else:
                    repair(session, search_backend(), found, actor())
                    click.echo(
                        f"search index: {len(found.missing) + len(found.stale)} documents indexed, "
                        f"{len(found.extra)} removed"
                    )
            except RebuildUnderWay:
                click.echo("search index: another process is rebuilding it; left to that rebuild")
    with db.session() as session:
        created = ensure_first_custodian(session, actor(), VIA)
    if created:
        user, password = created
        click.echo("")
        click.echo("A custodian account was created (role admin). Its password is shown once:")
        click.echo(f"    user name: {user.username}")
        click.echo(f"    password:  {password}")
        click.echo("Keep it somewhere safe; `archive create-user` makes more accounts.")
        click.echo("")


@click.command("run")
@click.option("--host", default=None, help="Default: ARCHIVE_HOST (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Default: ARCHIVE_PORT (5000).")
@with_appcontext
def run_command(host: str | None, port: int | None) -> None:
    """Serve the archive with the development server."""
    app = current_app._get_current_object()
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    refuse_public_dev_secret(app.config, host)
    refuse_without_vault(app.config)
    ensure_schema()
    click.echo(f"Witness Archive on http://{host}:{port}/  (Ctrl+C stops it)")
    click.echo(
        f"Sign in at http://{host}:{port}/login with the account `archive init` printed on its "
        "first run; `archive create-user` makes more."
    )
    _warm_worker(type("Worker", (), {"wsgi": app})())
    run_simple(host, port, app, threaded=True)


@click.command("serve")
@click.option("--host", default=None, help="Default: ARCHIVE_HOST (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Default: ARCHIVE_PORT (5000).")
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="Default: ARCHIVE_WORKERS (4).")
@with_appcontext
def serve_command(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the archive in production: gunicorn with several worker processes."""
    config = current_app.config
    host = host or config["HOST"]
    refuse_public_dev_secret(config, host)
    refuse_without_vault(config)
    ensure_schema()
    options = {
        "bind": f"{host}:{port or config['PORT']}",
        "workers": workers or config["WORKERS"],
        # One thread: sync workers, each answering one request at a time and taking the next
        # connection only when free, so the listening socket's queue spreads the load over
        # them (a front server buffers slow clients). With threads (gthread), a busy worker
        # still accepts connections and keeps them alive, so clients pile up on some workers
        # while others idle: search p95 at 8 clients was 90-146 ms that way, 58-81 ms with
        # sync workers (benchmarks/load.py). Threads pay when the database is far away.
        "worker_class": "sync" if config["THREADS"] == 1 else "gthread",
        "threads": config["THREADS"],
        # a PDF export or a large upload may take a while; a recording is read, rebuilt (or
        # transcoded), read again and given a poster, each step within ARCHIVE_MEDIA_SECONDS
        "timeout": max(120, 3 * config["MEDIA_SECONDS"] + 60),
        "accesslog": None,  # request lines carry queries (what readers search): not logged
        "errorlog": "-",
        "preload_app": False,  # each worker opens its own database connections and index
        "control_socket_disable": True,  # (gunicorn 24+) no control socket in the home folder
        "post_worker_init": _warm_worker,
    }
    click.echo(f"Witness Archive on http://{options['bind']}/ with {options['workers']} workers")
    _Server(options).run()


def _vault_key(config: dict) -> str | None:
    """Create the vault key file when no key is configured (originals are kept by default);
    return the new key, or None if one was configured already."""
    if config["VAULT_KEY"]:
        return None
    path = Path(config["VAULT_KEY_FILE"])
    if create_key_file(path):
        click.echo(f"vault key created at {path} (readable by this user only): every original is kept")
        click.echo("sealed under it. Back it up apart from the data: without it no original can be opened.")
    return path.read_text(encoding="ascii").strip() if path.is_file() else None


def refuse_without_vault(config: dict) -> None:
    """Production keeps every original: it does not start without the key that seals them."""
    if config["ENV"] == "production" and not config["VAULT_KEY"]:
        raise click.ClickException(
            f"refusing to start in production without the vault key: run `archive init` (it writes "
            f"{config['VAULT_KEY_FILE']}) or set ARCHIVE_VAULT_KEY"
        )


def refuse_public_dev_secret(config: dict, host: str) -> None:
    """The development secret is public (it is in this repository): sessions and CSRF tokens
    signed with it can be forged by anyone. Serving with it is allowed on loopback only."""
    if config["SECRET_KEY"] != DEV_SECRET or _loopback(host):
        return
    raise click.ClickException(
        f"refusing to serve on {host} with the development secret, which anyone can read: set "
        "ARCHIVE_SECRET_KEY to a random value of at least 32 characters, or serve on 127.0.0.1"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def _warm_worker(worker) -> None:
    """Load the redaction models (natasha, the dictionaries, the word lists: about 2 s) and
    what the search index reads on every search when a worker starts, not on the first
    document a custodian saves or the first search a reader makes. Then everything loaded so
    far is moved out of the cycle collector's reach (gc.freeze): it lives as long as the
    worker, and the first requests' allocations set off a full collection that walked all of
    it (a fresh worker's first search 34 → 21 ms at 100,000 documents)."""
    from archive.redaction.redact import warm_up

    warm_up()
    search = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("archive.search")
    if hasattr(search, "warm"):
        search.warm()
    gc.freeze()


class _Server(BaseApplication):
    """gunicorn with the given options, each worker building its own app."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        return make_app()
