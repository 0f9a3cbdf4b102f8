"""Denials as schema.org ClaimReview: what an official denied, reviewed against the events the
archive's documents report, as JSON-LD for search engines and fact-checking tools.

Built from the VisibleEntry alone, so it holds what its reader may see: the documents cited
that they may open (`appearance`), the denied events they may see (`citation`, the evidence),
and public text only. A denial none of whose denied events the reader may see gets no review:
a rating without its evidence would tell of events hidden from them.
"""

from __future__ import annotations

from archive.links import Link
from archive.timeline.read import VisibleEntry

ARCHIVE = {"@type": "Organization", "name": "Witness Archive"}
# the archive's verdict in words: the events are what documents report (allegations until
# proven), so the denial is contradicted by reported evidence, not proven false
RATING = "Contradicted by reported evidence"


def claim_review(item: VisibleEntry, link: Link) -> dict | None:
    """The ClaimReview of a denial (None for any other entry, or when the reader may see none
    of the events it denies); `link(kind, record)` gives permalinks."""
    entry, when = item.entry, item.date
    denied = item.denies
    if entry.kind != "denial" or not denied:
        return None
    claim: dict = {"@type": "Claim"}
    author = _speaker(entry.speaker, entry.speaker_office)
    if author:
        claim["author"] = author
    if when.precision == "day" and when.earliest:
        claim["datePublished"] = when.earliest.isoformat()
    if when.edtf:
        claim["temporalCoverage"] = when.edtf  # EDTF is a profile of ISO 8601-2
    claim["appearance"] = [
        {"@type": "CreativeWork", "name": c.document.title, "url": link("document", c.document)} for c in item.citations
    ]
    evidence = [{"@type": "CreativeWork", "name": e.title, "url": link("entry", e)} for e in denied]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": link("entry", entry),
        "name": entry.title,
        "claimReviewed": claimed(item),
        "itemReviewed": claim,
        "reviewRating": {
            "@type": "Rating",
            "alternateName": RATING,
            "ratingExplanation": "Denies what documents in the archive report: " + "; ".join(e.title for e in denied),
        },
        "citation": evidence,
        "author": ARCHIVE,
    }


def claimed(item: VisibleEntry) -> str:
    """What the denial claims: the quotation when a document the reader may open carries it
    word for word, else the archive's paraphrase, else the entry's title."""
    entry = item.entry
    if entry.quotation and item.quoted_in is not None:
        return entry.quotation
    return entry.paraphrase or entry.title


def _speaker(name: str, office: str) -> dict | None:
    """Who made the claim: a Person holding the office when one is recorded ("Ramzan Kadyrov",
    head of the Chechen government), else an Organization ("Chechen authorities")."""
    name, office = (name or "").strip(), (office or "").strip()
    if name and office:
        return {"@type": "Person", "name": name, "jobTitle": office}
    if name or office:
        return {"@type": "Organization", "name": name or office}
    return None
