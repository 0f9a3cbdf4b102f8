"""Redaction benchmark: the archive against a regex-only baseline and scrubadub, in one run.

    .venv/bin/python benchmarks/redaction.py [--cases ../shared/dev-sets/redaction/dev_cases.jsonl]
        [--hostile]

The column "archive, NER on the whole text" is the archive as it was before issue 18's speed
work: natasha given each testimony whole rather than the windows around its candidate words.
`--hostile` also times whole redaction of a megabyte of each hostile input of
tests/redaction/test_bounded.py (CPU seconds of this process).

Scores each redactor with the shared scorer's own rules (score.py: what counts as a leak, which
public facts must stay) and prints recall per identifier type, decoys kept per type, fully clean
cases, and testimonies per second on one core (models loaded before timing; load time shown
apart). scrubadub is installed with `pip install scrubadub` (`make bench-redaction` does it);
without it the column is skipped with a message.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV_SET = ROOT.parent / "shared" / "dev-sets" / "redaction"

_PHONE = re.compile(r"\+?\d[\d\s()-]{8,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b(?:t\.me|vk\.com|instagram\.com|fb\.com)/\S+")


def regex_baseline(text: str, names: list[str]) -> str:
    """What a quick script would do: phones, e-mails and URLs by regular expression."""
    for pattern, marker in ((_EMAIL, "[email]"), (_URL, "[url]"), (_PHONE, "[phone]")):
        text = pattern.sub(marker, text)
    return text


def archive_redactor():
    from archive.redaction import redact_text

    return redact_text


def whole_text_redactor():
    """The archive with natasha reading each text whole (the peer for the windows)."""
    import importlib

    from archive.redaction import ner, redact_text

    module = importlib.import_module("archive.redaction.redact")  # the module, not the function

    def whole(text: str) -> list:
        if not ner._ANY_CYRILLIC.search(text):  # noqa: SLF001 - the benchmark's own comparison
            return []
        return [
            ner.Span(s.start, s.stop, ner._KINDS[s.type], "natasha")  # noqa: SLF001
            for s in ner._natasha()(text).spans  # noqa: SLF001
        ]

    def run(text: str, names: list[str]) -> str:
        windowed, module.russian_entities = module.russian_entities, whole
        try:
            return redact_text(text, names)
        finally:
            module.russian_entities = windowed

    return run


def hostile() -> None:
    from archive.redaction import redact

    sys.path.insert(0, str(ROOT / "tests" / "redaction"))
    from test_bounded import MB, WHOLE_UNITS, _repeat

    print("\n| hostile megabyte | CPU seconds |\n|---|---|")
    for unit in WHOLE_UNITS:
        text = _repeat(unit, MB)
        started = time.process_time()
        redact(text)
        print(f"| `{unit.strip()[:30]}` × {MB // len(unit):,} | {time.process_time() - started:.2f} |")


def scrubadub_redactor():
    try:
        import scrubadub
    except ImportError:
        return None
    scrubber = scrubadub.Scrubber()
    return lambda text, names: scrubber.clean(text)


def load_scorer(folder: Path):
    spec = importlib.util.spec_from_file_location("redaction_score", folder / "score.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["redaction_score"] = module
    spec.loader.exec_module(module)
    return module


def measure(name, redactor, cases, scorer) -> dict:
    redactor(cases[0]["text"], list(cases[0]["names"]))  # warm caches before timing
    outputs = []
    started = time.process_time()
    for case in cases:
        outputs.append(redactor(case["text"], list(case["names"])))
    seconds = time.process_time() - started
    spans = collections.defaultdict(lambda: [0, 0])
    decoys = collections.defaultdict(lambda: [0, 0])
    clean = 0
    for case, output in zip(cases, outputs, strict=True):
        result = scorer.evaluate_case(case, output)
        leaked_any = False
        for span in result["spans"]:
            spans[span["type"]][0] += 1
            if span["leaked"]:
                spans[span["type"]][1] += 1
                leaked_any = True
        for decoy in result["decoys"]:
            decoys[decoy["type"]][0] += decoy["expected"]
            decoys[decoy["type"]][1] += decoy["kept"]
        clean += not leaked_any
    rate = len(cases) / seconds if seconds else float("inf")
    return {"name": name, "spans": spans, "decoys": decoys, "clean": clean, "cases": len(cases), "rate": rate}


def recall(counts) -> float:
    total, leaked = counts
    return 100.0 * (total - leaked) / total if total else 100.0


def _total(counts: dict, kinds: list[str]) -> list[int]:
    return [sum(counts[k][0] for k in kinds), sum(counts[k][1] for k in kinds)]


def table(results: list[dict]) -> str:
    names = [r["name"] for r in results]
    lines = [
        "| identifier | spans | " + " | ".join(f"{n} recall %" for n in names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    kinds = sorted({k for r in results for k in r["spans"]}, key=lambda k: (k != "PERSON", k))
    for kind in kinds:
        total = results[0]["spans"][kind][0]
        row = " | ".join(f"{recall(r['spans'][kind]):.1f}" for r in results)
        lines.append(f"| {kind} | {total} | {row} |")
    merged = [_total(r["spans"], kinds) for r in results]
    row = " | ".join(f"**{recall(m):.1f}**" for m in merged)
    lines.append(f"| ALL | {merged[0][0]} | {row} |")
    structured = [k for k in kinds if k != "PERSON"]
    row = " | ".join(f"{recall(_total(r['spans'], structured)):.1f}" for r in results)
    lines.append(f"| structured (all but names) | | {row} |")
    kept = [_total(r["decoys"], list(r["decoys"])) for r in results]
    lines.append("| **decoys kept %** | | " + " | ".join(f"{100.0 * k[1] / max(1, k[0]):.1f}" for k in kept) + " |")
    for kind in sorted(results[0]["decoys"]):
        total = results[0]["decoys"][kind][0]
        row = " | ".join(f"{100.0 * r['decoys'][kind][1] / max(1, total):.1f}" for r in results)
        lines.append(f"| decoys kept: {kind} | {total} | {row} |")
    lines.append("| fully clean cases | | " + " | ".join(f"{r['clean']}/{r['cases']}" for r in results) + " |")
    lines.append("| testimonies per second (1 core) | | " + " | ".join(f"{r['rate']:.0f}" for r in results) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEV_SET / "dev_cases.jsonl")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the cases (later passes hit caches)")
    parser.add_argument("--hostile", action="store_true", help="also time a hostile megabyte of each kind")
    args = parser.parse_args()
    if not args.cases.exists():
        sys.exit(f"no cases at {args.cases}: pass --cases")
    scorer = load_scorer(DEV_SET)  # the shared scorer, whatever the cases
    cases = scorer.load_cases(str(args.cases)) * args.repeat

    started = time.perf_counter()
    ours = archive_redactor()
    from archive.redaction.redact import warm_up

    warm_up()  # natasha's model, the dictionaries, the word-frequency lists
    load = time.perf_counter() - started
    results = [
        measure("archive", ours, cases, scorer),
        measure("archive, NER on the whole text", whole_text_redactor(), cases, scorer),
        measure("regex-only", regex_baseline, cases, scorer),
    ]
    scrub = scrubadub_redactor()
    if scrub is None:
        print("skipping scrubadub: not installed (pip install scrubadub)")
    else:
        results.append(measure("scrubadub", scrub, cases, scorer))
    print(
        f"{len(cases) // args.repeat} cases × {args.repeat} passes; archive models loaded in {load:.2f} s (not timed)\n"
    )
    print(table(results))
    if args.hostile:
        hostile()


if __name__ == "__main__":
    main()
