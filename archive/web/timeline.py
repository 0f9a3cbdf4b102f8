"""The timeline: what happened and what officials said, side by side; entry pages; exports."""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable

from flask import Blueprint, Response, g, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup, escape

from archive.errors import NotFound, ValidationError
from archive.kept import Kept
from archive.services import get_session
from archive.storage import queries
from archive.storage.db import committed_version
from archive.storage.models import CHANNELS, ENTRY_KINDS, TimelineEntry
from archive.timeline.entries import passage_stands
from archive.timeline.export import FORMATS, MEDIA_TYPES, export
from archive.timeline.read import (
    TimelineFilters,
    density,
    entry_visible_to,
    entry_year,
    group_by_month,
    timeline_outline,
    visible_entries,
)
from archive.web.helpers import actor, permalink, whole_number

bp = Blueprint("timeline", __name__)
bp.add_app_template_global(passage_stands, "passage_stands")
CHART_WIDTH, CHART_HEIGHT = 720, 120
YEAR_PAGING = 400  # a timeline with more entries than this is shown one year at a time
_PUBLIC: Kept[Markup] = Kept(32)  # public timelines (language, filters, year) of this process


@bp.get("/timeline")
def page():
    filters = TimelineFilters.from_args(request.args)
    session = get_session()
    year_arg = request.args.get("year")
    if actor() is None:
        # The public timeline is the same for every anonymous reader of a language: it is
        # kept for the database's version (archive/kept.py), so any change shows at once.
        key = (str(get_locale()), request.script_root, tuple(filters.as_args().items()), year_arg)
        version = committed_version(session)
        content = _PUBLIC.get(version, key, lambda: _content(session, filters, year_arg))
    else:
        content = _content(session, filters, year_arg)
    return render_template("timeline.html", content=content)


def _content(session, filters: TimelineFilters, year_arg: str | None) -> Markup:
    """The timeline's content (without the page around it) for this reader and filters."""
    outline = timeline_outline(session, actor(), filters)
    counts = Counter(row.slot[0] for row in outline)
    year = None  # the year shown, when the timeline is too long to show at once
    ids = [row.id for row in outline]
    if len(outline) > YEAR_PAGING:
        year = _year_arg(year_arg, next(iter(counts)))
        ids = [row.id for row in outline if row.slot[0] == year]
    entries = visible_entries(session, actor(), filters, ids)
    g.timeline_on_page = {item.entry.id for item in entries}

    def href(y: int | None, month: int | None = None) -> str:
        anchor = f"#m-{y}-{month}" if month else ""
        if year is None or y == year:
            return anchor or "#"
        return url_for("timeline.page", **filters.as_args(), year=y) + anchor

    return Markup(  # noqa: S704 - a template's output, escaped by Jinja
        render_template(
            "_timeline_content.html",
            filters=filters,
            total=len(outline),
            denial_count=sum(row.kind == "denial" for row in outline),
            year=year,
            year_counts=counts if year is not None else {},
            year_href=href,
            entries=entries,
            years=group_by_month(entries),
            chart=density_chart(density(outline), href),
            denials=[e for e in entries if e.entry.kind == "denial"],
            cases=queries.list_cases(session),
            kinds=ENTRY_KINDS,
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
        raise ValidationError("is a year (four digits)", field="year")
    return year


@bp.get("/timeline/entries/<int:entry_id>")
def entry(entry_id: int):
    item = entry_visible_to(get_session(), actor(), entry_id)
    if item is None:  # not found and not allowed look the same
        raise NotFound(f"no timeline entry {entry_id}")
    return render_template("timeline_entry.html", item=item, channels=CHANNELS)


@bp.get("/timeline/export.<fmt>")
def download(fmt: str):
    if fmt not in FORMATS:
        raise NotFound(f"no export format {fmt}")
    filters = TimelineFilters.from_args(request.args)
    entries = visible_entries(get_session(), actor(), filters)
    body = export(entries, fmt, permalink, title=_title(filters))
    extension = "json" if fmt == "timelinejs" else fmt
    name = f"timeline-{filters.case or 'all'}{'-timelinejs' if fmt == 'timelinejs' else ''}"
    return Response(
        body,
        mimetype=MEDIA_TYPES[fmt].split(";")[0],
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )


def _title(filters: TimelineFilters) -> str:
    return f"Timeline: {filters.case}" if filters.case else "Timeline"


def density_chart(months, href: Callable[[int, int], str]) -> Markup | None:
    """Entries per month as an SVG bar chart drawn here (no script); each bar links to its
    month on the page and has a text title for screen readers and tooltips."""
    if not months:
        return None
    peak = max(m.happened + m.said for m in months) or 1
    width = CHART_WIDTH / len(months)
    bars = []
    for n, m in enumerate(months):
        x = n * width
        label = f"{calendar.month_name[m.month]} {m.year}: {m.happened} events, {m.said} said"
        heights = (m.happened / peak * (CHART_HEIGHT - 20), m.said / peak * (CHART_HEIGHT - 20))
        y = CHART_HEIGHT - 16
        parts = []
        for css, h in zip(("happened", "said"), heights, strict=True):
            if h:
                y -= h
                parts.append(
                    f'<rect class="bar-{css}" x="{x + 1:.1f}" y="{y:.1f}" '
                    f'width="{max(width - 2, 1):.1f}" height="{h:.1f}"/>'
                )
        if not parts:
            continue
        link = escape(href(m.year, m.month))
        bars.append(f'<a href="{link}"><title>{escape(label)}</title>{"".join(parts)}</a>')
    years = []
    for n, m in enumerate(months):
        if m.month == 1 or n == 0:
            years.append(
                f'<text x="{n * width + 2:.1f}" y="{CHART_HEIGHT - 2}">{m.year}</text>'
                f'<line x1="{n * width:.1f}" x2="{n * width:.1f}" y1="0" '
                f'y2="{CHART_HEIGHT - 14}" class="year"/>'
            )
    total = sum(m.happened + m.said for m in months)
    summary = (
        f"Entries dated to a month: {total}, from {calendar.month_name[months[0].month]} "
        f"{months[0].year} to {calendar.month_name[months[-1].month]} {months[-1].year}; "
        f"the busiest month has {peak}."
    )
    svg = (
        f'<svg class="density" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-labelledby="density-title" preserveAspectRatio="none">'
        f'<title id="density-title">{escape(summary)}</title>'
        f"{''.join(years)}{''.join(bars)}</svg>"
    )
    return Markup(svg)  # noqa: S704 - every text in it is escaped above
