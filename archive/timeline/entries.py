"""Timeline entries: validate and store events, denials, statements and responses."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.dates import FuzzyDate, parse_edtf
from archive.errors import N_, IngestError, NotPermitted, ValidationError
from archive.protection.public_text import refuse_identifiers
from archive.rendering import collapse_space, plain_text
from archive.storage import audit, queries
from archive.storage.models import (
    CHANNELS,
    ENTRY_KINDS,
    STANCES,
    Case,
    Citation,
    ConflictingAccount,
    Document,
    EntryStance,
    TimelineEntry,
)
from archive.storage.unit import unit_of_work
from archive.timeline.suggest import cover_suggestions
from archive.validation import SLUG, optional_slug, optional_text, required_text

log = logging.getLogger(__name__)

ENTRY_FIELDS = frozenset(
    {"slug", "case", "kind", "date", "title", "description", "actor", "place", "citations",
     "denies", "stances", "conflicts", "speaker", "office", "channel", "quotation", "paraphrase"}
)  # fmt: skip
MAX_QUOTATION = 600  # characters: quotations stay short; the cited document holds the rest


@dataclass
class EntrySubmission:
    case: str
    kind: str
    date: FuzzyDate
    title: str
    slug: str | None = None
    description: str = ""
    actor: str = ""
    place: str = ""
    citations: list[tuple[str, str]] = field(default_factory=list)  # (document slug, excerpt)
    stances: list[tuple[str, str]] = field(default_factory=list)  # (event slug, stance)
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (document slug, account)
    speaker: str = ""
    office: str = ""
    channel: str = ""
    quotation: str = ""  # the words themselves, as a cited document gives them
    paraphrase: str = ""  # or what was said, in the archive's words

    @property
    def denies(self) -> list[str]:
        return [slug for slug, stance in self.stances if stance == "denies"]


def validate_entry(fields: dict, source: str) -> EntrySubmission:
    """Return an EntrySubmission, or raise IngestError naming the source and field."""
    try:
        return _validate(fields)
    except ValidationError as exc:
        raise IngestError(exc.template, field=exc.field, source=source, params=exc.params) from exc


def create_entries(
    session: Session,
    case: Case,
    submissions: list[tuple[str, EntrySubmission]],
    actor: Actor,
    via: str,
) -> list[TimelineEntry]:
    """Store entries of one case together (denials may point at any of them) or none at all."""
    if not can(actor, "timeline:edit"):
        raise NotPermitted("only custodians edit the timeline")
    with unit_of_work(session):
        created: dict[str, TimelineEntry] = {}
        pending = []
        for source, sub in submissions:
            check_public(case, sub, source)
            entry = TimelineEntry(case=case)
            _fill(session, entry, sub, source)
            session.add(entry)
            if sub.slug:
                created[sub.slug] = entry
            pending.append((source, sub, entry))
        session.flush()
        for source, sub, entry in pending:
            entry.stances = [
                EntryStance(event=_event(session, case, created, slug, source), stance=stance)
                for slug, stance in sub.stances
            ]
            audit.record(session, actor, via, "timeline.create", "timeline_entry", entry.id)
            cover_suggestions(session, entry, actor, via)
    log.info("%d timeline entries created in case %s via %s", len(pending), case.id, via)
    return [entry for _, _, entry in pending]


def create_entry(session: Session, sub: EntrySubmission, actor: Actor, via: str) -> TimelineEntry:
    """Create one entry in the case it names (custodians, from a form or the API)."""
    if not can(actor, "timeline:edit"):
        raise NotPermitted("only custodians edit the timeline")
    case = queries.get_case(session, sub.case)
    if case is None:
        raise IngestError(N_("is not a case of this archive"), "case", via)
    (entry,) = create_entries(session, case, [(via, sub)], actor, via)
    return entry


def update_entry(session: Session, entry: TimelineEntry, sub: EntrySubmission, actor: Actor, via: str) -> TimelineEntry:
    """Replace an entry's fields, citations, accounts and stances; all or nothing."""
    if not can(actor, "timeline:edit"):
        raise NotPermitted("only custodians edit the timeline")
    case = entry.case
    if sub.case != case.slug:
        raise IngestError(N_("an entry stays in its case"), "case", via)
    with unit_of_work(session):
        check_public(case, sub, via)
        if sub.slug and sub.slug != entry.slug:
            other = queries.entry_by_slug(session, case.id, sub.slug)
            if other is not None:
                raise IngestError(
                    N_("%(slug)r is already used in %(case)s"),
                    "slug",
                    via,
                    params={"slug": sub.slug, "case": case.slug},
                )
        if entry.kind == "event" and sub.kind != "event" and entry.responses:
            raise IngestError(N_("other entries take a stance on this event: it stays an event"), "kind", via)
        _fill(session, entry, sub, via)
        entry.stances = [
            EntryStance(event=_event(session, case, {}, slug, via), stance=stance) for slug, stance in sub.stances
        ]
        if any(s.event is entry for s in entry.stances):
            raise IngestError(N_("an entry cannot take a stance on itself"), "stances", via)
        audit.record(session, actor, via, "timeline.edit", "timeline_entry", entry.id)
        session.flush()
        cover_suggestions(session, entry, actor, via)
    log.info("timeline entry %s edited via %s", entry.id, via)
    return entry


