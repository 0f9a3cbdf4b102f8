"""The timeline chart's layout: every entry drawn at the precision of its date.

One row per year that an entry starts or ends in (years in between with nothing are a gap),
twelve months across. In each row, two bands (the lanes: reported events, official
statements); an entry dated to a day is a point, to a month a point on a short bar across
that month, to a year or a period a bar across it (split over the rows it crosses, open when
the period has no start or end). Entries that overlap go on separate tracks. Positions are
percentages of the width and heights pixels, so that the page draws it as SVG without script
and its text stays readable at any width (templates/_timeline.html draws it).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from babel.dates import get_month_names

from archive.timeline.read import VisibleEntry

STANCES = ("event", "denies", "confirms", "minimises", "justifies", "mixed", "none")  # legend order
PAD = 2.0  # percent of the width left free at each side, so that a point on 1 January shows whole
YEAR_HEIGHT, BAND_LABEL, TRACK, AXIS, GAP = 22, 16, 16, 20, 22  # pixels
MAX_TRACKS = 12  # a band has at most this many tracks; beyond, marks share the last ones
_POINT = 0.3  # months taken by a point, either side, when packing tracks


@dataclass
class Mark:
    """One entry's mark in one row: a point, or a bar from `start` to `end` (percent)."""

    item: VisibleEntry
    precision: str  # "day" (a point), "month" (a point on the month's bar), "span", or
    # "possible" (one day somewhere in the bounds: a point on a thin line, never a bar)
    start: float
    end: float
    open_start: bool = False  # the bar goes on before this row (or the period has no start)
    open_end: bool = False
    symbol: bool = True  # a possible day's symbol is drawn once, in the row of its bounds' middle
    middle: float | None = None  # where, in that row
    track: int = 0
    y: int = 0  # pixels, the track's middle

    @property
    def stance(self) -> str:
        return self.item.stance

    @property
    def uncertain(self) -> bool:
        """The date, or one end of the period, is uncertain or approximate (?, ~, %)."""
        return any(q in self.item.entry.date_edtf for q in "?~%")

    @property
    def width(self) -> float:
        return self.end - self.start

    @property
    def point(self) -> float:
        """Where the mark's symbol goes: the day, the month's middle, or the bar's start
        (its end when it has no start here, its middle when it has neither)."""
        if self.precision == "possible" and self.middle is not None:
            return self.middle
        if self.precision not in ("span", "possible"):
            return (self.start + self.end) / 2
        if self.open_start and self.open_end:
            return (self.start + self.end) / 2
        return self.end if self.open_start else self.start


@dataclass
class Band:
    lane: str  # "reported" or "official"
    top: int
    marks: list[Mark] = field(default_factory=list)
    tracks: int = 1

    @property
    def height(self) -> int:
        return BAND_LABEL + self.tracks * TRACK


@dataclass
class Row:
    year: int
    top: int
    bands: list[Band]
    skipped: tuple[int, int] | None = None  # the years with nothing, just before this row

    @property
    def axis(self) -> int:
        """The baseline of the month labels."""
        return self.top + YEAR_HEIGHT + sum(b.height for b in self.bands) + AXIS - 6

    @property
    def bottom(self) -> int:
        return self.top + YEAR_HEIGHT + sum(b.height for b in self.bands) + AXIS


@dataclass
class Chart:
    rows: list[Row]
    height: int
    drawn: int  # entries drawn
    stances: list[str]  # those drawn, in legend order
    precisions: list[str]
    uncertain: bool  # some mark is uncertain or approximate
    open_ended: bool  # some bar goes on beyond its row
    months: list[tuple[float, str, str]]  # (middle, abbreviated, narrow name) in the reader's language
    ticks: list[float]  # month boundaries


def x(year_fraction: float) -> float:
    """A fraction of a year (0 = 1 January, 12 = 31 December's end, in months) as a percent."""
    return round(PAD + (100 - 2 * PAD) * year_fraction / 12, 2)


def _start_months(day: date) -> float:
    return day.month - 1 + (day.day - 1) / calendar.monthrange(day.year, day.month)[1]


def _end_months(day: date) -> float:
    return day.month - 1 + day.day / calendar.monthrange(day.year, day.month)[1]


