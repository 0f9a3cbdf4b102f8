"""Timeline entries as JSON: one record per entry, for the API and the exports alike."""

from __future__ import annotations

from archive.links import Link
from archive.timeline.entries import passage_stands
from archive.timeline.read import VisibleEntry


def entry_record(item: VisibleEntry, link: Link) -> dict:
    """An entry with what its reader may follow: citations, accounts, stances."""
    entry, when = item.entry, item.date
    record = {
        "id": entry.id,
        "slug": entry.slug,
        "url": link("entry", entry),
        "case": entry.case.slug,
        "kind": entry.kind,
        **when.record(),
        "title": entry.title,
        "description": entry.description,
        "actor": entry.actor,
        "place": entry.place,
        "citations": [
            {
                "document": c.document_id,
                "title": c.document.title,
                "kind": c.document.kind,
                "url": link("document", c.document),
                "excerpt": c.excerpt,
                # false when an edit has taken the passage out of the document since
                "excerpt_in_current_text": passage_stands(c),
            }
            for c in item.citations
        ],
        # independent sources among the citations above: copies of one source count once
        "corroboration": {
            "documents": item.corroboration.documents if item.corroboration else len(item.citations),
            "independent_sources": item.corroboration.sources if item.corroboration else len(item.citations),
        },
        "conflicting_accounts": [
            {
                "document": a.document_id,
                "url": link("document", a.document),
                "account": a.account,
            }
            for a in item.accounts
        ],
    }
    if entry.kind == "event":
        record["denied_by"] = [e.id for e in item.denied_by]
        record["responses"] = [{"entry": e.id, "stance": s} for s, e in item.responses]
    else:
        record["speaker"] = {"name": entry.speaker, "office": entry.speaker_office}
        record["channel"] = entry.channel
        # words no document this reader may open carries are left out: they may come from a
        # document kept from this reader
        record["quotation"] = entry.quotation if item.quoted_in is not None else ""
        # the words as a cited document gives them (which one, and who speaks in it), or false
        # when no document this reader may open carries them word for word
        quoted = item.quoted_in
        record["quotation_verbatim"] = quoted is not None
        record["quoted_in"] = (
            {
                "document": quoted.document_id,
                "url": link("document", quoted.document),
                "title": quoted.document.title,
                "source_type": quoted.document.source_type,
            }
            if quoted is not None
            else None
        )
        record["paraphrase"] = entry.paraphrase
        record["stances"] = [{"event": e.id, "stance": s} for s, e in item.stances]
        if entry.kind == "denial":
            record["denies"] = [e.id for e in item.denies]
    return record
