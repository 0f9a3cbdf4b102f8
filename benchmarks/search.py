"""Search benchmark, timed as readers meet it: the archive's Whoosh and PostgreSQL backends beside
SQLite FTS5 on the same documents, measured in the same run.

    .venv/bin/python benchmarks/search.py [--sizes 10000 100000] [--queries 60]
                                          [--backends whoosh postgres fts5] [--keep FOLDER]
                                          [--fresh-workers 6]

For each size the script writes a SYNTHETIC corpus of realistic shape (1,000–3,000 characters of
Markdown: headings, paragraphs, some lists; six English documents in ten, four Russian; words
drawn from wordfreq's 30,000 most frequent words of each language with their real frequencies,
names and places in either script), stores it in a fresh archive (`archive init`, the rows
inserted as reviewed documents) and times `archive reindex` through each backend: documents per
second through the real command, and the index's size on disk (PostgreSQL: its two tables with
their indexes). PostgreSQL runs as a server of its own would: durable commits, and its cache of
pages (shared_buffers) a quarter of the machine's memory, the search tables read into it once
built (pg_prewarm), as a server in service holds them. FTS5 (unicode61, no stemming) gets the
same public text and filters.

Every timed request is asked once (never repeated) with the results cache off, in two kinds of
process:
- a **fresh worker**: a new process opens the index (and warms itself, as a server's worker does
  at start; the start-up is reported apart), then answers one request of each type, in turn; a
  few such processes are started and their requests pooled;
- a **warm worker**: one process that has already answered 200 other requests.
Then **kept results**: the same request asked a second time with the cache on (a reader paging
back, a popular query).

Request types: a single term, two terms with AND, a two-word phrase found in the corpus, a
Russian word form (stemmed), a term with a kind filter and a date range, a common term with the
six facets counted, and the second page of a term's results; every hit carries a snippet (for
the backends, made of the archive's text of the page's hits, read by their ids, as a search
makes them once its hits are checked), and FTS5 makes one with snippet() for every request
too. Then one document added or replaced (the p95 of 100), and one indexed as after a commit
that wrote it (indexing.update: read from the database under the index's lock, written, its
outbox rows removed). Targets (issue 23): at
100,000 documents every type p95 < 50 ms in a warm worker and < 100 ms in a fresh one
(Whoosh), < 100 ms (PostgreSQL), each ≤ 3× FTS5's p95 in the same kind of worker; `archive
reindex` ≥ 1,000 documents/s; one update p95 < 50 ms; index ≤ 2× FTS5's size.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARCHIVE = ROOT / ".venv" / "bin" / "archive"
TYPES = ("single term", "two-term AND", "phrase", "Russian term", "filter + date range", "six facets", "page 2")
FRESH_WORKERS = 6  # processes started for the fresh-worker figures (--fresh-workers) ...
FRESH_ROUNDS = 5  # ... each answering this many requests of each type
WARM_UP = 200  # requests a warm worker has answered before it is timed
KINDS = ("testimony", "news_report", "official_statement", "photo_caption", "analysis")
PLACES = ("Grozny", "Argun", "Shali", "Gudermes", "Moscow", "Nalchik", "Nazran", "Vladikavkaz", "Khasavyurt",
          "Makhachkala", "Kurchaloy", "Urus-Martan", "Toronto", "Paris", "Vilnius", "Berlin", "Tbilisi",
          "Beslan", "Mozdok", "Rostov", "Grozny city", "Achkhoy-Martan", "Vedeno", "Naur", "Kizlyar")  # fmt: skip
TAGS = ("detention", "torture", "denial", "hotline", "evacuation", "refugees", "threats", "family", "police",
        "investigation", "media", "court", "asylum", "health", "prison", "checkpoint", "phone", "video",
        "witness", "statement")  # fmt: skip
NAMES_EN = ("Kadyrov", "Hamzat", "Zelimkhan", "Magomed", "Guseinov", "Aliev", "Dudaev", "Ramzan", "Malika", "Adam")
NAMES_RU = ("Кадыров", "Хамзат", "Зелимхан", "Магомед", "Гусейнов", "Алиев", "Дудаев", "Рамзан", "Малика", "Адам")
CASES = ("chechnya-2017", "north-caucasus-2019", "synthetic-third")


# -- the corpus -----------------------------------------------------------------------------------


class Words:
    """A language's words as wordfreq ranks them, drawn with their frequencies (Zipf)."""

    def __init__(self, language: str, count: int = 30_000):
        import numpy as np
        from wordfreq import top_n_list, word_frequency

        self.words = [w for w in top_n_list(language, count) if w.isalpha()]
        weights = np.array([word_frequency(w, language) for w in self.words])
        self.cdf = np.cumsum(weights / weights.sum())

    def draw(self, rng, k: int) -> list[str]:
        import numpy as np

        picks = np.searchsorted(self.cdf, rng.random(k), side="right")
        return [self.words[min(i, len(self.words) - 1)] for i in picks]


