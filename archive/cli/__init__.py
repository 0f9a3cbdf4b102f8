"""The `archive` command: thin click commands over the use cases."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command
from sqlalchemy import func, select
from werkzeug.serving import run_simple

from archive import create_app
from archive.auth.users import create_user, ensure_first_custodian
from archive.config import document_kinds
from archive.errors import ArchiveError, MediaRefused
from archive.ingest.corpus import corpus_files, load_corpus
from archive.ingest.documents import expand_paths, ingest_paths
from archive.ingest.sample import sample_case, sample_documents
from archive.media import CleanMedia, Limits, sanitise
from archive.storage.blobs import write_atomically
from archive.storage.models import ROLES, Document, User
from archive.web.database import get_db


def _make_app(*_args):
    # Commands report on the terminal themselves; the log says more only when asked to.
    quiet = {} if "ARCHIVE_LOG_LEVEL" in os.environ else {"LOG_LEVEL": "WARNING"}
    try:
        return create_app(quiet)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(cls=FlaskGroup, create_app=_make_app, add_default_commands=False)
def main() -> None:
    """Witness Archive: ingest, protect and publish human-rights documentation."""


main.add_command(routes_command)
main.add_command(shell_command)


@main.command("init")
def init_command() -> None:
    """Create or migrate the database, bring the search index in line, create the first
    custodian account."""
    from archive.search.indexing import check, repair

    db = get_db()
    db.upgrade()
    click.echo(f"database at revision {db.revision()}")
    with db.session() as session:
        found = check(session, _search())
        if not found.ok:  # a new index format, or writes the index missed
            repair(session, _search(), found)
            click.echo(f"search index: {len(found.missing) + len(found.stale)} documents "
                       f"indexed, {len(found.extra)} removed")  # fmt: skip
    with db.session() as session:
        created = ensure_first_custodian(session)
    if created:
        user, password = created
        click.echo("")
        click.echo("A custodian account was created (role admin). Its password is shown once:")
        click.echo(f"    user name: {user.username}")
        click.echo(f"    password:  {password}")
        click.echo("Keep it somewhere safe; `archive create-user` makes more accounts.")
        click.echo("")


@main.command("load-corpus")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def load_corpus_command(path: Path | None) -> None:
    """Load a corpus folder (default: ARCHIVE_CORPUS_DIR); already loaded items are skipped."""
    root = path or Path(current_app.config["CORPUS_DIR"])
    total = len(corpus_files(root)) if root.is_dir() else 0
    _ensure_schema()
    with get_db().session() as session, _progress(total, "loading corpus") as bar:
        try:
            report = load_corpus(
                session, root, _kinds(), progress=lambda r: bar.update(1, _short(r.path))
            )
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
    for result in report.results:
        if result.status == "error":
            click.echo(f"error: {result.message}", err=True)
    click.echo(
        f"corpus {root}: {report.count('ingested')} added, {report.count('skipped')} already "
        f"loaded, {report.count('error')} errors"
    )
    if not report.ok:
        sys.exit(1)


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def ingest_command(paths: tuple[Path, ...]) -> None:
    """Ingest Markdown (YAML front matter) or JSON files, or folders of them, one by one."""
    _ensure_schema()
    files = expand_paths(paths)
    with get_db().session() as session, _progress(len(files), "ingesting") as bar:
        results = ingest_paths(
            session,
            files,
            _kinds(),
            None,
            "cli",
            current_app.config["MAX_UPLOAD_BYTES"],
            progress=lambda r: bar.update(1, _short(r.path)),
        )
    for r in results:
        detail = f"document {r.object_id}" if r.object_id else ""
        click.echo(f"{r.status:9} {r.path} {detail} {r.message}".rstrip())
    counts = {s: sum(r.status == s for r in results) for s in ("ingested", "duplicate", "error")}
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items()))
    if counts["error"] or counts["duplicate"]:
        sys.exit(1)


@main.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="researcher", show_default=True)
@click.password_option(help="Asked for when not given (at least 12 characters).")
def create_user_command(username: str, role: str, password: str) -> None:
    """Create an account with a role: researcher, custodian or admin."""
    _ensure_schema()
    with get_db().session() as session:
        try:
            user = create_user(session, username, password, role, None, "cli")
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"created {role} {user.username} (id {user.id})")


@main.command("generate-sample")
@click.option("--count", default=1000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option(
    "--out", default=None, type=click.Path(path_type=Path), help="Default: ARCHIVE_DATA_DIR/sample."
)
@click.option("--seed", default=1, show_default=True, type=int)
def generate_sample_command(count: int, out: Path | None, seed: int) -> None:
    """Write a clearly labelled SYNTHETIC corpus for benchmarks (load it with load-corpus)."""
    out = out or Path(current_app.config["DATA_DIR"]) / "sample"
    case_dir = out / "synthetic-sample"
    (case_dir / "documents").mkdir(parents=True, exist_ok=True)
    name, data = sample_case()
    (case_dir / name).write_bytes(data)
    with _progress(count, "generating") as bar:
        for name, data in sample_documents(count, seed):
            (case_dir / name).write_bytes(data)
            bar.update(1)
    click.echo(f"wrote {count} synthetic documents under {case_dir}")


@main.command("strip")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the cleaned files (same base names).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report per file.")
def strip_command(files: tuple[Path, ...], out_dir: Path, as_json: bool) -> None:
    """Remove identifying metadata from media files; exit 1 if any file is refused."""
    refused = 0
    inputs = {p.resolve() for p in files}
    claimed: set[Path] = set()
    for path, clean in _sanitised(files, as_json):
        if clean is None:
            refused += 1
            continue
        target = out_dir / f"{path.stem}.{clean.media_type.ext}"
        if target.resolve() in inputs | claimed:
            refused += 1
            why = "an input file" if target.resolve() in inputs else "another cleaned file"
            _print_result(path, None, f"{path.name}: would overwrite {why} ({target})", as_json)
            continue
        claimed.add(target.resolve())
        write_atomically(target, clean.data)
        _print_result(path, clean, str(target), as_json)
    sys.exit(1 if refused else 0)


@main.command("inspect")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report per file.")
def inspect_command(files: tuple[Path, ...], as_json: bool) -> None:
    """Show what metadata media files carry (field names by risk; nothing is written)."""
    refused = 0
    for path, clean in _sanitised(files, as_json):
        if clean is None:
            refused += 1
        else:
            _print_result(path, clean, None, as_json)
    sys.exit(1 if refused else 0)


def _sanitised(files: tuple[Path, ...], as_json: bool):
    """Yield (path, cleaned file), or (path, None) after printing why a file was refused."""
    for path in files:
        try:
            yield path, sanitise(path.read_bytes(), _limits(), path.name)
        except MediaRefused as exc:
            _print_result(path, None, str(exc), as_json)
            yield path, None


def _limits() -> Limits:
    config = current_app.config
    return Limits(max_bytes=config["MAX_UPLOAD_BYTES"], max_pixels=config["MAX_IMAGE_PIXELS"])


def _print_result(path: Path, clean: CleanMedia | None, note: str | None, as_json: bool) -> None:
    if as_json:
        data = {"file": str(path), "ok": clean is not None}
        if clean is None:
            data["error"] = note
        else:
            data |= {"type": clean.media_type.kind, "sha256_original": clean.original_sha256,
                     "sha256_clean": clean.sha256, "report": clean.report.to_dict()}  # fmt: skip
            if note:
                data["written"] = note
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    if clean is None:
        click.echo(f"refused  {note}")
        return
    click.echo(f"{'cleaned' if note else 'found'}  {path} → {note or clean.media_type.kind}")
    click.echo(f"    {clean.report.summary()}")
    for finding in sorted(clean.report.findings):
        click.echo(f"    - {finding.category:10} {finding.field}")
    for action in clean.report.actions:
        click.echo(f"    · {action}")


@main.command("redact", with_appcontext=False)
@click.option("--names", "names_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Protected names, one per line ('Name => Pseudonym' sets the pseudonym). "
              "Default: the file named by REDACT_NAMES_FILE, if set.")  # fmt: skip
@click.option("--lang", type=click.Choice(["auto", "en", "ru"]), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the spans as JSON instead of text.")
def redact_command(names_file: Path | None, lang: str, as_json: bool) -> None:
    """Redact text from standard input; print the redacted text (or the spans) to stdout."""
    from archive.redaction import redact

    if names_file is None and os.environ.get("REDACT_NAMES_FILE"):
        names_file = Path(os.environ["REDACT_NAMES_FILE"])
    names = names_file.read_text(encoding="utf-8").splitlines() if names_file else []
    text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    result = redact(text, names, lang=lang)
    if as_json:
        click.echo(json.dumps({"text": result.text, "spans": result.as_json()}, ensure_ascii=False))
    else:
        sys.stdout.write(result.text)


@main.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database (the source of truth)."""
    from archive.search.indexing import reindex

    _ensure_schema()
    with get_db().session() as session:
        total = session.scalar(select(func.count()).select_from(Document)) or 0
        with _progress(total, "indexing") as bar:
            count = reindex(session, _search(), progress=bar.update)
    click.echo(f"indexed {count} documents")


