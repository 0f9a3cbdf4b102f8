"""An evidence package: documents as a court can check them, in a BagIt bag (RFC 8493).

`archive export-evidence DOC… --out BAG --custodian USER` writes, for each document: the exact
bytes received for every revision (revision 1's hash to the custody SHA-256 recorded at
intake), its media originals and the cleaned copies readers saw, its public text and record;
a W3C PROV lineage (received → cleaned → redacted → reviewed → published, each step with its
agent and time, from the custody log); the custody log's entries from the first one about
these documents to a head signed for this package (Ed25519, time-stamped by an RFC 3161
authority where one is set), with the public key; and BagIt's SHA-256 and SHA-512 manifests
of every file. `archive verify-evidence BAG` (evidence/verify.py) checks all of it offline,
without the archive's database or keys.

Threat: originals leaving the archive. Exporting needs a custodian's word (recorded), and a
document whose consent in force does not cover legal proceedings, or was withdrawn, is
refused. Originals are written opened, or sealed (AES-256-GCM, each file bound to its path)
under a fresh key printed once to the custodian, to be handed over apart from the bag.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import bagit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.documents import revisions
from archive.documents.consent import in_force, removals
from archive.documents.media import MediaStore
from archive.errors import NotFound, NotPermitted, ValidationError
from archive.storage import anchors, audit
from archive.storage.blobs import private_folder
from archive.storage.models import AuditEntry, Document, DocumentRevision
from archive.storage.unit import unit_of_work

FORMAT = "witness-archive evidence package 1"
SEALED_SUFFIX = ".sealed"
CUSTODY = "data/custody/"  # written after the signed head; everything else is covered by it
NS = "https://witness-archive.org/ns/evidence#"


@dataclass(frozen=True)
class Package:
    path: Path
    documents: int
    files: int  # payload files
    head_entry: int  # the signed head's entry
    time_stamped: bool
    bag_key: str | None  # the key of sealed originals, to hand over apart from the bag


def export_evidence(
    session: Session,
    document_ids: list[int],
    out: Path,
    store: MediaStore,
    actor: Actor,
    via: str,
    signing_key: Ed25519PrivateKey,
    authority: anchors.Authority | None = None,
    open_originals: bool = False,
) -> Package:
    """Write the evidence package of these documents to `out` (which must not exist)."""
    if not can(actor, "evidence:export"):
        raise NotPermitted("only custodians export evidence")
    out = Path(out)
    if out.exists():
        raise ValidationError(f"{out} exists: give a new folder", field="out")
    if not document_ids:
        raise ValidationError("name at least one document", field="documents")
    documents = [_exportable(session, i) for i in dict.fromkeys(document_ids)]
    report = audit.verify(session)
    if not report.ok:  # a broken chain is reported, never signed over
        raise ValidationError(f"the audit log is broken at entry {report.entry_id}: not exported", field="audit")
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    private_folder(staging)
    try:
        key = None if open_originals else AESGCM.generate_key(bit_length=256)
        writer = _Writer(staging, key)
        lineage = _Lineage()
        for document in documents:
            _write_document(session, document, store, writer, lineage)
        writer.json("provenance.json", lineage.document())
        writer.text("README.txt", _readme(documents, key is not None))
        # the files, bound to the signed head: their digest is in the entry the head covers
        with unit_of_work(session):
            audit.record(
                session, actor, via, "evidence.export", "document", None,
                documents=[d.id for d in documents], originals="open" if open_originals else "sealed",
                payload_sha256=payload_digest(staging),
            )  # fmt: skip
            head = anchors.anchor(session, signing_key, authority, audit.principal_of(actor))
        _write_custody(session, documents, head, writer)
        bag_info = {
            "Source-Organization": "Witness Archive",
            "External-Description": f"Evidence package: documents {', '.join(str(d.id) for d in documents)}",
            "External-Identifier": f"custody-head-{head.entry_id}-{head.entry_hash[:16]}",
            "Bagging-Date": datetime.now(UTC).date().isoformat(),
            "Witness-Archive-Format": FORMAT,
            "Witness-Archive-Originals": "sealed" if key else "open",
        }
        bagit.make_bag(str(staging), bag_info, checksums=["sha256", "sha512"])
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Package(
        out, len(documents), writer.files, head.entry_id, head.tsa_token is not None,
        base64.urlsafe_b64encode(key).decode() if key else None,
    )  # fmt: skip


def payload_digest(root: Path) -> str:
    """SHA-256 over every payload file's path (as in the bag: data/…) and SHA-256, custody
    folder aside, `root` being the folder that is (or becomes) the bag's data/: what the
    `evidence.export` entry records, so that the signed head covers the files
    (evidence/verify.py computes it again over the bag's data/)."""
    lines = []
    for path in sorted(root.rglob("*")):
        name = "data/" + path.relative_to(root).as_posix()
        if path.is_file() and not name.startswith(CUSTODY):
            lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}\n")
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _exportable(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}")
    record = in_force(document)
    latest = (removals(session, document_id) or [None])[-1]
    withdrawn = latest is not None and (record is None or record.recorded_at < latest.at)
    if withdrawn or (record is not None and (record.withdrawn_at is not None or "legal" not in record.uses)):
        raise ValidationError(
            f"document {document_id}: its consent does not cover legal proceedings; record a consent "
            "that does before exporting it",
            field="consent",
        )
    return document