def _sentence(rng, words: Words, names: tuple, k: int) -> str:
    drawn = words.draw(rng, k)
    if rng.random() < 0.25:
        drawn[int(rng.integers(len(drawn)))] = names[int(rng.integers(len(names)))]
    return drawn[0].capitalize() + " " + " ".join(drawn[1:]) + "."


def document(n: int, languages: dict) -> dict:
    """Document n of the corpus (the same every run)."""
    import numpy as np

    rng = np.random.default_rng(n)
    language = "ru" if rng.random() < 0.4 else "en"
    words, names = languages[language], NAMES_RU if language == "ru" else NAMES_EN
    target = int(rng.integers(1000, 3001))
    parts: list[str] = []
    size = 0
    while size < target:
        if not parts or rng.random() < 0.2:
            block = "## " + " ".join(words.draw(rng, int(rng.integers(2, 6)))).capitalize()
        elif rng.random() < 0.15:
            block = "\n".join(
                "- " + " ".join(words.draw(rng, int(rng.integers(3, 9)))) for _ in range(rng.integers(3, 7))
            )
        else:
            block = " ".join(_sentence(rng, words, names, int(rng.integers(6, 19))) for _ in range(rng.integers(2, 6)))
        parts.append(block)
        size += len(block) + 2
    start = date(2015, 1, 1).toordinal() + int(rng.integers(0, 7 * 365))
    consent = "public" if rng.random() < 0.7 else ("researchers" if rng.random() < 0.67 else "custodians")
    return {
        "id": n,
        "case": CASES[int(rng.integers(len(CASES)))],
        "kind": KINDS[int(rng.integers(len(KINDS)))],
        "language": language,
        "title": _sentence(rng, words, names, int(rng.integers(4, 10)))[:-1],
        "body": "\n\n".join(parts),
        "places": sorted({PLACES[int(i)] for i in rng.integers(0, len(PLACES), int(rng.integers(1, 4)))}),
        "tags": sorted({TAGS[int(i)] for i in rng.integers(0, len(TAGS), int(rng.integers(1, 5)))}),
        "consent": consent,
        "published": date.fromordinal(start + int(rng.integers(0, 200))).isoformat(),
        "events_start": date.fromordinal(start).isoformat(),
        "events_end": date.fromordinal(start + int(rng.integers(0, 90))).isoformat(),
    }


def corpus(count: int, folder: Path) -> list[dict]:
    path = folder / f"corpus-{count}.jsonl.gz"
    if not path.exists():
        languages = {"en": Words("en"), "ru": Words("ru")}
        started = time.perf_counter()
        with gzip.open(path, "wt", encoding="utf-8") as out:
            for n in range(1, count + 1):
                out.write(json.dumps(document(n, languages), ensure_ascii=False) + "\n")
        print(f"  corpus of {count:,} written in {time.perf_counter() - started:.0f} s", flush=True)
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def indexed_document(d: dict):
    from archive.search.backend import IndexedDocument

    return IndexedDocument(
        id=d["id"],
        version="bench",
        case=d["case"],
        kind=d["kind"],
        language=d["language"],
        title=d["title"],
        body=d["body"],
        places=tuple(d["places"]),
        tags=tuple(d["tags"]),
        consent=d["consent"],
        status="published",
        published=date.fromisoformat(d["published"]),
        events_start=date.fromisoformat(d["events_start"]),
        events_end=date.fromisoformat(d["events_end"]),
    )


# -- requests, never repeated --------------------------------------------------------------------


