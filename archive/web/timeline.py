"""The timeline: reported events and what officials said, side by side; entry pages (a
denial's with its ClaimReview as JSON-LD); exports and the schema of the JSON export; and the
same timeline for other sites to embed (public entries only)."""

from __future__ import annotations

import json
from collections import Counter

from flask import Blueprint, Response, g, render_template, request, url_for
from markupsafe import Markup

from archive.citations import cite_entry
from archive.errors import N_, NotFound, ValidationError
from archive.kept import Kept
from archive.services import get_session
from archive.storage import queries
from archive.storage.db import committed_version
from archive.storage.models import ACT_TYPES, CHANNELS, ENTRY_KINDS, TimelineEntry
from archive.timeline.chart import build_chart
from archive.timeline.claimreview import claim_review
from archive.timeline.entries import passage_stands
from archive.timeline.export import FORMATS, MEDIA_TYPES, SCHEMA_MEDIA_TYPE, SCHEMA_PATH, export, schema
from archive.timeline.read import (
    TimelineFilters,
    entry_visible_to,
    entry_year,
    group_by_month,
    timeline_outline,
    visible_entries,
)
from archive.web.helpers import actor, permalink, whole_number
from archive.web.i18n import citation_words, current_language

bp = Blueprint("timeline", __name__)
bp.add_app_template_global(passage_stands, "passage_stands")
YEAR_PAGING = 400  # a timeline with more entries than this is shown one year at a time
_PUBLIC: Kept[Markup] = Kept(32)  # public timelines (language, filters, year) of this process


@bp.get("/timeline")
def page():
    reader = actor()
    content = _kept(reader, "_timeline_content.html")
    return render_template("timeline.html", content=content)


@bp.get("/embed/timeline")
def embed():
    """The timeline for other sites' pages: the chart and the entries as an anonymous visitor
    sees them, whoever is signed in (a frame must never carry the visitor's privileges). The
    sites that may frame it are ARCHIVE_EMBED_FRAME_ANCESTORS (web/security.py)."""
    return _kept(None, "embed_timeline.html")


def _kept(reader, template: str) -> Markup:
    """The template rendered for this reader and the request's filters; for an anonymous
    reader, kept for the database's version (archive/kept.py), so any change shows at once:
    the public timeline is the same for every anonymous reader of a language."""
    filters = TimelineFilters.from_args(request.args)
    session = get_session()
    year_arg = request.args.get("year")
    if reader is not None:
        return _content(session, reader, filters, year_arg, template)
    key = (template, current_language(), request.url_root, tuple(filters.as_args().items()), year_arg)
    version = committed_version(session)
    return _PUBLIC.get(version, key, lambda: _content(session, None, filters, year_arg, template))


def _content(session, reader, filters: TimelineFilters, year_arg: str | None, template: str) -> Markup:
    """The timeline's content for this reader and filters, rendered with `template`."""
    outline = timeline_outline(session, reader, filters)
    counts = Counter(row.slot[0] for row in outline)
    year = None  # the year shown, when the timeline is too long to show at once
    ids = [row.id for row in outline]
    if len(outline) > YEAR_PAGING:
        year = _year_arg(year_arg, next(iter(counts)))
        ids = [row.id for row in outline if row.slot[0] == year]
    entries = visible_entries(session, reader, filters, ids)
    g.timeline_on_page = {item.entry.id for item in entries}
    endpoint = request.endpoint or "timeline.page"

    def href(y: int | None) -> str:
        return "#" if year is None or y == year else url_for(endpoint, **filters.as_args(), year=y)

    return Markup(  # noqa: S704 - a template's output, escaped by Jinja
        render_template(
            template,
            filters=filters,
            total=len(outline),
            denial_count=sum(row.kind == "denial" for row in outline),
            year=year,
            year_counts=counts if year is not None else {},
            year_href=href,
            entries=entries,
            years=group_by_month(entries),
            chart=build_chart(entries, current_language()),
            denials=[e for e in entries if e.entry.kind == "denial"],
            cases=queries.list_cases(session),
            kinds=ENTRY_KINDS,
            act_types=ACT_TYPES,
            formats=FORMATS,
        )
    )


@bp.app_template_global()
def entry_href(entry: TimelineEntry) -> str:
    """Where an entry sits: on this page if it is shown here, else on its case's timeline
    (at its year, for long timelines)."""
    if entry.id in g.get("timeline_on_page", ()):
        return f"#entry-{entry.id}"
    url = url_for("timeline.page", case=entry.case.slug, year=entry_year(entry))
    return f"{url}#entry-{entry.id}"


def _year_arg(text: str | None, first: int | None) -> int | None:
    if not text:
        return first
    year = whole_number(text)
    if year is None or len(text) > 4:
        raise ValidationError(N_("is a year (four digits)"), field="year")
    return year


@bp.get("/timeline/entries/<int:entry_id>")
def entry(entry_id: int):
    item = entry_visible_to(get_session(), actor(), entry_id)
    if item is None:  # not found and not allowed look the same
        raise NotFound(f"no timeline entry {entry_id}")
    link = permalink("entry", item.entry)
    evidence = [permalink("document", c.document) for c in item.citations]  # those this reader may open
    quoted = item.quoted_in.document.title if item.quoted_in is not None else None
    citation = cite_entry(item.entry, link, evidence, citation_words(), quoted)
    return render_template(
        "timeline_entry.html",
        item=item,
        channels=CHANNELS,
        permalink=link,
        citation=citation,
        # a denial's ClaimReview, from what this reader may see; the template writes it as
        # JSON-LD with `tojson`, which escapes <, > and & so no text can close the script
        claim_review=claim_review(item, permalink),
    )


@bp.get("/timeline/export.<fmt>")
def download(fmt: str):
    if fmt not in FORMATS:
        raise NotFound(f"no export format {fmt}")
    filters = TimelineFilters.from_args(request.args)
    entries = visible_entries(get_session(), actor(), filters)
    body = export(entries, fmt, permalink, schema_url=_schema_url(), title=_title(filters))
    extension = "json" if fmt == "timelinejs" else fmt
    name = f"timeline-{filters.case or 'all'}{'-timelinejs' if fmt == 'timelinejs' else ''}"
    return Response(
        body,
        mimetype=MEDIA_TYPES[fmt].split(";")[0],
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )


def _title(filters: TimelineFilters) -> str:
    return f"Timeline: {filters.case}" if filters.case else "Timeline"


@bp.get(SCHEMA_PATH)
def json_schema():
    """The JSON Schema of the JSON export, its `$id` this very address: an export's `$schema`."""
    body = json.dumps(schema(_schema_url()), ensure_ascii=False, indent=1)
    return Response(body, mimetype=SCHEMA_MEDIA_TYPE)


def _schema_url() -> str:
    return url_for("timeline.json_schema", _external=True)
