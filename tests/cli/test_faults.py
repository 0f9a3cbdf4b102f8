"""Faults: a bulk ingest killed with SIGKILL halfway leaves a consistent database; the index is
brought back in line by `archive check-index --repair`; running the ingest again stores the
rest, with no document lost or duplicated, and the audit chain holds throughout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
import yaml
from sqlalchemy import func, select, text

from archive.storage.models import Document, IndexOutbox
from tests import databases
from tests.cli.conftest import ARCHIVE, _environment

pytestmark = pytest.mark.slow
FILES = 400


def _write_folder(folder, count: int) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        fields = {
            "slug": f"bulk-{n}",
            "case": "faults",
            "kind": "testimony",
            "title": f"Bulk testimony {n}",
            "language": "en",
            "consent": "public",
            "status": "published",
            "redaction": "reviewed",
            "grading": {"source": "B", "information": "2"},
        }
        body = f"Witness statement number {n} about the detention in the spring.\n"
        (folder / f"{n:04d}.md").write_text(f"---\n{yaml.safe_dump(fields)}---\n{body}")


def test_a_killed_bulk_ingest_loses_and_duplicates_nothing(initialised, archive, workdir, data_dir, database, tmp_path):
    case = tmp_path / "cases" / "faults"
    case.mkdir(parents=True)
    (case / "case.yaml").write_text("slug: faults\ntitle: Faults\n")
    assert archive("load-corpus", "--reviewed-by", "custodian", case.parent).returncode == 0
    folder = tmp_path / "incoming"
    _write_folder(folder, FILES)
    ingest = subprocess.Popen(
        [str(ARCHIVE), "ingest", "--reviewed-by", "custodian", str(folder)],
        cwd=workdir,
        env=_environment(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = database()
    deadline = time.monotonic() + 120
    stored = 0
    while stored < FILES // 4 and time.monotonic() < deadline and ingest.poll() is None:
        time.sleep(0.05)
        with db.session() as s:
            stored = s.scalar(select(func.count(Document.id)))
    assert ingest.poll() is None, "the ingest finished before it could be killed"
    os.kill(ingest.pid, signal.SIGKILL)
    ingest.wait(timeout=30)
    assert ingest.returncode == -signal.SIGKILL

    with db.session() as s:  # consistent: the file is sound, and every stored row is whole
        if databases.ENGINE == "sqlite":  # (a PostgreSQL server outlives its killed client)
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        killed_at = s.scalar(select(func.count(Document.id)))
        assert FILES // 4 <= killed_at < FILES
        incomplete = s.scalar(
            select(func.count(Document.id)).where((Document.body_public == "") | (Document.body_html == ""))
        )
        assert incomplete == 0
        # the index work of what was committed since the last batch is in the outbox
        queued = s.scalar(select(func.count(func.distinct(IndexOutbox.document_id))))
        assert queued > 0
    # the next command, whatever it is, finishes the queue before its own work
    assert archive("audit", "verify").returncode == 0
    with db.session() as s:
        assert s.scalar(select(func.count(IndexOutbox.id))) == 0
    checked = archive("check-index")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "queued 0" in checked.stdout

    again = archive("ingest", "--reviewed-by", "custodian", folder)  # what was stored is a duplicate, the rest goes in
    assert again.returncode == 1  # duplicates are reported as such
    assert f"{FILES - killed_at} ingested, {killed_at} duplicate, 0 error" in again.stdout
    with db.session() as s:
        assert s.scalar(select(func.count(Document.id))) == FILES
        slugs = s.scalars(select(Document.slug)).all()
        assert len(set(slugs)) == FILES
    assert archive("check-index").returncode == 0
    assert archive("audit", "verify").returncode == 0
    found = archive("search", "detention", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["total"] == FILES
