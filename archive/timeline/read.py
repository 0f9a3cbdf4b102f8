"""Read the timeline as an actor may see it, filtered, ordered and grouped by year and month.

An entry is shown only to readers who may open at least one of the documents it cites: an
event documented only by testimonies kept for custodians must not appear, even by its title,
to anyone else. Citations, conflicting accounts and links to other entries are filtered the
same way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from archive.auth.actors import Actor
from archive.auth.permissions import audience_for, can
from archive.dates import FuzzyDate, parse_edtf
from archive.errors import N_, ValidationError
from archive.storage import queries
from archive.storage.corroboration import Corroboration, corroborations
from archive.storage.models import (
    ACT_TYPES,
    ENTRY_KINDS,
    Act,
    Case,
    Citation,
    ConflictingAccount,
    Document,
    EntryStance,
    TimelineEntry,
)
from archive.storage.queries import Page
from archive.timeline.entries import quoted_in

# Two lanes, named for what the entries are, not for what is true: an event is what the
# documents report (an allegation until proven), the rest is what officials said.
LANES = {"event": "reported", "denial": "official", "statement": "official", "response": "official"}
LANE_NAMES = {"reported": "Reported events", "official": "Official statements and denials"}  # exports


@dataclass
class VisibleEntry:
    entry: TimelineEntry
    citations: list[Citation]
    accounts: list[ConflictingAccount]
    hidden_citations: int  # citations to documents beyond the actor's audience
    stances: list[tuple[str, TimelineEntry]] = field(default_factory=list)  # (stance, event)
    responses: list[tuple[str, TimelineEntry]] = field(default_factory=list)  # (stance, entry)
    # how many independent sources the citations this reader sees come down to
    corroboration: Corroboration | None = None

    @cached_property
    def date(self) -> FuzzyDate:
        return parse_edtf(self.entry.date_edtf)

    @property
    def lane(self) -> str:
        return LANES[self.entry.kind]

    @property
    def slot(self) -> tuple[int | None, int | None]:
        return _slot(self.entry.date_start, self.entry.date_end)

    @property
    def stance(self) -> str:
        """What the entry is, for the chart's colours and shapes: "event"; "denies" for a
        denial; else what it says of the events this reader may see ("confirms",
        "minimises", "justifies"), "mixed" when several things, "none" when nothing."""
        if self.entry.kind == "event":
            return "event"
        if self.entry.kind == "denial":
            return "denies"
        said = {stance for stance, _event in self.stances}
        if not said:
            return "none"
        return said.pop() if len(said) == 1 else "mixed"

    @property
    def denies(self) -> list[TimelineEntry]:
        return [event for stance, event in self.stances if stance == "denies"]

    @cached_property
    def quoted_in(self) -> Citation | None:
        """The citation, among those this reader sees, whose document carries the quotation
        word for word: the words are shown as that document's, never as the speaker's own."""
        return quoted_in(self.citations, self.entry.quotation)

    @property
    def denied_by(self) -> list[TimelineEntry]:
        return [entry for stance, entry in self.responses if stance == "denies"]


@dataclass(frozen=True)
class TimelineFilters:
    case: str = ""
    kind: str = ""
    actor: str = ""  # words of the actor or speaker
    place: str = ""
    period: FuzzyDate | None = None  # entries whose dates overlap it
    act: str = ""  # entries an act of this type (that the reader may see) belongs to
    perpetrator: str = ""  # ... an act attributed to a perpetrator of these words

    @classmethod
    def from_args(cls, args) -> TimelineFilters:
        """Read filters from a query string; raise ValidationError naming a bad one."""
        kind = (args.get("kind") or "").strip()
        if kind and kind not in ENTRY_KINDS:
            raise ValidationError(N_("is one of %(allowed)s"), field="kind", params={"allowed": ", ".join(ENTRY_KINDS)})
        period_text = (args.get("period") or "").strip()
        start, end = (args.get("from") or "").strip(), (args.get("to") or "").strip()
        if not period_text and (start or end):
            period_text = f"{start or '..'}/{end or '..'}"
        period = parse_edtf(period_text, field="period") if period_text else None
        act = (args.get("act") or "").strip()
        if act and act not in ACT_TYPES:
            raise ValidationError(N_("is one of %(allowed)s"), field="act", params={"allowed": ", ".join(ACT_TYPES)})
        names = ("case", "actor", "place", "perpetrator")
        texts = {name: " ".join((args.get(name) or "").split())[:200] for name in names}
        return cls(texts["case"], kind, texts["actor"], texts["place"], period, act, texts["perpetrator"])

    def as_args(self) -> dict[str, str]:
        args = {"case": self.case, "kind": self.kind, "actor": self.actor, "place": self.place}
        args |= {"act": self.act, "perpetrator": self.perpetrator}
        if self.period:
            args["period"] = self.period.edtf
        return {k: v for k, v in args.items() if v}


def visible_timeline(session: Session, actor: Actor, filters: TimelineFilters, page: int, per_page: int) -> Page:
    """Return a page of entries (date order) with what this actor may follow; only the
    page's entries are loaded."""
    outline = timeline_outline(session, actor, filters)
    chunk = outline[(page - 1) * per_page : page * per_page]
    items = visible_entries(session, actor, TimelineFilters(), ids=[row.id for row in chunk])
    return Page(items, len(outline), page, per_page)