def requests(docs: list[dict], count: int, seed: int) -> dict[str, list[dict]]:
    """`count` distinct requests of each type (as JSON-able dicts)."""
    from wordfreq import top_n_list

    rng = random.Random(seed)
    en = [w for w in top_n_list("en", 8000)[300:] if w.isalpha() and len(w) > 3]
    common = [w for w in top_n_list("en", 600)[60:] if w.isalpha() and len(w) > 3]
    ru = [w for w in top_n_list("ru", 8000)[300:] if w.isalpha() and len(w) > 3]
    rng.shuffle(en)
    rng.shuffle(ru)
    rng.shuffle(common)
    phrases: list[str] = []
    seen: set[str] = set()
    while len(phrases) < count:
        words = rng.choice(docs)["body"].split()
        at = rng.randrange(len(words) - 1)
        pair = [w.strip(".,;:") for w in words[at : at + 2]]
        phrase = f'"{pair[0]} {pair[1]}"'
        if all(w.isalpha() and len(w) > 2 for w in pair) and phrase not in seen:
            seen.add(phrase)
            phrases.append(phrase)
    out: dict[str, list[dict]] = {t: [] for t in TYPES}
    for n in range(count):
        year = rng.randint(2015, 2021)
        out["single term"].append({"q": en[n]})
        out["two-term AND"].append({"q": f"{en[count + n]} AND {en[2 * count + n]}"})
        out["phrase"].append({"q": phrases[n]})
        out["Russian term"].append({"q": ru[n]})
        out["filter + date range"].append(
            {"q": en[3 * count + n], "kind": rng.choice(KINDS), "from": f"{year}-01-01", "to": f"{year}-06-30"}
        )
        out["six facets"].append(
            {"q": common[n % len(common)] if n < len(common) else en[4 * count + n], "facets": True}
        )
        out["page 2"].append({"q": en[5 * count + n], "page": 2})
    return out


def search_request(spec: dict):
    from archive.search.backend import SearchRequest

    return SearchRequest(
        q=spec["q"],
        filters={"kind": spec["kind"]} if "kind" in spec else {},
        date_from=date.fromisoformat(spec["from"]) if "from" in spec else None,
        date_to=date.fromisoformat(spec["to"]) if "to" in spec else None,
        facets=spec.get("facets", False),
        page=spec.get("page", 1),
        per_page=20,
    )


# -- the engines -----------------------------------------------------------------------------------


def open_engine(kind: str, where: str, cache: int = 0):
    """An engine to query, as a worker opens it: the backend (warmed), or an FTS5 connection."""
    if kind == "fts5":
        return Fts5(Path(where))
    if kind == "whoosh":
        from archive.search.whoosh_backend import WhooshSearch

        backend = WhooshSearch(Path(where), cache=cache)
        searched = Searched(backend, f"sqlite:///{Path(where).parent / 'archive.sqlite3'}")
    else:
        from archive.search.postgres_backend import PostgresSearch

        backend = PostgresSearch(where, cache=cache)
        searched = Searched(backend)
    backend.warm()
    gc.freeze()  # as a server's worker does once warm (archive/cli/setup.py, _warm_worker)
    return searched


class Searched:
    """A backend's search as a reader meets it: its results, then the page's snippets, made of
    the archive's public text (search/query.py's with_snippets(), as verified() makes them once
    the hits are checked: the PostgreSQL index holds no text), read from the database by the
    hits' ids as the backend read them from its own rows before (migration 0032)."""

    def __init__(self, backend, archive_url: str | None = None):
        from sqlalchemy import bindparam, create_engine, text

        from archive.search.query import with_snippets  # (imported at start, as a server's app does)

        self.backend, self.with_snippets = backend, with_snippets
        self.engine = backend.engine if archive_url is None else create_engine(archive_url)
        self.read = text("SELECT id, body_public FROM documents WHERE id IN :ids")
        self.read = self.read.bindparams(bindparam("ids", expanding=True))

    def search(self, request):
        results = self.backend.search(request)
        ids = [h.id for h in results.hits]
        if not ids:
            return results
        with self.engine.connect() as connection:
            texts = dict(connection.execute(self.read, {"ids": ids}).all())
        return self.with_snippets(results, texts)


def ask(engine, spec: dict):
    if isinstance(engine, Fts5):
        return engine.query(spec)
    return engine.search(search_request(spec))