class _Writer:
    """Files of the bag's payload, opened or sealed, private to their user."""

    def __init__(self, root: Path, key: bytes | None):
        self.root = root
        self.aead = AESGCM(key) if key else None
        self.files = 0

    def write(self, name: str, data: bytes) -> str:
        path = self.root / name
        private_folder(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        self.files += 1
        return f"data/{name}"

    def original(self, name: str, data: bytes) -> str:
        """An original: sealed under the bag key (bound to its path) unless opened."""
        if self.aead is None:
            return self.write(name, data)
        nonce = os.urandom(12)
        return self.write(name + SEALED_SUFFIX, nonce + self.aead.encrypt(nonce, data, f"data/{name}".encode()))

    def json(self, name: str, value) -> str:
        return self.write(name, json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode())

    def text(self, name: str, value: str) -> str:
        return self.write(name, value.encode())


def _write_document(session: Session, document: Document, store: MediaStore, writer: _Writer, lineage: _Lineage):
    folder = f"documents/{document.id}"
    rows = list(
        session.scalars(
            select(DocumentRevision)
            .where(DocumentRevision.document_id == document.id)
            .order_by(DocumentRevision.number)
        )
    )
    kept = []
    for revision in rows:
        data = revisions.received(session, revision)  # NotFound if changed: never exported so
        entry = {
            "number": revision.number,
            "state": revision.state,
            "received_sha256": revision.received_sha256,
            "via": revision.via,
            "by": revision.principal,
            "at": revision.created_at.isoformat(timespec="seconds"),
            "file": None,
        }
        if data is not None:
            entry["file"] = writer.original(f"{folder}/received/revision-{revision.number}.bin", data)
        kept.append(entry)
        lineage.received(document, entry)
    media = []
    for item in document.media:
        described = {"id": item.id, "kind": item.kind, "mime": item.mime, "sha256": item.sha256,
                     "original_sha256": item.original_sha256, "voice_disguised": item.voice_disguised,
                     "metadata_removed": item.report, "original": None}  # fmt: skip
        described["clean"] = writer.write(f"{folder}/media/{item.id}-clean.{item.ext}", store.blobs.get(item.sha256))
        if item.in_vault and store.vault is not None:
            data = store.original(session, item)
            if hashlib.sha256(data).hexdigest() != item.original_sha256:
                raise NotFound(f"media {item.id}: the sealed original does not hash to its custody SHA-256")
            described["original"] = writer.original(f"{folder}/media/{item.id}-original.bin", data)
        media.append(described)
        lineage.cleaned(document, described)
    public = writer.text(f"{folder}/public.md", document.body_public)
    record = {
        "id": document.id,
        "case": document.case.slug,
        "slug": document.slug,
        "kind": document.kind,
        "language": document.language,
        "title": document.title,  # the public projection: redaction applied
        "consent": document.consent,
        "status": document.status,
        "custody_sha256": document.sha256,
        "public_text": {"file": public, "sha256": hashlib.sha256(document.body_public.encode()).hexdigest()},
        "redaction_reviewed_at": _iso(document.redaction_reviewed_at),
        "revisions": kept,
        "media": media,
    }
    writer.json(f"{folder}/record.json", record)
    lineage.published(document, record, _entries_about(session, [document])[0])


def _iso(moment) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _entries_about(session: Session, documents: list[Document]) -> tuple[list[AuditEntry], set[int]]:
    ids = [d.id for d in documents]
    media = [m.id for d in documents for m in d.media]
    about = or_(
        (AuditEntry.object_type == "document") & AuditEntry.object_id.in_(ids),
        (AuditEntry.object_type == "media") & AuditEntry.object_id.in_(media or [-1]),
    )
    entries = list(session.scalars(select(AuditEntry).where(about).order_by(AuditEntry.id)))
    return entries, {e.id for e in entries}


def _write_custody(session: Session, documents: list[Document], head, writer: _Writer) -> None:
    """The log from the first entry about these documents to the signed head: every entry in
    between is there (other objects' ids, actions and hashes; entries never hold text), so
    each link can be recomputed up to the signed hash."""
    entries, about = _entries_about(session, documents)
    first = entries[0].id if entries else head.entry_id
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.id >= first, AuditEntry.id <= head.entry_id).order_by(AuditEntry.id)
    )
    lines = [json.dumps({**_entry(e), "about": e.id in about}, ensure_ascii=False, sort_keys=True) for e in rows]
    writer.text("custody/entries.jsonl", "\n".join(lines) + "\n")
    writer.json(
        "custody/head.json",
        {
            "statement": head.statement,
            "signature": bytes(head.signature).hex(),
            "public_key": head.public_key,
            "tsa_url": head.tsa_url,
            "tsa_token": base64.b64encode(bytes(head.tsa_token)).decode() if head.tsa_token else None,
        },
    )


