"""The benchmarks still run: each at a small size, as `make bench` would at full size. A
benchmark builds its data through the archive's use cases, so a new rule (a review before
publishing, say) breaks it; here that shows at once, and not at the next `make bench`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_benchmark(name: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_timeline_benchmark_times_both_cases_against_its_peer():
    out = run_benchmark("timeline.py", "--entries", "40", "--repeat", "1", "--workers", "1")
    rows = {row.split("|")[1].strip(): row for row in out.splitlines() if row.startswith("| ")}
    # the sample case loaded whole (its 23 entries), not an empty timeline timed in its place
    assert re.match(r"\| sample case \| 23 \| 23 \|", rows["sample case"]), out
    assert re.match(r"\| SYNTHETIC \| 40 \| 40 \|", rows["SYNTHETIC"]), out
    for row in (rows["sample case"], rows["SYNTHETIC"]):
        assert re.search(r"\| [\d.]+× / [\d.]+× \|$", row), row  # cold and warm ratios to the peer


@pytest.mark.slow
def test_near_duplicate_benchmark_finds_reprints_against_its_peer():
    out = run_benchmark("near_duplicates.py", "--documents", "300", "--copies", "24")
    rows = {row.split("|")[1].strip(): row for row in out.splitlines() if row.startswith("| ")}
    assert "datasketch MinHashLSH in memory (peer)" in rows, out
    assert re.search(r"\| reprint \| 6 \| [\d.]+ \| 6 \(100%\)", rows["reprint"]), out


@pytest.mark.slow
def test_briefs_benchmark_runs_on_the_graded_sample_case():
    out = run_benchmark("briefs.py", "--repeat", "1")
    assert "export pdf" in out, out


@pytest.mark.slow
def test_search_benchmark_times_each_request_type_against_fts5():
    """Through `archive init` and `archive reindex`, fresh and warm workers, on both sides."""
    out = run_benchmark(
        "search.py", "--sizes", "300", "--queries", "3", "--fresh-workers", "1", "--backends", "whoosh", "fts5"
    )
    rows = {row.split("|")[1].strip(): row for row in out.splitlines() if row.startswith("| ")}
    for request in ("single term", "two-term AND", "phrase", "Russian term", "filter + date range", "six facets"):
        assert re.search(r"\| [\d.]+× / [\d.]+× \|$", rows[request]), out  # fresh and warm ratios to FTS5
    assert re.match(r"\| reindex documents/s \| [\d,.]+ \| [\d,.]+ \|$", rows["reindex documents/s"]), out
    assert "Whoosh index size ÷ FTS5" in out