class Fts5:
    """SQLite FTS5 over the same public text, with the same filters, totals, facets, snippets."""

    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(path)

    @classmethod
    def build(cls, path: Path, docs: list[dict]) -> Fts5:
        path.unlink(missing_ok=True)
        engine = cls(path)
        engine.db.executescript(
            "CREATE TABLE docs(id INTEGER PRIMARY KEY, kind, language, consent, status, year,"
            " events_start INTEGER, events_end INTEGER, case_slug);"
            "CREATE TABLE places(doc INTEGER, place); CREATE TABLE tags(doc INTEGER, tag);"
            "CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='unicode61');"
            "CREATE INDEX docs_filter ON docs(consent, status, kind, events_start);"
            "CREATE INDEX places_doc ON places(doc); CREATE INDEX tags_doc ON tags(doc);"
        )
        with engine.db:
            for d in docs:
                engine.add(d, commit=False)
        return engine

    def size(self) -> int:
        return self.path.stat().st_size

    def add(self, d: dict, commit: bool = True) -> None:
        start, end = date.fromisoformat(d["events_start"]), date.fromisoformat(d["events_end"])
        self.db.execute(
            "INSERT OR REPLACE INTO docs VALUES (?,?,?,?,?,?,?,?,?)",
            (d["id"], d["kind"], d["language"], d["consent"], "published", d["published"][:4], start.toordinal(),
             end.toordinal(), d["case"]),
        )  # fmt: skip
        self.db.executemany("INSERT INTO places VALUES (?,?)", [(d["id"], p) for p in d["places"]])
        self.db.executemany("INSERT INTO tags VALUES (?,?)", [(d["id"], t) for t in d["tags"]])
        self.db.execute(
            "INSERT OR REPLACE INTO fts(rowid, title, body) VALUES (?,?,?)", (d["id"], d["title"], d["body"])
        )
        if commit:
            self.db.commit()

    def query(self, spec: dict):
        match = spec["q"].replace(" AND ", " ").strip()
        where, params = ["d.consent = 'public'", "d.status = 'published'"], []
        if "kind" in spec:
            where.append("d.kind = ?")
            params.append(spec["kind"])
        if "to" in spec:
            where.append("d.events_start <= ?")
            params.append(date.fromisoformat(spec["to"]).toordinal())
        if "from" in spec:
            where.append("d.events_end >= ?")
            params.append(date.fromisoformat(spec["from"]).toordinal())
        condition = " AND ".join(where)
        offset = 20 * (spec.get("page", 1) - 1)
        page = (
            "SELECT fts.rowid, snippet(fts, 1, '<mark>', '</mark>', ' … ', 24) FROM fts CROSS JOIN docs d "  # noqa: S608
            f"ON d.id = fts.rowid WHERE fts MATCH ? AND {condition} ORDER BY rank LIMIT 20 OFFSET {offset}"
        )
        rows = self.db.execute(
            page,
            [match, *params],
        ).fetchall()
        matches = f"FROM docs d WHERE {condition} AND d.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)"  # noqa: S608 - fixed fragments; values are parameters
        total = self.db.execute(f"SELECT count(*) {matches}", [*params, match]).fetchone()[0]  # noqa: S608
        if spec.get("facets"):
            for column in ("kind", "language", "year", "case_slug"):
                self.db.execute(
                    f"SELECT d.{column}, count(*) {matches} GROUP BY d.{column}", [*params, match]
                ).fetchall()  # noqa: S608
            for table, column in (("places", "place"), ("tags", "tag")):
                self.db.execute(
                    f"SELECT x.{column}, count(*) FROM {table} x WHERE x.doc IN (SELECT d.id {matches}) "  # noqa: S608
                    f"GROUP BY x.{column}",
                    [*params, match],
                ).fetchall()
        return rows, total


# -- the archive: stored, then indexed by `archive reindex` ----------------------------------------


def archive_env(data_dir: Path, url: str, backend: str) -> dict[str, str]:
    """The environment of the archive's commands, as the load benchmark sets it (no kept results)."""
    from benchmarks.load import _env

    return _env(data_dir, url, backend, search_cache=0)