@main.command("check-index")
@click.option("--repair", is_flag=True, help="Index what is missing or stale; drop what is extra.")
def check_index_command(repair: bool) -> None:
    """Report documents missing, stale or extra in the search index; exit 1 on drift."""
    from archive.search.indexing import check
    from archive.search.indexing import repair as repair_index

    _ensure_schema()
    with get_db().session() as session:
        found = check(session, _search())
        click.echo(
            f"missing {len(found.missing)}, stale {len(found.stale)}, extra {len(found.extra)}"
        )
        for label, ids in (("missing", found.missing), ("stale", found.stale),
                           ("extra", found.extra)):  # fmt: skip
            if ids:
                click.echo(
                    f"  {label}: {', '.join(map(str, ids[:50]))}{' …' if len(ids) > 50 else ''}"
                )
        if repair and not found.ok:
            repair_index(session, _search(), found)
            found = check(session, _search())
            click.echo("repaired" if found.ok else "still drifting after repair")
    sys.exit(0 if found.ok else 1)


@main.command("search")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--as-role", type=click.Choice(["anonymous", *ROLES]), default="anonymous",
              show_default=True, help="Whose access rules apply.")  # fmt: skip
@click.option("--page", default=1, type=click.IntRange(1, 1_000_000))
def search_command(query: str, as_json: bool, as_role: str, page: int) -> None:
    """Search the archive as an anonymous visitor (or the given role) would."""
    from archive.search.query import search_documents

    who = None if as_role == "anonymous" else User(username="cli", role=as_role, active=True)
    try:
        results = search_documents(_search(), who, q=query, page=page)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"total": results.total, "facets": results.facets,
                               "suggestion": results.suggestion,
                               "items": [{"id": h.id, "title": h.title, "kind": h.kind,
                                          "language": h.language, "snippet": h.snippet}
                                         for h in results.hits]}, ensure_ascii=False))  # fmt: skip
        return
    click.echo(f"{results.total} results")
    for hit in results.hits:
        click.echo(f"{hit.id:>6}  {hit.kind:18} {hit.language}  {hit.title}")
    if results.suggestion:
        click.echo(f"did you mean: {results.suggestion}")


