"""Near-duplicates found at ingest and proposed as derivations for a custodian to confirm.

A reprint, a long quotation or a close summary of a document already in the case shares much
of its wording. Each document's public text (never the original: what is compared must not
hold what redaction removed) is cut into overlapping three-word shingles and summarised by a
MinHash signature (`datasketch`, 64 permutations, 272 bytes), stored with the document.
Locality-sensitive hashing finds candidates without comparing against every document: the
signature is cut into 16 bands of 4 values and each band's hash is indexed; documents sharing
any band are candidates (the chance of sharing one is high from an estimated Jaccard
similarity of about 0.5 up: 1 − (1 − s⁴)¹⁶). A candidate whose estimated similarity is at
least PROPOSE_AT is proposed: the later document as derived from the earlier (by date of
publication, then by arrival), as a reprint when nearly all is shared, else as a summary. A
proposal counts for nothing until a custodian confirms it (and may change its relation) or
rejects it; a rejected pair is never proposed again.

Translations share no wording; they are asserted by custodians (`derived_from`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import struct

from datasketch import LeanMinHash, MinHash
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from archive.storage.models import Derivation, Document, DocumentFingerprint, FingerprintBand

log = logging.getLogger(__name__)

NUM_PERM = 64
BANDS, ROWS = 16, 4  # BANDS × ROWS = NUM_PERM
SHINGLE = 3  # words
MIN_SHINGLES = 12  # shorter texts share too little to tell a copy from chance
PROPOSE_AT = 0.45  # estimated Jaccard similarity of shingles
REPRINT_AT = 0.8
MAX_CANDIDATES = 200  # the most similar first; a common boilerplate paragraph cannot flood a case
_SEED = 1
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> set[bytes]:
    """The text's overlapping word triples, case and ё/е folded, markup ignored."""
    words = _WORD.findall(text.casefold().replace("ё", "е"))
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(max(0, len(words) - SHINGLE + 1))}


def signature(text: str) -> LeanMinHash | None:
    """The MinHash of the text's shingles, or None when it is too short to compare."""
    found = shingles(text)
    if len(found) < MIN_SHINGLES:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED)
    minhash.update_batch(sorted(found))
    return LeanMinHash(minhash)


def band_keys(sig: LeanMinHash) -> list[int]:
    """One signed 64-bit key per band: the band's number and values, hashed."""
    values = sig.hashvalues
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].astype("<u4").tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(struct.unpack("<q", digest)[0])
    return keys


def fingerprint(session: Session, document: Document) -> LeanMinHash | None:
    """Store (or replace) the document's signature and bands; return the signature."""
    session.execute(delete(FingerprintBand).where(FingerprintBand.document_id == document.id))
    session.execute(delete(DocumentFingerprint).where(DocumentFingerprint.document_id == document.id))
    sig = signature(document.body_public or "")
    if sig is None:
        return None
    buffer = bytearray(sig.bytesize())
    sig.serialize(buffer)
    session.add(DocumentFingerprint(document_id=document.id, signature=bytes(buffer)))
    session.add_all(
        FingerprintBand(band=key, document_id=document.id, case_id=document.case_id) for key in band_keys(sig)
    )
    return sig


def propose_for(session: Session, document: Document) -> list[Derivation]:
    """Fingerprint the document and propose derivations to the near-duplicates of its case;
    return the new proposals (flushed with the caller's unit of work, not committed)."""
    sig = fingerprint(session, document)
    if sig is None:
        return []
    session.flush()
    candidates = session.scalars(
        select(FingerprintBand.document_id)
        .where(
            FingerprintBand.band.in_(band_keys(sig)),
            FingerprintBand.case_id == document.case_id,
            FingerprintBand.document_id != document.id,
        )
        .distinct()
    ).all()
    if not candidates:
        return []
    linked = _linked_with(session, document.id)
    scored = []
    for other_id, stored in session.execute(
        select(DocumentFingerprint.document_id, DocumentFingerprint.signature).where(
            DocumentFingerprint.document_id.in_([c for c in candidates if c not in linked])
        )
    ):
        similarity = sig.jaccard(LeanMinHash.deserialize(stored))
        if similarity >= PROPOSE_AT:
            scored.append((similarity, other_id))
    proposals = []
    for similarity, other_id in sorted(scored, reverse=True)[:MAX_CANDIDATES]:
        other = session.get(Document, other_id)
        later, earlier = (document, other) if _order(other) <= _order(document) else (other, document)
        link = Derivation(
            document_id=later.id,
            from_document_id=earlier.id,
            relation="reprint" if similarity >= REPRINT_AT else "summary",
            state="proposed",
            similarity=round(float(similarity), 3),
        )
        session.add(link)
        proposals.append(link)
    if proposals:
        session.flush()
        log.info("document %s: %d near-duplicate(s) proposed as derivations", document.id, len(proposals))
    return proposals


def _linked_with(session: Session, document_id: int) -> set[int]:
    """Documents already linked to this one either way, in any state (a rejection included)."""
    rows = session.execute(
        select(Derivation.document_id, Derivation.from_document_id).where(
            or_(Derivation.document_id == document_id, Derivation.from_document_id == document_id)
        )
    )
    return {a if b == document_id else b for a, b in rows}


def _order(document: Document) -> tuple:
    """Earlier first: by the start of publication (undated last), then by arrival."""
    return (document.published_start is None, document.published_start or 0, document.id)
