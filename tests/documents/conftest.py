"""Fixtures for ingest: submission factories, the ingest use case, row counts."""

from __future__ import annotations

import json

import pytest
import yaml
from sqlalchemy import func, select

from archive.config import document_kinds
from archive.documents.intake import ingest_bytes
from archive.storage.models import (
    AuditEntry,
    Case,
    Citation,
    ConflictingAccount,
    Document,
    EntryStance,
    Place,
    Source,
    Tag,
    TimelineEntry,
    document_places,
    document_tags,
)
from tests.conftest import CLI

CASE = "test-case"

VALID_FIELDS = {
    "slug": "a-testimony",
    "case": CASE,
    "kind": "testimony",
    "title": "A testimony",
    "language": "en",
    "published": "2017-04",
    "events": "2017-02/2017-04",
    "places": ["Grozny"],
    "tags": ["detention"],
    "consent": "public",
    "status": "published",
    "redaction": "reviewed",
    "source": {"outlet": "A newspaper", "url": "https://example.org/a", "date": "2017-04-21"},
    "attribution": "Summarised for the test suite.",
}
VALID_BODY = "The account, in Markdown.\n"

# Every table an ingest may write to; "nothing half-written" means none of them changed.
COUNTED = {
    "cases": Case,
    "documents": Document,
    "places": Place,
    "tags": Tag,
    "sources": Source,
    "audit_log": AuditEntry,
    "document_places": document_places,
    "document_tags": document_tags,
    "timeline_entries": TimelineEntry,
    "citations": Citation,
    "conflicting_accounts": ConflictingAccount,
    "entry_stances": EntryStance,
}


def front_matter(fields: dict, body: str = VALID_BODY) -> bytes:
    """Return a Markdown submission: the fields as YAML front matter, then the body."""
    head = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    return f"---\n{head}---\n{body}".encode()


@pytest.fixture
def kinds(app) -> tuple[str, ...]:
    return document_kinds(app.config)


@pytest.fixture
def case(make_case) -> str:
    """The case every submission of the factories belongs to."""
    return make_case(CASE)


@pytest.fixture
def make_fields():
    """Return valid document fields with some replaced; a value of None removes the field."""

    def make(**changes) -> dict:
        fields = json.loads(json.dumps(VALID_FIELDS))  # a deep copy
        fields["body"] = VALID_BODY
        for name, value in changes.items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        return fields

    return make


@pytest.fixture
def make_markdown(make_fields):
    """Return Markdown bytes (YAML front matter + body) of valid fields with some replaced."""

    def make(**changes) -> bytes:
        fields = make_fields(**changes)
        body = fields.pop("body", "")
        return front_matter(fields, body)

    return make


@pytest.fixture
def make_json(make_fields):
    """Return JSON bytes of valid fields with some replaced."""

    def make(**changes) -> bytes:
        return json.dumps(make_fields(**changes), ensure_ascii=False).encode()

    return make


@pytest.fixture
def ingest(case, session, kinds):
    """Run the real ingest use case from the command line's side (no actor, via cli)."""

    def run(data: bytes, name: str = "submission.md", **options):
        return ingest_bytes(session, data, name, kinds, CLI, "cli", **options)

    return run


@pytest.fixture
def row_counts(session):
    """Return a function counting the rows of every table an ingest writes to."""

    def count() -> dict[str, int]:
        return {name: session.scalar(select(func.count()).select_from(table)) for name, table in COUNTED.items()}

    return count
