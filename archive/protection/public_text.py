"""What readers may see of a record: every field derived from its original by
archive.redaction, with the case's protected identities and public names and the document's
review decisions.

The public projection is always derived, never edited, so a new protected name or a
custodian's correction is applied everywhere by running the same function again. A document
keeps its originals in `body_original` and `fields_original` (custodians only); its ordinary
columns (title, slug, attribution, source, tags, places, body_public, body_html) hold the
projection, and every page, API response, export, citation and index entry reads those.

Text written inside the archive (timeline entries, brief titles and notes) has no original
kept apart from a public version, so it is refused when it would reveal someone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from archive.errors import N_, IngestError
from archive.redaction import Identity, Redaction, redact
from archive.redaction.redact import lowercase_private_names
from archive.redaction.spans import Span, merge
from archive.rendering import render_markdown
from archive.storage import queries
from archive.storage.models import (
    Act,
    ActSource,
    BriefItem,
    Case,
    Citation,
    ConflictingAccount,
    DateSuggestion,
    Document,
    TimelineEntry,
)
from archive.storage.unit import unit_of_work

# The fields of a document besides its body, each redacted and reviewable on its own.
TEXT_FIELDS = ("title", "attribution", "grade_note")
SOURCE_TEXT_FIELDS = ("outlet", "author", "reported_by", "reliability", "title")
# the address is redacted as a label (_public_source); the dates (EDTF) and the archived copy's
# SHA-256 name no one and are kept as submitted
SOURCE_FIELDS = (*SOURCE_TEXT_FIELDS, "url", "date", "captured", "archived_sha256")
# Characters that join the words of a slug, tag or address; read as spaces when looking for
# names in them (same length, so offsets stay those of the original).
_JOINERS = re.compile(r"[-_./+#=?&:%~,]")
_MARKER = re.compile(r"\\?\[[^\]]*\\?\]")


@dataclass(frozen=True)
class Protection:
    """What redaction runs with for one case: its identities, public names, and decisions."""

    identities: tuple[Identity, ...]
    public: tuple[str, ...]
    keep: tuple[tuple[str, str], ...] = ()
    add: tuple[tuple[str, str], ...] = ()

    def redact(self, text: str, people: dict | None = None) -> Redaction:
        return redact(
            text,
            # Every script's detectors run whatever the document's language: a Russian
            # testimony quotes English press, an English one a Russian protocol.
            lang="auto",
            public=self.public,
            identities=list(self.identities),
            keep=self.keep,
            add=self.add,
            people=people,
        )

    def label_spans(self, label: str, people: dict | None = None) -> list[Span]:
        """Spans of identifying words in a label, a slug, a tag or a web address, whose words
        are joined by '-', '_', '/' or '.' and often lower case ("ruslan-magomedov-interview")."""
        spaced = _JOINERS.sub(" ", label)
        spans = list(self.redact(spaced, people).spans) + lowercase_private_names(spaced, self.public)
        spans += [
            Span(m.start(), m.end(), kind, "custodian")
            for value, kind in self.add
            if value
            for m in re.finditer(re.escape(value), label)
        ]
        kept = set(self.keep)
        return merge([s for s in spans if s.type == "PROTECTED" or (label[s.start : s.end], s.type) not in kept])


def case_identities(case: Case | None) -> list[Identity]:
    """The case's protected identities, as the redactor takes them."""
    return [Identity(tuple(i.names), i.pseudonym) for i in case.identities] if case else []


def protection_for(cases: Iterable[Case], document: Document | None = None) -> Protection:
    cases = [c for c in cases if c is not None]
    decisions = list(document.decisions) if document is not None and document.id is not None else []
    return Protection(
        identities=tuple(identity for c in cases for identity in case_identities(c)),
        public=tuple(name for c in cases for name in c.public_names or ()),
        keep=tuple((d.value, d.type) for d in decisions if d.action == "reject"),
        add=tuple((d.value, d.type) for d in decisions if d.action == "add"),
    )


def redact_for_cases(text: str, cases: Iterable[Case]) -> Redaction:
    """Redact text written inside the archive (timeline entries, brief notes) with the
    detectors and the cases' protected identities and public names."""
    return protection_for(cases).redact(text)


# One message whatever was found: a refusal that named the kind would tell a researcher which
# words are a protected witness's name.
REFUSAL = N_(
    "may identify a private person (a name, a contact or another identifier): write a "
    "pseudonym or a description instead, or ask a custodian to add a public official to the "
    "case's public names"
)


def refuse_identifiers(field: str, text: str, cases: Iterable[Case], source: str, protected: bool = True) -> None:
    """Refuse text that would reveal someone, with the same message whatever was found: text
    written inside the archive has no original kept apart from its public form.

    `protected=False` for researchers' own words (brief titles, purposes, notes): the check
    then does not depend on the case's protected identities at all, so that whether a word is
    refused tells nothing about who is protected (no oracle); lower-case first names and
    surnames are refused as well as capitalised ones, protected or not."""
    if not text.strip():
        return
    cases = list(cases)
    protection = protection_for(cases)
    if not protected:
        protection = Protection(identities=(), public=protection.public)
    found = protection.redact(text).spans
    if not protected:
        found += lowercase_private_names(text, protection.public)
    if found:
        raise IngestError(REFUSAL, field, source)


