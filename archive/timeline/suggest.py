"""Dates found in a document's public text, proposed to custodians as draft timeline entries.

English and Russian: "21 April 2017", "April 21, 2017", "April 2017", "in April", "last
April", "last month", "this year", "in 2017"; «21 апреля 2017 года», «в апреле 2017 года»,
«в апреле», «в прошлом месяце», «в 2017 году». A date without a year is resolved against the
document's publication date: "last April" in an article of September 2017 is April 2017, and
"in November" in it is November 2016. Each date keeps the precision it was written with.

We match the expressions ourselves: dateparser (tried) parses neither "last April" nor «в
апреле 2017 года», and guesses a day for a month. Nothing found here is published: a
custodian accepts (and edits) or dismisses each suggestion.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.dates import FuzzyDate, parse_edtf
from archive.errors import NotPermitted, ValidationError
from archive.storage import audit, queries
from archive.storage.models import DateSuggestion, Document, utcnow
from archive.storage.unit import unit_of_work

EN_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
EN_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
EN_MONTHS.pop("may", None)  # "may" is a verb far more often than a month: only as "May 2017"
RU_MONTH_STEMS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр",
                  "октябр", "ноябр", "декабр")  # fmt: skip
_EN = "|".join(sorted(EN_MONTHS, key=len, reverse=True))
_RU = r"(?:январ|феврал|март|апрел|ма|июн|июл|август|сентябр|октябр|ноябр|декабр)(?:ь|я|е|й|ю|ом)"
_YEAR = r"(?:19|20)\d{2}"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_EN_M = rf"(?P<month>{_EN}|May)\.?"
_RU_Y = rf"(?: (?P<year>{_YEAR}) ?(?:года|г\.)?)?"

PATTERNS = [
    # English, most precise first; each has named groups day, month, year, rel
    ("day", re.compile(rf"\b{_DAY} {_EN_M},? (?P<year>{_YEAR})\b", re.I)),
    ("day", re.compile(rf"\b{_EN_M} {_DAY}, (?P<year>{_YEAR})\b", re.I)),
    ("month", re.compile(rf"\b{_EN_M},? (?:of )?(?P<year>{_YEAR})\b", re.I)),
    ("month", re.compile(rf"\b(?P<rel>last|this|in|since|by|until) (?P<month>{_EN})\b", re.I)),
    ("relmonth", re.compile(r"\b(?P<rel>last|this) month\b", re.I)),
    ("relyear", re.compile(r"\b(?P<rel>last|this) year\b", re.I)),
    ("year", re.compile(rf"\b(?:in|since|by|until|during|early|late|mid-?) (?P<year>{_YEAR})\b", re.I)),
    # Russian
    ("day", re.compile(rf"\b(?P<day>\d{{1,2}}) (?P<rumonth>{_RU}){_RU_Y}", re.I)),
    ("month", re.compile(rf"\b(?:в|с|до|к|после) (?P<rumonth>{_RU}){_RU_Y}", re.I)),
    ("relmonth", re.compile(r"\bв (?P<rel>прошлом|этом) месяце\b", re.I)),
    ("relyear", re.compile(r"\bв (?P<rel>прошлом|этом) году\b", re.I)),
    ("year", re.compile(rf"\b(?:в|с|до|к) (?P<year>{_YEAR}) ?(?:году|года|г\.)", re.I)),
]
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[\"«“(]?[A-ZА-ЯЁ0-9])")
# a full stop that ends an abbreviation, not a sentence: "(c. September 2017)", "e.g. April"
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:c|ca|cf|e\.g|i\.e|vs|approx|St|Mr|Mrs|Ms|Dr|No|см|т\.е|т\.к|ок|им)\.$", re.I)
_MARKUP = re.compile(r"[*_`#>|]+|\[(PERSON|PHONE|EMAIL)[^\]]*\]")


def _sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences, an abbreviation's full stop not ending one."""
    found: list[str] = []
    for part in _SENTENCE.split(paragraph):
        if found and _ABBREVIATION.search(found[-1]):
            found[-1] = f"{found[-1]} {part}"
        else:
            found.append(part)
    return found


@dataclass(frozen=True)
class FoundDate:
    phrase: str
    sentence: str
    date: FuzzyDate


def find_dates(text: str, published: date | None) -> list[FoundDate]:
    """Every date expression in the text with its sentence, most precise reading first;
    a phrase inside a longer match (April in "21 April 2017") is not counted twice."""
    found: list[FoundDate] = []
    for paragraph in text.split("\n"):
        paragraph = " ".join(_MARKUP.sub(lambda m: m.group(0) if m.group(1) else "", paragraph).split())
        for sentence in _sentences(paragraph):
            taken: list[tuple[int, int]] = []
            for kind, pattern in PATTERNS:
                for match in pattern.finditer(sentence):
                    span = match.span()
                    if any(a <= span[0] < b or a < span[1] <= b for a, b in taken):
                        continue
                    when = _resolve(kind, match, published)
                    if when is None and kind == "day":  # 31 April: no date, not "April"
                        taken.append(span)
                    if when is not None:
                        taken.append(span)
                        found.append(FoundDate(match.group(0), sentence[:600], when))
    return found


