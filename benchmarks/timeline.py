"""Timeline benchmark: how long `/timeline` takes to render, for the sample case and for a
SYNTHETIC case of 5,000 entries, against the JSON export of the same entries in the same run.

    .venv/bin/python benchmarks/timeline.py [--entries 5000] [--repeat 10] [--workers 3]

Each URL is timed as a reader meets it, in --workers newly started workers (each a fresh
process that only serves, not the one that built the data): cold, a worker's first request
(templates, queries and catalogues compiled on the way; the median over the workers), and
warm, its --repeat requests after that (p50 and p95 over all of them).

The peer (the JSON export) reads and filters the same entries with the same access rules and
only serialises them. For the sample case the page shows every entry, so the ratio is the
cost of the page itself: grouping by month, two lanes, links between denials and events, the
chart and the HTML. A timeline of more than 400 entries is shown one year at a time (the
chart, the year list and the counts still cover all of it), so for the SYNTHETIC case the
page holds one year, about 500 entries, while the export holds all 5,000.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import create_app  # noqa: E402
from archive.auth.actors import command_line_actor  # noqa: E402
from archive.auth.users import create_user  # noqa: E402
from archive.config import document_kinds  # noqa: E402
from archive.corpus.loader import load_corpus  # noqa: E402
from archive.documents.intake import create_document  # noqa: E402
from archive.documents.review import review_redaction  # noqa: E402
from archive.documents.submission import validate_document  # noqa: E402
from archive.services import get_db  # noqa: E402
from archive.storage import queries  # noqa: E402
from archive.storage.models import Case  # noqa: E402
from archive.timeline.entries import create_entries, validate_entry  # noqa: E402

SYNTHETIC = "synthetic-timeline"
CUSTODIAN = "bench-custodian"


def serve(config: dict, url: str, repeat: int) -> tuple[float, list[float], bytes]:
    """In a fresh process: start the app as a worker does, time its first request (cold),
    then `repeat` more (warm)."""
    client = create_app({**config, "LOG_LEVEL": "ERROR"}).test_client()  # start-up warnings: the parent logs them
    samples = []
    for _ in range(1 + repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return samples[0], samples[1:], response.data


def timed(config: dict, url: str, repeat: int, workers: int) -> tuple[float, float, float, bytes]:
    """Cold (median of the workers' first requests), warm p50 and p95, in ms; the response."""
    first, warm = [], []
    for _ in range(workers):
        with multiprocessing.get_context("spawn").Pool(1) as worker:
            cold, rest, data = worker.apply(serve, (config, url, repeat))
        first.append(cold)
        warm.extend(rest)
    warm.sort()
    p95 = warm[min(len(warm) - 1, round(0.95 * (len(warm) - 1)))]
    return statistics.median(first) * 1000, statistics.median(warm) * 1000, p95 * 1000, data


def synthetic_case(app, entries: int, rng: random.Random) -> None:
    """A case of SYNTHETIC entries over ten years: events, and statements/denials of them."""
    with app.app_context(), get_db(app).session() as s:
        custodian = queries.user_by_name(s, CUSTODIAN)
        s.add(Case(slug=SYNTHETIC, title="SYNTHETIC timeline for benchmarks"))
        s.commit()
        kinds = document_kinds(app.config)
        for n in range(50):
            fields = {
                "slug": f"doc-{n}",
                "case": SYNTHETIC,
                "kind": "news_report",
                "title": f"SYNTHETIC source {n}",
                "language": "en",
                "consent": "public",
                "status": "in_review",
                "grading": {"source": "F", "information": "6", "note": "Invented for the benchmark."},
                "published": "2015",
                "body": f"SYNTHETIC source {n} for the timeline benchmark.\n",
            }
            # as a custodian publishes: saved for review, redaction reviewed, then published
            document = create_document(s, validate_document(fields, kinds, "bench"), f"{n:064x}", custodian, "web")
            review_redaction(s, document, custodian, "web", publish=True)
        events, items = [], []
        for n in range(entries):
            year, month, day = rng.randint(2010, 2019), rng.randint(1, 12), rng.randint(1, 28)
            date = rng.choice([f"{year}", f"{year}-{month:02d}", f"{year}-{month:02d}-{day:02d}"])
            kind = "event" if n < 10 or rng.random() < 0.6 else rng.choice(["denial", "statement", "response"])
            fields = {
                "slug": f"e-{n}",
                "case": SYNTHETIC,
                "kind": kind,
                "date": date,
                "title": f"SYNTHETIC entry {n}",
                "description": "Invented for timing.",
                "actor": f"Actor {n % 40}",
                "place": f"Place {n % 25}",
                "citations": [
                    {"document": f"doc-{rng.randrange(50)}", "excerpt": "for the timeline benchmark"}
                    for _ in range(rng.randint(1, 3))
                ],
            }
            if kind != "event":
                fields["speaker"] = f"Official {n % 30}"
                targets = rng.sample(events, k=min(len(events), rng.randint(1, 3)))
                stance = "denies" if kind == "denial" else rng.choice(["confirms", "minimises", "justifies"])
                fields["stances"] = [{"event": t, "stance": stance} for t in targets]
            else:
                events.append(f"e-{n}")
            items.append((f"e-{n}", validate_entry(fields, f"e-{n}")))
        case = s.query(Case).filter_by(slug=SYNTHETIC).one()
        create_entries(s, case, items, command_line_actor(), "cli")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3, help="newly started workers timed per URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = {"DATA_DIR": tmp, "SEARCH_BACKEND": "none", "LOG_LEVEL": "WARNING"}
        app = create_app(config)
        with app.app_context():
            db = get_db(app)
            db.upgrade()
            with db.session() as s:
                # as `archive load-corpus --reviewed-by bench-custodian`: a custodian vouches
                # that the sample case's published articles were reviewed
                custodian = create_user(
                    s, CUSTODIAN, "a long benchmark password", "custodian", command_line_actor(), "cli"
                )
                loader = command_line_actor(attested_by=custodian.id)
                report = load_corpus(s, ROOT / "corpus", document_kinds(app.config), loader, "cli")
            if not report.ok:
                sys.exit("\n".join(r.message for r in report.results if r.status == "error"))
        started = time.perf_counter()
        synthetic_case(app, args.entries, random.Random(5000))
        built = time.perf_counter() - started
        client = app.test_client()
        print(f"synthetic case of {args.entries:,} entries built in {built:.1f} s\n")
        print(
            "| timeline | entries | on the page | page cold / p50 / p95 | page size "
            "| JSON export cold / p50 / p95 (peer) | page ÷ export cold / warm |"
        )
        print("|---|---|---|---|---|---|---|")
        for label, case, count in (("sample case", "chechnya-2017", None), ("SYNTHETIC", SYNTHETIC, args.entries)):
            page = timed(config, f"/timeline?case={case}", args.repeat, args.workers)
            peer = timed(config, f"/timeline/export.json?case={case}", args.repeat, args.workers)
            shown = count or client.get(f"/api/v1/timeline?case={case}").get_json()["total"]
            on_page = page[3].count(b'<article class="entry ')
            print(
                f"| {label} | {shown:,} | {on_page:,} | {page[0]:.0f} / {page[1]:.0f} / {page[2]:.0f} ms | "
                f"{len(page[3]) / 1e6:.2f} MB | {peer[0]:.0f} / {peer[1]:.0f} / {peer[2]:.0f} ms | "
                f"{page[0] / peer[0]:.2f}× / {page[1] / peer[1]:.2f}× |"
            )


if __name__ == "__main__":
    main()