def originals(document: Document) -> dict:
    """The fields as submitted (custodians only), with every key present."""
    stored = dict(document.fields_original or {})
    source = dict.fromkeys(SOURCE_FIELDS, "") | dict(stored.get("source") or {})
    return {
        "title": stored.get("title", ""),
        "attribution": stored.get("attribution", ""),
        "grade_note": stored.get("grade_note", ""),
        "slug": stored.get("slug"),
        "tags": list(stored.get("tags") or ()),
        "places": list(stored.get("places") or ()),
        "source": source,
    }


def original_texts(document: Document) -> list[str]:
    """Every original text of the document a decision may name: body, fields, labels."""
    fields = originals(document)
    return [
        document.body_original or "",
        *(fields[name] for name in TEXT_FIELDS),
        fields["slug"] or "",
        *fields["tags"],
        *fields["places"],
        *(fields["source"].get(key) or "" for key in SOURCE_FIELDS),
    ]


def review_spans(document: Document) -> list[tuple[str, dict, str]]:
    """Every replaced span of every field, as (field, span, original text), for the review:
    the body's first, then the fields' in the order the page shows them."""
    fields = originals(document)
    out = [("body", span, document.body_original[span["start"] : span["end"]]) for span in document.redaction_spans]
    for name, found in (document.field_spans or {}).items():
        text = _field_text(fields, name)
        out += [(name, span, text[span["start"] : span["end"]]) for span in found]
    return out


def _field_text(fields: dict, name: str) -> str:
    if name.startswith("source."):
        return fields["source"].get(name.removeprefix("source.")) or ""
    if name.startswith(("tags.", "places.")):
        label, _, index = name.partition(".")
        values = fields[label]
        return values[int(index)] if int(index) < len(values) else ""
    return fields.get(name) or ""


def protect_document(session: Session, document: Document) -> bool:
    """Derive every public field of the document from its originals; return whether the
    public body changed. No commit."""
    case = session.get(Case, document.case_id)
    protection = protection_for([case], document)
    people: dict = {}  # one numbering of people across the body and every field
    body = protection.redact(document.body_original, people)
    changed = body.text != document.body_public
    document.body_public = body.text
    document.redaction_spans = body.as_json()
    document.body_html = render_markdown(body.text)

    fields = originals(document)
    spans: dict[str, list[dict]] = {}
    for name in TEXT_FIELDS:
        result = protection.redact(fields[name], people)
        setattr(document, name, result.text)
        _note(spans, name, result.as_json())
    document.slug = _public_slug(session, document, fields["slug"], protection, people, spans)
    document.tags = queries.tags_named(session, _public_labels("tags", fields["tags"], protection, people, spans))
    document.places = queries.places_named(
        session, _public_labels("places", fields["places"], protection, people, spans)
    )
    document.source = _public_source(session, fields["source"], protection, people, spans)
    document.field_spans = spans
    if changed and document.id is not None:
        refresh_copies(session, document, protection)
    return changed


def refresh_copies(session: Session, document: Document, protection: Protection | None = None) -> int:
    """Bring the copies of a document's public text up to its protection: the excerpts and
    accounts timeline entries keep, the passages briefs quote, the sentences of date
    suggestions. A name protected or an identifier added in review after they were taken is
    replaced in them too, in the same unit of work; return how many changed."""
    if protection is None:
        protection = protection_for([session.get(Case, document.case_id)], document)
    copies = [
        *((c, "excerpt") for c in session.scalars(select(Citation).where(Citation.document_id == document.id))),
        *(
            (a, "account")
            for a in session.scalars(select(ConflictingAccount).where(ConflictingAccount.document_id == document.id))
        ),
        *(
            (q, "text")
            for q in session.scalars(
                select(BriefItem).where(BriefItem.document_id == document.id, BriefItem.kind == "quote")
            )
        ),
        *(
            (d, "sentence")
            for d in session.scalars(select(DateSuggestion).where(DateSuggestion.document_id == document.id))
        ),
        *((s, "excerpt") for s in session.scalars(select(ActSource).where(ActSource.document_id == document.id))),
    ]
    changed = 0
    for row, name in copies:
        text = getattr(row, name) or ""
        if text.strip():
            public = protection.redact(text).text
            if public != text:
                setattr(row, name, public)
                changed += 1
    return changed


ENTRY_TEXT_FIELDS = ("title", "description", "actor", "place", "speaker", "speaker_office", "quotation", "paraphrase")


