"""Check an evidence package offline (`archive verify-evidence BAG`): no database, no vault key,
no network; only the bag, and what its recipient knows apart from it (the archive's published
public key, the bag key of sealed originals, the time-stamping authority's certificate).

Checked: BagIt's manifests (every payload file's SHA-256 and SHA-512, nothing missing or
extra, the tag files); each revision's received bytes against their recorded SHA-256 and
revision 1's against the custody hash (sealed originals opened with the bag key when given);
each media original against its custody SHA-256 and each cleaned copy against its own; every
file the PROV lineage names against the hash it gives; the custody log's slice entry by entry
(each hash recomputed, each link to the one before) up to the signed head, whose statement
must match it, whose Ed25519 signature must verify (under the key given, when given), and
whose RFC 3161 time-stamp must verify under the authority's certificate when one is given.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import bagit
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from archive.evidence.export import FORMAT, SEALED_SUFFIX, payload_digest
from archive.storage import anchors
from archive.storage.audit import entry_hash


@dataclass
class EvidenceReport:
    documents: int = 0
    files: int = 0  # payload files checked by the manifests
    originals_opened: int = 0  # received bytes and media originals hashed
    originals_sealed: int = 0  # left sealed (no key given)
    entries: int = 0  # custody log entries recomputed
    time_stamp: str = ""  # the authority's time, when checked
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_evidence(
    path: Path, bag_key: str | None = None, public_key: str | None = None, tsa_ca: str | None = None
) -> EvidenceReport:
    report = EvidenceReport()
    root = Path(path)
    try:
        bag = bagit.Bag(str(root))
        bag.validate(processes=1)
    except (bagit.BagError, bagit.BagValidationError) as exc:
        report.problems.append(f"the bag does not hold: {_bag_problem(exc)}")
        return report
    if bag.info.get("Witness-Archive-Format") != FORMAT:
        report.problems.append(f"not a {FORMAT} (bag-info Witness-Archive-Format)")
        return report
    report.files = len(list(bag.payload_files()))
    aead = _aead(bag_key, report)
    data = root / "data"
    entries = _check_custody(data / "custody", public_key, tsa_ca, report)
    if entries is not None:
        _check_payload_signed(root, entries, report)
    for record_file in sorted(data.glob("documents/*/record.json")):
        report.documents += 1
        try:
            record = json.loads(record_file.read_text())
            _check_document(root, record, aead, report)
            _check_against_custody(record, entries or [], report)
        except (KeyError, TypeError, ValueError, AttributeError, OSError) as exc:
            report.problems.append(f"{record_file.relative_to(root)} is malformed ({type(exc).__name__})")
    _check_lineage(root, report)
    return report


def _check_payload_signed(root: Path, entries: list[dict], report: EvidenceReport) -> None:
    """The files are the ones the signed custody log recorded when the package was made."""
    exports = [e for e in entries if e.get("action") == "evidence.export"]
    if not exports:
        report.problems.append("custody: no evidence.export entry records these files")
    elif exports[-1].get("detail", {}).get("payload_sha256") != payload_digest(root / "data"):
        report.problems.append("the files are not the ones the signed custody log recorded (payload changed)")


def _check_against_custody(record: dict, entries: list[dict], report: EvidenceReport) -> None:
    """What the record says was received is what the custody log recorded at intake."""
    where = f"document {record['id']}"
    created = [e for e in entries if e["action"] == "document.create" and e["object_id"] == record["id"]]
    if created and created[-1]["detail"].get("sha256") != record["custody_sha256"]:
        report.problems.append(f"{where}: its custody hash is not the one the custody log recorded at intake")
    attached = {
        e["object_id"]: e["detail"] for e in entries if e["action"] == "media.attach" and e["object_type"] == "media"
    }
    for media in record.get("media", []):
        logged = attached.get(media["id"])
        if logged and (logged.get("sha256"), logged.get("original_sha256")) != (
            media["sha256"],
            media["original_sha256"],
        ):
            report.problems.append(f"{where}: media {media['id']}'s hashes are not the ones the custody log recorded")


def _bag_problem(exc: Exception) -> str:
    details = getattr(exc, "details", None) or []
    return "; ".join(str(d) for d in details[:5]) or str(exc)


def _aead(bag_key: str | None, report: EvidenceReport) -> AESGCM | None:
    if not bag_key:
        return None
    try:
        key = base64.urlsafe_b64decode(bag_key.strip() + "=" * (-len(bag_key.strip()) % 4))
        return AESGCM(key)
    except (binascii.Error, ValueError):
        report.problems.append("the bag key is not the URL-safe base64 of 32 bytes")
        return None


def _inside(root: Path, name: str) -> Path:
    """A path the bag names, which must be a file of its payload (never outside the bag)."""
    path = (root / name).resolve()
    if not name.startswith("data/") or root.resolve() not in path.parents or not path.is_file():
        raise ValueError(f"{name!r} is not a file of the bag's payload")
    return path


def _read(root: Path, name: str, aead: AESGCM | None, report: EvidenceReport) -> bytes | None:
    """A payload file's bytes, a sealed original opened (None: left sealed, or it failed)."""
    _inside(root, name)
    if name.endswith(SEALED_SUFFIX):
        if aead is None:
            report.originals_sealed += 1
            return None
        sealed = (root / name).read_bytes()
        try:
            return aead.decrypt(sealed[:12], sealed[12:], name[: -len(SEALED_SUFFIX)].encode())
        except (InvalidTag, ValueError):
            report.problems.append(f"{name}: does not open with the bag key given")
            return None
    return (root / name).read_bytes()


