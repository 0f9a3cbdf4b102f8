"""Timeline exports: JSON (schema in timeline.schema.json), CSV and TimelineJS JSON.

Each export is built from `visible_entries`, so it holds exactly what its reader may see:
entries backed by a document they may open, those citations only, and public text only
(timeline text is written by custodians and checked for identifiers when it is saved;
documents are referred to by id, title and link, never by their original text).
"""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import UTC, datetime
from importlib import resources

from archive.links import Link
from archive.timeline.read import LANE_NAMES, VisibleEntry
from archive.timeline.serialize import entry_record

FORMATS = ("json", "csv", "timelinejs")
SCHEMA_ID = "https://witness-archive.example/schemas/timeline-v1.json"
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "timelinejs": "application/json"}
CSV_COLUMNS = ("id", "slug", "case", "kind", "date", "date_display", "date_earliest",
               "date_latest", "title", "description", "actor", "place", "speaker", "office",
               "channel", "quotation", "stances", "denies", "evidence", "citations")  # fmt: skip


def schema() -> dict:
    """The JSON Schema the JSON export follows."""
    text = resources.files("archive.timeline").joinpath("timeline.schema.json").read_text()
    return json.loads(text)


def export(entries: list[VisibleEntry], fmt: str, link: Link, title: str = "Timeline") -> str:
    """Serialise entries; `link(kind, id)` gives the permalink of a document or an entry."""
    if fmt == "json":
        return to_json(entries, link)
    if fmt == "csv":
        return to_csv(entries, link)
    if fmt == "timelinejs":
        return to_timelinejs(entries, link, title)
    raise ValueError(f"format is one of {', '.join(FORMATS)}")


def to_json(entries: list[VisibleEntry], link: Link) -> str:
    """One entry per line: readable, diffable, and written by the C encoder (an indented
    dump goes through the pure-Python one, five times slower)."""
    head = {
        "$schema": SCHEMA_ID,
        "generated": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "count": len(entries),
    }
    lines = ",\n".join(_dumps(entry_record(item, link)) for item in entries)
    return f'{_dumps(head)[:-1]},\n"entries": [\n{lines}\n]}}\n'


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def to_csv(entries: list[VisibleEntry], link: Link) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in entries:
        r = entry_record(item, link)
        row = {
            **r,
            "speaker": (r.get("speaker") or {}).get("name", ""),
            "office": (r.get("speaker") or {}).get("office", ""),
            "stances": "; ".join(f"{s['stance']} {s['event']}" for s in r.get("stances", [])),
            "denies": " ".join(str(i) for i in r.get("denies", [])),
            "evidence": len(r["citations"]),
            "citations": " ".join(c["url"] for c in r["citations"]),
        }
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


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


def _tjs_text(item: VisibleEntry, link) -> str:
    entry = item.entry
    parts = [f"<p>{_escape(entry.description)}</p>"] if entry.description else []
    if entry.quotation:
        speaker = ", ".join(x for x in (entry.speaker, entry.speaker_office) if x)
        parts.append(
            f"<blockquote>{_escape(entry.quotation)}</blockquote>" + (f"<p>— {_escape(speaker)}</p>" if speaker else "")
        )
    if item.denies:
        parts.append("<p>Denies: " + "; ".join(_escape(e.title) for e in item.denies) + "</p>")
    sources = "".join(
        f'<li><a href="{link("document", c.document)}">{_escape(c.document.title)}</a></li>' for c in item.citations
    )
    parts.append(f"<p>Evidence:</p><ul>{sources}</ul>")
    return "".join(parts)


def _escape(text: str) -> str:
    return html.escape(text or "", quote=True)