def _search():
    return current_app.extensions["archive.search"]


@main.group("timeline")
def timeline_group() -> None:
    """The timeline of events and denials."""


@timeline_group.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "timelinejs"]),
    default="json",
    show_default=True,
)
@click.option("--case", "case_slug", default="", help="Only this case (slug).")
@click.option(
    "--as-role",
    type=click.Choice(["anonymous", *ROLES]),
    default="anonymous",
    show_default=True,
    help="Whose access rules apply.",
)
@click.option("--base-url", default="", help="Prefix for permalinks, e.g. https://archive.example")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: standard output).")  # fmt: skip
def timeline_export_command(fmt: str, case_slug: str, as_role: str, base_url: str,
                            out: Path | None) -> None:  # fmt: skip
    """Export the timeline as an anonymous visitor (or the given role) may see it."""
    from archive.timeline.export import export
    from archive.timeline.read import TimelineFilters, visible_entries

    _ensure_schema()
    who = None if as_role == "anonymous" else User(username="cli", role=as_role, active=True)
    link = _permalinks(base_url)
    with get_db().session() as session:
        entries = visible_entries(session, who, TimelineFilters(case=case_slug))
        body = export(
            entries, fmt, link, title=f"Timeline: {case_slug}" if case_slug else "Timeline"
        )
    if out is None:
        click.echo(body, nl=False)
    else:
        out.write_text(body, encoding="utf-8")
        click.echo(f"{len(entries)} entries written to {out}", err=True)