def run_archive(env: dict, *args: str) -> None:
    done = subprocess.run([str(ARCHIVE), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"archive {' '.join(args)} failed:\n{done.stderr[-2000:]}")


def store(env: dict, docs: list[dict]) -> None:
    """Insert the documents as reviewed, published documents (as a restore would)."""
    from sqlalchemy import insert

    from archive.config import load_config
    from archive.rendering import render_markdown
    from archive.storage.db import Database
    from archive.storage.models import Case, Document, Place, Tag, document_places, document_tags
    from archive.storage.sealing import Sealer
    from archive.storage.vault import parse_key

    config = load_config(environ=env)  # the vault key for sealed columns, from the data folder
    db = Database(env["ARCHIVE_DATABASE_URL"], Sealer(parse_key(config["VAULT_KEY"])))
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.engine.begin() as connection:
        cases = {
            slug: connection.execute(
                insert(Case).values(slug=slug, title=f"SYNTHETIC {slug}", summary="", region="")
            ).inserted_primary_key[0]
            for slug in CASES
        }
        places = {p: connection.execute(insert(Place).values(name=p)).inserted_primary_key[0] for p in PLACES}
        tags = {t: connection.execute(insert(Tag).values(name=t)).inserted_primary_key[0] for t in TAGS}
    for start in range(0, len(docs), 5000):
        chunk = docs[start : start + 5000]
        rows = [
            {
                "id": d["id"],
                "case_id": cases[d["case"]],
                "slug": f"synthetic-{d['id']}",
                "kind": d["kind"],
                "title": d["title"],
                "language": d["language"],
                "body_original": d["body"],
                "body_public": d["body"],
                "body_html": render_markdown(d["body"]),
                "redaction_spans": [],
                "redaction_reviewed_at": now,
                "published_edtf": d["published"],
                "published_start": date.fromisoformat(d["published"]),
                "published_end": date.fromisoformat(d["published"]),
                "events_edtf": f"{d['events_start']}/{d['events_end']}",
                "events_start": date.fromisoformat(d["events_start"]),
                "events_end": date.fromisoformat(d["events_end"]),
                "consent": d["consent"],
                "status": "published",
                "sha256": f"{d['id']:064x}",
                "revision": 1,
                "attribution": "SYNTHETIC",
                "created_at": now,
                "updated_at": now,
            }
            for d in chunk
        ]
        with db.engine.begin() as connection:
            connection.execute(insert(Document), rows)
            connection.execute(
                insert(document_places),
                [{"document_id": d["id"], "place_id": places[p]} for d in chunk for p in d["places"]],
            )
            connection.execute(
                insert(document_tags), [{"document_id": d["id"], "tag_id": tags[t]} for d in chunk for t in d["tags"]]
            )
    db.dispose()


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def postgres_size(url: str) -> int:
    from sqlalchemy import create_engine, text

    from archive.storage.db import driver_url

    engine = create_engine(driver_url(url))
    with engine.connect() as connection:
        size = connection.execute(
            text(
                # (search_index's partitions, migration 0034: the partitioned table itself holds none)
                "SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('search_index')) "
                "+ pg_total_relation_size('search_terms') "
                "+ coalesce(pg_total_relation_size(to_regclass('search_spelling')), 0)"
            )
        ).scalar()
    engine.dispose()
    return int(size)


# -- timing ------------------------------------------------------------------------------------------


def fresh_workers(
    kind: str, where: str, plan: dict[str, list[dict]], workers: int
) -> tuple[dict[str, list[float]], list[float]]:
    """Start `workers` processes, each answering FRESH_ROUNDS requests of each type (the
    requests of the plan, split between them); their timings pooled, and each one's start-up."""
    samples: dict[str, list[float]] = {t: [] for t in TYPES}
    starts = []
    for worker in range(workers):
        part = {t: specs[worker * FRESH_ROUNDS : (worker + 1) * FRESH_ROUNDS] for t, specs in plan.items()}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(part, handle)
        done = subprocess.run(
            [sys.executable, __file__, "--worker", kind, where, handle.name],
            capture_output=True,
            text=True,
            check=True,
        )
        os.unlink(handle.name)
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        starts.append(answer["start"])
        for t in TYPES:
            samples[t] += answer["samples"][t]
    return samples, starts


def worker_main(kind: str, where: str, plan_file: str) -> None:
    """A fresh worker: open the engine, then one request of each type in turn, timed."""
    started = time.perf_counter()
    engine = open_engine(kind, where)
    start = time.perf_counter() - started
    samples = rounds(engine, json.loads(Path(plan_file).read_text()))
    print(json.dumps({"start": start, "samples": samples}))


def warm_worker(engine, warm_up: list[dict], plan: dict[str, list[dict]]) -> dict[str, list[float]]:
    for spec in warm_up:
        ask(engine, spec)
    return rounds(engine, plan)


def rounds(engine, plan: dict[str, list[dict]]) -> dict[str, list[float]]:
    """One request of each type in turn, each timed."""
    samples: dict[str, list[float]] = {t: [] for t in TYPES}
    for n in range(max(len(v) for v in plan.values())):
        for t in TYPES:
            if n < len(plan[t]):
                began = time.perf_counter()
                ask(engine, plan[t][n])
                samples[t].append(time.perf_counter() - began)
    return samples


def kept_results(kind: str, where: str, plan: dict[str, list[dict]]) -> list[float]:
    """The second asking of the same request, with the results cache on."""
    engine = open_engine(kind, where, cache=500)
    samples = []
    for specs in plan.values():
        for spec in specs[:10]:
            ask(engine, spec)
            began = time.perf_counter()
            ask(engine, spec)
            samples.append(time.perf_counter() - began)
    return samples


def updates(kind: str, where: str, docs: list[dict]) -> list[float]:
    engine = Fts5(Path(where)) if kind == "fts5" else open_engine(kind, where)
    samples = []
    for n in range(100):
        d = {**docs[n * 7 % len(docs)], "title": f"replaced {n}"}
        began = time.perf_counter()
        if kind == "fts5":
            engine.add(d)
        else:
            engine.backend.index([indexed_document(d)])
        samples.append(time.perf_counter() - began)
    return samples


def indexed_updates(kind: str, where: str, data: Path, docs: list[dict]) -> list[float]:
    """One document indexed again as a commit that wrote it has it done (indexing.update): its
    outbox rows and the document read from the database once the index's write lock is held,
    written, the rows removed; the database read as the archive's commands read it."""
    from archive.config import load_config
    from archive.search.indexing import Indexer
    from archive.storage.db import Database
    from archive.storage.sealing import Sealer
    from archive.storage.vault import parse_key

    url = where if kind == "postgres" else f"sqlite:///{data / 'archive.sqlite3'}"
    config = load_config(environ=archive_env(data, url, kind))
    db = Database(url, Sealer(parse_key(config["VAULT_KEY"])))
    indexer = Indexer(db, open_engine(kind, where).backend)
    samples = []
    for n in range(100):
        began = time.perf_counter()
        indexer({docs[n * 11 % len(docs)]["id"]}, set())
        samples.append(time.perf_counter() - began)
    db.dispose()
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def cell(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.1f} / {p(samples, 0.95):.1f}"


# -- a run ---------------------------------------------------------------------------------------------


def new_database(url: str, name: str) -> str:
    """A new, empty database on the cluster at `url`."""
    from sqlalchemy import create_engine, text

    from archive.storage.db import driver_url

    engine = create_engine(driver_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return database_url(url, name)


def database_url(cluster_url: str, name: str) -> str:
    """The address of database `name` on the cluster at `cluster_url`."""
    return cluster_url.rsplit("/", 1)[0] + "/" + name


def build_backend(
    kind: str,
    size: int,
    docs: list[dict],
    root: Path,
    cluster_url: str | None,
    reuse: bool = False,
    rebuild: bool = False,
) -> tuple[str, dict]:
    """A fresh archive holding the documents, indexed by `archive reindex`; where to query it.
    `reuse`: the archive a previous run kept (--keep), not built again (no indexing rate);
    `rebuild`: ... its index rebuilt by `archive reindex`, timed, and queried right after."""
    data = root / f"{kind}-{size}"
    if reuse and kind == "whoosh" and (data / "index").is_dir():
        facts = reindexed(data, f"sqlite:///{data / 'archive.sqlite3'}", kind, len(docs)) if rebuild else {}
        return str(data / "index"), {**facts, "index MB": folder_size(data / "index") / 1e6}
    if reuse and kind == "postgres" and data.is_dir():
        url = database_url(cluster_url, f"bench_{size}")
        facts = reindexed(data, url, kind, len(docs)) if rebuild else {}
        prewarm(url)
        return url, {**facts, "index MB": postgres_size(url) / 1e6}
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    sqlite = f"sqlite:///{data / 'archive.sqlite3'}"
    url = sqlite if kind == "whoosh" else new_database(cluster_url, f"bench_{size}")
    env = archive_env(data, url, kind)
    run_archive(env, "init")
    store(env, docs)
    facts = reindexed(data, url, kind, len(docs))
    where = str(data / "index") if kind == "whoosh" else url
    size_bytes = folder_size(Path(where)) if kind == "whoosh" else postgres_size(url)
    if kind == "postgres":
        prewarm(url)
    return where, {**facts, "index MB": size_bytes / 1e6}


def reindexed(data: Path, url: str, kind: str, count: int) -> dict:
    """The kept archive's index rebuilt by `archive reindex`: its rate."""
    began = time.perf_counter()
    run_archive(archive_env(data, url, kind), "reindex")
    return {"reindex documents/s": count / (time.perf_counter() - began)}


def prewarm(url: str) -> None:
    """Read the search tables into the server's cache, as a server in service holds them: a
    fresh worker is a new process, not a server just started (whose first searches each read
    thousands of pages from disk: 450-650 ms). The files of Whoosh and FTS5 are in the system's
    cache, written by the build, the same way."""
    from sqlalchemy import create_engine, text

    from archive.storage.db import driver_url

    engine = create_engine(driver_url(url))
    # the out-of-line values first: where the cache is smaller than the tables, what searches
    # read most (the rows, the GIN index, the vocabulary) is read last and stays
    # the tables: search_index's partitions (migration 0034) and search_terms
    relations = """
        WITH tables AS (SELECT relid AS oid FROM pg_partition_tree('search_index') WHERE isleaf
            UNION ALL SELECT CAST('search_terms' AS regclass)),
        toasts AS (SELECT reltoastrelid AS oid FROM pg_class WHERE oid IN (SELECT oid FROM tables)
            AND reltoastrelid <> 0)
        SELECT oid FROM toasts
        UNION ALL SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid FROM toasts)
        UNION ALL SELECT oid FROM tables
        UNION ALL SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid FROM tables)"""
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        connection.execute(text(f"SELECT pg_prewarm(oid) FROM ({relations}) AS r(oid)"))  # noqa: S608
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=60, help="timed requests of each type in a warm worker")
    parser.add_argument("--backends", nargs="+", default=["whoosh", "postgres", "fts5"])
    parser.add_argument("--fresh-workers", type=int, default=FRESH_WORKERS, help="fresh processes timed")
    parser.add_argument("--keep", type=Path, help="keep the corpora, archives and cluster here")
    parser.add_argument("--reuse", action="store_true", help="with --keep: query the archives kept there")
    parser.add_argument(
        "--rebuild", action="store_true", help="with --reuse: rebuild their indexes (archive reindex, timed) first"
    )
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="archive-bench-search-"))
    root.mkdir(parents=True, exist_ok=True)
    import whoosh

    from tests.pgcluster import Cluster

    print(f"whoosh {whoosh.versionstring()}; python {sys.version.split()[0]}; {os.cpu_count()} cores", flush=True)
    # the server's cache of pages sized as for a server of its own: a quarter of the memory,
    # PostgreSQL's documented starting point (the tests' clusters keep 256 MB)
    buffers = f"{memory() // 4 // 2**20}MB"
    cluster = None
    if "postgres" in args.backends:
        cluster = Cluster(root / "cluster", fast=False, keep=bool(args.keep), shared_buffers=buffers)
        print(f"PostgreSQL: shared_buffers {buffers} (a quarter of this machine's memory)", flush=True)
    try:
        url = cluster.start() if cluster else None
        for size in args.sizes:
            run_size(size, args, root, url)
    finally:
        if cluster:
            cluster.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def memory() -> int:
    """The memory this machine gives us: its own, or its container's limit (cgroup v2) if less."""
    found = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return found
    return min(found, int(limit)) if limit.isdigit() else found


