"""Search benchmark: the archive's Whoosh backend against SQLite FTS5, on the same documents.

    .venv/bin/python benchmarks/search.py [--sizes 10000 100000] [--queries 40]

Generates synthetic corpora with `archive generate-sample` (clearly labelled SYNTHETIC), then
for each engine and size reports documents indexed per second, index size on disk, and p50/p95
latency for single terms, two-term AND, phrases, Russian stemmed terms, filtered + date-range
queries, facet counts and snippets, and adding or updating one document. FTS5 runs with the
unicode61 tokenizer (no stemming) over the same public text, with the same filters in SQL, and
like the archive counts the total of every query and, for facet counts, all six facets.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.dates import parse_edtf  # noqa: E402
from archive.documents.parse import parse_front_matter  # noqa: E402
from archive.search.backend import IndexedDocument, SearchRequest  # noqa: E402
from archive.search.indexing import BATCH  # noqa: E402
from archive.search.whoosh_backend import WhooshSearch  # noqa: E402

EN_TERMS = ["detained", "officials", "relatives", "hotline", "investigators", "witnesses",
            "phones", "statement", "journalists", "evacuation"]  # fmt: skip
RU_TERMS = ["задержали", "отрицали", "родственников", "горячую", "следователи", "свидетели",
            "телефоны", "заявлении", "журналисты", "убежище"]  # fmt: skip
PHRASES = ['"military base"', '"criminal case"', '"safe house"', '"бывшей воинской"', '"горячую линию"']


def generate(count: int, folder: Path) -> list[IndexedDocument]:
    if not (folder / "synthetic-sample").exists():
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "archive"), "generate-sample", "--count", str(count), "--out", str(folder)],
            check=True,
            capture_output=True,
        )
    docs = []
    for n, path in enumerate(sorted((folder / "synthetic-sample" / "documents").glob("*.md"))):
        fields = parse_front_matter(path.read_text(), str(path))
        published = parse_edtf(fields["published"])
        events = parse_edtf(fields["events"])
        docs.append(
            IndexedDocument(
                id=n + 1,
                version="1",
                case=fields["case"],
                kind=fields["kind"],
                language=fields["language"],
                title=fields["title"],
                body=fields["body"],
                places=tuple(fields["places"]),
                tags=tuple(fields["tags"]),
                consent=fields["consent"],
                status=fields["status"],
                published=published.earliest,
                events_start=events.earliest,
                events_end=events.latest,
            )
        )
    return docs


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(fn, args_list) -> tuple[float, float]:
    samples = []
    for args in args_list:
        started = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def whoosh_distribution() -> str:
    """Which distribution provides `whoosh` here (whoosh3 and whoosh-reloaded share the name)."""
    from importlib.metadata import PackageNotFoundError, version

    for name in ("whoosh3", "whoosh-reloaded", "whoosh"):
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            continue
    return "whoosh"


class ArchiveEngine:
    name = f"archive ({whoosh_distribution()})"

    def __init__(self, folder: Path):
        shutil.rmtree(folder, ignore_errors=True)
        self.folder = folder
        self.backend = WhooshSearch(folder)

    def build(self, docs):
        # as `archive reindex` does: commits of BATCH documents, analysed in parallel
        for start in range(0, len(docs), BATCH):
            self.backend.index(docs[start : start + BATCH])

    def size(self):
        return folder_size(self.folder)

    def query(self, q, facets=False, **options):
        return self.backend.search(SearchRequest(q=q, facets=facets, per_page=20, **options))

    def add(self, doc):
        self.backend.index([doc])


class Fts5Engine:
    name = "SQLite FTS5"

    def __init__(self, path: Path):
        path.unlink(missing_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.executescript(
            "CREATE TABLE docs(id INTEGER PRIMARY KEY, kind, language, consent, status, year,"
            " events_start INTEGER, events_end INTEGER, case_slug);"
            "CREATE TABLE places(doc INTEGER, place); CREATE TABLE tags(doc INTEGER, tag);"
            "CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='unicode61');"
            "CREATE INDEX docs_filter ON docs(consent, status, kind, events_start);"
            "CREATE INDEX places_doc ON places(doc); CREATE INDEX tags_doc ON tags(doc);"
        )

    def build(self, docs):
        with self.db:
            for d in docs:
                self.add(d, commit=False)

    def size(self):
        return self.path.stat().st_size

    def add(self, d, commit=True):
        self.db.execute(
            "INSERT OR REPLACE INTO docs VALUES (?,?,?,?,?,?,?,?,?)",
            (
                d.id,
                d.kind,
                d.language,
                d.consent,
                d.status,
                d.published.year,
                d.events_start.toordinal(),
                d.events_end.toordinal(),
                d.case,
            ),
        )
        self.db.executemany("INSERT INTO places VALUES (?,?)", [(d.id, p) for p in d.places])
        self.db.executemany("INSERT INTO tags VALUES (?,?)", [(d.id, t) for t in d.tags])
        self.db.execute("INSERT OR REPLACE INTO fts(rowid, title, body) VALUES (?,?,?)", (d.id, d.title, d.body))
        if commit:
            self.db.commit()

    def query(self, q, facets=False, filters=None, date_from=None, date_to=None, snippets=False):
        match = q.replace(" AND ", " ").strip() or None
        where, params = ["d.consent = 'public'", "d.status = 'published'"], []
        for name, value in (filters or {}).items():
            where.append(f"d.{name} = ?")
            params.append(value)
        if date_to:
            where.append("d.events_start <= ?")
            params.append(date_to.toordinal())
        if date_from:
            where.append("d.events_end >= ?")
            params.append(date_from.toordinal())
        if match:  # the full-text index first, then the filters (SQLite's plan otherwise
            where.append("d.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)")  # scans docs)
            params.append(match)
        matches = f"FROM docs d WHERE {' AND '.join(where)}"
        snippet = ", snippet(fts, 1, '<mark>', '</mark>', ' … ', 24)" if snippets else ""
        if match:  # CROSS JOIN: SQLite reads the full-text index first (its best plan here)
            rows = self.db.execute(
                f"SELECT fts.rowid{snippet} FROM fts CROSS JOIN docs d ON d.id = fts.rowid"  # noqa: S608
                f" WHERE fts MATCH ? AND {' AND '.join(where[:-1])} ORDER BY rank LIMIT 20",
                [match, *params[:-1]],
            ).fetchall()
        else:
            rows = self.db.execute(f"SELECT d.id {matches} LIMIT 20", params).fetchall()  # noqa: S608
        # like the archive's search page: the total, and (when asked) six facets' counts
        total = self.db.execute(f"SELECT count(*) {matches}", params).fetchone()[0]  # noqa: S608
        if facets:
            for column in ("kind", "language", "year", "case_slug"):
                self.db.execute(
                    f"SELECT d.{column}, count(*) {matches} GROUP BY d.{column}",  # noqa: S608
                    params,
                ).fetchall()
            for table, column in (("places", "place"), ("tags", "tag")):
                self.db.execute(
                    f"SELECT x.{column}, count(*) FROM {table} x WHERE x.doc IN"  # noqa: S608
                    f" (SELECT d.id {matches}) GROUP BY x.{column}",
                    params,
                ).fetchall()
        return rows, total


def measure(engine, docs, queries: int, rng: random.Random) -> dict:
    started = time.perf_counter()
    engine.build(docs)
    build = time.perf_counter() - started
    en = [rng.choice(EN_TERMS) for _ in range(queries)]
    ru = [rng.choice(RU_TERMS) for _ in range(queries)]
    pairs = [f"{rng.choice(EN_TERMS)} AND {rng.choice(EN_TERMS)}" for _ in range(queries)]
    phrases = [rng.choice(PHRASES) for _ in range(queries)]
    ranges = [(date(y, 1, 1), date(y, 6, 30)) for y in (rng.randint(2015, 2020) for _ in range(queries))]
    row = {"indexed/s": len(docs) / build, "size MB": engine.size() / 1e6}
    row["single term"] = timed(lambda q: engine.query(q), [(q,) for q in en])
    row["two-term AND"] = timed(lambda q: engine.query(q), [(q,) for q in pairs])
    row["phrase"] = timed(lambda q: engine.query(q), [(q,) for q in phrases])
    row["Russian term"] = timed(lambda q: engine.query(q), [(q,) for q in ru])
    row["filter + date range"] = timed(
        lambda q, r: engine.query(q, filters={"kind": "testimony"}, date_from=r[0], date_to=r[1]),
        list(zip(en, ranges, strict=True)),
    )
    row["facet counts"] = timed(lambda q: engine.query(q, facets=True), [(q,) for q in en])
    if isinstance(engine, Fts5Engine):
        row["snippets"] = timed(lambda q: engine.query(q, snippets=True), [(q,) for q in en])
    else:
        row["snippets"] = row["single term"]  # the archive's hits always carry snippets
    last = docs[-1]
    updates = [IndexedDocument(**{**last.__dict__, "id": len(docs) + n + 1, "title": f"added {n}"}) for n in range(100)]
    samples = []
    for d in updates:  # a hundred additions, so that the occasional merge shows at p99
        started = time.perf_counter()
        engine.add(d)
        samples.append(time.perf_counter() - started)
    row["add one document"] = percentiles(samples)
    row["add one document, p99 ms"] = sorted(samples)[98] * 1000
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "search")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    import whoosh

    print(f"whoosh {whoosh.versionstring()}; python {sys.version.split()[0]}; {os.cpu_count()} cores\n")
    for size in args.sizes:
        docs = generate(size, args.out / f"corpus-{size}")
        results = {}
        for engine in (
            ArchiveEngine(args.out / f"whoosh-{size}"),
            Fts5Engine(args.out / f"fts-{size}.db"),
        ):
            results[engine.name] = measure(engine, docs, args.queries, random.Random(size))
        names = list(results)
        print(f"### {size:,} documents\n")
        print("| measure | " + " | ".join(names) + " | ratio |")
        print("|---|" + "---|" * (len(names) + 1))
        for key in results[names[0]]:
            values = [results[n][key] for n in names]
            if isinstance(values[0], tuple):
                cells = [f"p50 {v[0]:.1f} / p95 {v[1]:.1f} ms" for v in values]
                ratio = values[0][1] / max(values[1][1], 1e-6)
                print(f"| {key} | " + " | ".join(cells) + f" | {ratio:.1f}× (p95) |")
            else:
                cells = [f"{v:,.1f}" for v in values]
                print(f"| {key} | " + " | ".join(cells) + f" | {values[0] / max(values[1], 1e-9):.2f}× |")
        print()


if __name__ == "__main__":
    main()
