"""Load benchmark: `archive serve` with 4 workers on a 100,000-document archive, for each backend.

    .venv/bin/python benchmarks/load.py [--documents 100000] [--requests 600] [--levels 1 8 32]
                                        [--backends whoosh postgres] [--keep FOLDER]
                                        [--search-cache N]

For each backend, SQLite + Whoosh (the default) and PostgreSQL for storage and search (a
throwaway cluster with default durability, tests/pgcluster.py), the script builds the archive
once (the sample case, then the SYNTHETIC documents of `archive generate-sample` inserted in
bulk as reviewed, published documents, then indexed), starts the production server (`archive
serve --workers 4`) and drives it from this process over 127.0.0.1: a bounded number of requests
per level of concurrency (1, 8 and 32 clients, each reusing its connection while the server
keeps it open: sync workers close it after each response), mixed over search (API and page),
document pages, the timeline and the documents API. Half the searches are for the TERMS below,
half for invented words of the synthetic text, drawn as the documents draw them, leaving out
its 50 stop words. It reports throughput, p50/p95/p99 per endpoint, errors, the server's memory
(the resident size of the master and its workers), the share of searches that repeat an
earlier one of the run (the most the servers' kept results can answer: each worker keeps its
own), and the ratio of each backend's search p95 to the other's, measured in the same run.
`--search-cache 0` runs the servers without kept results (ARCHIVE_SEARCH_CACHE). Targets: no
error; search p95 under 100 ms at 8 clients.

With --keep FOLDER the archives (and the PostgreSQL cluster) are left in FOLDER, and a later run
with the same FOLDER and --documents serves them again instead of building them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from archive.config import load_config  # noqa: E402
from archive.corpus.sample import (  # noqa: E402
    SAMPLE_CASE,
    sample_documents,
    sample_vocabularies,
    sample_word,
)
from archive.dates import parse_edtf  # noqa: E402
from archive.documents.parse import parse_front_matter  # noqa: E402
from archive.rendering import render_markdown  # noqa: E402
from archive.search.indexing import indexed, make_backend  # noqa: E402
from archive.storage.db import Database  # noqa: E402
from archive.storage.models import (  # noqa: E402
    Case,
    Document,
    Place,
    Tag,
    document_places,
    document_tags,
)
from tests.pgcluster import Cluster  # noqa: E402

ARCHIVE = ROOT / ".venv" / "bin" / "archive"
BATCH = 5000
WORKERS = 4
SECRET = "load-benchmark-secret-" + "x" * 32
TERMS = ["detained", "officials", "relatives", "hotline", "witnesses", "statement",
         "journalists", "задержали", "отрицали", "родственников", "свидетели", "журналисты",
         "Grozny", "Кадыров", "detained officials", "police AND hotline"]  # fmt: skip
INVENTED = 0.5  # share of searches for invented words of the synthetic text instead of TERMS
STOP_WORDS = 50  # the most frequent invented words, each in over a tenth of the documents
# endpoint -> share of the requests
MIX = {"search api": 0.35, "search page": 0.10, "document page": 0.25, "timeline": 0.10, "documents api": 0.20}


def _env(data_dir: Path, url: str, backend: str, search_cache: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env.update(
        ARCHIVE_DATA_DIR=str(data_dir),
        ARCHIVE_DATABASE_URL=url,
        ARCHIVE_SEARCH_BACKEND=backend,
        ARCHIVE_ENV="production",
        ARCHIVE_SECRET_KEY=SECRET,
        ARCHIVE_LOG_LEVEL="WARNING",
        ARCHIVE_CORPUS_DIR=str(ROOT / "corpus"),
        ARCHIVE_SEARCH_CACHE=str(search_cache),
    )
    return env


def _archive(env: dict, *args: str) -> str:
    done = subprocess.run([str(ARCHIVE), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"archive {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def build(env: dict, count: int) -> list[int]:
    """Initialise, load the sample case, insert `count` synthetic documents and index them;
    return the ids of the public documents (what an anonymous reader may open)."""
    _archive(env, "init")
    _archive(env, "load-corpus")
    db = Database(env["ARCHIVE_DATABASE_URL"])
    backend = make_backend(load_config(environ=env), db)
    now = datetime.now(UTC).replace(tzinfo=None)
    started = time.perf_counter()
    with db.engine.begin() as connection:
        case_id = connection.execute(
            insert(Case).values(slug=SAMPLE_CASE, title="SYNTHETIC sample for benchmarks", summary="", region="")
        ).inserted_primary_key[0]
    places: dict[str, int] = {}
    tags: dict[str, int] = {}
    batch: list[tuple[dict, dict]] = []
    public: list[int] = []

    def flush() -> None:
        with db.engine.begin() as connection:
            for name in {p for f, _ in batch for p in f["places"]} - places.keys():
                places[name] = (
                    connection.execute(select(Place.id).where(Place.name == name)).scalar()
                    or connection.execute(insert(Place).values(name=name)).inserted_primary_key[0]
                )
            for name in {t for f, _ in batch for t in f["tags"]} - tags.keys():
                tags[name] = (
                    connection.execute(select(Tag.id).where(Tag.name == name)).scalar()
                    or connection.execute(insert(Tag).values(name=name)).inserted_primary_key[0]
                )
            ids = connection.execute(insert(Document).returning(Document.id), [row for _, row in batch]).scalars().all()
            connection.execute(
                insert(document_places),
                [
                    {"document_id": i, "place_id": places[p]}
                    for i, (f, _) in zip(ids, batch, strict=True)
                    for p in f["places"]
                ],
            )
            connection.execute(
                insert(document_tags),
                [
                    {"document_id": i, "tag_id": tags[t]}
                    for i, (f, _) in zip(ids, batch, strict=True)
                    for t in f["tags"]
                ],
            )
        documents = []
        case = Case(slug=SAMPLE_CASE)  # a transient copy: what the index reads of the case
        for doc_id, (fields, row) in zip(ids, batch, strict=True):
            if row["consent"] == "public":
                public.append(doc_id)
            # described for the index as `archive init` and check-index describe it (places
            # and tags in name order, as the database loads them): anything else is stale
            document = Document(
                **row,
                id=doc_id,
                case=case,
                places=[Place(name=n) for n in sorted(fields["places"])],
                tags=[Tag(name=n) for n in sorted(fields["tags"])],
            )
            documents.append(indexed(document))
        backend.index(documents)
        batch.clear()

    for n, (_name, data) in enumerate(sample_documents(count), start=1):
        fields = parse_front_matter(data.decode(), "sample")
        published, events = parse_edtf(fields["published"]), parse_edtf(fields["events"])
        body = fields["body"]
        row = {
            "case_id": case_id,
            "slug": fields["slug"],
            "kind": fields["kind"],
            "title": fields["title"],
            "language": fields["language"],
            "body_original": body,
            "body_public": body,
            "body_html": render_markdown(body),
            "redaction_spans": [],
            "redaction_reviewed_at": now,
            "published_edtf": fields["published"],
            "published_start": published.earliest,
            "published_end": published.latest,
            "events_edtf": fields["events"],
            "events_start": events.earliest,
            "events_end": events.latest,
            "consent": fields["consent"],
            "status": "published",
            "sha256": f"{n:064x}",
            "revision": 1,
            "attribution": fields["attribution"],
            "created_at": now,
            "updated_at": now,
        }
        batch.append((fields, row))
        if len(batch) == BATCH:
            flush()
            print(f"  {n:,} documents stored and indexed ({time.perf_counter() - started:.0f} s)", flush=True)
    if batch:
        flush()
    if hasattr(backend, "optimize"):
        backend.optimize()
    backend.close()
    db.dispose()
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return public


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env: dict) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    server = subprocess.Popen(
        [str(ARCHIVE), "serve", "--workers", str(WORKERS), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                connection.close()
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start: " + server.stderr.read().decode()[-2000:])


def memory_mb(pid: int) -> float:
    """Resident memory of the server: the master and every worker."""
    pids = [pid] + [
        int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    ]
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def _content_word(rng: random.Random, vocabulary: list[str]) -> str:
    while True:
        word = sample_word(rng, vocabulary)
        if word not in vocabulary[:STOP_WORDS]:  # most frequent first
            return word


def requests_for(count: int, public: list[int], rng: random.Random) -> list[tuple[str, str]]:
    names = list(MIX)
    chosen = rng.choices(names, weights=[MIX[n] for n in names], k=count)
    vocabularies = list(sample_vocabularies().values())
    paths = []
    for name in chosen:
        # Half the searches are for words of the synthetic text, drawn as the documents draw
        # them (a few words very often, most rarely), the same few queries over and over
        # would measure the caches more than the search; but not its stop words, which
        # nobody searches for on their own.
        if rng.random() < INVENTED:
            term = quote_plus(_content_word(rng, rng.choice(vocabularies)))
        else:
            term = quote_plus(rng.choice(TERMS))
        path = {
            "search api": f"/api/v1/search?q={term}",
            "search page": f"/search?q={term}",
            "document page": f"/documents/{rng.choice(public)}",
            "timeline": "/timeline",
            "documents api": f"/api/v1/documents?page={rng.randint(1, 500)}",
        }[name]
        if name == "search api" and rng.random() < 0.3:
            path += f"&kind=testimony&lang={rng.choice(['en', 'ru'])}"
        paths.append((name, path))
    return paths


def drive(port: int, plan: list[tuple[str, str]], clients: int) -> tuple[dict, int, float]:
    """Send the planned requests from `clients` threads; latencies by endpoint, errors, s."""
    latencies: dict[str, list[float]] = {name: [] for name in MIX}
    errors = [0]
    lock = threading.Lock()
    queue = list(reversed(plan))

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                name, path = queue.pop()
            began = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except Exception:  # noqa: BLE001 - any failure is an error of the run, counted
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            elapsed = time.perf_counter() - began
            with lock:
                latencies[name].append(elapsed)
                errors[0] += not ok
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - began


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def built(env: dict, count: int) -> list[int]:
    """The public ids of the archive in the data folder, built first unless an earlier --keep
    run left one of `count` documents there."""
    marker = Path(env["ARCHIVE_DATA_DIR"]) / "load-benchmark.json"
    if marker.exists():
        kept = json.loads(marker.read_text())
        if kept["documents"] == count:
            print(f"  reusing the archive of {count:,} documents built earlier", flush=True)
            _archive(env, "init")  # migrations added since, and the index brought in line
            return kept["public"]
        raise SystemExit(f"{marker.parent} holds {kept['documents']:,} documents, not {count:,}")
    public = build(env, count)
    marker.parent.mkdir(parents=True, exist_ok=True)  # PostgreSQL's archive keeps nothing there
    marker.write_text(json.dumps({"documents": count, "public": public}))
    return public


def run_backend(name: str, env: dict, count: int, args, rows: list, search_p95: dict) -> None:
    print(f"\n{name}: {count:,} documents", flush=True)
    public = built(env, count)
    server, port = serve(env)
    try:
        rng = random.Random(7)  # noqa: S311 - a reproducible plan of requests
        warm = requests_for(4 * WORKERS * 10, public, rng)
        drive(port, warm, 8)  # warm every worker
        asked = {p.partition("?")[2] for kind, p in warm if kind.startswith("search")}
        for clients in args.levels:
            plan = requests_for(args.requests, public, rng)
            # the same request whether from the page or the API
            searched = [p.partition("?")[2] for kind, p in plan if kind.startswith("search")]
            repeats = 0
            for path in searched:
                repeats += path in asked
                asked.add(path)
            latencies, errors, seconds = drive(port, plan, clients)
            memory = memory_mb(server.pid)
            searches = latencies["search api"] + latencies["search page"]
            search_p95[name, clients] = percentile(searches, 0.95)
            rows.append(
                (
                    name,
                    clients,
                    len(plan) / seconds,
                    errors,
                    memory,
                    "all",
                    len(plan),
                    *(percentile(sum(latencies.values(), []), q) for q in (0.5, 0.95, 0.99)),
                )
            )
            for endpoint, values in latencies.items():
                rows.append(
                    (
                        name,
                        clients,
                        None,
                        None,
                        None,
                        endpoint,
                        len(values),
                        *(percentile(values, q) for q in (0.5, 0.95, 0.99)),
                    )
                )
            print(
                f"  {clients} clients: {len(plan) / seconds:.0f} req/s, {errors} errors, "
                f"search p95 {search_p95[name, clients]:.0f} ms; "
                f"{repeats / max(len(searched), 1):.0%} of its searches repeat an earlier one",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=600, help="per level of concurrency")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--backends", nargs="+", default=["whoosh", "postgres"])
    parser.add_argument("--keep", type=Path, help="build into (or reuse) this folder, kept")
    parser.add_argument("--search-cache", type=int, default=500, help="searches each server process keeps")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="archive-load-"))
    root.mkdir(parents=True, exist_ok=True)
    rows: list = []
    search_p95: dict = {}
    try:
        if "whoosh" in args.backends:
            data = root / "whoosh"
            env = _env(data, f"sqlite:///{data / 'archive.sqlite3'}", "whoosh", args.search_cache)
            run_backend("SQLite + Whoosh", env, args.documents, args, rows, search_p95)
        if "postgres" in args.backends:
            cluster = Cluster(args.keep / "cluster" if args.keep else None, fast=False, keep=bool(args.keep))
            try:
                url = cluster.start()
                env = _env(root / "postgres", url, "postgres", args.search_cache)
                run_backend("PostgreSQL", env, args.documents, args, rows, search_p95)
            finally:
                cluster.stop()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(
        f"\n{args.documents:,} SYNTHETIC documents, `archive serve --workers {WORKERS}`, "
        f"{args.requests} requests per level, {os.cpu_count()} cores, "
        f"{args.search_cache} searches kept per worker\n"
    )
    print("| backend | clients | endpoint | requests | req/s | errors | p50 ms | p95 ms | p99 ms | server MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for backend, clients, rate, errors, memory, endpoint, n, p50, p95, p99 in rows:
        rate_ = f"{rate:.0f}" if rate is not None else ""
        errors_ = str(errors) if errors is not None else ""
        memory_ = f"{memory:.0f}" if memory is not None else ""
        print(
            f"| {backend} | {clients} | {endpoint} | {n} | {rate_} | {errors_} | {p50:.0f} | "
            f"{p95:.0f} | {p99:.0f} | {memory_} |"
        )
    if len({b for b, _ in search_p95}) == 2:
        ratios = [search_p95["PostgreSQL", c] / max(search_p95["SQLite + Whoosh", c], 0.001) for c in args.levels]
        print(
            "\nsearch p95, PostgreSQL ÷ SQLite + Whoosh (same run): "
            + ", ".join(f"{c} clients {r:.2f}×" for c, r in zip(args.levels, ratios, strict=True))
        )
    for (backend, clients), p95 in sorted(search_p95.items()):
        if clients == 8:
            verdict = "meets" if p95 < 100 else "MISSES"
            print(f"{backend}: search p95 at 8 clients {p95:.0f} ms ({verdict} the 100 ms target)")


if __name__ == "__main__":
    main()
