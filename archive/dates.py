"""Dates as historians have them: EDTF notation with earliest/latest bounds.

Supported (EDTF levels 0 and 1, the parts an archive needs): `2017`, `2017-04`, `2017-04-21`,
qualifiers `?` (uncertain), `~` (approximate) and `%` (both) at the end, and intervals
`2017-02/2017-04` with open (`..`: "before", "after") or unknown (empty) ends. We parse it
ourselves because the `edtf` package accepts 29 February in any year, reversed intervals,
and crashes on open ends.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from archive.errors import ValidationError

_SIMPLE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?P<q>[?~%])?$")
_QUALIFIER_WORDS = {"?": "uncertain", "~": "approximate", "%": "uncertain and approximate"}
_MONTHS = tuple(calendar.month_name)


@dataclass(frozen=True)
class FuzzyDate:
    """A date or interval as recorded, with the bounds it stands for."""

    edtf: str
    earliest: date | None
    latest: date | None
    precision: str  # day | month | year | range
    qualifier: str = ""  # "", "?", "~" or "%"

    def display(self) -> str:
        """Return the date as a reader would write it, never more precise than recorded."""
        if self.precision == "range":
            start, _, end = self.edtf.partition("/")
            if start == "..":  # open: no earlier bound
                return f"before {parse_edtf(end).display()}"
            if end == "..":
                return f"after {parse_edtf(start).display()}"
            left = parse_edtf(start).display() if start else "unknown"
            right = parse_edtf(end).display() if end else "unknown"
            return f"{left} – {right}"
        text = _display_simple(self.edtf.rstrip("?~%"))
        if self.qualifier in ("~", "%"):
            text = f"c. {text}"
        if self.qualifier in ("?", "%"):
            text = f"{text}?"
        return text

    @property
    def qualifier_word(self) -> str:
        return _QUALIFIER_WORDS.get(self.qualifier, "")


def parse_edtf(value: str, field: str = "date") -> FuzzyDate:
    """Parse an EDTF string into a FuzzyDate, or raise ValidationError naming the field."""
    if not isinstance(value, str):
        value = str(value)
    text = value.strip()
    if "/" in text:
        return _parse_interval(text, field)
    match = _SIMPLE.match(text)
    if not match:
        raise ValidationError(
            f"{value!r} is not a date in EDTF notation (e.g. 2017, 2017-04, 2017-04-21, 2017-02/2017-04, 2017-09?)",
            field=field,
        )
    year, month, day = match["y"], match["m"], match["d"]
    try:
        if day:
            earliest = latest = date(int(year), int(month), int(day))
            precision = "day"
        elif month:
            last = calendar.monthrange(int(year), int(month))[1]
            earliest, latest = date(int(year), int(month), 1), date(int(year), int(month), last)
            precision = "month"
        else:
            earliest, latest = date(int(year), 1, 1), date(int(year), 12, 31)
            precision = "year"
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not a real date ({exc})", field=field) from exc
    return FuzzyDate(text, earliest, latest, precision, match["q"] or "")


def _parse_interval(text: str, field: str) -> FuzzyDate:
    start, _, end = text.partition("/")
    if "/" in end or (start in ("", "..") and end in ("", "..")):
        raise ValidationError(f"{text!r} is not a valid EDTF interval", field=field)
    lower = parse_edtf(start, field) if start not in ("", "..") else None
    upper = parse_edtf(end, field) if end not in ("", "..") else None
    if lower and upper and lower.earliest > upper.latest:
        raise ValidationError(f"{text!r} ends before it starts", field=field)
    return FuzzyDate(
        text,
        lower.earliest if lower else None,
        upper.latest if upper else None,
        "range",
    )


def _display_simple(text: str) -> str:
    parts = text.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {_MONTHS[int(parts[1])]} {parts[0]}"
    if len(parts) == 2:
        return f"{_MONTHS[int(parts[1])]} {parts[0]}"
    return parts[0]
