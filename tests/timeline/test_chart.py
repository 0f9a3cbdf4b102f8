"""The chart's layout: every entry at the precision of its date, by year, lane and stance."""

from __future__ import annotations

import itertools

import pytest

from archive.storage.models import TimelineEntry
from archive.timeline.chart import MAX_TRACKS, build_chart, month_labels, x
from archive.timeline.read import VisibleEntry

_IDS = itertools.count(1)


def entry(date: str, kind: str = "event", stances=()) -> VisibleEntry:
    """An entry as a reader sees it, with the stances it takes on events (not stored)."""
    n = next(_IDS)
    row = TimelineEntry(id=n, kind=kind, date_edtf=date, title=f"entry {n}")
    return VisibleEntry(row, [], [], 0, [(s, None) for s in stances])


def marks(chart) -> dict[int, list]:
    """Each entry's marks, by its id, with the year of the row each is in."""
    found: dict[int, list] = {}
    for row in chart.rows:
        for band in row.bands:
            for mark in band.marks:
                found.setdefault(mark.item.entry.id, []).append((row.year, band.lane, mark))
    return found


def test_every_entry_is_drawn_at_the_precision_of_its_date():
    day, month, year, period = entry("2017-04-21"), entry("2017-04"), entry("2017"), entry("2017-02/2017-09?")
    chart = build_chart([day, month, year, period])
    drawn = marks(chart)
    assert len(drawn) == chart.drawn == 4
    (_, _, point), (_, _, bar), (_, _, whole), (_, _, span) = (drawn[e.entry.id][0] for e in (day, month, year, period))
    assert point.precision == "day" and x(3) < point.point < x(4) and point.width < 0.5
    assert (bar.precision, bar.start, bar.end) == ("month", x(3), x(4))
    assert (whole.precision, whole.start, whole.end) == ("span", x(0), x(12))
    assert (span.precision, span.start, span.end) == ("span", x(1), x(9))
    assert span.uncertain and not whole.uncertain
    assert chart.precisions == ["day", "month", "span"] and chart.uncertain


def test_a_period_over_several_years_is_drawn_in_each_and_an_open_end_says_so():
    across, before = entry("2015-06/2017-03"), entry("../2016")
    chart = build_chart([across, before])
    assert [row.year for row in chart.rows] == [2015, 2016, 2017]
    rows = {year: mark for year, _, mark in marks(chart)[across.entry.id]}
    assert (rows[2015].start, rows[2015].end, rows[2015].open_end) == (x(5), x(12), True)
    assert (rows[2016].start, rows[2016].end, rows[2016].open_start, rows[2016].open_end) == (x(0), x(12), True, True)
    assert (rows[2017].start, rows[2017].end, rows[2017].open_start) == (x(0), x(3), True)
    [(year, _, open_start)] = marks(chart)[before.entry.id]
    assert year == 2016 and open_start.open_start and not open_start.open_end and chart.open_ended


def test_years_without_entries_are_a_gap_not_rows():
    chart = build_chart([entry("1993"), entry("2017-02"), entry("2012")])
    assert [(row.year, row.skipped) for row in chart.rows] == [(1993, None), (2012, (1994, 2011)), (2017, (2013, 2016))]
    tops = [row.top for row in chart.rows]
    assert tops == sorted(tops) and chart.height > chart.rows[-1].bottom


def test_lanes_hold_events_apart_from_what_officials_said():
    chart = build_chart([entry("2017-04"), entry("2017-04", "denial", ["denies"]), entry("2017-05", "statement")])
    (row,) = chart.rows
    assert [(band.lane, len(band.marks)) for band in row.bands] == [("reported", 1), ("official", 2)]
    assert row.bands[0].top < row.bands[1].top


@pytest.mark.parametrize(
    ("kind", "stances", "expected"),
    [
        ("event", [], "event"),
        ("denial", ["denies"], "denies"),
        ("denial", [], "denies"),  # its events hidden from this reader: still a denial
        ("statement", ["confirms"], "confirms"),  # Canada's condemnation is not a denial
        ("response", ["minimises"], "minimises"),
        ("statement", ["justifies", "confirms"], "mixed"),
        ("statement", [], "none"),
    ],
)
def test_the_colour_and_shape_come_from_the_stance_not_the_speaker(kind, stances, expected):
    item = entry("2017-04", kind, stances)
    chart = build_chart([item])
    assert [m.stance for _, _, m in marks(chart)[item.entry.id]] == [expected]
    assert chart.stances == [expected]


def test_overlapping_entries_take_their_own_tracks():
    items = [entry("2017-02/2017-09") for _ in range(3)] + [entry("2017-11-02")]
    chart = build_chart(items)
    tracks = [m.track for _, _, m in (marks(chart)[i.entry.id][0] for i in items)]
    assert sorted(tracks[:3]) == [0, 1, 2] and tracks[3] == 0  # November is free on the first
    many = build_chart([entry("2017-04") for _ in range(MAX_TRACKS + 5)])
    assert many.rows[0].bands[0].tracks == MAX_TRACKS


def test_months_are_named_in_the_readers_language():
    english, russian = month_labels("en"), month_labels("ru")
    assert [(name, letter) for _, name, letter in english[:4]] == [
        ("Jan", "J"),
        ("Feb", "F"),
        ("Mar", "M"),
        ("Apr", "A"),
    ]
    assert russian[3][1].startswith("апр") and russian[3][2] == "А"
    assert english[0][0] == x(0.5) and english[11][0] == x(11.5)


def test_nothing_to_draw_is_no_chart():
    assert build_chart([]) is None
