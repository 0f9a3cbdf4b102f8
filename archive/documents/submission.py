"""Check every field of a document submission and turn it into a typed Submission, or say
what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive.dates import FuzzyDate, parse_edtf
from archive.errors import N_, IngestError, ValidationError
from archive.redaction.patterns import detect_patterns
from archive.storage.models import CONSENT_LEVELS, REVIEW_STATUSES
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
    }
)
SOURCE_FIELDS = frozenset({"outlet", "author", "url", "date", "reliability", "reported_by"})
MAX_BODY_CHARS = 1_000_000  # about 500 pages; longer material belongs in several documents


@dataclass
class SourceInfo:
    outlet: str = ""
    author: str = ""
    url: str = ""
    reported_by: str = ""
    date: str | None = None
    reliability: str = ""

    @property
    def empty(self) -> bool:
        return not any((self.outlet, self.author, self.url, self.date, self.reliability, self.reported_by))


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
    if value is None or value == "":
        return SourceInfo()
    if not isinstance(value, dict):
        raise ValidationError(N_("must be a mapping (outlet, author, reported_by, url, date, reliability)"), "source")
    unknown = sorted(set(map(str, value)) - SOURCE_FIELDS)
    if unknown:
        raise ValidationError(
            N_("unknown field (expected one of %(fields)s)"),
            field=f"source.{unknown[0]}",
            params={"fields": ", ".join(sorted(SOURCE_FIELDS))},
        )
    url = optional_text(value, "url", 2000)
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise ValidationError(N_("must be an http(s) address"), field="source.url")
    date = optional_text(value, "date", 64)
    if date:
        parse_edtf(date, field="source.date")
    return SourceInfo(
        outlet=optional_text(value, "outlet", 300),
        author=optional_text(value, "author", 300),
        url=url,
        reported_by=optional_text(value, "reported_by", 300),
        date=date or None,
        reliability=optional_text(value, "reliability", 2000),
    )