def _entry(entry: AuditEntry) -> dict:
    """An entry with every field its hash covers, and the hash."""
    return {"principal": "", **audit.hashed_fields(entry), "entry_hash": entry.entry_hash}


class _Lineage:
    """A W3C PROV-JSON document: entities (files, with their hashes), activities (custody log
    entries), agents (who acted), and how they relate."""

    def __init__(self):
        self.doc = {
            "prefix": {"wa": NS, "prov": "http://www.w3.org/ns/prov#"},
            "entity": {},
            "activity": {},
            "agent": {},
            "wasGeneratedBy": {},
            "wasDerivedFrom": {},
            "wasAssociatedWith": {},
            "used": {},
        }
        self.n = 0

    def _relation(self, kind: str, value: dict) -> None:
        self.n += 1
        self.doc[kind][f"_:{kind}{self.n}"] = value

    def _agent(self, principal: str) -> str:
        name = f"wa:agent/{principal or 'unknown'}"
        self.doc["agent"][name] = {
            "prov:type": "prov:Person" if principal.startswith("user:") else "prov:SoftwareAgent"
        }
        return name

    def _activity(self, name: str, kind: str, at: str, principal: str) -> str:
        self.doc["activity"][name] = {"prov:type": f"wa:{kind}", "prov:startTime": at}
        self._relation("wasAssociatedWith", {"prov:activity": name, "prov:agent": self._agent(principal)})
        return name

    def _entity(self, name: str, kind: str, sha256: str, file: str | None) -> str:
        attributes = {"prov:type": f"wa:{kind}", "wa:sha256": sha256}
        if file:
            attributes["wa:file"] = file
        self.doc["entity"][name] = attributes
        return name

    def received(self, document: Document, revision: dict) -> None:
        base = f"wa:document/{document.id}/revision/{revision['number']}"
        entity = self._entity(f"{base}/received", "Received", revision["received_sha256"], revision["file"])
        activity = self._activity(f"{base}/receiving", "receive", revision["at"], revision["by"])
        self._relation("wasGeneratedBy", {"prov:entity": entity, "prov:activity": activity})

    def cleaned(self, document: Document, media: dict) -> None:
        base = f"wa:media/{media['id']}"
        original = self._entity(f"{base}/original", "Original", media["original_sha256"], media["original"])
        clean = self._entity(f"{base}/clean", "Cleaned", media["sha256"], media["clean"])
        activity = f"{base}/cleaning"
        self.doc["activity"][activity] = {"prov:type": "wa:clean"}
        self._relation("used", {"prov:activity": activity, "prov:entity": original})
        self._relation("wasGeneratedBy", {"prov:entity": clean, "prov:activity": activity})
        self._relation("wasDerivedFrom", {"prov:generatedEntity": clean, "prov:usedEntity": original})

    def published(self, document: Document, record: dict, entries: list[AuditEntry]) -> None:
        """The public text, derived by redaction from the last applied revision, reviewed and
        published in the steps the custody log records."""
        applied = [r for r in record["revisions"] if r["state"] == "applied"]
        public = self._entity(
            f"wa:document/{document.id}/public",
            "PublicText",
            record["public_text"]["sha256"],
            record["public_text"]["file"],
        )
        if applied:
            source = f"wa:document/{document.id}/revision/{applied[-1]['number']}/received"
            self._relation("wasDerivedFrom", {"prov:generatedEntity": public, "prov:usedEntity": source,
                                              "prov:type": "wa:redact"})  # fmt: skip
        for entry in entries:
            step = _STEPS.get(entry.action)
            if step is None:
                continue
            activity = self._activity(
                f"wa:custody/{entry.id}", step, entry.at.isoformat(timespec="seconds"), entry.principal
            )
            self.doc["activity"][activity]["wa:action"] = entry.action
            self.doc["activity"][activity]["wa:entry_hash"] = entry.entry_hash
            if step in ("redact", "review", "publish"):
                self._relation("wasGeneratedBy" if step != "publish" else "used",
                               {"prov:entity": public, "prov:activity": activity})  # fmt: skip

    def document(self) -> dict:
        return {k: v for k, v in self.doc.items() if v}