@main.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
def audit_verify_command() -> None:
    """Check the audit log's hash chain; exit 1 and say where if an entry was edited, deleted
    or reordered. Prints the head hash: record it elsewhere to detect a cut-off tail."""
    from archive.storage import audit

    _ensure_schema()
    with get_db().session() as session:
        report = audit.verify(session)
    if not report.ok:
        click.echo(f"audit log broken at entry {report.entry_id}: {report.problem} "
                   f"({report.checked} entries before it hold)", err=True)  # fmt: skip
        sys.exit(1)
    click.echo(f"audit log holds: {report.checked} entries, head {report.head}")


@main.command("export-bundle")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def export_bundle_command(path: Path) -> None:
    """Write the whole archive (rows, clean media, sealed originals, audit log) to a new folder
    with a manifest of SHA-256 hashes; print the manifest's own hash to keep elsewhere."""
    from archive.ingest.backup import export_archive

    db = _ensure_schema()
    with db.session() as session:
        report = export_archive(session, Path(current_app.config["MEDIA_DIR"]), path,
                                db.revision(), "cli")  # fmt: skip
    click.echo(f"{sum(report.rows.values())} rows and {report.files} files written to {path}")
    click.echo(f"manifest SHA-256 {report.manifest_sha256}")


@main.command("import-bundle")
@click.argument("path", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--expect-manifest", default=None,
              help="The manifest SHA-256 printed at export: refuse any other.")  # fmt: skip
def import_bundle_command(path: Path, expect_manifest: str | None) -> None:
    """Restore a bundle into an empty archive after checking every file against the manifest
    (a tampered bundle is refused before anything is written); then rebuild the index."""
    from archive.errors import ValidationError
    from archive.ingest.backup import import_archive
    from archive.search.indexing import reindex

    db = get_db()
    db.upgrade()  # a new data folder needs no `archive init` first
    try:
        with db.session() as session:
            report = import_archive(session, Path(current_app.config["MEDIA_DIR"]), path,
                                    db.revision(), "cli", expect_manifest)  # fmt: skip
            indexed = reindex(session, _search())
    except ValidationError as exc:
        raise click.ClickException(f"refused: {exc}") from exc
    click.echo(f"{sum(report.rows.values())} rows and {report.files} files restored; "
               f"{indexed} documents indexed; the audit log holds")  # fmt: skip


def _permalinks(base_url: str):
    """Permalinks as the web pages make them, under the given address."""
    base = base_url.rstrip("/")

    def link(kind: str, object_id: int) -> str:
        path = "documents" if kind == "document" else "timeline/entries"
        return f"{base}/{path}/{object_id}"

    return link


@main.group("brief")
def brief_group() -> None:
    """Briefs: export them."""


