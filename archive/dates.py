"""Dates as historians have them: EDTF notation with earliest/latest bounds.

Supported (EDTF levels 0 and 1, the parts an archive needs): `2017`, `2017-04`, `2017-04-21`,
unspecified parts (`2017-XX`: the year is known, the month is not; `2017-04-XX`), qualifiers
`?` (uncertain), `~` (approximate) and `%` (both) at the end, and intervals `2017-02/2017-04`
with open (`..`: "before", "after") or unknown (empty) ends. From level 2, "one of a set":
`[2017-04..2017-09]` is one day somewhere from April to September 2017 (an interview that
happened once), `[2017-04-01, 2017-04-15]` one of those days, `[..2017-09]` and `[2017-04..]`
one day no later or no earlier than that. Such a date is a point whose place is uncertain
(precision "one_of"), never a duration: it is drawn and exported as a point with its bounds.
We parse it ourselves because the `edtf` package accepts 29 February in any year, reversed
intervals, and crashes on open ends.

`display_date()` is the one way a date reaches a reader: in their language, through Babel's
CLDR data, never more precise than recorded ("April 2017", "около июня 2017 г.").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton

from archive.errors import N_, ValidationError

_SIMPLE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2}|XX)(?:-(?P<d>\d{2}|XX))?)?(?P<q>[?~%])?$")
_QUALIFIER_WORDS = {"?": "uncertain", "~": "approximate", "%": "uncertain and approximate"}

# How each language words what EDTF marks. Grammar, not vocabulary: Russian puts a month after
# "около", "до" and "после" in the genitive ("около июня"), which a translated phrase cannot
# do, so each language names the Babel pattern its phrases need ("bound" = the genitive form).
_WORDING = {
    "en": {
        "~": "about {}",
        "?": "possibly {}",
        "%": "possibly about {}",
        "before": "before {}",
        "after": "after {}",
        "unknown": "date unknown",
        "month unknown": "{}, month unknown",
        "day unknown": "{}, day unknown",
        "between": "some time between {} and {}",
        "no later": "some time no later than {}",
        "no earlier": "some time no earlier than {}",
        "one of": "either {} or {}",
    },
    "ru": {
        "~": "около {}",
        "?": "предположительно {}",
        "%": "предположительно около {}",
        "before": "до {}",
        "after": "после {}",
        "unknown": "дата неизвестна",
        "month unknown": "{}, месяц неизвестен",
        "day unknown": "{}, день неизвестен",
        "between": "в какой-то момент с {} по {}",
        "no later": "в какой-то момент не позднее {}",
        "no earlier": "в какой-то момент не ранее {}",
        "one of": "одна из дат: {} или {}",
    },
}
# Babel patterns per precision: as a name ("апрель 2017 г.") and after a preposition ("апреля")
_PATTERNS = {
    # a narrow no-break space before "г.", as CLDR writes it: the year never wraps from it
    "ru": {"year": ("y\u202f'г'.", "y\u202f'г'."), "month": ("LLLL y\u202f'г'.", "MMMM y\u202f'г'.")},
}
_SKELETONS = {"year": "y", "month": "yMMMM", "day": "yMMMMd"}
# English as international human-rights reports write it: "21 April 2017", day before month
_CLDR = {"en": "en_GB"}


@dataclass(frozen=True)
class FuzzyDate:
    """A date or interval as recorded, with the bounds it stands for."""

    edtf: str
    earliest: date | None
    latest: date | None
    precision: str  # day | month | year | range (a duration) | one_of (one day within the bounds)
    qualifier: str = ""  # "", "?", "~" or "%"

    def display(self, locale: str = "en") -> str:
        """Return the date as a reader of `locale` would write it, never more precise than
        recorded: the same as display_date(self.edtf, locale)."""
        return _display(self, _language(locale))

    @property
    def qualifier_word(self) -> str:
        return _QUALIFIER_WORDS.get(self.qualifier, "")

    def record(self, locale: str = "en") -> dict:
        """The date as exports give it: as recorded, as a reader words it, its precision, what
        kind of time it is (a duration, one day somewhere within the bounds, or a day, month or
        year) and its bounds."""
        return {
            "date": self.edtf,
            "date_display": self.display(locale),
            "date_precision": self.precision,
            "date_kind": {"range": "interval", "one_of": "uncertain point"}.get(self.precision, "point"),
            "date_earliest": self.earliest.isoformat() if self.earliest else None,
            "date_latest": self.latest.isoformat() if self.latest else None,
        }


def parse_edtf(value: str, field: str = "date") -> FuzzyDate:
    """Parse an EDTF string into a FuzzyDate, or raise ValidationError naming the field."""
    if not isinstance(value, str):
        value = str(value)
    text = value.strip()
    if text.startswith("{"):
        raise ValidationError(
            N_("%(value)r names several dates at once: write one entry per date, or a period"),
            field=field,
            params={"value": value},
        )
    if text.startswith("["):
        return _parse_one_of(text, field)
    if "/" in text:
        return _parse_interval(text, field)
    match = _SIMPLE.match(text)
    if not match:
        raise ValidationError(
            N_("%(value)r is not a date in EDTF notation (e.g. 2017, 2017-04, 2017-04-21, 2017-02/2017-04, 2017-09?)"),
            field=field,
            params={"value": value},
        )
    year, month, day = match["y"], match["m"], match["d"]
    if month == "XX" and day not in (None, "XX"):
        raise ValidationError(
            N_("%(value)r: a day cannot be known when the month is not"), field=field, params={"value": value}
        )
    month = None if month == "XX" else month
    day = None if day == "XX" else day
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
        raise ValidationError(
            N_("%(value)r is not a real date (%(why)s)"), field=field, params={"value": value, "why": str(exc)}
        ) from exc
    return FuzzyDate(text, earliest, latest, precision, match["q"] or "")


def _parse_interval(text: str, field: str) -> FuzzyDate:
    start, _, end = text.partition("/")
    if "/" in end or (start in ("", "..") and end in ("", "..")):
        raise ValidationError(N_("%(value)r is not a valid EDTF interval"), field=field, params={"value": text})
    lower = parse_edtf(start, field) if start not in ("", "..") else None
    upper = parse_edtf(end, field) if end not in ("", "..") else None
    if lower and upper and lower.earliest > upper.latest:
        raise ValidationError(N_("%(value)r ends before it starts"), field=field, params={"value": text})
    return FuzzyDate(
        text,
        lower.earliest if lower else None,
        upper.latest if upper else None,
        "range",
    )


def _parse_one_of(text: str, field: str) -> FuzzyDate:
    """`[a..b]`, `[a, b, c]`, `[..b]`, `[a..]`: one of these days (EDTF "one of a set")."""
    inner = text[1:-1].strip() if text.endswith("]") else ""
    members = [m.strip() for m in inner.split(",")] if inner else []
    if not members or len(members) > 20 or any(not m or m.count("..") > 1 for m in members):
        raise ValidationError(
            N_("%(value)r is not a set of dates (e.g. [2017-04..2017-09] or [2017-04-01, 2017-04-15])"),
            field=field,
            params={"value": text},
        )
    earliest, latest = [], []
    for member in members:
        start, dots, end = member.partition("..")
        if dots and not start and not end:
            raise ValidationError(N_("%(value)r is not a valid EDTF set"), field=field, params={"value": text})
        lower = parse_edtf(start, field) if start else None
        upper = parse_edtf(end, field) if end else lower if not dots else None
        if lower and lower.precision in ("range", "one_of") or upper and upper.precision in ("range", "one_of"):
            raise ValidationError(N_("%(value)r is not a valid EDTF set"), field=field, params={"value": text})
        if lower and upper and lower.earliest > upper.latest:
            raise ValidationError(N_("%(value)r ends before it starts"), field=field, params={"value": text})
        earliest.append(lower.earliest if lower else None)
        latest.append(upper.latest if upper else None)
    return FuzzyDate(
        text,
        None if None in earliest else min(earliest),
        None if None in latest else max(latest),
        "one_of",
    )


def display_date(edtf: str | None, locale: str = "en") -> str:
    """The one formatting function for dates shown to people: pages, the API's `date_display`,
    exports, citations and briefs. An empty or unreadable value shows as nothing."""
    if not edtf:
        return ""
    try:
        return parse_edtf(edtf).display(locale)
    except ValidationError:
        return edtf  # stored before validation existed: shown as recorded, never guessed at


@lru_cache(maxsize=64)
def _language(locale: str) -> str:
    """The language part of a locale ("ru_RU" → "ru"), English when Babel does not know it."""
    try:
        language = Locale.parse(str(locale).replace("-", "_")).language
    except (UnknownLocaleError, ValueError, TypeError):
        return "en"
    return language if language in _WORDING else "en"


def _display(when: FuzzyDate, lang: str) -> str:
    words = _WORDING[lang]
    if when.precision == "one_of":
        return _display_one_of(when, lang)
    if when.precision != "range":
        return _display_simple(when, lang, bound=False)
    start, _, end = when.edtf.partition("/")
    if start == "..":
        return words["before"].format(_display_simple(parse_edtf(end), lang, bound=True))
    if end == "..":
        return words["after"].format(_display_simple(parse_edtf(start), lang, bound=True))
    if not start or not end:
        known = _display_simple(parse_edtf(start or end), lang, bound=False)
        return f"{known} – {words['unknown']}" if start else f"{words['unknown']} – {known}"
    lower, upper = parse_edtf(start), parse_edtf(end)
    if (
        lower.precision == upper.precision
        and not lower.qualifier
        and not upper.qualifier
        and _unspecified(lower) == _unspecified(upper) == ""
    ):
        # Babel joins what the two ends share: "April – September 2017", "2016–2017"
        return format_interval(lower.earliest, upper.latest, _SKELETONS[lower.precision], locale=lang)
    return f"{_display_simple(lower, lang, bound=False)} – {_display_simple(upper, lang, bound=False)}"


def _display_one_of(when: FuzzyDate, lang: str) -> str:
    """ "some time between April and September 2017", "1 or 15 April 2017"…"""
    words = _WORDING[lang]
    members = [m.strip() for m in when.edtf[1:-1].split(",")]
    if len(members) > 1:
        shown = [
            _display_one_of(parse_edtf(f"[{m}]"), lang) if ".." in m else _display_simple(parse_edtf(m), lang, False)
            for m in members
        ]
        return words["one of"].format(", ".join(shown[:-1]), shown[-1])
    start, _, end = members[0].partition("..")
    if not start:
        return words["no later"].format(_display_simple(parse_edtf(end), lang, bound=True))
    if not end:
        return words["no earlier"].format(_display_simple(parse_edtf(start), lang, bound=True))
    lower, upper = parse_edtf(start), parse_edtf(end)
    same_year = lower.earliest.year == upper.latest.year and lower.precision != "year"
    first = _display_simple(lower, lang, bound=True, year=not same_year)
    return words["between"].format(first, _display_simple(upper, lang, bound=False))


def _unspecified(when: FuzzyDate) -> str:
    """ "month unknown" for `2017-XX`, "day unknown" for `2017-04-XX`, else ""."""
    plain = when.edtf.rstrip("?~%")
    if plain.endswith("-XX-XX") or plain.endswith("-XX") and plain.count("-") == 1:
        return "month unknown"
    if plain.endswith("-XX"):
        return "day unknown"
    return ""


def _display_simple(when: FuzzyDate, lang: str, bound: bool, year: bool = True) -> str:
    words = _WORDING[lang]
    # after "about", "before" or "after" a Russian month is in the genitive ("около июня")
    bound = bound or when.qualifier in ("~", "%")
    day = when.earliest
    patterns = _PATTERNS.get(lang, {})
    lang = _CLDR.get(lang, lang)
    if not year and when.precision in ("day", "month"):
        # the start of "between 1 April and 15 September 2017": the year is said once
        text = format_date(day, "d MMMM" if when.precision == "day" else "MMMM" if bound else "LLLL", locale=lang)
    elif when.precision == "day":
        text = format_date(day, "long", locale=lang)
    elif when.precision in patterns:
        text = format_date(day, patterns[when.precision][1 if bound else 0], locale=lang)
    else:
        text = format_skeleton(_SKELETONS[when.precision], day, locale=lang)
    unspecified = _unspecified(when)
    if unspecified:
        text = words[unspecified].format(text)
    if when.qualifier:
        text = words[when.qualifier].format(text)
    return text