def _fill(session: Session, entry: TimelineEntry, sub: EntrySubmission, source: str) -> None:
    case = entry.case
    entry.slug, entry.kind = sub.slug, sub.kind
    entry.date_edtf, entry.date_start, entry.date_end = (sub.date.edtf, sub.date.earliest, sub.date.latest)
    entry.title, entry.description = sub.title, sub.description
    entry.actor, entry.place = sub.actor, sub.place
    entry.speaker, entry.speaker_office = sub.speaker, sub.office
    entry.channel, entry.quotation, entry.paraphrase = sub.channel, sub.quotation, sub.paraphrase
    entry.citations = [
        _citation(_document(session, case, slug, source), excerpt, source) for slug, excerpt in sub.citations
    ]
    if sub.quotation and quoted_in(entry.citations, sub.quotation) is None:
        raise IngestError(
            N_(
                "the quotation is not word for word in any document this entry cites: quote it as it stands "
                "there, or give it as a paraphrase"
            ),
            "quotation",
            source,
        )
    entry.accounts = [
        ConflictingAccount(document=_document(session, case, slug, source), account=text)
        for slug, text in sub.conflicts
    ]


def check_public(case: Case, sub: EntrySubmission, source: str) -> None:
    """Refuse timeline text that would reveal someone: the timeline is shown to everyone and
    exported, and unlike a document it has no original kept apart from a public version. The
    same detectors as the documents' redaction run over every text of the entry, with the
    case's protected identities and public names."""
    texts = [
        ("slug", (sub.slug or "").replace("-", " ")),  # it is in the entry's permalink
        ("title", sub.title),
        ("description", sub.description),
        ("actor", sub.actor),
        ("place", sub.place),
        ("speaker", sub.speaker),
        ("office", sub.office),
        ("quotation", sub.quotation),
        ("paraphrase", sub.paraphrase),
    ]
    # each excerpt and account on its own: joined, the end of one and the start of the next
    # can look like a name
    texts += [("citations", excerpt) for _, excerpt in sub.citations]
    texts += [("conflicts", account) for _, account in sub.conflicts]
    for name, text in texts:
        refuse_identifiers(name, text, [case], source)


def _document(session: Session, case: Case, slug: str, source: str):
    document = queries.document_by_slug(session, case.id, slug)
    if document is None:
        raise IngestError(
            N_("cites %(slug)r, which is not a document of %(case)s"),
            "citations",
            source,
            params={"slug": slug, "case": case.slug},
        )
    return document


def passage_stands(citation: Citation) -> bool:
    """Whether the citation's excerpt is still in its document's current public text (an
    edit may have taken the passage out since it was cited); an empty excerpt stands."""
    return in_public_text(citation.document, collapse_space(citation.excerpt or ""))


def quoted_in(citations: list[Citation], quotation: str) -> Citation | None:
    """The first of these citations whose document carries the quotation word for word in its
    current public text (white space aside): who the words come to the reader through. None
    when none does: the words are then no quotation a reader could check."""
    quoted = collapse_space(quotation or "")
    if not quoted:
        return None
    return next((c for c in citations if in_public_text(c.document, quoted)), None)


def in_public_text(document: Document, quoted: str) -> bool:
    """Whether the passage is in the public text as its Markdown reads or as a reader sees
    it (white space aside); the Markdown is compared first, the rendered page only if needed."""
    return not quoted or quoted in collapse_space(document.body_public) or quoted in plain_text(document.body_html)


