"""Acts and their counts as JSON, for the API: what a reader may see, nothing else.

A victim known as a person is given by pseudonym only; a source by its document's id, address,
title, grade and stance, never by what a custodian alone may open."""

from __future__ import annotations

from archive.dates import parse_edtf
from archive.links import Link
from archive.violations.read import TypeCount, VisibleAct


def act_record(item: VisibleAct, link: Link, entry_shown: bool = False, locale: str = "en") -> dict:
    """An act with the sources its reader may open; `entry_shown`: whether that reader may see
    the timeline entry it belongs to (else the link is left out)."""
    act, when = item.act, parse_edtf(item.act.date_edtf)
    return {
        "id": act.id,
        "slug": act.slug,
        "url": link("act", act),
        "case": act.case.slug,
        "type": act.act_type,
        **when.record(locale),
        "place": act.place,
        "summary": act.summary,
        "description": act.description,
        "entry": link("entry", act.entry) if entry_shown and act.entry else None,
        "victims": [
            {"person": v.identity.pseudonym} if v.identity is not None else {"count": v.victim_count, "who": v.who}
            for v in act.victims
        ],
        "people": item.people,
        "perpetrators": [{"name": p.name, "kind": p.kind} for p in act.perpetrators],
        "sources": [
            {
                "document": s.document_id,
                "url": link("document", s.document),
                "title": s.document.title,
                "stance": s.stance,
                "excerpt": s.excerpt,
                "source_type": s.document.source_type,
                "grade": (s.document.grade_source or "") + (s.document.grade_information or ""),
            }
            for s in item.sources
        ],
        "corroboration": _corroboration(item),
    }


def count_record(count: TypeCount) -> dict:
    return {
        "type": count.act_type,
        "violation": count.violation,
        "acts": count.acts,
        "people_at_least": count.at_least,
        "people_summed_over_acts": count.people,
        "documents": count.documents,
        "independent_sources": count.sources,
        "disputing_documents": count.disputing,
    }


def _corroboration(item: VisibleAct) -> dict:
    found = item.corroboration
    supporting = len(item.supporting)
    return {
        "documents": found.documents if found else supporting,
        "independent_sources": found.sources if found else supporting,
    }
