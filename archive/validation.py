"""Read one field of a submitted mapping (a front matter, a JSON body, a form) into a checked
value, or raise ValidationError naming the field. Shared by documents, timeline entries and
cases, whatever way they come in."""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

from archive.dates import FuzzyDate, parse_edtf
from archive.errors import N_, ValidationError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
MAX_TITLE = 300  # texts up to this length are one line: white space runs become one space
MAX_LABEL = 200


def required_text(fields: dict, name: str, limit: int) -> str:
    value = optional_text(fields, name, limit)
    if not value:
        raise ValidationError(N_("is required"), field=name)
    return value


def optional_text(fields: dict, name: str, limit: int) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValidationError(N_("must be text"), field=name)
    value = " ".join(str(value).split()) if limit <= MAX_TITLE else str(value).strip()
    if len(value) > limit:
        raise ValidationError(N_("is longer than %(limit)s characters"), field=name, params={"limit": limit})
    return value


def optional_slug(fields: dict, name: str = "slug") -> str | None:
    """An optional slug: lowercase letters, digits and '-'."""
    value = optional_text(fields, name, 120) or None
    if value is not None and not SLUG.match(value):
        raise ValidationError(N_("use lowercase letters, digits and '-'"), field=name)
    return value


def optional_date(fields: dict, name: str) -> FuzzyDate | None:
    value = optional_text(fields, name, 64)
    return parse_edtf(value, field=name) if value else None


def choice(fields: dict, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = optional_text(fields, name, 40) or default
    if value not in allowed:
        raise ValidationError(
            N_("%(value)r is not one of %(allowed)s"),
            field=name,
            params={"value": value, "allowed": ", ".join(allowed)},
        )
    return value


def language(fields: dict) -> str:
    code = required_text(fields, "language", 12).replace("_", "-")
    try:
        Locale.parse(code, sep="-")
    except (ValueError, UnknownLocaleError) as exc:
        raise ValidationError(
            N_("%(code)r is not a language code such as en or ru"), "language", params={"code": code}
        ) from exc
    return code.lower()


def labels(fields: dict, name: str) -> list[str]:
    value = fields.get(name) or []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise ValidationError(N_("must be a list of names"), field=name)
    result: list[str] = []
    for item in value:
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise ValidationError(N_("must be a list of names"), field=name)
        label = " ".join(str(item).split())
        if len(label) > MAX_LABEL:
            raise ValidationError(
                N_("has an item longer than %(limit)s characters"), field=name, params={"limit": MAX_LABEL}
            )
        if label and label not in result:
            result.append(label)
    return result


def names(value, field: str) -> list[str]:
    """A list of names (public people of a case), white space folded, blanks dropped."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(N_("must be a list of names"), field=field)
    return [" ".join(v.split()) for v in value if v.strip()]