def _resolve(kind: str, match: re.Match, published: date | None) -> FuzzyDate | None:
    groups = match.groupdict()
    year = int(groups["year"]) if groups.get("year") else None
    month = _month(groups)
    rel = (groups.get("rel") or "").lower()
    try:
        if kind in ("relmonth", "relyear"):
            if published is None:
                return None
            if kind == "relyear":
                y = published.year - (1 if rel in ("last", "прошлом") else 0)
                return parse_edtf(str(y))
            y, m = published.year, published.month
            if rel in ("last", "прошлом"):
                y, m = (y - 1, 12) if m == 1 else (y, m - 1)
            return parse_edtf(f"{y}-{m:02d}")
        if month is not None and year is None:
            if published is None:
                return None
            # the latest such month not after publication ("last": strictly before)
            year = published.year
            if month > published.month or (rel == "last" and month == published.month):
                year -= 1
        if kind == "day" and month is not None and year is not None:
            return parse_edtf(f"{year}-{month:02d}-{int(groups['day']):02d}")
        if kind in ("month", "day") and month is not None and year is not None:
            return parse_edtf(f"{year}-{month:02d}")
        if kind == "year" and year is not None:
            return parse_edtf(str(year))
    except ValidationError:  # an impossible date (31 April) is simply not a date
        return None
    return None


def _month(groups: dict) -> int | None:
    if groups.get("month"):
        return EN_MONTHS.get(groups["month"].lower().rstrip("."), 5)  # only "May" is missing
    if groups.get("rumonth"):
        word = groups["rumonth"].lower()
        for n, stem in enumerate(RU_MONTH_STEMS, start=1):
            if word.startswith(stem) and (stem != "ма" or word in ("май", "мая", "мае", "маем")):
                return n
    return None


# A line that names where the text comes from ("Source: Seed article A (c. September 2017)"):
# its dates are of publications, not of events
_SOURCE_LINE = re.compile(r"^\W*(?:sources?|источники?|по материалам)\s*:", re.I)


def suggest_for_document(session: Session, document: Document) -> int:
    """Add pending suggestions for a new document's public text; return how many. No commit."""
    seen: set[tuple[str, str]] = set()
    for found in find_dates(document.body_public or "", document.published_start):
        key = (found.date.edtf, found.sentence)
        if key in seen or _SOURCE_LINE.match(found.sentence):
            continue
        seen.add(key)
        session.add(
            DateSuggestion(
                document_id=document.id,
                phrase=found.phrase[:200],
                sentence=found.sentence,
                date_edtf=found.date.edtf,
                date_start=found.date.earliest,
                date_end=found.date.latest,
            )
        )
    return len(seen)


def cover_suggestions(session: Session, entry, actor: Actor, via: str) -> int:
    """Settle the pending suggestions an entry already answers: those found in a document it
    cites whose dates lie within the entry's, or within those of an event the entry takes a
    stance on (a denial's document recalling "round-ups in February" that the denial denies).
    They are accepted into that entry, as a custodian would, so a custodian is not asked again
    about what is on the timeline; return how many."""
    if not can(actor, "timeline:edit"):
        raise NotPermitted("only custodians review suggestions")
    documents = [c.document_id for c in entry.citations]
    settled = 0
    for answer in [entry, *(s.event for s in entry.stances)]:
        if answer.date_start is None or answer.date_end is None:
            continue
        found = session.scalars(
            select(DateSuggestion).where(
                DateSuggestion.document_id.in_(documents),
                DateSuggestion.status == "pending",
                DateSuggestion.date_start >= answer.date_start,
                DateSuggestion.date_end <= answer.date_end,
            )
        ).all()
        for suggestion in found:
            suggestion.status, suggestion.entry_id = "accepted", answer.id
            suggestion.decided_by_id, suggestion.decided_at = user_id(actor), utcnow()
            audit.record(
                session, actor, via, "timeline.suggestion.accepted", "date_suggestion", suggestion.id,
                entry_id=answer.id, covered=True,
            )  # fmt: skip
        settled += len(found)
    return settled


def pending_suggestions(session: Session, actor: Actor, limit: int = 500) -> list[DateSuggestion]:
    """Suggestions no custodian has decided yet, earliest date first."""
    if not can(actor, "timeline:edit"):
        raise NotPermitted("only custodians review suggestions")
    return queries.pending_suggestions(session, limit)


def decide_suggestion(
    session: Session,
    suggestion: DateSuggestion,
    status: str,
    actor: Actor,
    via: str,
    entry_id: int | None = None,
) -> None:
    """Record a custodian's decision on a suggestion: accepted (into an entry) or dismissed."""
    if not can(actor, "timeline:edit"):
        raise NotPermitted("only custodians review suggestions")
    if status not in ("accepted", "dismissed"):
        raise ValueError(f"unknown decision {status!r}")
    with unit_of_work(session):
        suggestion.status, suggestion.entry_id = status, entry_id
        suggestion.decided_by_id, suggestion.decided_at = user_id(actor), utcnow()
        audit.record(
            session, actor, via, f"timeline.suggestion.{status}", "date_suggestion", suggestion.id, entry_id=entry_id
        )