@dataclass(frozen=True)
class OutlineRow:
    """An entry's id, kind and dates: enough to count, chart and page a long timeline."""

    id: int
    kind: str
    date_start: date | None
    date_end: date | None

    @property
    def lane(self) -> str:
        return LANES[self.kind]

    @property
    def slot(self) -> tuple[int | None, int | None]:
        return _slot(self.date_start, self.date_end)


def timeline_outline(session: Session, actor: Actor, filters: TimelineFilters) -> list[OutlineRow]:
    """Every entry matching the filters that this actor may see, in date order, without
    loading the entries themselves."""
    columns = (TimelineEntry.id, TimelineEntry.kind, TimelineEntry.date_start, TimelineEntry.date_end)
    stmt = _matching(select(*columns), actor, filters).order_by(*_ORDER)
    return [OutlineRow(*row) for row in session.execute(stmt)]


def visible_entries(
    session: Session,
    actor: Actor,
    filters: TimelineFilters,
    ids: Collection[int] | None = None,
) -> list[VisibleEntry]:
    """Every entry matching the filters (and among `ids`, if given) that this actor may see,
    in date order, with the citations, accounts and links this actor may follow."""
    stmt = _matching(select(TimelineEntry), actor, filters).options(
        selectinload(TimelineEntry.citations).selectinload(Citation.document),
        selectinload(TimelineEntry.accounts).selectinload(ConflictingAccount.document),
        selectinload(TimelineEntry.stances).selectinload(EntryStance.event),
        selectinload(TimelineEntry.responses).selectinload(EntryStance.entry),
        selectinload(TimelineEntry.case),
    )
    if ids is not None:
        stmt = stmt.where(TimelineEntry.id.in_(list(ids)))
    entries = session.scalars(stmt.order_by(*_ORDER)).all()
    # a linked entry may lie outside the filters (a denial's event, when only denials are
    # asked for): it is shown if this actor may see it, whatever the filters
    linked = {s.event_id for e in entries for s in e.stances}
    linked |= {s.entry_id for e in entries for s in e.responses}
    readable = (
        set(
            session.scalars(
                select(TimelineEntry.id).where(
                    TimelineEntry.id.in_(linked), queries.entry_readable(audience_for(actor))
                )
            )
        )
        if linked
        else set()
    )
    shown = [_visible(actor, e, readable) for e in entries]
    _corroborate(session, actor, shown)
    return shown


def _corroborate(session: Session, actor: Actor, items: list[VisibleEntry]) -> None:
    """Count each entry's independent sources among the citations its reader sees, following
    derivations only to documents the reader may open (documents/derivation.py)."""
    groups = {n: [c.document_id for c in item.citations] for n, item in enumerate(items)}
    for n, found in corroborations(session, groups, may_open(session, actor)).items():
        items[n].corroboration = found


def may_open(session: Session, actor: Actor):
    """Whether this actor may open a document, by id (what corroboration follows links to)."""

    def opens(document_id: int) -> bool:
        document = session.get(Document, document_id)
        return document is not None and can(actor, "document:read", document)

    return opens


def entry_visible_to(session: Session, actor: Actor, entry_id: int) -> VisibleEntry | None:
    entry = queries.get_entry(session, entry_id)
    if entry is None or not entry_readable(actor, entry):
        return None
    item = _visible(actor, entry, None)
    _corroborate(session, actor, [item])
    return item