@brief_group.command("export")
@click.argument("brief_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["md", "html", "pdf"]), default="md",
              show_default=True)  # fmt: skip
@click.option("--base-url", default="", help="Prefix for permalinks, e.g. https://archive.example")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: standard output; a PDF needs --out).")  # fmt: skip
def brief_export_command(brief_id: int, fmt: str, base_url: str, out: Path | None) -> None:
    """Export a brief as its owner may see it: public text only, with its citations."""
    from archive.briefs.export import export_brief
    from archive.storage.models import Brief

    _ensure_schema()
    if out is None and fmt == "pdf":
        raise click.UsageError("a PDF is written to a file: give --out FILE")
    link = _permalinks(base_url)
    with get_db().session() as session:
        brief = session.get(Brief, brief_id)
        if brief is None:
            raise click.ClickException(f"no brief {brief_id}")
        data = export_brief(session, brief, brief.owner, fmt, link, "cli")
    if out is None:
        click.echo(data.decode(), nl=False)
    else:
        out.write_bytes(data)
        click.echo(f"brief {brief_id} written to {out} ({len(data):,} bytes)", err=True)


@main.command("run")
@click.option("--host", default=None, help="Default: ARCHIVE_HOST (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Default: ARCHIVE_PORT (5000).")
def run_command(host: str | None, port: int | None) -> None:
    """Serve the archive with the development server."""
    app = current_app._get_current_object()
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    _ensure_schema()
    click.echo(f"Witness Archive on http://{host}:{port}/  (Ctrl+C stops it)")
    click.echo(
        f"Sign in at http://{host}:{port}/login with the account `archive init` printed on its "
        "first run; `archive create-user` makes more."
    )
    run_simple(host, port, app, threaded=True)


@main.command("serve")
@click.option("--host", default=None, help="Default: ARCHIVE_HOST (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Default: ARCHIVE_PORT (5000).")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Default: ARCHIVE_WORKERS (4).")  # fmt: skip
def serve_command(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the archive in production: gunicorn with several worker processes."""
    from gunicorn.app.base import BaseApplication

    config = current_app.config
    _ensure_schema()
    options = {
        "bind": f"{host or config['HOST']}:{port or config['PORT']}",
        "workers": workers or config["WORKERS"],
        # One thread: sync workers, each answering one request at a time and taking the next
        # connection only when free, so the listening socket's queue spreads the load over
        # them (a front server buffers slow clients). With threads (gthread), a busy worker
        # still accepts connections and keeps them alive, so clients pile up on some workers
        # while others idle: search p95 at 8 clients was 90-146 ms that way, 58-81 ms with
        # sync workers (benchmarks/load.py). Threads pay when the database is far away.
        "worker_class": "sync" if config["THREADS"] == 1 else "gthread",
        "threads": config["THREADS"],
        "timeout": 120,  # a PDF export or a large upload may take a while
        "accesslog": None,  # request lines carry queries (what readers search): not logged
        "errorlog": "-",
        "preload_app": False,  # each worker opens its own database connections and index
        "control_socket_disable": True,  # (gunicorn 24+) no control socket in the home folder
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return _make_app()

    click.echo(f"Witness Archive on http://{options['bind']}/ with {options['workers']} workers")
    Server().run()


def _ensure_schema():
    """Return the database, if it is initialised and migrated; else stop with what to do."""
    db = get_db()
    if db.revision() != db.head():
        raise click.ClickException(
            "the database is not initialised or not migrated: run `archive init`"
        )
    return db


def _kinds() -> tuple[str, ...]:
    return document_kinds(current_app.config)


def _progress(total: int, label: str):
    # A bar on a terminal; nothing when piped (CI logs stay readable).
    return click.progressbar(
        length=max(total, 1), label=label, file=sys.stderr if sys.stderr.isatty() else _Null()
    )


class _Null:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _short(path: str) -> str:
    return Path(path).name