def build_chart(entries: Iterable[VisibleEntry], locale: str = "en") -> Chart | None:
    """Lay the entries out by year, lane and track; None when there is none. (Every entry has a
    date with at least one end: the EDTF parser refuses `../..`.)"""
    dated = [item for item in entries if item.date.earliest or item.date.latest]
    if not dated:
        return None
    years: set[int] = set()
    for item in dated:
        years.update(d.year for d in (item.date.earliest, item.date.latest) if d)
    by_row: dict[int, dict[str, list[Mark]]] = {y: {"reported": [], "official": []} for y in years}
    for item in dated:
        for year, mark in _marks(item, sorted(years)):
            by_row[year][item.lane].append(mark)
    rows, top, previous = [], 0, None
    for year in sorted(years):
        skipped = (previous + 1, year - 1) if previous is not None and year > previous + 1 else None
        if skipped:
            top += GAP
        bands, band_top = [], top + YEAR_HEIGHT
        for lane in ("reported", "official"):
            marks = by_row[year][lane]
            if not marks:
                continue
            band = Band(lane, band_top, marks, _pack(marks))
            for mark in marks:
                mark.y = band_top + BAND_LABEL + mark.track * TRACK + TRACK // 2
            bands.append(band)
            band_top += band.height
        row = Row(year, top, bands, skipped)
        rows.append(row)
        top, previous = row.bottom + 8, year
    marks = [m for row in rows for band in row.bands for m in band.marks]
    drawn_stances = {m.stance for m in marks}
    drawn_precisions = {m.precision for m in marks}
    return Chart(
        rows=rows,
        height=top,
        drawn=len(dated),
        stances=[s for s in STANCES if s in drawn_stances],
        precisions=[p for p in ("day", "month", "span", "possible") if p in drawn_precisions],
        uncertain=any(m.uncertain for m in marks),
        open_ended=any(m.open_start or m.open_end for m in marks),
        months=month_labels(locale),
        ticks=[x(m) for m in range(13)],
    )


def month_labels(locale: str) -> list[tuple[float, str, str]]:
    """Each month's middle (percent) and its abbreviated and narrow names, as Babel has them
    in the reader's language ("Apr"/"A", "апр."/"А")."""
    abbreviated = get_month_names("abbreviated", "stand-alone", locale=locale)
    narrow = get_month_names("narrow", "stand-alone", locale=locale)
    return [(x(m - 0.5), abbreviated[m], narrow[m]) for m in range(1, 13)]


def _marks(item: VisibleEntry, years: list[int]) -> list[tuple[int, Mark]]:
    """An entry's marks, one per row it shows in."""
    when = item.date
    earliest, latest = when.earliest, when.latest
    if when.precision in ("day", "month") and earliest and latest:
        precision = when.precision
        return [(earliest.year, Mark(item, precision, x(_start_months(earliest)), x(_end_months(latest))))]
    first = earliest.year if earliest else latest.year
    last = latest.year if latest else earliest.year
    marks = []
    for year in years:
        if not first <= year <= last:
            continue
        starts_here = earliest is not None and earliest.year == year
        ends_here = latest is not None and latest.year == year
        # an open or earlier start draws from the row's edge
        start = x(_start_months(earliest)) if starts_here else x(0)
        end = x(_end_months(latest)) if ends_here else x(12)
        marks.append((year, Mark(item, "span", start, end, not starts_here, not ends_here)))
    if when.precision == "one_of":
        _as_possible(marks, earliest, latest)
    return marks


def _as_possible(marks: list[tuple[int, Mark]], earliest: date | None, latest: date | None) -> None:
    """One day somewhere within the bounds: thin lines across them, one symbol at their middle
    (or at the known end when the other is open)."""
    middle = earliest + (latest - earliest) / 2 if earliest and latest else earliest or latest
    for year, mark in marks:
        mark.precision = "possible"
        mark.symbol = year == middle.year
        mark.middle = x(_start_months(middle) + 0.5 / 31) if mark.symbol else None


def _pack(marks: list[Mark]) -> int:
    """Give each mark a track where it overlaps no other (greedy, by start); return how many
    tracks the band needs."""
    ends: list[float] = []  # the end of the last mark on each track
    for mark in sorted(marks, key=lambda m: (m.start, m.end)):
        low, high = _extent(mark)
        free = next((n for n, end in enumerate(ends) if end + 0.5 < low), None)
        if free is None and len(ends) < MAX_TRACKS:
            ends.append(high)
            free = len(ends) - 1
        elif free is None:  # full: the track that frees up first
            free = min(range(len(ends)), key=ends.__getitem__)
        ends[free] = max(ends[free], high)
        mark.track = free
    return max(len(ends), 1)


def _extent(mark: Mark) -> tuple[float, float]:
    """The room a mark takes on its track (percent), its symbol included."""
    room = x(_POINT) - x(0)
    return min(mark.start, mark.point - room), max(mark.end, mark.point + room)