def protect_entries(session: Session, case: Case) -> int:
    """Timeline entries are written in the archive and were accepted naming no one; a name
    protected since (a nickname the detectors could not know) is replaced in them now, with
    the same protection as the documents; return how many entries changed."""
    protection = protection_for([case])
    changed = 0
    for entry in session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id)):
        touched = False
        for name in ENTRY_TEXT_FIELDS:
            text = getattr(entry, name) or ""
            if text.strip() and (result := protection.redact(text)).spans:
                setattr(entry, name, result.text)
                touched = True
        changed += touched
    return changed + _protect_acts(session, case, protection)


def _protect_acts(session: Session, case: Case, protection: Protection) -> int:
    """The acts' own words (written in the archive, like entries): summary, description,
    place, the description of counted victims, the perpetrators' names."""
    changed = 0
    for act in session.scalars(select(Act).where(Act.case_id == case.id)):
        rows = [(act, name) for name in ACT_TEXT_FIELDS]
        rows += [(v, "who") for v in act.victims] + [(p, "name") for p in act.perpetrators]
        touched = False
        for row, name in rows:
            text = getattr(row, name) or ""
            if text.strip() and (result := protection.redact(text)).spans:
                setattr(row, name, result.text)
                touched = True
        changed += touched
    return changed


ACT_TEXT_FIELDS = ("summary", "description", "place")


def review_token(document: Document) -> str:
    """What a review form was opened on: the revision, and every span of every field with its
    replacement. A review saved against another token is stale and refused."""
    state = [document.revision, document.redaction_spans or [], document.field_spans or {}]
    return hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def _note(spans: dict, name: str, found: list[dict]) -> None:
    if found:
        spans[name] = found


def _json(spans: list[Span], replacement: str) -> list[dict]:
    return [
        {"start": s.start, "end": s.end, "type": s.type, "detector": s.detector, "replacement": replacement}
        for s in spans
    ]


def _public_labels(name, values, protection, people, spans) -> list[str]:
    """Labels (tags, places) that name no one; one that does is left out of the public record."""
    public = []
    for i, value in enumerate(values):
        found = protection.label_spans(value, people)
        if found:
            _note(spans, f"{name}.{i}", _json(found, "(left out)"))
        else:
            public.append(value)
    return public


def _public_slug(session, document, requested, protection, people, spans) -> str | None:
    """The requested slug if it names no one; else one made from the public title."""
    if not requested:
        return None
    found = protection.label_spans(requested, people)
    if not found:
        return requested
    _note(spans, "slug", _json(found, "(made from the public title)"))
    base = _slugify(document.title) or "document"
    candidate, n = base, 1
    while queries.document_by_slug(session, document.case_id, candidate) not in (None, document):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _slugify(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", _MARKER.sub(" ", title).lower())
    return "-".join(words)[:80].strip("-")


def _public_source(session, source: dict, protection, people, spans):
    if not any(source.get(k) for k in SOURCE_FIELDS):
        return None
    values = {}
    for key in SOURCE_TEXT_FIELDS:
        result = protection.redact(source.get(key) or "", people)
        values[key] = result.text
        _note(spans, f"source.{key}", result.as_json())
    url = source.get("url") or ""
    found = protection.label_spans(url, people) if url else []
    if found:
        # A path that names someone (…/ibragim-zakriev-interview): the public record keeps
        # the site only, the custodian the whole address.
        parts = urlsplit(url)
        host_start = url.find(parts.netloc)
        host_end = host_start + len(parts.netloc)
        in_host = any(s.start < host_end and host_start < s.end for s in found)
        _note(spans, "source.url", _json(found, "(left out)" if in_host else "(site only)"))
        url = "" if in_host else f"{parts.scheme}://{parts.netloc}/"
    values["url"] = url
    values["date_edtf"] = source.get("date") or None
    values["captured"] = source.get("captured") or None
    values["archived_sha256"] = source.get("archived_sha256") or ""
    return queries.source_for(session, **values)


def adopt_unprotected(session: Session) -> int:
    """Give documents stored before their fields had originals kept apart (migration 0015)
    their originals (the values they hold) and derive their public projection; return how
    many. Run by `archive init` after migrating; commits every 200 documents."""
    pending = session.scalars(select(Document.id).where(cast(Document.fields_original, String) == "{}")).all()
    for start in range(0, len(pending), 200):
        with unit_of_work(session):
            for document in session.scalars(select(Document).where(Document.id.in_(pending[start : start + 200]))):
                source = document.source
                document.fields_original = {
                    "title": document.title,
                    "attribution": document.attribution or "",
                    "slug": document.slug,
                    "tags": [t.name for t in document.tags],
                    "places": [p.name for p in document.places],
                    "source": {
                        "outlet": source.outlet,
                        "author": source.author,
                        "url": source.url,
                        "reported_by": source.reported_by,
                        "date": source.date_edtf,
                        "reliability": source.reliability,
                        "title": source.title,
                        "captured": source.captured,
                        "archived_sha256": source.archived_sha256,
                    }
                    if source
                    else {},
                }
                protect_document(session, document)
            session.info["purge"] = True  # replaced words must leave the index files too
    return len(pending)
