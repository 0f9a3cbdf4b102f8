"""Timeline exports: JSON (schema in timeline.schema.json), CSV and TimelineJS JSON.

Each export is built from `visible_entries`, so it holds exactly what its reader may see:
entries backed by a document they may open, those citations and conflicting accounts only,
the denied events they may see, and public text only (timeline text is written by custodians
and checked for identifiers when it is saved; documents are described by their public fields:
title, slug, permalink, public-text SHA-256, who speaks, grading, source, and the excerpt cited;
never by their original text).

Every format carries the same context: the sources' conflicting accounts, the excerpts, each
document's grading and who speaks in it, corroboration (independent sources among the
documents cited), SHA-256 hashes and permalinks; the JSON export adds a schema.org ClaimReview
to each denial (claimreview.py).
"""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import UTC, datetime
from importlib import resources

from archive.links import Link
from archive.records import grading_json, source_json
from archive.storage.models import Document
from archive.timeline.claimreview import claim_review
from archive.timeline.read import LANE_NAMES, VisibleEntry
from archive.timeline.serialize import entry_record

FORMATS = ("json", "csv", "timelinejs")
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "timelinejs": "application/json"}
# where the archive serves the schema (web/timeline.py); an export names it under the
# archive's own address, so `$schema` resolves wherever the export was made
SCHEMA_PATH = "/schemas/timeline-v1.json"
SCHEMA_MEDIA_TYPE = "application/schema+json"
# Multi-valued cells hold one line per item. The citation columns (`citations` to `excerpts`)
# hold one line per document cited, in the same order, so line n of each is about one document.
CSV_COLUMNS = ("id", "slug", "case", "kind", "date", "date_display", "date_earliest",
               "date_latest", "title", "description", "actor", "place", "speaker", "office",
               "channel", "quotation", "stances", "denies", "evidence", "citations",
               "url", "quotation_verbatim", "quoted_in", "paraphrase", "independent_sources",
               "document_titles", "document_slugs", "document_sha256", "source_types", "grades",
               "document_sources", "excerpts", "conflicting_accounts")  # fmt: skip
# who speaks in a document, in the words web/labels.py gives them (the exports are in English)
SOURCE_TYPE_WORDS = {
    "first_hand": "first-hand testimony",
    "second_hand": "second-hand report",
    "official": "official statement as the official published it",
    "commentary": "secondary commentary",
}


def schema(url: str | None = None) -> dict:
    """The JSON Schema the JSON export follows; `url`, where it is served, becomes its `$id`."""
    text = resources.files("archive.timeline").joinpath("timeline.schema.json").read_text()
    found = json.loads(text)
    return {"$schema": found.pop("$schema"), "$id": url, **found} if url else found


def schema_under(base_url: str) -> str:
    """The schema's address on the archive at `base_url` (a path alone for '')."""
    return base_url.rstrip("/") + SCHEMA_PATH


def export(entries: list[VisibleEntry], fmt: str, link: Link, *, schema_url: str, title: str = "Timeline") -> str:
    """Serialise entries; `link(kind, record)` gives the permalink of a document or an entry,
    `schema_url` where the archive serves the JSON export's schema."""
    if fmt == "json":
        return to_json(entries, link, schema_url)
    if fmt == "csv":
        return to_csv(entries, link)
    if fmt == "timelinejs":
        return to_timelinejs(entries, link, title)
    raise ValueError(f"format is one of {', '.join(FORMATS)}")


def export_record(item: VisibleEntry, link: Link) -> dict:
    """An entry as the API gives it (serialize.py), each document cited described further
    (slug, SHA-256, who speaks, grading, source), and a denial's ClaimReview."""
    record = entry_record(item, link)
    for cited, citation in zip(record["citations"], item.citations, strict=True):
        cited.update(document_context(citation.document))
    for account, given in zip(record["conflicting_accounts"], item.accounts, strict=True):
        account.update(title=given.document.title, slug=given.document.slug)
    if item.entry.kind == "denial":
        record["claim_review"] = claim_review(item, link)
    return record


def document_context(document: Document) -> dict:
    """What a reader weighs a cited document by: its public fields only."""
    return {
        "slug": document.slug,
        "sha256": document.version_sha256,
        "source_type": document.source_type,
        "grade": grading_json(document),
        "source": source_json(document.source, reliability=False),
    }


def to_json(entries: list[VisibleEntry], link: Link, schema_url: str) -> str:
    """One entry per line: readable, diffable, and written by the C encoder (an indented
    dump goes through the pure-Python one, five times slower)."""
    head = {
        "$schema": schema_url,
        "generated": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "count": len(entries),
    }
    lines = ",\n".join(_dumps(export_record(item, link)) for item in entries)
    return f'{_dumps(head)[:-1]},\n"entries": [\n{lines}\n]}}\n'


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def to_csv(entries: list[VisibleEntry], link: Link) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in entries:
        r = export_record(item, link)
        cited, accounts = r["citations"], r["conflicting_accounts"]
        row = {
            **r,
            "speaker": (r.get("speaker") or {}).get("name", ""),
            "office": (r.get("speaker") or {}).get("office", ""),
            "stances": "; ".join(f"{s['stance']} {s['event']}" for s in r.get("stances", [])),
            "denies": " ".join(str(i) for i in r.get("denies", [])),
            "evidence": len(cited),
            "citations": _lines(c["url"] for c in cited),
            "quotation_verbatim": ("yes" if r["quotation_verbatim"] else "no") if r.get("quotation") else "",
            "quoted_in": (r.get("quoted_in") or {}).get("url", ""),
            "paraphrase": r.get("paraphrase", ""),
            "independent_sources": r["corroboration"]["independent_sources"],
            "document_titles": _lines(c["title"] for c in cited),
            "document_slugs": _lines(c["slug"] for c in cited),
            "document_sha256": _lines(c["sha256"] for c in cited),
            "source_types": _lines(c["source_type"] for c in cited),
            "grades": _lines((c["grade"] or {}).get("code", "") for c in cited),
            "document_sources": _lines(_publication(c["source"]) for c in cited),
            "excerpts": _lines(c["excerpt"] for c in cited),
            "conflicting_accounts": _lines(f"{a['title']} ({a['url']}): {a['account']}" for a in accounts),
        }
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _publication(source: dict | None) -> str:
    """A source in a line: outlet · author · title · reported by · address."""
    if source is None:
        return ""
    reported = f"reported by {source['reported_by']}" if source["reported_by"] else ""
    parts = (source["outlet"], source["author"], source["title"], reported, source["url"])
    return " · ".join(p for p in parts if p)