def _matching(stmt: Select, actor: Actor, filters: TimelineFilters) -> Select:
    """Restrict a statement over entries to the filters and to what this actor may see."""
    audience = audience_for(actor)
    stmt = stmt.where(queries.entry_readable(audience))
    if filters.act or filters.perpetrator:
        # only acts this reader may see: a filter must not tell of an act hidden from them
        conditions = queries.act_conditions(audience, act_type=filters.act, perpetrator=filters.perpetrator)
        stmt = stmt.where(TimelineEntry.id.in_(select(Act.entry_id).where(Act.entry_id.is_not(None), *conditions)))
    if filters.case:
        stmt = stmt.join(Case, TimelineEntry.case_id == Case.id).where(Case.slug == filters.case)
    if filters.kind:
        stmt = stmt.where(TimelineEntry.kind == filters.kind)
    for name, columns in (
        ("actor", (TimelineEntry.actor, TimelineEntry.speaker, TimelineEntry.speaker_office)),
        ("place", (TimelineEntry.place,)),
    ):
        text = getattr(filters, name)
        if text:
            pattern = f"%{queries.escape_like(text)}%"
            stmt = stmt.where(or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    if filters.period is not None:
        # overlap: an entry dated "April 2017" is in a period of 2017-04-15/2017-05
        if filters.period.latest:
            stmt = stmt.where(
                or_(TimelineEntry.date_start.is_(None), TimelineEntry.date_start <= filters.period.latest)
            )
        if filters.period.earliest:
            stmt = stmt.where(or_(TimelineEntry.date_end.is_(None), TimelineEntry.date_end >= filters.period.earliest))
    return stmt


def entry_readable(actor: Actor, entry: TimelineEntry) -> bool:
    """Whether the actor may see the entry: it cites a document the actor may open."""
    return any(can(actor, "document:read", c.document) for c in entry.citations)


def _visible(actor: Actor, entry: TimelineEntry, readable: set[int] | None) -> VisibleEntry:
    def shown(other: TimelineEntry) -> bool:
        return other.id in readable if readable is not None else entry_readable(actor, other)

    citations = [c for c in entry.citations if can(actor, "document:read", c.document)]
    return VisibleEntry(
        entry,
        citations,
        [a for a in entry.accounts if can(actor, "document:read", a.document)],
        len(entry.citations) - len(citations),
        [(s.stance, s.event) for s in entry.stances if shown(s.event)],
        [(s.stance, s.entry) for s in entry.responses if shown(s.entry)],
    )


# date order: undated entries last; then by start, end and id
_WHEN = func.coalesce(TimelineEntry.date_start, TimelineEntry.date_end)
_ORDER = (
    _WHEN.is_(None),
    _WHEN,
    func.coalesce(TimelineEntry.date_end, TimelineEntry.date_start),
    TimelineEntry.id,
)


# -- grouping for the page -------------------------------------------------------------------


@dataclass
class MonthGroup:
    year: int | None
    month: int | None  # None: the entries are dated to the year (or a longer span) only
    reported: list[VisibleEntry] = field(default_factory=list)
    official: list[VisibleEntry] = field(default_factory=list)

    @property
    def edtf(self) -> str:
        """The group's own date, for display_date(): "2017-04", or "2017-XX" (month unknown);
        "" when undated."""
        if self.year is None:
            return ""
        return f"{self.year}-{self.month:02d}" if self.month else f"{self.year}-XX"

    @property
    def anchor(self) -> str:
        return f"m-{self.year or 'unknown'}-{self.month or 'year'}"


@dataclass
class YearGroup:
    year: int | None
    months: list[MonthGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(m.reported) + len(m.official) for m in self.months)


def group_by_month(entries: Iterable[VisibleEntry]) -> list[YearGroup]:
    """Group entries by year, then month; an entry sits in its month only if its date is
    that precise (an entry of "2017" is in "2017, month not known", never in January)."""
    months: dict[tuple, MonthGroup] = {}
    for item in entries:
        year, month = item.slot
        group = months.setdefault((year, month), MonthGroup(year, month))
        (group.reported if item.lane == "reported" else group.official).append(item)
    years: dict[int | None, YearGroup] = {}
    for (year, _month), group in sorted(
        months.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0, kv[0][1] or 0)
    ):
        years.setdefault(year, YearGroup(year)).months.append(group)
    return list(years.values())


def entry_year(entry: TimelineEntry) -> int | None:
    """The year an entry is listed under (None: undated)."""
    return _slot(entry.date_start, entry.date_end)[0]


def _slot(start: date | None, end: date | None) -> tuple[int | None, int | None]:
    """The (year, month) an entry sits under; month None if its date is not that precise."""
    when = start or end
    if when is None:
        return None, None
    if start and end and (start.year, start.month) == (end.year, end.month):
        return start.year, start.month
    return when.year, None
