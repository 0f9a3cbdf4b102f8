"""Near-duplicate detection at ingest: what it costs per document and what it finds, against
datasketch's own in-memory MinHashLSH (the peer) on the same signatures, in the same run.

    .venv/bin/python benchmarks/near_duplicates.py [--documents 20000] [--copies 300]

A case of generated testimonies (2-6 KB each, random sentences over a 4,000-word vocabulary,
every one new) is fingerprinted into a fresh SQLite archive's tables the way ingest does it
(archive/documents/near_duplicates.py: signature, 16 hashed bands in `fingerprint_bands`).
Then `--copies` new documents are proposed against it, each one of: a reprint (a whole earlier
document with a new first line), a long quotation (60-80% of one, with its own words around
it), a summary (25-35% of one, re-worded), or an unrelated document. Measured:
- per new document, the time to find and score its candidates through the database (the
  index lookup by band and the Jaccard estimates), cold (a fresh engine: a new worker) and
  warm, p50 and p95;
- the same lookups in datasketch.MinHashLSH (threshold 0.45, 64 permutations) held in memory;
- recall of reprints and quotations, and false proposals for unrelated documents, against
  the exact Jaccard similarity of the shingle sets (computed by brute force for the pair).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datasketch import LeanMinHash, MinHashLSH  # noqa: E402
from sqlalchemy import select  # noqa: E402

from archive import create_app  # noqa: E402
from archive.documents.near_duplicates import (  # noqa: E402
    NUM_PERM,
    PROPOSE_AT,
    band_keys,
    shingles,
    signature,
)
from archive.services import get_db  # noqa: E402
from archive.storage.models import Case, DocumentFingerprint, FingerprintBand  # noqa: E402


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(size)]


def _document(rng: random.Random, words: list[str]) -> str:
    sentences = []
    for _ in range(rng.randint(40, 110)):
        sentences.append(" ".join(rng.choice(words) for _ in range(rng.randint(6, 16))).capitalize() + ".")
    return " ".join(sentences)


def _part(text: str, share: float, rng: random.Random, words: list[str]) -> str:
    tokens = text.split()
    n = int(len(tokens) * share)
    start = rng.randint(0, len(tokens) - n)
    around = " ".join(rng.choice(words) for _ in range(int(len(tokens) * (1 - share) * 0.5)))
    return around + " " + " ".join(tokens[start : start + n]) + " " + around


def _exact(a: str, b: str) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--copies", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(22)
    words = _vocabulary(rng)
    texts = [_document(rng, words) for _ in range(args.documents)]
    with tempfile.TemporaryDirectory() as tmp:
        config = {"DATA_DIR": tmp, "SEARCH_BACKEND": "none", "LOG_LEVEL": "WARNING"}
        app = create_app(config)
        lsh = MinHashLSH(threshold=PROPOSE_AT, num_perm=NUM_PERM)
        signatures: dict[int, LeanMinHash] = {}
        with app.app_context():
            db = get_db(app)
            db.upgrade()
            started = time.perf_counter()
            with db.session() as s:
                case = Case(slug="bench", title="Near-duplicates benchmark")
                s.add(case)
                s.flush()
                from archive.storage.models import Document

                for n, text in enumerate(texts, start=1):
                    s.add(
                        Document(
                            id=n, case_id=case.id, kind="testimony", title=f"T{n}", language="en",
                            body_original="", body_public=text, consent="public", status="draft", sha256=f"{n:064x}",
                        )
                    )  # fmt: skip
                    sig = signature(text)
                    signatures[n] = sig
                    buffer = bytearray(sig.bytesize())
                    sig.serialize(buffer)
                    s.add(DocumentFingerprint(document_id=n, signature=bytes(buffer)))
                    s.add_all(FingerprintBand(band=k, document_id=n, case_id=case.id) for k in band_keys(sig))
                    if n % 2000 == 0:
                        s.commit()
                s.commit()
                case_id = case.id
            built = time.perf_counter() - started
            lsh_started = time.perf_counter()
            for n, sig in signatures.items():
                lsh.insert(n, sig)
            lsh_built = time.perf_counter() - lsh_started

            kinds = ("reprint", "quotation", "summary", "unrelated")
            trials = []
            for i in range(args.copies):
                kind = kinds[i % 4]
                source = rng.randint(1, args.documents)
                if kind == "reprint":
                    text = "Reprinted with permission. " + texts[source - 1]
                elif kind == "quotation":
                    text = _part(texts[source - 1], rng.uniform(0.6, 0.8), rng, words)
                elif kind == "summary":
                    text = _part(texts[source - 1], rng.uniform(0.25, 0.35), rng, words)
                else:
                    text = _document(rng, words)
                trials.append((kind, source, text))

            def ours(sig, session) -> tuple[list[int], float]:
                t = time.perf_counter()
                candidates = session.scalars(
                    select(FingerprintBand.document_id)
                    .where(FingerprintBand.band.in_(band_keys(sig)), FingerprintBand.case_id == case_id)
                    .distinct()
                ).all()
                found = []
                if candidates:
                    rows = session.execute(
                        select(DocumentFingerprint.document_id, DocumentFingerprint.signature).where(
                            DocumentFingerprint.document_id.in_(candidates)
                        )
                    )
                    found = [d for d, stored in rows if sig.jaccard(LeanMinHash.deserialize(stored)) >= PROPOSE_AT]
                return found, (time.perf_counter() - t) * 1000

            cold, warm, peer, results = [], [], [], []
            for kind, source, text in trials:
                sig = signature(text)
                db.dispose()  # a fresh engine: nothing cached in this process's connections
                with get_db(app).session() as s:
                    found, ms = ours(sig, s)
                    cold.append(ms)
                    warm.append(ours(sig, s)[1])
                t = time.perf_counter()
                candidates = lsh.query(sig)
                peer_found = [d for d in candidates if sig.jaccard(signatures[d]) >= PROPOSE_AT]
                peer.append((time.perf_counter() - t) * 1000)
                results.append((kind, source, found, peer_found, _exact(text, texts[source - 1])))

    def p(values, q):
        return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]

    rate = args.documents / built
    print(f"{args.documents:,} documents fingerprinted into the database in {built:.1f} s ({rate:,.0f}/s)")
    print(f"MinHashLSH built in memory in {lsh_built:.1f} s\n")
    print("| lookup per new document | p50 ms | p95 ms |")
    print("|---|---|---|")
    print(f"| archive (SQL bands), cold: fresh engine | {p(cold, 50):.2f} | {p(cold, 95):.2f} |")
    print(f"| archive (SQL bands), warm | {p(warm, 50):.2f} | {p(warm, 95):.2f} |")
    print(f"| datasketch MinHashLSH in memory (peer) | {p(peer, 50):.2f} | {p(peer, 95):.2f} |")
    print(f"| ratio archive warm ÷ peer (p50) | {p(warm, 50) / max(p(peer, 50), 1e-6):.1f}× | |\n")
    print("| kind | n | exact Jaccard (median) | proposed by the archive | by the peer |")
    print("|---|---|---|---|---|")
    for kind in kinds:
        rows = [r for r in results if r[0] == kind]
        ours_hit = sum(1 for r in rows if r[1] in r[2])
        peer_hit = sum(1 for r in rows if r[1] in r[3])
        median = statistics.median(r[4] for r in rows)
        print(f"| {kind} | {len(rows)} | {median:.2f} | {ours_hit} ({ours_hit / len(rows):.0%}) "
              f"| {peer_hit} ({peer_hit / len(rows):.0%}) |")  # fmt: skip
    false = sum(len(r[2]) for r in results if r[0] == "unrelated")
    print(f"\nunrelated documents: {false} false proposal(s) from the archive")


if __name__ == "__main__":
    main()
