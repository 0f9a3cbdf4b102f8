"""Check every field of a submission and turn it into a typed Submission, or say what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from archive.dates import FuzzyDate, parse_edtf
from archive.errors import IngestError, ValidationError
from archive.storage.models import CONSENT_LEVELS, REVIEW_STATUSES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
DOCUMENT_FIELDS = frozenset(
    {
        "slug", "case", "kind", "title", "language", "published", "events", "places", "tags",
        "consent", "status", "source", "attribution", "body", "redaction",
    }
)  # fmt: skip
SOURCE_FIELDS = frozenset({"outlet", "author", "url", "date", "reliability", "reported_by"})
MAX_TITLE = 300
MAX_LABEL = 200
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
        return not any(
            (self.outlet, self.author, self.url, self.date, self.reliability, self.reported_by)
        )


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
    # "reviewed": the submitter (a custodian at the command line) attests that the text was
    # reviewed for identifying details before it was submitted; honoured only via the CLI.
    redaction_reviewed: bool = False


def validate_document(fields: dict, kinds: tuple[str, ...], source: str) -> Submission:
    """Return a Submission, or raise IngestError naming the source and the first bad field."""
    try:
        return _validate(fields, kinds)
    except ValidationError as exc:
        raise IngestError(exc.message, field=exc.field, source=source) from exc


def _validate(fields: dict, kinds: tuple[str, ...]) -> Submission:
    unknown = sorted(set(map(str, fields)) - DOCUMENT_FIELDS)
    if unknown:
        raise ValidationError(
            f"unknown field (expected one of {', '.join(sorted(DOCUMENT_FIELDS))})",
            field=unknown[0],
        )
    kind = required_text(fields, "kind", 40)
    if kind not in kinds:
        raise ValidationError(f"{kind!r} is not one of {', '.join(kinds)}", field="kind")
    slug = optional_text(fields, "slug", 120) or None
    if slug is not None and not SLUG.match(slug):
        raise ValidationError("use lowercase letters, digits and '-'", field="slug")
    return Submission(
        case=required_text(fields, "case", 80),
        kind=kind,
        title=required_text(fields, "title", MAX_TITLE),
        language=language(fields),
        body=body(fields),
        slug=slug,
        published=optional_date(fields, "published"),
        events=optional_date(fields, "events"),
        places=labels(fields, "places"),
        tags=list(dict.fromkeys(t.lower() for t in labels(fields, "tags"))),
        consent=choice(fields, "consent", CONSENT_LEVELS, "custodians"),
        status=choice(fields, "status", REVIEW_STATUSES, "draft"),
        source=source_info(fields.get("source")),
        attribution=optional_text(fields, "attribution", 2000),
        redaction_reviewed=choice(fields, "redaction", ("pending", "reviewed"), "pending")
        == "reviewed",
    )


def required_text(fields: dict, name: str, limit: int) -> str:
    value = optional_text(fields, name, limit)
    if not value:
        raise ValidationError("is required", field=name)
    return value


def optional_text(fields: dict, name: str, limit: int) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValidationError("must be text", field=name)
    value = " ".join(str(value).split()) if limit <= MAX_TITLE else str(value).strip()
    if len(value) > limit:
        raise ValidationError(f"is longer than {limit} characters", field=name)
    return value


def optional_date(fields: dict, name: str) -> FuzzyDate | None:
    value = optional_text(fields, name, 64)
    return parse_edtf(value, field=name) if value else None


def choice(fields: dict, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = optional_text(fields, name, 40) or default
    if value not in allowed:
        raise ValidationError(f"{value!r} is not one of {', '.join(allowed)}", field=name)
    return value


def language(fields: dict) -> str:
    code = required_text(fields, "language", 12).replace("_", "-")
    try:
        Locale.parse(code, sep="-")
    except (ValueError, UnknownLocaleError) as exc:
        raise ValidationError(
            f"{code!r} is not a language code such as en or ru", "language"
        ) from exc
    return code.lower()


def body(fields: dict) -> str:
    value = fields.get("body")
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("is required: the document's text in Markdown", field="body")
    if len(value) > MAX_BODY_CHARS:
        raise ValidationError(f"is longer than {MAX_BODY_CHARS:,} characters", field="body")
    return value.replace("\r\n", "\n").replace("\r", "\n")


def labels(fields: dict, name: str) -> list[str]:
    value = fields.get(name) or []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise ValidationError("must be a list of names", field=name)
    result: list[str] = []
    for item in value:
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise ValidationError("must be a list of names", field=name)
        label = " ".join(str(item).split())
        if len(label) > MAX_LABEL:
            raise ValidationError(f"has an item longer than {MAX_LABEL} characters", field=name)
        if label and label not in result:
            result.append(label)
    return result


def source_info(value) -> SourceInfo:
    if value is None or value == "":
        return SourceInfo()
    if not isinstance(value, dict):
        raise ValidationError(
            "must be a mapping (outlet, author, reported_by, url, date, reliability)", "source"
        )
    unknown = sorted(set(map(str, value)) - SOURCE_FIELDS)
    if unknown:
        raise ValidationError(
            f"unknown field (expected one of {', '.join(sorted(SOURCE_FIELDS))})",
            field=f"source.{unknown[0]}",
        )
    url = optional_text(value, "url", 2000)
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise ValidationError("must be an http(s) address", field="source.url")
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