def _citation(document: Document, excerpt: str, source: str) -> Citation:
    """A citation whose excerpt is the document's public text as it stands (white space aside),
    as a reader sees it on the page or as its Markdown reads: a reader can find it there."""
    if not in_public_text(document, collapse_space(excerpt)):
        raise IngestError(
            N_("the excerpt cited from %(slug)r is not in its public text: quote the passage as it stands there"),
            "citations",
            source,
            params={"slug": document.slug},
        )
    return Citation(document=document, excerpt=excerpt)


def _event(session, case, created, slug, source) -> TimelineEntry:
    event = created.get(slug) or queries.entry_by_slug(session, case.id, slug)
    if event is None or event.kind != "event":
        raise IngestError(
            N_("refers to %(slug)r, which is not an event of %(case)s"),
            "stances",
            source,
            params={"slug": slug, "case": case.slug},
        )
    return event


def _validate(fields: dict) -> EntrySubmission:
    unknown = sorted(set(map(str, fields)) - ENTRY_FIELDS)
    if unknown:
        raise ValidationError(
            N_("unknown field (expected one of %(fields)s)"),
            unknown[0],
            params={"fields": ", ".join(sorted(ENTRY_FIELDS))},
        )
    kind = required_text(fields, "kind", 20)
    if kind not in ENTRY_KINDS:
        raise ValidationError(
            N_("%(value)r is not one of %(allowed)s"), "kind", params={"value": kind, "allowed": ", ".join(ENTRY_KINDS)}
        )
    entry_slug = optional_slug(fields)
    stances = [(slug, "denies") for slug in _slugs(fields.get("denies"), "denies")]
    stances += _stances(fields.get("stances"))
    if stances and kind == "event":
        raise ValidationError(N_("an event takes no stance; statements, denials and responses do"), field="stances")
    if kind == "denial" and not any(stance == "denies" for _, stance in stances):
        raise ValidationError(N_("a denial names the events it denies"), field="denies")
    if len({slug for slug, _ in stances}) != len(stances):
        raise ValidationError(N_("each event appears once, with one stance"), field="stances")
    channel = optional_text(fields, "channel", 40)
    if channel and channel not in CHANNELS:
        raise ValidationError(
            N_("%(value)r is not one of %(allowed)s"),
            "channel",
            params={"value": channel, "allowed": ", ".join(CHANNELS)},
        )
    speaks = {name: optional_text(fields, name, 300) for name in ("speaker", "office")}
    quotation = optional_text(fields, "quotation", MAX_QUOTATION)
    paraphrase = optional_text(fields, "paraphrase", MAX_QUOTATION)
    if kind == "event" and (any(speaks.values()) or channel or quotation or paraphrase):
        raise ValidationError(N_("speaker, office, channel and quotation belong to what someone said"), "speaker")
    citations = _pairs(fields.get("citations"), "citations", "excerpt", required=False)
    if not citations:
        raise ValidationError(N_("an entry needs at least one citation"), field="citations")
    return EntrySubmission(
        case=required_text(fields, "case", 80),
        kind=kind,
        date=parse_edtf(required_text(fields, "date", 64), field="date"),
        title=required_text(fields, "title", 300),
        slug=entry_slug,
        description=optional_text(fields, "description", 5000),
        actor=optional_text(fields, "actor", 300),
        place=optional_text(fields, "place", 200),
        citations=citations,
        stances=stances,
        speaker=speaks["speaker"],
        office=speaks["office"],
        channel=channel,
        quotation=quotation,
        paraphrase=paraphrase,
        conflicts=_pairs(fields.get("conflicts"), "conflicts", "account", required=True),
    )


def _slugs(value, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and SLUG.match(v) for v in value):
        raise ValidationError(N_("must be a list of entry slugs"), field=name)
    return value


def _stances(value) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(N_("must be a list of {event, stance}"), field="stances")
    found = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"event", "stance"}:
            raise ValidationError(N_("each item has 'event' and 'stance'"), field="stances")
        slug, stance = item["event"], item["stance"]
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise ValidationError(N_("'event' is an entry slug"), field="stances")
        if stance not in STANCES:
            raise ValidationError(
                N_("stance is one of %(allowed)s"), field="stances", params={"allowed": ", ".join(STANCES)}
            )
        found.append((slug, stance))
    return found


def _pairs(value, name: str, text_key: str, required: bool) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(N_("must be a list of {document, %(key)s}"), field=name, params={"key": text_key})
    pairs = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"document", text_key}:
            raise ValidationError(N_("each item has 'document' and '%(key)s'"), field=name, params={"key": text_key})
        slug = required_text(item, "document", 120)
        text = (required_text if required else optional_text)(item, text_key, 2000)
        pairs.append((slug, text))
    return pairs
