"""Read the violations layer as a reader may see it: acts, filtered, and counted by type.

An act is shown only to readers who may open at least one of its sources, and shows only those
sources: an act recorded from testimonies kept for custodians does not appear, not by its type,
its summary, its count of victims, nor in any total. Counts add up the acts a reader sees, and
each type's corroboration counts the independent sources among the supporting documents that
reader may open (storage/corroboration.py), following derivations only to documents they may
open. A victim known as a person is shown by pseudonym only; the names a protected identity
keeps are never read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from archive.auth.actors import Actor
from archive.auth.permissions import audience_for, can
from archive.errors import N_, ValidationError
from archive.storage import queries
from archive.storage.corroboration import Corroboration, corroborations
from archive.storage.models import (
    ACT_TYPES,
    VIOLATION_TYPES,
    Act,
    ActPerpetrator,
    ActSource,
    ActVictim,
    Document,
)
from archive.timeline.read import may_open


@dataclass(frozen=True)
class ActFilters:
    case: str = ""
    act_type: str = ""
    perpetrator: str = ""  # words of a perpetrator's name

    @classmethod
    def from_args(cls, args, case: str = "") -> ActFilters:
        """Read filters from a query string (`act`, `perpetrator`); raise ValidationError
        naming a bad one."""
        act_type = (args.get("act") or "").strip()
        if act_type and act_type not in ACT_TYPES:
            raise ValidationError(N_("is one of %(allowed)s"), field="act", params={"allowed": ", ".join(ACT_TYPES)})
        perpetrator = " ".join((args.get("perpetrator") or "").split())[:200]
        return cls(case or " ".join((args.get("case") or "").split())[:200], act_type, perpetrator)

    def __bool__(self) -> bool:
        return bool(self.act_type or self.perpetrator)

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in {"act": self.act_type, "perpetrator": self.perpetrator}.items() if v}


@dataclass
class VisibleAct:
    act: Act
    sources: list[ActSource]  # those this reader may open
    corroboration: Corroboration | None = None  # of the supporting sources among them

    @property
    def supporting(self) -> list[ActSource]:
        return [s for s in self.sources if s.stance == "supports"]

    @property
    def disputing(self) -> list[ActSource]:
        return [s for s in self.sources if s.stance == "disputes"]

    @property
    def people(self) -> int:
        return sum(v.people for v in self.act.victims)


@dataclass
class TypeCount:
    """One act type as a reader sees it: how many acts; how many people they name or count,
    both as recorded (summed over the acts, where one person may be in several: a man counted
    among 52 callers and recorded again by his own account) and at least (the largest single
    act, which never overstates); the supporting documents and the independent sources they
    come down to, and the documents that dispute them."""

    act_type: str
    acts: int = 0
    people: int = 0  # summed over the acts
    at_least: int = 0  # the largest number of people in one act
    documents: int = 0
    sources: int = 0
    disputing: int = 0
    document_ids: set[int] = field(default_factory=set, repr=False)

    @property
    def violation(self) -> bool:
        return self.act_type in VIOLATION_TYPES


def matching_acts(stmt: Select, actor: Actor, filters: ActFilters) -> Select:
    """Restrict a statement over acts to the filters and to what this actor may see."""
    return stmt.where(*queries.act_conditions(audience_for(actor), filters.case, filters.act_type, filters.perpetrator))


def visible_acts(session: Session, actor: Actor, filters: ActFilters) -> list[VisibleAct]:
    """Every act matching the filters that this actor may see, in date order, with the sources
    this actor may open and their corroboration."""
    stmt = matching_acts(select(Act), actor, filters).options(
        selectinload(Act.sources).selectinload(ActSource.document).selectinload(Document.source),
        selectinload(Act.victims).selectinload(ActVictim.identity),
        selectinload(Act.perpetrators),
        selectinload(Act.entry),
        selectinload(Act.case),
    )
    when = func.coalesce(Act.date_start, Act.date_end)
    acts = session.scalars(stmt.order_by(when.is_(None), when, Act.id)).all()
    shown = [VisibleAct(a, [s for s in a.sources if can(actor, "document:read", s.document)]) for a in acts]
    groups = {n: [s.document_id for s in item.supporting] for n, item in enumerate(shown)}
    for n, found in corroborations(session, groups, may_open(session, actor)).items():
        shown[n].corroboration = found
    return shown


def act_visible_to(session: Session, actor: Actor, act_id: int) -> VisibleAct | None:
    stmt = matching_acts(select(Act.id), actor, ActFilters()).where(Act.id == act_id)
    if session.scalar(stmt) is None:
        return None
    act = session.get(Act, act_id)
    item = VisibleAct(act, [s for s in act.sources if can(actor, "document:read", s.document)])
    item.corroboration = corroborations(
        session, {0: [s.document_id for s in item.supporting]}, may_open(session, actor)
    )[0]
    return item


def count_by_type(session: Session, actor: Actor, items: list[VisibleAct]) -> list[TypeCount]:
    """The acts counted by type (in the vocabulary's order), with each type's corroboration."""
    counts: dict[str, TypeCount] = {}
    for item in items:
        found = counts.setdefault(item.act.act_type, TypeCount(item.act.act_type))
        found.acts += 1
        found.people += item.people
        found.at_least = max(found.at_least, item.people)
        found.document_ids |= {s.document_id for s in item.supporting}
        found.disputing += len(item.disputing)
    groups = {n: sorted(c.document_ids) for n, c in enumerate(counts.values())}
    for n, corroboration in corroborations(session, groups, may_open(session, actor)).items():
        found = list(counts.values())[n]
        found.documents, found.sources = corroboration.documents, corroboration.sources
    return [counts[t] for t in ACT_TYPES if t in counts]


def documents_of_acts(session: Session, actor: Actor, filters: ActFilters) -> set[int]:
    """The documents this actor may open that support an act matching the filters (what a
    search narrowed to an act type or perpetrator runs over)."""
    audience = audience_for(actor)
    acts = matching_acts(select(Act.id), actor, filters)
    stmt = (
        select(ActSource.document_id)
        .join(Document, Document.id == ActSource.document_id)
        .where(
            ActSource.act_id.in_(acts),
            ActSource.stance == "supports",
            Document.consent.in_(audience.consents),
            Document.status.in_(audience.statuses),
        )
    )
    return set(session.scalars(stmt))


def perpetrator_names(session: Session, actor: Actor, filters: ActFilters) -> list[str]:
    """The perpetrators of the acts this actor may see (for a filter's choices)."""
    acts = matching_acts(select(Act.id), actor, ActFilters(case=filters.case))
    stmt = select(ActPerpetrator.name).where(ActPerpetrator.act_id.in_(acts)).distinct()
    return sorted(session.scalars(stmt), key=str.casefold)
