"""Acts: validate and store what was done to people, by whom, and on which sources.

An act is written in the archive from its documents, as a timeline entry is, so its words are
held to the same rule: nothing in it may reveal a private person. Its summary, description,
place, the way a counted group of victims is described, the perpetrators' names and each
quoted excerpt are run through the case's redaction and refused if anything is found. A victim
known as a person is named by the pseudonym of one of the case's protected identities, never
by the names that identity keeps. Perpetrators are public entities (an institution, a unit, an
official in office) or a group of private people described without a name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.dates import FuzzyDate, parse_edtf
from archive.errors import N_, IngestError, NotPermitted, ValidationError
from archive.protection.public_text import refuse_identifiers
from archive.rendering import collapse_space
from archive.storage import audit, queries
from archive.storage.models import (
    ACT_STANCES,
    ACT_TYPES,
    PERPETRATOR_KINDS,
    VIOLATION_TYPES,
    Act,
    ActPerpetrator,
    ActSource,
    ActVictim,
    Case,
    ProtectedIdentity,
)
from archive.storage.unit import unit_of_work
from archive.timeline.entries import in_public_text
from archive.validation import SLUG, optional_text, required_text

log = logging.getLogger(__name__)

ACT_FIELDS = frozenset(
    {"slug", "case", "type", "date", "place", "summary", "description", "entry", "victims", "perpetrators", "sources"}
)
MAX_ITEMS = 200  # victims, perpetrators or sources of one act
MAX_COUNT = 10_000_000  # people in one counted group


@dataclass(frozen=True)
class Victim:
    person: str = ""  # a protected identity's pseudonym
    count: int | None = None  # or a counted group
    who: str = ""  # who the counted people are ("men held in Argun")


@dataclass
class ActSubmission:
    case: str
    slug: str
    act_type: str
    date: FuzzyDate
    summary: str
    place: str = ""
    description: str = ""
    entry: str | None = None  # the timeline event's slug
    victims: list[Victim] = field(default_factory=list)
    perpetrators: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # (document slug, stance, excerpt)


def validate_act(fields: dict, source: str) -> ActSubmission:
    """Return an ActSubmission, or raise IngestError naming the source and field."""
    try:
        return _validate(fields)
    except ValidationError as exc:
        raise IngestError(exc.template, field=exc.field, source=source, params=exc.params) from exc


def save_acts(
    session: Session, case: Case, submissions: list[tuple[str, ActSubmission]], actor: Actor, via: str
) -> list[Act]:
    """Store the acts of one case (a new slug is created, a known one replaced), all or none."""
    if not can(actor, "timeline:edit"):
        raise NotPermitted("only custodians record acts")
    stored = []
    with unit_of_work(session):
        for source, sub in submissions:
            if sub.case != case.slug:
                raise IngestError(
                    N_("belongs to %(other)r, not %(case)r"),
                    "case",
                    source,
                    params={"other": sub.case, "case": case.slug},
                )
            check_public(case, sub, source)
            act = queries.act_by_slug(session, case.id, sub.slug)
            action = "act.edit" if act is not None else "act.create"
            if act is None:
                act = Act(case=case, slug=sub.slug, created_by_id=user_id(actor))
                session.add(act)
            _fill(session, case, act, sub, source)
            session.flush()
            audit.record(session, actor, via, action, "act", act.id)
            stored.append(act)
    log.info("%d acts stored in case %s via %s", len(stored), case.id, via)
    return stored


def save_act(session: Session, sub: ActSubmission, actor: Actor, via: str) -> Act:
    """Store one act in the case it names (custodians, from the API)."""
    if not can(actor, "timeline:edit"):
        raise NotPermitted("only custodians record acts")
    case = queries.get_case(session, sub.case)
    if case is None:
        raise IngestError(N_("is not a case of this archive"), "case", via)
    (act,) = save_acts(session, case, [(via, sub)], actor, via)
    return act


def remove_act(session: Session, act: Act, actor: Actor, via: str) -> None:
    """Remove an act recorded in error; the audit log keeps that it was."""
    if not can(actor, "timeline:edit"):
        raise NotPermitted("only custodians record acts")
    with unit_of_work(session):
        audit.record(session, actor, via, "act.remove", "act", act.id, slug=act.slug)
        session.delete(act)
    log.info("act %s removed via %s", act.id, via)


def check_public(case: Case, sub: ActSubmission, source: str) -> None:
    """Refuse act text that would reveal someone (as timeline entries: entries.check_public)."""
    texts = [("slug", sub.slug.replace("-", " ")), ("summary", sub.summary), ("description", sub.description)]
    texts.append(("place", sub.place))
    texts += [("victims", v.who) for v in sub.victims]
    texts += [("perpetrators", name) for name, _kind in sub.perpetrators]
    texts += [("sources", excerpt) for _slug, _stance, excerpt in sub.sources]
    for name, text in texts:
        refuse_identifiers(name, text, [case], source)


def _fill(session: Session, case: Case, act: Act, sub: ActSubmission, source: str) -> None:
    if act.id is not None:
        # the old rows go first: a source of the same document again would meet its
        # predecessor in the unique (act, document) pair
        act.victims, act.perpetrators, act.sources = [], [], []
        session.flush()
    act.act_type = sub.act_type
    act.date_edtf, act.date_start, act.date_end = sub.date.edtf, sub.date.earliest, sub.date.latest
    act.summary, act.description, act.place = sub.summary, sub.description, sub.place
    act.entry = _entry(session, case, sub.entry, source) if sub.entry else None
    act.victims = [_victim(session, case, v, source) for v in sub.victims]
    act.perpetrators = [ActPerpetrator(name=name, kind=kind) for name, kind in sub.perpetrators]
    act.sources = [_source(session, case, slug, stance, excerpt, source) for slug, stance, excerpt in sub.sources]


def _entry(session: Session, case: Case, slug: str, source: str):
    entry = queries.entry_by_slug(session, case.id, slug)
    if entry is None or entry.kind != "event":
        raise IngestError(
            N_("refers to %(slug)r, which is not an event of %(case)s"),
            "entry",
            source,
            params={"slug": slug, "case": case.slug},
        )
    return entry


def _victim(session: Session, case: Case, victim: Victim, source: str) -> ActVictim:
    if victim.count is not None:
        return ActVictim(victim_count=victim.count, who=victim.who)
    identity = session.scalar(
        select(ProtectedIdentity).where(
            ProtectedIdentity.case_id == case.id, ProtectedIdentity.pseudonym == victim.person
        )
    )
    if identity is None:
        # the same words whether or not the pseudonym exists elsewhere: nothing to probe
        raise IngestError(N_("a victim named as a person is one of this case's pseudonyms"), "victims", source)
    return ActVictim(identity=identity, who="")


def _source(session: Session, case: Case, slug: str, stance: str, excerpt: str, source: str) -> ActSource:
    document = queries.document_by_slug(session, case.id, slug)
    if document is None:
        raise IngestError(
            N_("cites %(slug)r, which is not a document of %(case)s"),
            "sources",
            source,
            params={"slug": slug, "case": case.slug},
        )
    if not in_public_text(document, collapse_space(excerpt)):
        raise IngestError(
            N_("the excerpt cited from %(slug)r is not in its public text: quote the passage as it stands there"),
            "sources",
            source,
            params={"slug": slug},
        )
    return ActSource(document=document, stance=stance, excerpt=excerpt)


def _validate(fields: dict) -> ActSubmission:
    if not isinstance(fields, dict):
        raise ValidationError(N_("must be a mapping of fields"), field="act")
    unknown = sorted(set(map(str, fields)) - ACT_FIELDS)
    if unknown:
        raise ValidationError(
            N_("unknown field (expected one of %(fields)s)"),
            unknown[0],
            params={"fields": ", ".join(sorted(ACT_FIELDS))},
        )
    slug = required_text(fields, "slug", 120)
    if not SLUG.match(slug):
        raise ValidationError(N_("use lowercase letters, digits and '-'"), field="slug")
    act_type = required_text(fields, "type", 30)
    if act_type not in ACT_TYPES:
        raise ValidationError(
            N_("%(value)r is not one of %(allowed)s"),
            "type",
            params={"value": act_type, "allowed": ", ".join(ACT_TYPES)},
        )
    entry = optional_text(fields, "entry", 120) or None
    if entry is not None and not SLUG.match(entry):
        raise ValidationError(N_("'entry' is an entry slug"), field="entry")
    perpetrators = _perpetrators(fields.get("perpetrators"))
    if perpetrators and act_type not in VIOLATION_TYPES:
        raise ValidationError(N_("only a violation is attributed to perpetrators"), field="perpetrators")
    sources = _sources(fields.get("sources"))
    if not any(stance == "supports" for _slug, stance, _excerpt in sources):
        raise ValidationError(N_("an act needs at least one source that supports it"), field="sources")
    return ActSubmission(
        case=required_text(fields, "case", 80),
        slug=slug,
        act_type=act_type,
        date=parse_edtf(required_text(fields, "date", 64), field="date"),
        summary=required_text(fields, "summary", 300),
        place=optional_text(fields, "place", 200),
        description=optional_text(fields, "description", 5000),
        entry=entry,
        victims=_victims(fields.get("victims")),
        perpetrators=perpetrators,
        sources=sources,
    )


def _items(value, name: str, shape: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise ValidationError(
            N_("must be a list of up to %(n)s %(shape)s"), field=name, params={"n": MAX_ITEMS, "shape": shape}
        )
    if not all(isinstance(item, dict) for item in value):
        raise ValidationError(N_("each item is a mapping: %(shape)s"), field=name, params={"shape": shape})
    return value


def _victims(value) -> list[Victim]:
    victims = []
    for item in _items(value, "victims", "{person} or {count, who}"):
        if set(item) == {"person"}:
            person = " ".join(str(item["person"] or "").split()) if isinstance(item["person"], str) else ""
            if not person:
                raise ValidationError(N_("'person' is a pseudonym"), field="victims")
            victims.append(Victim(person=person))
            continue
        if set(item) - {"count", "who"} or "count" not in item:
            raise ValidationError(N_("each victim is {person} or {count, who}"), field="victims")
        count = item["count"]
        if isinstance(count, str) and count.strip().isdigit() and len(count.strip()) <= 9:
            count = int(count.strip())  # YAML read as text, a form field
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
            raise ValidationError(
                N_("'count' is a whole number from 1 to %(max)s"), field="victims", params={"max": MAX_COUNT}
            )
        victims.append(Victim(count=count, who=_inner(item, "who", 300, "victims")))
    people = [v.person for v in victims if v.person]
    if len(set(people)) != len(people):
        raise ValidationError(N_("each person appears once among the victims"), field="victims")
    return victims


def _perpetrators(value) -> list[tuple[str, str]]:
    found = []
    for item in _items(value, "perpetrators", "{name, kind}"):
        if set(item) != {"name", "kind"}:
            raise ValidationError(N_("each perpetrator has 'name' and 'kind'"), field="perpetrators")
        kind = item["kind"]
        if kind not in PERPETRATOR_KINDS:
            raise ValidationError(
                N_("kind is one of %(allowed)s"), field="perpetrators", params={"allowed": ", ".join(PERPETRATOR_KINDS)}
            )
        found.append((_inner(item, "name", 300, "perpetrators", required=True), kind))
    return found


def _sources(value) -> list[tuple[str, str, str]]:
    found = []
    for item in _items(value, "sources", "{document, stance, excerpt}"):
        if set(item) - {"document", "stance", "excerpt"} or "document" not in item:
            raise ValidationError(N_("each source has 'document', 'stance' and 'excerpt'"), field="sources")
        slug = _inner(item, "document", 120, "sources", required=True)
        stance = _inner(item, "stance", 10, "sources") or "supports"
        if stance not in ACT_STANCES:
            raise ValidationError(
                N_("stance is one of %(allowed)s"), field="sources", params={"allowed": ", ".join(ACT_STANCES)}
            )
        found.append((slug, stance, _inner(item, "excerpt", 2000, "sources")))
    if len({slug for slug, _s, _e in found}) != len(found):
        raise ValidationError(N_("each document appears once among the sources"), field="sources")
    return found


def _inner(item: dict, key: str, limit: int, name: str, required: bool = False) -> str:
    """A text of one item of a list, its fault named by the list (`sources: 'document' …`)."""
    try:
        return (required_text if required else optional_text)(item, key, limit)
    except ValidationError as exc:
        raise ValidationError(
            N_("'%(key)s' is required text of up to %(limit)s characters"),
            field=name,
            params={"key": key, "limit": limit},
        ) from exc