def _check_document(root: Path, record: dict, aead: AESGCM | None, report: EvidenceReport) -> None:
    where = f"document {record.get('id')}"
    for revision in record.get("revisions", []):
        if not revision.get("file"):
            continue
        data = _read(root, revision["file"], aead, report)
        if data is None:
            continue
        report.originals_opened += 1
        digest = hashlib.sha256(data).hexdigest()
        if digest != revision["received_sha256"]:
            report.problems.append(f"{where}: revision {revision['number']} does not hash to its recorded SHA-256")
        if revision["number"] == 1 and digest != record["custody_sha256"]:
            report.problems.append(f"{where}: revision 1 does not hash to the custody SHA-256")
    for media in record.get("media", []):
        if _named(root, media["clean"]) != media["sha256"]:
            report.problems.append(f"{where}: media {media['id']}'s cleaned copy does not hash to its SHA-256")
        if media.get("original"):
            data = _read(root, media["original"], aead, report)
            if data is not None:
                report.originals_opened += 1
                if hashlib.sha256(data).hexdigest() != media["original_sha256"]:
                    problem = f"media {media['id']}'s original does not hash to its custody SHA-256"
                    report.problems.append(f"{where}: {problem}")
    public = record.get("public_text", {})
    if _named(root, public.get("file", "")) != public.get("sha256"):
        report.problems.append(f"{where}: the public text does not hash to its SHA-256")


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _named(root: Path, name: str) -> str | None:
    """The SHA-256 of a payload file the record names (None when it names none there)."""
    try:
        return _sha256(_inside(root, name))
    except ValueError:
        return None


def _check_lineage(root: Path, report: EvidenceReport) -> None:
    """Every file the PROV document names is in the bag with the hash it gives (a sealed
    file's hash is of what it seals, checked with the documents above)."""
    try:
        prov = json.loads((root / "data" / "provenance.json").read_text())
    except (OSError, ValueError):
        report.problems.append("provenance.json is missing or not JSON")
        return
    for name, entity in prov.get("entity", {}).items():
        file = entity.get("wa:file")
        if not file:
            continue
        found = _named(root, file)
        if found is None:
            report.problems.append(f"provenance: {name} names {file}, which is not in the bag")
        elif not file.endswith(SEALED_SUFFIX) and found != entity.get("wa:sha256"):
            report.problems.append(f"provenance: {name}'s file does not hash to the SHA-256 it gives")


def _check_custody(
    folder: Path, public_key: str | None, tsa_ca: str | None, report: EvidenceReport
) -> list[dict] | None:
    """The entries, if they lead to a head whose signature holds under the archive's key."""
    try:
        lines = (folder / "entries.jsonl").read_text().splitlines()
        entries = [json.loads(line) for line in lines if line.strip()]
        head = json.loads((folder / "head.json").read_text())
        signed = json.loads(head["statement"])
    except (OSError, ValueError, KeyError):
        report.problems.append("custody: entries.jsonl or head.json is missing or unreadable")
        return None
    if not public_key:
        report.problems.append(
            "custody: give --public-key (the archive's, from `archive audit public-key`): without it anyone "
            "could have signed this package"
        )
        return None
    previous = None
    for entry in entries:
        if entry_hash(_as_entry(entry)) != entry["entry_hash"]:
            report.problems.append(f"custody: entry {entry['id']} was changed (its fields do not match its hash)")
            return None
        if previous is not None and (entry["prev_hash"] != previous["entry_hash"] or entry["id"] <= previous["id"]):
            report.problems.append(f"custody: entry {entry['id']} does not follow entry {previous['id']}")
            return None
        previous = entry
        report.entries += 1
    if previous is None or (previous["id"], previous["entry_hash"]) != (signed["entry_id"], signed["entry_hash"]):
        report.problems.append("custody: the entries do not lead to the signed head")
        return None
    statement = anchors.statement_of(
        signed["entry_id"], signed["entry_hash"], signed["entries"],
        datetime.fromisoformat(signed["signed_at"]), signed["public_key"],
    )  # fmt: skip
    if statement != head["statement"] or signed["public_key"] != head.get("public_key"):
        report.problems.append("custody: the head's statement is not in its canonical form")
        return None
    if public_key.strip().lower() != signed["public_key"]:
        report.problems.append("custody: the head is signed by another key than the archive's public key given")
        return None
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(signed["public_key"])).verify(
            bytes.fromhex(head["signature"]), head["statement"].encode()
        )
    except (InvalidSignature, ValueError):
        report.problems.append("custody: the head's signature does not verify")
        return None
    if tsa_ca and not head.get("tsa_token"):
        report.problems.append("custody: the head has no time-stamp (an authority's certificate was given)")
    if head.get("tsa_token") and tsa_ca:
        token = base64.b64decode(head["tsa_token"])
        problem = anchors.check_token(token, hashlib.sha256(head["statement"].encode()).hexdigest(), tsa_ca)
        if problem:
            report.problems.append(f"custody: the time-stamp {problem}")
        else:
            report.time_stamp = anchors.token_time(token)
    return entries


def _as_entry(entry: dict) -> SimpleNamespace:
    """The entry as storage/audit.py hashes it (its fields, its time a datetime again)."""
    return SimpleNamespace(**{"principal": "", **entry, "at": datetime.fromisoformat(entry["at"])})