def _lines(values) -> str:
    """A multi-valued cell: one value a line, white space within each collapsed, and each line
    guarded like a cell (a spreadsheet splitting the cell into rows must not meet a formula)."""
    return "\n".join(_cell(" ".join(str(v or "").split())) for v in values)


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_timelinejs(entries: list[VisibleEntry], link: Link, title: str) -> str:
    """TimelineJS 3's JSON: events with start and end dates as precise as recorded."""
    events = []
    for item in entries:
        entry, when = item.entry, item.date
        # one day somewhere within bounds is a point (at its earliest), never a bar
        start = _tjs_date(entry.date_start or entry.date_end, when.precision)
        if start is None:
            continue
        event = {
            "unique_id": f"entry-{entry.id}",
            "start_date": start,
            "display_date": when.display(),
            "group": LANE_NAMES[item.lane],
            "text": {"headline": _escape(entry.title), "text": _tjs_text(item, link)},
        }
        if when.precision == "range" and entry.date_start and entry.date_end:
            event["end_date"] = _tjs_date(entry.date_end, "day")
        events.append(event)
    return json.dumps(
        {"title": {"text": {"headline": _escape(title), "text": ""}}, "events": events},
        ensure_ascii=False,
        indent=1,
    )


def _tjs_date(when, precision: str) -> dict | None:
    if when is None:
        return None
    parts = {"year": when.year}
    if precision in ("month", "day", "range", "one_of"):
        parts["month"] = when.month
    if precision in ("day", "range"):
        parts["day"] = when.day
    return parts


def _tjs_text(item: VisibleEntry, link: Link) -> str:
    """An entry's card in HTML, every text escaped: what was said, the accounts, the evidence."""
    entry = item.entry
    parts = [f"<p>{_escape(entry.description)}</p>"] if entry.description else []
    parts += _tjs_words(item, link)
    if item.denies:
        denied = "; ".join(_anchor(link("entry", e), e.title) for e in item.denies)
        parts.append(f"<p>Denies: {denied}</p>")
    if item.accounts:
        accounts = "".join(
            f"<li>{_anchor(link('document', a.document), a.document.title)}: {_escape(a.account)}</li>"
            for a in item.accounts
        )
        parts.append(f"<p>The sources disagree:</p><ul>{accounts}</ul>")
    found = item.corroboration
    documents = found.documents if found else len(item.citations)
    sources = found.sources if found else len(item.citations)
    parts.append(f"<p>Evidence: {_corroboration(sources, documents)}</p>")
    parts.append("<ul>" + "".join(_tjs_citation(c, link) for c in item.citations) + "</ul>")
    parts.append(f"<p>Permalink: {_anchor(link('entry', entry), link('entry', entry))}</p>")
    return "".join(parts)


def _tjs_words(item: VisibleEntry, link: Link) -> list[str]:
    """The quotation, as the document that carries it word for word gives it, and the
    paraphrase. Words no document the reader may open carries are left out: they may come
    from one kept from this reader (or from a version since changed)."""
    entry, parts = item.entry, []
    if entry.quotation:
        quoted = item.quoted_in
        if quoted is not None:
            who = ", ".join(x for x in (entry.speaker or entry.actor, entry.speaker_office) if x)
            doc = quoted.document
            speaks = SOURCE_TYPE_WORDS.get(doc.source_type, "")
            parts.append(
                f"<blockquote>{_escape(entry.quotation)}</blockquote><p>— {_escape(who)}"
                f"{', ' if who else ''}as quoted in {_anchor(link('document', doc), doc.title)}"
                + (f" ({_escape(speaks)})" if speaks else "")
                + "</p>"
            )
    if entry.paraphrase:
        parts.append(f"<p>In substance, in the archive's words: {_escape(entry.paraphrase)}</p>")
    return parts


def _tjs_citation(citation, link: Link) -> str:
    document = citation.document
    about = [x for x in ((grading_json(document) or {}).get("code"), SOURCE_TYPE_WORDS.get(document.source_type)) if x]
    text = _anchor(link("document", document), document.title)
    if about:
        text += f" ({_escape(', '.join(about))})"
    if citation.excerpt:
        text += f"<br><q>{_escape(citation.excerpt)}</q>"
    text += f"<br><small>SHA-256 <code>{_escape(document.version_sha256)}</code></small>"
    return f"<li>{text}</li>"


def _corroboration(sources: int, documents: int) -> str:
    """Corroboration in words, "1 independent source (2 documents)": copies count once."""
    said = f"{sources} independent source{'' if sources == 1 else 's'}"
    return f"{said} ({documents} document{'' if documents == 1 else 's'})"


def _anchor(url: str, text: str) -> str:
    return f'<a href="{_escape(url)}">{_escape(text)}</a>'


def _escape(text: str) -> str:
    return html.escape(text or "", quote=True)
