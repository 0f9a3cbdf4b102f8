"""Check every field of a document submission and turn it into a typed Submission, or say
what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive.dates import FuzzyDate, parse_edtf
from archive.errors import N_, IngestError, ValidationError
from archive.redaction.patterns import detect_patterns
from archive.storage.models import (
    CONSENT_LEVELS,
    DERIVATIONS,
    INFORMATION_GRADES,
    REVIEW_STATUSES,
    SOURCE_GRADES,
    SOURCE_TYPES,
)
from archive.validation import (
    MAX_TITLE,
    choice,
    labels,
    language,
    optional_date,
    optional_slug,
    optional_text,
    required_text,
)

DOCUMENT_FIELDS = frozenset(
    {
        "slug",
        "case",
        "kind",
        "title",
        "language",
        "published",
        "events",
        "places",
        "tags",
        "consent",
        "status",
        "source",
        "attribution",
        "body",
        "redaction",
        "source_type",
        "grading",
        "derived_from",
    }
)
SOURCE_FIELDS = frozenset(
    {"outlet", "author", "url", "date", "reliability", "reported_by", "title", "captured", "archived_sha256"}
)
GRADING_FIELDS = frozenset({"source", "information", "note"})
DERIVATION_FIELDS = frozenset({"document", "relation"})
MAX_DERIVED_FROM = 50
MAX_BODY_CHARS = 1_000_000  # about 500 pages; longer material belongs in several documents
MAX_SOURCE_TITLE = 500  # an original publication's own title (sources.title)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class SourceInfo:
    outlet: str = ""
    author: str = ""
    url: str = ""
    reported_by: str = ""
    date: str | None = None
    reliability: str = ""
    title: str = ""  # the original publication's own title
    captured: str | None = None  # the day a copy of it was captured (EDTF)
    archived_sha256: str = ""  # SHA-256 of that archived copy (a web capture, a PDF, a scan)

    @property
    def empty(self) -> bool:
        return not any(vars(self).values())


@dataclass
class Grading:
    """The Admiralty grading: the source's reliability (A–F), the information's credibility
    (1–6), and why."""

    source: str = ""
    information: str = ""
    note: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.source and self.information)

    @property
    def code(self) -> str:
        """ "B2", or "" while ungraded."""
        return f"{self.source}{self.information}" if self.complete else ""


@dataclass
class Submission:
    case: str
    kind: str
    title: str
    language: str
    body: str
    slug: str | None = None
    published: FuzzyDate | None = None
    events: FuzzyDate | None = None
    places: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    consent: str = "custodians"  # the narrowest audience unless the submitter says otherwise
    status: str = "draft"
    source: SourceInfo = field(default_factory=SourceInfo)
    attribution: str = ""
    source_type: str = ""  # SOURCE_TYPES, "" while not yet said
    grading: Grading = field(default_factory=Grading)
    # (slug of a document of the same case, relation): what this one translates, summarises…
    derived_from: list[tuple[str, str]] = field(default_factory=list)
    # "reviewed": the submitter attests that the text was reviewed for identifying details
    # before it was submitted; honoured only for an actor allowed to attest (redaction:attest).
    redaction_reviewed: bool = False


def validate_document(fields: dict, kinds: tuple[str, ...], source: str) -> Submission:
    """Return a Submission, or raise IngestError naming the source and the first bad field."""
    try:
        return _validate(fields, kinds)
    except ValidationError as exc:
        raise IngestError(exc.template, field=exc.field, source=source, params=exc.params) from exc


def _validate(fields: dict, kinds: tuple[str, ...]) -> Submission:
    unknown = sorted(set(map(str, fields)) - DOCUMENT_FIELDS)
    if unknown:
        raise ValidationError(
            N_("unknown field (expected one of %(fields)s)"),
            field=unknown[0],
            params={"fields": ", ".join(sorted(DOCUMENT_FIELDS))},
        )
    kind = required_text(fields, "kind", 40)
    if kind not in kinds:
        raise ValidationError(
            N_("%(value)r is not one of %(allowed)s"), field="kind", params={"value": kind, "allowed": ", ".join(kinds)}
        )
    return Submission(
        case=required_text(fields, "case", 80),
        kind=kind,
        title=required_text(fields, "title", MAX_TITLE),
        language=language(fields),
        body=body(fields),
        slug=optional_slug(fields),
        published=optional_date(fields, "published"),
        events=optional_date(fields, "events"),
        places=places(fields),
        tags=list(dict.fromkeys(t.lower() for t in labels(fields, "tags"))),
        consent=choice(fields, "consent", CONSENT_LEVELS, "custodians"),
        status=choice(fields, "status", REVIEW_STATUSES, "draft"),
        source=source_info(fields.get("source")),
        attribution=optional_text(fields, "attribution", 2000),
        source_type=choice(fields, "source_type", SOURCE_TYPES, "") if fields.get("source_type") else "",
        grading=grading(fields.get("grading")),
        derived_from=derived_from(fields.get("derived_from")),
        redaction_reviewed=choice(fields, "redaction", ("pending", "reviewed"), "pending") == "reviewed",
    )


def places(fields: dict) -> list[str]:
    """Towns, villages and regions; a street address or coordinates are refused: they say
    where someone lives, and belong in the text, where redaction replaces them."""
    values = labels(fields, "places")
    for value in values:
        if any(span.type in ("ADDRESS", "GPS") for span in detect_patterns(value)) or _HOUSE.search(value):
            raise ValidationError(
                N_(
                    "holds towns, villages and regions only: a street address or a position says "
                    "where someone lives; write it in the text, where it is redacted"
                ),
                field="places",
            )
    return values


# a house or flat number ("д. 5", "кв. 12", "house 4", "apt 7", "12 Lenin St"), a position
_HOUSE = re.compile(
    r"(?:\b(?:д|дом|кв|квартира|корп|стр)\.?\s*\d|\b(?:house|apt|apartment|flat|unit|no)\.?\s*\d"
    r"|\d+\w?,?\s+\w+\s+(?:street|st|road|rd|avenue|ave|lane|ул|улица)\b|(?:ул\.|улица|street)\s*\w+,?\s*\d"
    r"|-?\d{1,3}[.,]\d{2,}°?\s*[,;/ ]\s*-?\d{1,3}[.,]\d{2,})",
    re.IGNORECASE,
)


def body(fields: dict) -> str:
    value = fields.get("body")
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(N_("is required: the document's text in Markdown"), field="body")
    if len(value) > MAX_BODY_CHARS:
        raise ValidationError(
            N_("is longer than %(limit)s characters"), field="body", params={"limit": f"{MAX_BODY_CHARS:,}"}
        )
    return value.replace("\r\n", "\n").replace("\r", "\n")


def source_info(value) -> SourceInfo:
    """The source mapping; an error names its field as "source.<key>"."""
    if value is None or value == "":
        return SourceInfo()
    keys = N_(
        "must be a mapping (outlet, author, reported_by, url, date, reliability, title, captured, archived_sha256)"
    )
    _mapping(value, "source", SOURCE_FIELDS, keys)
    try:
        return _source_values(value)
    except ValidationError as exc:
        if exc.field and not exc.field.startswith("source."):
            raise ValidationError(exc.template, field=f"source.{exc.field}", params=exc.params) from exc
        raise


def _source_values(value: dict) -> SourceInfo:
    url = optional_text(value, "url", 2000)
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise ValidationError(N_("must be an http(s) address"), field="source.url")
    date = optional_text(value, "date", 64)
    if date:
        parse_edtf(date, field="source.date")
    captured = optional_text(value, "captured", 64)
    if captured:
        parse_edtf(captured, field="source.captured")
    digest = optional_text(value, "archived_sha256", 64).lower()
    if digest and not _SHA256.match(digest):
        raise ValidationError(
            N_("must be a SHA-256: %(count)s hexadecimal characters"),
            field="source.archived_sha256",
            params={"count": 64},
        )
    return SourceInfo(
        outlet=optional_text(value, "outlet", 300),
        author=optional_text(value, "author", 300),
        url=url,
        reported_by=optional_text(value, "reported_by", 300),
        date=date or None,
        reliability=optional_text(value, "reliability", 2000),
        title=" ".join(optional_text(value, "title", MAX_SOURCE_TITLE).split()),  # one line, like a title
        captured=captured or None,
        archived_sha256=digest,
    )


def _mapping(value, name: str, allowed: frozenset[str], message: str) -> None:
    """Refuse anything but a mapping of the allowed keys, naming the first unknown one."""
    if not isinstance(value, dict):
        raise ValidationError(message, name)
    unknown = sorted(set(map(str, value)) - allowed)
    if unknown:
        raise ValidationError(
            N_("unknown field (expected one of %(fields)s)"),
            field=f"{name}.{unknown[0]}",
            params={"fields": ", ".join(sorted(allowed))},
        )


def grading(value) -> Grading:
    """The Admiralty grading: {source: A–F, information: 1–6, note}; all optional here
    (publication requires both grades: documents/record.py)."""
    if value is None or value == "":
        return Grading()
    _mapping(value, "grading", GRADING_FIELDS, N_("must be a mapping (source, information, note)"))
    source = str(value.get("source") or "").strip().upper()
    information = str(value.get("information") or "").strip()
    if source and source not in SOURCE_GRADES:
        raise ValidationError(N_("grades the source A to F"), field="grading.source")
    if information and information not in INFORMATION_GRADES:
        raise ValidationError(N_("grades the information 1 to 6"), field="grading.information")
    return Grading(source, information, optional_text(value, "note", 2000))


def derived_from(value) -> list[tuple[str, str]]:
    """[{document: slug, relation: translation|summary|reprint|quotation}, …]: the documents of
    the same case this one derives from (resolved when it is stored: documents/derivation.py)."""
    if value is None or value == "" or value == []:
        return []
    if not isinstance(value, list) or len(value) > MAX_DERIVED_FROM:
        raise ValidationError(
            N_("must be a list of up to %(limit)s {document, relation}"),
            field="derived_from",
            params={"limit": MAX_DERIVED_FROM},
        )
    links: dict[str, str] = {}
    for item in value:
        if not isinstance(item, dict) or set(map(str, item)) - DERIVATION_FIELDS:
            raise ValidationError(N_("each item names a document and a relation"), field="derived_from")
        try:
            slug = optional_slug(item, "document")
            relation = choice(item, "relation", ("", *DERIVATIONS), "")
        except ValidationError as exc:
            raise ValidationError(exc.template, field="derived_from", params=exc.params) from exc
        if not slug or not relation:
            raise ValidationError(N_("each item names a document and a relation"), field="derived_from")
        links[slug] = relation
    return list(links.items())
