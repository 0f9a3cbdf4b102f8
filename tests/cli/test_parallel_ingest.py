"""Ingest from several processes at once: two bulk CLI ingests and the JSON API of a running
server (four client threads) write into one archive together; nothing is lost, nothing is
doubled, the index and the audit chain agree with the database afterwards. The server is the
development server (`archive run`), then the production one with three worker processes
(`archive serve`: sync workers, then threaded ones), whose workers must each find every
document the others indexed."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from archive.storage.models import Document, User
from tests.cli.conftest import ARCHIVE, _environment

pytestmark = pytest.mark.slow
PER_FOLDER, BY_API = 80, 60


def _fields(slug: str) -> dict:
    return {
        "slug": slug,
        "case": "parallel",
        "kind": "testimony",
        "title": f"Account {slug}",
        "language": "en",
        "consent": "public",
        "status": "published",
        "redaction": "reviewed",
        "grading": {"source": "B", "information": "2"},
    }


def _folder(path, prefix: str) -> None:
    path.mkdir(parents=True)
    for n in range(PER_FOLDER):
        body = f"Statement {prefix} {n} on the round-ups in the spring.\n"
        text = f"---\n{yaml.safe_dump(_fields(f'{prefix}-{n}'))}---\n{body}"
        (path / f"{n:03d}.md").write_text(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(command: list[str], workdir: Path, env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """The server, once it answers on a free port, and its address. A port found free may be
    taken by another process (a test of another worker) before the server binds it: the
    server then ends, and is started again on another; gunicorn is known to be this one by its
    log naming the port (a page answering on it may be another test's server)."""
    for _ in range(5):
        port = _free_port()
        with log.open("w") as errors:
            server = subprocess.Popen(
                [str(ARCHIVE), *command, "--port", str(port)],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while server.poll() is None and time.monotonic() < deadline:
            said = log.read_text(errors="replace")  # gunicorn names its port; `run` says nothing
            if not said or f"127.0.0.1:{port}" in said:
                try:
                    urllib.request.urlopen(f"{base}/", timeout=5).close()  # noqa: S310 - loopback
                    return server, base
                except OSError:
                    pass
            time.sleep(0.1)
        server.terminate()
        server.wait(timeout=30)
    pytest.fail(f"the server did not start:\n{log.read_text(errors='replace')[-3000:]}")


def _post(base: str, token: str, n: int) -> int | str:
    # a web submission waits for its redaction review before it can be published
    fields = {**_fields(f"api-{n}"), "status": "in_review", "redaction": "pending"}
    body = json.dumps({**fields, "body": f"Statement api {n} in spring.\n"})
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(  # noqa: S310 - a loopback http:// address of the test's
        f"{base}/api/v1/documents", data=body.encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {exc.read()[:300]!r}"


def _search_total(base: str, q: str) -> int:
    url = f"{base}/api/v1/search?q={q}&per_page=1"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - loopback
        return json.load(response)["total"]


@pytest.mark.parametrize(
    ("command", "threads"),
    [(["run"], "1"), (["serve", "--workers", "3"], "1"), (["serve", "--workers", "3"], "2")],
    ids=["run", "serve", "serve-threads"],  # sync workers, then gthread workers
)
def test_cli_and_web_ingest_together_lose_nothing(
    initialised, archive, workdir, data_dir, database, tmp_path, command, threads
):
    case = tmp_path / "cases" / "parallel"
    case.mkdir(parents=True)
    (case / "case.yaml").write_text("slug: parallel\ntitle: Parallel ingest\n")
    assert archive("load-corpus", "--reviewed-by", "custodian", case.parent).returncode == 0
    assert (
        archive("create-user", "feeder", "--role", "custodian", "--password", "a long enough password").returncode == 0
    )
    from archive.auth.tokens import create_token

    with database().session() as s:
        feeder = s.scalars(select(User).where(User.username == "feeder")).one()
        _, token = create_token(s, feeder, "parallel test", "custodian", feeder, "cli")
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder, prefix in zip(folders, ("cli-a", "cli-b"), strict=True):
        _folder(folder, prefix)

    log = tmp_path / "server.log"
    server, base = _start(command, workdir, _environment(data_dir, ARCHIVE_THREADS=threads), log)
    bulk: list[subprocess.Popen] = []
    try:
        bulk = [
            subprocess.Popen(
                [str(ARCHIVE), "ingest", "--reviewed-by", "custodian", str(f)],
                cwd=workdir,
                env=_environment(data_dir),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for f in folders
        ]
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(lambda n: _post(base, token, n), range(BY_API)))
        outputs = [p.communicate(timeout=300) for p in bulk]
        # every worker finds every published document, whichever process indexed it
        totals = [_search_total(base, "round-ups") for _ in range(12)]
    finally:
        server.terminate()
        server.wait(timeout=30)
        for process in bulk:  # where a request failed first: none left running, nor its pipes
            if process.returncode is None:  # open, to be reported in a later test
                process.kill()
                process.communicate()
    if command[0] == "serve":  # gunicorn says which workers it started
        assert f"Using worker: {'sync' if threads == '1' else 'gthread'}" in log.read_text()
    assert statuses == [201] * BY_API
    assert totals == [2 * PER_FOLDER] * len(totals)
    for process, (out, err) in zip(bulk, outputs, strict=True):
        assert process.returncode == 0, err
        assert f"{PER_FOLDER} ingested, 0 duplicate, 0 error" in out
    with database().session() as s:
        slugs = s.scalars(select(Document.slug)).all()
        assert len(slugs) == len(set(slugs)) == 2 * PER_FOLDER + BY_API
        assert s.scalar(select(func.count(Document.id))) == 2 * PER_FOLDER + BY_API
    assert archive("check-index").returncode == 0
    assert archive("audit", "verify").returncode == 0
