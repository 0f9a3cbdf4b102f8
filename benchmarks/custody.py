"""Custody benchmark: what sealing at rest, revisions and signed heads cost, against the same
work in an archive without a vault key (the peer: nothing sealed), in the same run.

    .venv/bin/python benchmarks/custody.py [--documents 1000] [--edits 200]

Measured, each on a fresh SQLite archive under a temporary folder:
- ingest: documents of 2-40 KB through the ingest use case (parse, validate, redact, seal the
  received bytes, the revision and the original text, index), documents per second;
- originals read cold: a fresh Database (new engine, empty caches, as a new worker starts)
  loading every document's original text and fields, then the same warm (the same session
  again, rows expired so that they are read and opened again);
- edits: a published document edited (a pending revision) and its review saved, per edit;
- fsck of the sealed values, values per second; `audit anchor` (signature only) and the
  check of every signed head;
- an evidence package of 50 documents (`export-evidence`, originals sealed under a bag key)
  and its offline check (`verify-evidence`), per document, beside `bagit.make_bag` alone on the
  same received bytes and public texts (the bag without lineage, custody slice or sealing);
- a sealed and signed bundle of the whole archive (`export-bundle`), MB of bundle per second;
- deleting 10 documents (rows, files, key, and the database file rewritten), per document.
Every document and edit is new (random sentences over a 4,000-word vocabulary, as a language
has them); the figures are averages over the whole run.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bagit  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlalchemy import select  # noqa: E402

from archive import create_app  # noqa: E402
from archive.auditing import anchor_audit_log, verify_audit_heads  # noqa: E402
from archive.auth.actors import SystemActor  # noqa: E402
from archive.auth.permissions import ACTIONS  # noqa: E402
from archive.backup import export_archive  # noqa: E402
from archive.config import document_kinds  # noqa: E402
from archive.documents.disposal import delete_document  # noqa: E402
from archive.documents.edit import update_document  # noqa: E402
from archive.documents.intake import ingest_bytes  # noqa: E402
from archive.documents.review import review_redaction  # noqa: E402
from archive.documents.submission import validate_document  # noqa: E402
from archive.evidence.export import export_evidence  # noqa: E402
from archive.evidence.verify import verify_evidence  # noqa: E402
from archive.services import get_db, media_store  # noqa: E402
from archive.storage.anchors import public_key_hex  # noqa: E402
from archive.storage.db import Database  # noqa: E402
from archive.storage.models import Case, Document  # noqa: E402
from archive.storage.sealed_rows import check_sealed  # noqa: E402
from archive.storage.sealing import Sealer  # noqa: E402
from archive.storage.vault import parse_key  # noqa: E402

ACTOR = SystemActor(os_user="bench", permissions=ACTIONS)
ROOTS = [
    "detain",
    "hold",
    "cellar",
    "guard",
    "night",
    "argun",
    "grozny",
    "checkpoint",
    "release",
    "phone",
    "relative",
    "question",
    "beat",
    "name",
    "ask",
    "week",
    "later",
    "leave",
    "country",
    "shelter",
    "lawyer",
    "statement",
    "brother",
    "police",
    "base",
    "road",
    "car",
]


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    """Word forms as a language has them: many, each used now and then, none made of digits."""
    endings = ("", "s", "ed", "ing", "er", "ov", "ova", "ami", "ek", "ness")
    return [rng.choice(ROOTS)[: rng.randrange(3, 8)] + rng.choice(endings) + rng.choice(ROOTS)[:3] for _ in range(size)]


def _text(rng: random.Random, size: int, words: list[str]) -> str:
    out, total = [], 0
    while total < size:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randrange(6, 18)))
        out.append(sentence.capitalize() + ".")
        total += len(sentence) + 2
    return " ".join(out)


def _markdown(rng: random.Random, n: int, words: list[str]) -> bytes:
    body = "\n\n".join(_text(rng, rng.randrange(400, 4000), words) for _ in range(rng.randrange(5, 11)))
    head = (
        f"case: bench\nkind: testimony\ntitle: Testimony {n} {rng.choice(words)}\nlanguage: en\n"
        "consent: public\nstatus: published\nredaction: reviewed\ntags: [detention]\n"
        "grading: {source: B, information: 2}\n"
    )
    return f"---\n{head}---\n{body}\n".encode()


def _archive(folder: Path, keyed: bool):
    config = {
        "TESTING": True,
        "DATA_DIR": str(folder),
        "SECRET_KEY": "bench-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
        "INDEX_RETRY_SECONDS": 0,
        "VAULT_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode() if keyed else "",
        "VAULT_KEY_FILE": str(folder / "no-key-file"),
    }
    app = create_app(config)
    get_db(app).upgrade()
    with app.app_context(), get_db(app).session() as s:
        s.add(Case(slug="bench", title="Benchmark"))
        s.commit()
    return app


def run(keyed: bool, documents: int, edits: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        app = _archive(Path(tmp), keyed)
        kinds = document_kinds(app.config)
        words = _vocabulary(rng)
        files = [_markdown(rng, n, words) for n in range(documents)]
        out["MB"] = sum(map(len, files)) / 1e6
        with app.app_context(), get_db(app).session() as s:
            started = time.perf_counter()
            for n, data in enumerate(files):
                ingest_bytes(s, data, f"{n}.md", kinds, ACTOR, "cli")
            out["ingest docs/s"] = documents / (time.perf_counter() - started)
        key = app.config["VAULT_KEY"]
        cold = Database(app.config["DATABASE_URL"], Sealer(parse_key(key)) if key else None)
        with cold.session() as s:
            started = time.perf_counter()
            chars = sum(len(d.body_original) + len(d.fields_original["title"]) for d in s.scalars(select(Document)))
            out["read cold ms/doc"] = (time.perf_counter() - started) * 1000 / documents
            s.expire_all()
            started = time.perf_counter()
            chars += sum(len(d.body_original) + len(d.fields_original["title"]) for d in s.scalars(select(Document)))
            out["read warm ms/doc"] = (time.perf_counter() - started) * 1000 / documents
        cold.dispose()
        assert chars > 0
        with app.app_context(), get_db(app).session() as s:
            ids = s.scalars(select(Document.id).order_by(Document.id).limit(edits)).all()
            started = time.perf_counter()
            for doc_id in ids:
                document = s.get(Document, doc_id)
                fields = {
                    "case": "bench", "kind": "testimony", "title": f"Edited {doc_id}", "language": "en",
                    "consent": "public", "status": "published", "body": _text(rng, 3000, words),
                }  # fmt: skip
                update_document(s, document, validate_document(fields, kinds, "bench"), ACTOR, "web", reason="b")
                review_redaction(s, document, ACTOR, "web")
            out["edit+review ms"] = (time.perf_counter() - started) * 1000 / len(ids)
            started = time.perf_counter()
            opened, problems = check_sealed(s, get_db(app).sealer)
            assert not problems, problems[:3]
            out["fsck values/s"] = opened / (time.perf_counter() - started) if opened else 0.0
            signer = Ed25519PrivateKey.generate()
            started = time.perf_counter()
            for _ in range(20):
                anchor_audit_log(s, ACTOR, "cli", signer, None)
            out["anchor ms"] = (time.perf_counter() - started) * 1000 / 20
            started = time.perf_counter()
            assert verify_audit_heads(s, ACTOR, signer.public_key()).ok
            out["verify 20 heads ms"] = (time.perf_counter() - started) * 1000
            _evidence(s, Path(tmp), signer, out)
            started = time.perf_counter()
            report = export_archive(s, ACTOR, Path(tmp), Path(tmp) / "bundle", get_db(app).revision(), "cli", signer)
            size = sum(p.stat().st_size for p in report.path.rglob("*") if p.is_file())
            out["bundle MB/s"] = size / 1e6 / (time.perf_counter() - started)
            ids = s.scalars(select(Document.id).order_by(Document.id.desc()).limit(10)).all()
            started = time.perf_counter()
            for doc_id in ids:
                delete_document(s, s.get(Document, doc_id), "error", "", media_store(), ACTOR, "cli")
            out["delete ms/doc"] = (time.perf_counter() - started) * 1000 / len(ids)
        get_db(app).dispose()
    return out


def _evidence(s, tmp: Path, signer, out: dict) -> None:
    """An evidence package of 50 documents and its check, beside bagit alone on the same bytes."""
    ids = s.scalars(select(Document.id).order_by(Document.id).limit(50)).all()
    started = time.perf_counter()
    package = export_evidence(s, ids, tmp / "evidence", media_store(), ACTOR, "cli", signer)
    out["evidence ms/doc"] = (time.perf_counter() - started) * 1000 / len(ids)
    started = time.perf_counter()
    report = verify_evidence(package.path, package.bag_key, public_key_hex(signer))
    assert report.ok, report.problems[:3]
    out["verify-evidence ms/doc"] = (time.perf_counter() - started) * 1000 / len(ids)
    plain = tmp / "bagit-peer"
    for folder in (package.path / "data" / "documents").iterdir():
        target = plain / folder.name
        target.mkdir(parents=True)
        shutil.copy2(folder / "public.md", target / "public.md")
        document = s.get(Document, int(folder.name))
        (target / "received.md").write_bytes(document.body_original.encode())
    started = time.perf_counter()
    bagit.make_bag(str(plain), {"Source-Organization": "peer"}, checksums=["sha256", "sha512"])
    out["bagit alone ms/doc"] = (time.perf_counter() - started) * 1000 / len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()
    print(f"custody benchmark: {args.documents} generated documents, {args.edits} edits; SQLite + Whoosh")
    sealed = run(True, args.documents, args.edits, seed=7)
    plain = run(False, args.documents, args.edits, seed=7)
    print(f"{'':22}{'sealed (vault key)':>20}{'peer: no key':>16}{'ratio':>8}")
    for name in sealed:
        ratio = sealed[name] / plain[name] if plain[name] else float("nan")
        print(f"{name:22}{sealed[name]:>20.2f}{plain[name]:>16.2f}{ratio:>8.2f}")
    print("ratio: sealed / peer (for docs/s and values/s, below 1 is slower; for ms, above 1 is slower)")


if __name__ == "__main__":
    main()