def run_size(size: int, args, root: Path, cluster_url: str | None) -> None:
    print(f"\n### {size:,} SYNTHETIC documents\n", flush=True)
    docs = corpus(size, root)
    fresh = args.fresh_workers * FRESH_ROUNDS
    total = args.queries + fresh
    plan = requests(docs, total + WARM_UP // len(TYPES) + 1, seed=size)
    fresh_plan = {t: specs[:fresh] for t, specs in plan.items()}
    warm_plan = {t: specs[fresh:total] for t, specs in plan.items()}
    warm_up = [spec for specs in plan.values() for spec in specs[total:]][:WARM_UP]
    results: dict[str, dict] = {}
    for kind in args.backends:
        print(f"  {kind}: building …", flush=True)
        if kind == "fts5":
            path = root / f"fts-{size}.db"
            began = time.perf_counter()
            Fts5.build(path, docs)
            where, facts = str(path), {"reindex documents/s": size / (time.perf_counter() - began)}
            facts["index MB"] = path.stat().st_size / 1e6
        else:
            where, facts = build_backend(kind, size, docs, root, cluster_url, args.reuse, args.rebuild)
        fresh, starts = fresh_workers(kind, where, fresh_plan, args.fresh_workers)
        warm = warm_worker(open_engine(kind, where), warm_up, warm_plan)
        kept = kept_results(kind, where, warm_plan) if kind != "fts5" else []
        results[kind] = {"facts": facts, "fresh": fresh, "warm": warm, "starts": starts, "kept": kept}
        results[kind]["update"] = updates(kind, where, docs)
        if kind != "fts5":
            results[kind]["indexed"] = indexed_updates(kind, where, root / f"{kind}-{size}", docs)
        if kind == "whoosh":  # its background merges end before the next backend is timed
            from archive.search.whoosh_merge import settle

            settle(Path(where))
        print(f"  {kind}: done", flush=True)
    report(size, results)


NAMES = {"whoosh": "Whoosh", "postgres": "PostgreSQL", "fts5": "FTS5"}


def report(size: int, results: dict) -> None:
    kinds = list(results)
    print("\nms, p50 / p95; every request asked once, results cache off\n")
    header = [f"{NAMES[k]} {w} worker" for k in kinds for w in ("fresh", "warm")]
    ratios = [k for k in kinds if k != "fts5" and "fts5" in kinds]
    print(
        "| request | " + " | ".join(header) + "".join(f" | {NAMES[k]} ÷ FTS5 p95 (fresh, warm)" for k in ratios) + " |"
    )
    print("|---|" + "---|" * (len(header) + len(ratios)))
    for t in TYPES:
        cells = [cell(results[k][w][t]) for k in kinds for w in ("fresh", "warm")]
        for k in ratios:
            fresh = p(results[k]["fresh"][t], 0.95) / max(p(results["fts5"]["fresh"][t], 0.95), 0.01)
            warm = p(results[k]["warm"][t], 0.95) / max(p(results["fts5"]["warm"][t], 0.95), 0.01)
            cells.append(f"{fresh:.1f}× / {warm:.1f}×")
        print(f"| {t} | " + " | ".join(cells) + " |")
    print("\n| measure | " + " | ".join(NAMES[k] for k in kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for fact in ("reindex documents/s", "index MB"):
        found = [results[k]["facts"].get(fact) for k in kinds]  # no rate for a reused archive
        print(f"| {fact} | " + " | ".join("—" if f is None else f"{f:,.1f}" for f in found) + " |")
    print(
        "| fresh worker start-up, ms (median) | "
        + " | ".join(f"{statistics.median(results[k]['starts']) * 1000:.0f}" for k in kinds)
        + " |"
    )
    print(
        "| one document added or replaced, ms p50 / p95 | "
        + " | ".join(cell(results[k]["update"]) for k in kinds)
        + " |"
    )
    print(
        "| one document indexed after its commit (read under the lock), ms p50 / p95 | "
        + " | ".join(cell(results[k]["indexed"]) if "indexed" in results[k] else "—" for k in kinds)
        + " |"
    )
    print(
        "| the same request again, results kept, ms p50 / p95 | "
        + " | ".join(cell(results[k]["kept"]) if results[k]["kept"] else "—" for k in kinds)
        + " |"
    )
    for k in ratios:
        share = results[k]["facts"]["index MB"] / results["fts5"]["facts"]["index MB"]
        print(f"\n{NAMES[k]} index size ÷ FTS5: {share:.2f}×")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(*sys.argv[2:5])
    else:
        main()
