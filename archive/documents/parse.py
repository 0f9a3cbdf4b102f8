"""Submitted bytes to a mapping of fields: Markdown with YAML front matter, or JSON."""

from __future__ import annotations

import json

import yaml

from archive.errors import IngestError

_FRONT = "---"


class _StringLoader(yaml.SafeLoader):
    """YAML that keeps scalars as strings: `2017-04-21` stays a string, `no` is not False."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode(data: bytes, source: str) -> str:
    """Decode UTF-8 (with or without BOM) or raise an error naming the first bad byte."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x}); save the file as UTF-8 and try again",
            field="encoding",
            source=source,
        ) from exc
    if "\x00" in text:
        raise IngestError("contains NUL bytes: not a text file", field="encoding", source=source)
    return text


def parse_submission(data: bytes, source: str, fmt: str | None = None) -> dict:
    """Return the fields of a Markdown (front matter + body) or JSON submission."""
    text = decode(data, source)
    fmt = fmt or ("json" if source.lower().endswith(".json") else "markdown")
    if fmt == "json":
        return _parse_json(text, source)
    return parse_front_matter(text, source)


def parse_front_matter(text: str, source: str) -> dict:
    """Split `---` YAML `---` from the Markdown body; the body becomes the `body` field."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FRONT:
        raise IngestError(
            "a Markdown submission starts with YAML front matter between '---' lines",
            field="front matter",
            source=source,
        )
    end = next((i for i, line in enumerate(lines) if i and line.strip() == _FRONT), None)
    if end is None:
        raise IngestError("the front matter is not closed by '---'", "front matter", source)
    fields = parse_yaml("".join(lines[1:end]), source)
    if "body" in fields:
        raise IngestError("'body' is the text after the front matter", "body", source)
    fields["body"] = "".join(lines[end + 1 :]).strip("\n") + "\n"
    return fields


def parse_yaml(text: str, source: str) -> dict:
    """Parse a YAML mapping with every scalar kept as a string."""
    try:
        fields = yaml.load(text, Loader=_StringLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError as exc:
        raise IngestError("is nested too deeply", field="front matter", source=source) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise IngestError(f"invalid YAML{where}", field="front matter", source=source) from exc
    if not isinstance(fields, dict):
        raise IngestError("must be a mapping of field: value", "front matter", source)
    return fields


def _parse_json(text: str, source: str) -> dict:
    try:
        fields = json.loads(text)
    except RecursionError as exc:
        raise IngestError("is nested too deeply", field="json", source=source) from exc
    except json.JSONDecodeError as exc:
        raise IngestError(f"invalid JSON at line {exc.lineno} column {exc.colno}", field="json", source=source) from exc
    except ValueError as exc:  # a number of thousands of digits (Python's int limit)
        raise IngestError("holds a number too long to read", field="json", source=source) from exc
    if not isinstance(fields, dict):
        raise IngestError("must be a JSON object", field="json", source=source)
    return fields