# custody log actions → the lineage's steps
_STEPS = {
    "document.create": "receive",
    "document.edit": "redact",
    "document.revision.applied": "redact",
    "document.redaction_review": "review",
    "document.redaction_attested": "review",
    "document.publish": "publish",
    "document.withdrawn": "withdraw",
    "consent.record": "consent",
    "media.attach": "clean",
}


def _readme(documents: list[Document], sealed: bool) -> str:
    originals = (
        "Originals are sealed (files ending .sealed: AES-256-GCM, 12-byte nonce first, the file's path "
        "under the bag as associated data) under a key given apart from this bag."
        if sealed
        else "Originals are as received: they may identify people. Keep this bag as you would the originals."
    )
    return (
        f"{FORMAT}\n\nDocuments: {', '.join(str(d.id) for d in documents)}.\n\n"
        "documents/ID/received/  the exact bytes received for each revision (revision 1: the custody hash)\n"
        "documents/ID/media/     each file's original and the cleaned copy readers saw\n"
        "documents/ID/public.md  the public text; record.json describes all of it with hashes\n"
        "provenance.json         W3C PROV-JSON: received, cleaned, redacted, reviewed, published\n"
        "custody/                the custody log from the first entry about these documents to a signed head\n\n"
        f"{originals}\n\nCheck it with `archive verify-evidence BAG` (no archive needed), "
        "or any BagIt tool for the hashes.\n"
    )
