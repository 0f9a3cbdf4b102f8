"""Brief benchmark: how long a brief of ten cited items takes to show and to export, from the
sample case, against the HTML export of the same brief in the same run (the peer: the PDF is
that HTML laid out by WeasyPrint, so the ratio is the cost of the layout).

    .venv/bin/python benchmarks/briefs.py [--repeat 10]
"""

from __future__ import annotations

import argparse
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
from archive.briefs import compose  # noqa: E402
from archive.briefs.export import export  # noqa: E402
from archive.briefs.read import view_brief  # noqa: E402
from archive.config import document_kinds  # noqa: E402
from archive.corpus.loader import load_corpus  # noqa: E402
from archive.services import get_db  # noqa: E402
from archive.storage.models import Citation, Document, TimelineEntry  # noqa: E402


def link(kind: str, object_id: int) -> str:
    return f"https://archive.example/{kind}/{object_id}"


def timed(run, repeat: int) -> tuple[float, float, int]:
    run()  # warm
    samples, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = len(run())
        samples.append(time.perf_counter() - started)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples) * 1000, p95 * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATA_DIR": tmp, "SEARCH_BACKEND": "none", "LOG_LEVEL": "WARNING"})
        with app.app_context(), get_db(app).session() as s:
            get_db(app).upgrade()
            # as `archive load-corpus --reviewed-by bench-custodian`: a custodian vouches that
            # the sample case's published articles were reviewed
            custodian = create_user(
                s, "bench-custodian", "a long benchmark password", "custodian", command_line_actor(), "cli"
            )
            loader = command_line_actor(attested_by=custodian.id)
            report = load_corpus(s, ROOT / "corpus", document_kinds(app.config), loader, "cli")
            if not report.ok:
                sys.exit("\n".join(r.message for r in report.results if r.status == "error"))
            owner = create_user(s, "bench", "a long benchmark password", "researcher", command_line_actor(), "cli")
            brief = compose.create_brief(s, owner, "Ten cited items", "Benchmark brief.", "cli")
            built = time.perf_counter()
            # six quotes (each a timeline citation's excerpt), two entries, a document, a note
            for citation in s.query(Citation).limit(6):
                compose.add_quote(s, brief, owner, citation.document, citation.excerpt, "cli")
            for entry in s.query(TimelineEntry).filter_by(kind="denial").limit(2):
                compose.add_entry(s, brief, owner, entry, "cli")
            compose.add_document(s, brief, owner, s.get(Document, 1), "cli")
            compose.add_note(s, brief, owner, "The denials contradict the accounts.", "cli")
            built = (time.perf_counter() - built) * 1000
            rows = [("view (citations numbered)", lambda: view_brief(s, brief, owner, link).items)]
            for fmt in ("md", "html", "pdf"):
                rows.append((f"export {fmt}", lambda fmt=fmt: export(view_brief(s, brief, owner, link), fmt)))
            print(f"brief of {len(brief.items)} items built in {built:.0f} ms (locating and auditing each item)\n")
            results = {name: timed(run, args.repeat) for name, run in rows}
    peer = results["export html"][0]
    print("| step | p50 / p95 | size | ÷ HTML export (peer) |")
    print("|---|---|---|---|")
    for name, (p50, p95, size) in results.items():
        shown = f"{size / 1000:.1f} kB" if name.startswith("export") else f"{size} items"
        print(f"| {name} | {p50:.0f} / {p95:.0f} ms | {shown} | {p50 / peer:.1f}× |")


if __name__ == "__main__":
    main()
