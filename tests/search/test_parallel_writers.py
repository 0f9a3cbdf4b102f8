"""Several processes write to one index at once: none is lost. On Whoosh each waits for the
lock; on PostgreSQL (when the suite runs there) each writes its own rows of the shared tables.

Each writer is a real process (the project's Python running a small script), started together
behind a barrier (a file they wait for) so that their commits interleave: three write documents
straight through the backend one commit at a time, and one ingests through the database, so
that the app's own Indexer writes after each commit. A second test releases eight writers at
once, round after round, on folders holding no index yet: the first writers of a fresh data
folder must create the index without failing or wiping one another's documents.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.search.indexing import check, make_backend
from archive.search.whoosh_backend import WhooshSearch
from archive.services import get_db

pytestmark = pytest.mark.slow

WRITERS = 3
PER_WRITER = 100
STORED = 40  # documents the database writer ingests
FIRST_RAW_ID = 100_000  # far above the database's ids
RACERS, ROUNDS = 8, 10  # writers released together, round after round, on fresh folders

RAW_WRITER = """
import sys, time
from pathlib import Path
from archive.config import load_config
from archive.search.backend import IndexedDocument
from archive.search.indexing import make_backend

folder, first, count, go = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
url, engine = sys.argv[5], sys.argv[6]
config = load_config({"SEARCH_BACKEND": engine, "DATA_DIR": str(folder), "DATABASE_URL": url})
backend = make_backend(config)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
began = time.time()
for i in range(first, first + count):
    backend.index([IndexedDocument(
        i, f"v{i}", "parallel-case", "testimony", "en", f"Document {i}",
        f"Written straight to the index by writer {first}.", (), (), "public", "published",
        None, None, None,
    )])
backend.close()
print(began, time.time(), flush=True)
"""

RACE_WRITER = """
import sys, time
from pathlib import Path
from archive.config import load_config
from archive.search.backend import IndexedDocument
from archive.search.whoosh_backend import WhooshSearch

root, doc_id, rounds = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for r in range(rounds):
    print("ready", flush=True)
    while not (root / f"go-{r}").exists():
        time.sleep(0.001)
    WhooshSearch(root / f"index-{r}").index([IndexedDocument(
        doc_id, "v1", "parallel-case", "testimony", "en", f"Document {doc_id}",
        "Written by one of the first writers.", (), (), "public", "published", None, None, None,
    )])
"""

APP_WRITER = """
import sys, time
from pathlib import Path
from archive import create_app
from archive.auth.actors import SystemActor
from archive.auth.permissions import ACTIONS
from archive.config import document_kinds
from archive.documents.intake import create_document, sha256_hex
from archive.documents.submission import validate_document
from archive.services import get_db

SETUP = SystemActor(os_user="tests", permissions=ACTIONS)  # may attest a review, as a custodian
data, count, go, url = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
app = create_app({
    "TESTING": True, "DATA_DIR": str(data), "LOG_LEVEL": "WARNING", "DATABASE_URL": url,
    "SEARCH_BACKEND": sys.argv[5],
    "SECRET_KEY": "test-secret-" + "x" * 32,
})
kinds = document_kinds(app.config)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
began = time.time()
with app.app_context(), get_db(app).session() as session:
    for n in range(count):
        fields = {
            "case": "parallel-case", "kind": "testimony", "title": f"Stored {n}",
            "language": "en", "consent": "public", "status": "published",
            "redaction": "reviewed", "grading": {"source": "B", "information": "2"},
            "body": f"Stored through the database, number {n}.\\n",
        }
        submission = validate_document(fields, kinds, "parallel")
        create_document(session, submission, sha256_hex(repr(fields).encode()), SETUP, "cli")
print(began, time.time(), flush=True)
"""


def _start(script: str, *args) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env["PYTHONWARNINGS"] = "error"  # the suite's rule holds in the writers too
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _run_together(processes: list[subprocess.Popen], go: Path) -> list[tuple[float, float]]:
    """Release the writers at once; return each one's (first, last) commit time."""
    ready = [process.stdout.readline().strip() for process in processes]
    go.touch()  # released even if one failed to start, so that none waits forever
    assert ready == ["ready"] * len(processes), [p.communicate(timeout=120) for p in processes]
    spans, failures = [], []
    for process in processes:
        out, err = process.communicate(timeout=120)
        # the app's Indexer logs (rather than raises) a failure after a commit: read the log too
        if process.returncode != 0 or any(w in err for w in ("Traceback", "Error", "ERROR")):
            failures.append((process.args[3:], process.returncode, err[-2000:]))
            continue
        began, ended = map(float, out.split())
        spans.append((began, ended))
    assert failures == [], failures
    return spans


def _raw_ids(writers: int, per_writer: int) -> set[int]:
    return {FIRST_RAW_ID + w * per_writer + i for w in range(writers) for i in range(per_writer)}


@pytest.fixture
def parallel_case(make_case) -> str:
    return make_case("parallel-case", "Written in parallel")


def test_parallel_writers_lose_no_document(app, tmp_path, parallel_case):
    data = Path(app.config["DATA_DIR"])
    assert make_backend(app.config, get_db(app)).versions() == {}  # the index exists, empty
    go = tmp_path / "go"
    processes = [
        _start(
            RAW_WRITER,
            data,
            FIRST_RAW_ID + w * PER_WRITER,
            PER_WRITER,
            go,
            app.config["DATABASE_URL"],
            app.config["SEARCH_BACKEND"],
        )
        for w in range(WRITERS)
    ]
    processes.append(_start(APP_WRITER, data, STORED, go, app.config["DATABASE_URL"], app.config["SEARCH_BACKEND"]))
    spans = _run_together(processes, go)

    assert max(b for b, _ in spans) < min(e for _, e in spans), "the writers did not overlap"
    versions = make_backend(app.config, get_db(app)).versions()
    raw = _raw_ids(WRITERS, PER_WRITER)
    lost = raw - set(versions)
    assert sorted(lost) == [], f"{len(lost)} documents written straight to the index are lost"
    assert all(versions[i] == f"v{i}" for i in raw)
    with app.app_context(), get_db(app).session() as session:
        drift = check(session, make_backend(app.config, get_db(app)))
    assert (drift.missing, drift.stale) == ([], []), "documents stored through the database"
    assert set(drift.extra) == raw  # the others are exactly the raw writers' documents
    assert len(versions) == WRITERS * PER_WRITER + STORED


def test_writers_starting_together_on_a_folder_without_an_index_all_succeed(tmp_path):
    # The first writers of a fresh data folder (say `archive run` and `archive ingest` started
    # together) each find no index: creating it must neither fail nor wipe another's documents.
    processes = [_start(RACE_WRITER, tmp_path, FIRST_RAW_ID + w, ROUNDS) for w in range(RACERS)]
    for r in range(ROUNDS):
        if [p.stdout.readline().strip() for p in processes] != ["ready"] * RACERS:
            break  # a writer died in the round before
        (tmp_path / f"go-{r}").touch()
    for r in range(ROUNDS):  # let the survivors finish
        (tmp_path / f"go-{r}").touch()
    failures = []
    for process in processes:
        _out, err = process.communicate(timeout=60)
        if process.returncode != 0:
            failures.append(err.strip().splitlines()[-1])
    assert failures == [], f"writers failed creating the index: {failures}"
    expected = {FIRST_RAW_ID + w for w in range(RACERS)}
    found = {r: set(WhooshSearch(tmp_path / f"index-{r}").versions()) for r in range(ROUNDS)}
    assert found == dict.fromkeys(range(ROUNDS), expected)
