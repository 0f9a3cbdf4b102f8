"""Evidence packages (`archive export-evidence`, `archive verify-evidence`): a BagIt bag with
the bytes received, the media originals and cleaned copies, a PROV lineage and the custody log
to a signed head, checked offline from a bare copy of the source with no archive, database or
key; every kind of tampering named."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import bagit
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from archive.evidence.verify import verify_evidence
from archive.storage.audit import entry_hash
from archive.storage.models import AuditEntry, Document
from tests.cli.conftest import keyed_database
from tests.cli.test_vault import _attach, _document
from tests.media.dirty import make_dirty

PACKAGE = Path(__file__).resolve().parents[2] / "archive"


@pytest.fixture
def exported(initialised, archive, tmp_path):
    """A document with a photo, exported sealed: (bag, bag key, public key, photo, document id)."""
    _document(archive, tmp_path)
    photo = make_dirty("jpeg", 6).data
    media = _attach(initialised, "With a photo", photo)
    bag = tmp_path / "bag"
    result = archive("export-evidence", media.document_id, "--out", bag, "--custodian", "custodian")
    assert result.returncode == 0, result.stderr
    assert re.search(r"1 documents, \d+ files, custody log to entry \d+ signed", result.stdout)
    key = re.search(r"bag key .*: (\S+)$", result.stdout, re.M)[1]
    public = archive("audit", "public-key").stdout.strip()
    return bag, key, public, photo, media.document_id


def _fresh_checkout(tmp_path: Path) -> Path:
    """The package's source alone, as a checkout on another machine: no data, no keys."""
    checkout = tmp_path / "checkout"
    shutil.copytree(PACKAGE, checkout / "archive", ignore=shutil.ignore_patterns("__pycache__"))
    return checkout


def _verify_elsewhere(checkout: Path, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVE_", "PYTHON"))}
    env.update(PYTHONPATH=str(checkout), ARCHIVE_DATA_DIR=str(checkout / "no-archive-here"))
    return subprocess.run(
        [sys.executable, "-c", "from archive.cli import main; main()", "verify-evidence", *map(str, args)],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_package_is_verified_on_a_fresh_checkout(exported, tmp_path, database):
    bag, key, public, photo, doc_id = exported
    files = [p for p in bag.rglob("*") if p.is_file()]
    assert {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"} <= {p.name for p in files}
    assert not any(photo in p.read_bytes() for p in files)  # the original travels sealed
    checkout = _fresh_checkout(tmp_path)
    held = _verify_elsewhere(checkout, bag, "--key", key, "--public-key", public)
    assert held.returncode == 0, held.stdout + held.stderr
    assert "1 documents" in held.stdout and "2 originals hashed" in held.stdout and "the package holds" in held.stdout
    assert not (checkout / "no-archive-here").exists()  # nothing of an archive was needed or made
    sealed = _verify_elsewhere(checkout, bag, "--public-key", public)
    assert sealed.returncode == 0 and "2 left sealed (give --key)" in sealed.stdout
    unknown = _verify_elsewhere(checkout, bag, "--key", key)  # who signed it cannot be told
    assert unknown.returncode == 1 and "give --public-key" in unknown.stdout
    other = _verify_elsewhere(checkout, bag, "--public-key", "00" * 32)
    assert other.returncode == 1 and "signed by another key" in other.stdout
    wrong = _verify_elsewhere(checkout, bag, "--key", "A" * 43, "--public-key", public)
    assert wrong.returncode == 1 and "does not open with the bag key" in wrong.stdout
    record = json.loads((bag / "data" / "documents" / str(doc_id) / "record.json").read_text())
    with database().session() as s:
        assert record["custody_sha256"] == s.get(Document, doc_id).sha256
        (export,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "evidence.export")).all()
        assert {k: export.detail[k] for k in ("documents", "originals")} == {
            "documents": [doc_id],
            "originals": "sealed",
        }
        assert re.fullmatch(r"[0-9a-f]{64}", export.detail["payload_sha256"]) and export.principal.startswith("system:")
    prov = json.loads((bag / "data" / "provenance.json").read_text())
    kinds = {e["prov:type"] for e in prov["entity"].values()}
    assert {"wa:Received", "wa:Original", "wa:Cleaned", "wa:PublicText"} <= kinds
    assert {"wa:receive", "wa:clean"} <= {a["prov:type"] for a in prov["activity"].values()}


def _rewrite(bag: Path, name: str, change) -> None:
    """Change a payload file and write the manifests again, as a forger would."""
    path = bag / "data" / name
    path.write_bytes(change(path.read_bytes()))
    saved = bagit.Bag(str(bag))
    saved.save(manifests=True)


def _flip(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


@pytest.mark.parametrize(
    "tamper", ["payload", "custody entry", "custody re-chained", "signature", "received", "re-manifested", "outside"]
)
def test_every_kind_of_tampering_is_named(exported, tamper):
    bag, key, public, _photo, doc_id = exported
    assert verify_evidence(bag, key, public).ok
    entries = bag / "data" / "custody" / "entries.jsonl"
    if tamper == "payload":  # a byte changed, manifests left alone
        path = bag / "data" / "documents" / str(doc_id) / "public.md"
        path.write_bytes(_flip(path.read_bytes()) if path.read_bytes() else b"x")
        expected = "the bag does not hold"
    elif tamper == "custody entry":
        _rewrite(bag, "custody/entries.jsonl", lambda d: d.replace(b'"via": "cli"', b'"via": "web"', 1))
        expected = "was changed"
    elif tamper == "custody re-chained":  # an entry changed and every later hash recomputed
        rows = [json.loads(line) for line in entries.read_text().splitlines()]
        rows[0]["via"] = "web"
        for i, row in enumerate(rows):
            if i:
                row["prev_hash"] = rows[i - 1]["entry_hash"]
            row["entry_hash"] = entry_hash(SimpleNamespace(**{**row, "at": datetime.fromisoformat(row["at"])}))
        _rewrite(bag, "custody/entries.jsonl", lambda _d: "".join(json.dumps(r) + "\n" for r in rows).encode())
        expected = "do not lead to the signed head"
    elif tamper == "signature":
        head = json.loads((bag / "data" / "custody" / "head.json").read_text())
        head["signature"] = ("0" if head["signature"][0] != "0" else "1") + head["signature"][1:]
        _rewrite(bag, "custody/head.json", lambda _d: json.dumps(head).encode())
        expected = "signature does not verify"
    elif tamper == "re-manifested":  # another account, its hashes written everywhere the bag keeps them
        other = b"another account"
        folder = bag / "data" / "documents" / str(doc_id)
        aead = AESGCM(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)))
        name = f"data/documents/{doc_id}/received/revision-1.bin"
        (folder / "received" / "revision-1.bin.sealed").write_bytes(
            b"\0" * 12 + aead.encrypt(b"\0" * 12, other, name.encode())
        )
        record = json.loads((folder / "record.json").read_text())
        record["revisions"][0]["received_sha256"] = record["custody_sha256"] = hashlib.sha256(other).hexdigest()
        _rewrite(bag, f"documents/{doc_id}/record.json", lambda _d: json.dumps(record).encode())
        expected = "not the ones the signed custody log recorded"
    elif tamper == "outside":  # a record naming a file outside the bag
        folder = bag / "data" / "documents" / str(doc_id)
        record = json.loads((folder / "record.json").read_text())
        record["public_text"]["file"] = "../../../../etc/hostname"
        _rewrite(bag, f"documents/{doc_id}/record.json", lambda _d: json.dumps(record).encode())
        expected = "payload changed"
    else:  # the received bytes swapped for other bytes, sealed under the same key
        name = f"documents/{doc_id}/received/revision-1.bin"
        aead = AESGCM(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)))
        forged = b"\x00" * 12 + aead.encrypt(b"\x00" * 12, b"another account", f"data/{name}".encode())
        _rewrite(bag, name + ".sealed", lambda _d: forged)
        expected = "does not hash to its recorded SHA-256"
    report = verify_evidence(bag, key, public)
    assert not report.ok and any(expected in p for p in report.problems), report.problems


def test_open_originals_are_the_bytes_received(initialised, archive, tmp_path):
    _document(archive, tmp_path)
    received = (tmp_path / "doc.md").read_bytes()
    bag = tmp_path / "open"
    db = keyed_database(initialised)
    with db.session() as s:
        doc_id = s.scalars(select(Document.id).where(Document.title == "With a photo")).one()
    db.dispose()
    result = archive("export-evidence", doc_id, "--out", bag, "--custodian", "custodian", "--open-originals")
    public = archive("audit", "public-key").stdout.strip()
    assert result.returncode == 0 and "bag key" not in result.stdout
    kept = (bag / "data" / "documents" / str(doc_id) / "received" / "revision-1.bin").read_bytes()
    assert kept == received and hashlib.sha256(kept).hexdigest() in (bag / "manifest-sha256.txt").read_text()
    assert "Witness-Archive-Originals: open" in (bag / "bag-info.txt").read_text()
    assert verify_evidence(bag, public_key=public).ok


def test_export_needs_a_custodians_word_legal_consent_and_a_new_folder(initialised, archive, tmp_path):
    _document(archive, tmp_path)
    nobody = archive("export-evidence", "1", "--out", tmp_path / "a", "--custodian", "no-such-user")
    assert nobody.returncode != 0 and "--custodian no-such-user: no active custodian" in nobody.stderr
    (tmp_path / "taken").mkdir()
    taken = archive("export-evidence", "1", "--out", tmp_path / "taken", "--custodian", "custodian")
    assert taken.returncode != 0 and "exists" in taken.stderr
    missing = archive("export-evidence", "999999", "--out", tmp_path / "b", "--custodian", "custodian")
    assert missing.returncode != 0 and not (tmp_path / "b").exists()
