"""Fixtures for ingest: submission factories, the ingest use case, row counts."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml
from sqlalchemy import func, select

from archive.auth.actors import Actor, SystemActor
from archive.config import document_kinds
from archive.documents.intake import create_document, ingest_bytes
from archive.documents.submission import validate_document
from archive.storage import queries
from archive.storage.models import (
    AuditEntry,
    Case,
    Citation,
    ConflictingAccount,
    Document,
    DocumentRevision,
    EntryStance,
    Place,
    Source,
    Tag,
    TimelineEntry,
    User,
    document_places,
    document_tags,
)
from tests.conftest import corpus_loader

CASE = "test-case"
PHONE = "+7 928 417-53-96"
RUSSIAN_BODY = f"Мовсар позвонил мне вечером с номера {PHONE}.\n"

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
    "grading": {"source": "B", "information": "2"},
    "source": {"outlet": "A newspaper", "url": "https://example.org/a", "date": "2017-04-21"},
    "attribution": "Summarised for the test suite.",
}
VALID_BODY = "The account, in Markdown.\n"

# Every table an ingest may write to; "nothing half-written" means none of them changed.
COUNTED = {
    "cases": Case,
    "documents": Document,
    "document_revisions": DocumentRevision,
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
def attesting(session) -> SystemActor:
    """The command line as `archive ingest --reviewed-by corpus-reviewer` runs it (the
    reviewer's account is made here, before any test counts rows)."""
    return corpus_loader(session)


@pytest.fixture
def ingest(case, session, kinds, attesting):
    """Run the real ingest use case from the command line's side (via cli, a custodian
    vouching for files that say `redaction: reviewed`)."""

    def run(data: bytes, name: str = "submission.md", actor: Actor | None = None, **options):
        return ingest_bytes(session, data, name, kinds, actor or attesting, "cli", **options)

    return run


@pytest.fixture
def row_counts(session):
    """Return a function counting the rows of every table an ingest writes to."""

    def count() -> dict[str, int]:
        return {name: session.scalar(select(func.count()).select_from(table)) for name, table in COUNTED.items()}

    return count


@pytest.fixture
def make_actor(session, make_user):
    """Return a function creating a user of a role and giving it as a row of the session."""

    def make(role: str) -> User:
        name = make_user(role, f"{role}-actor")
        return session.scalars(select(User).where(User.username == name)).one()

    return make


@pytest.fixture
def custodian(make_actor) -> User:
    return make_actor("custodian")


@pytest.fixture
def store(session, kinds, case, make_fields, attesting):
    """Return a function validating fields (defaults: a reviewed, published testimony) and
    storing them through create_document; returns the document."""

    def run(actor: Actor | None = None, via: str = "cli", **changes) -> Document:
        actor = attesting if actor is None else actor
        fields = make_fields(**changes)
        submission = validate_document(fields, kinds, "test")
        data = repr(sorted(fields.items())).encode()  # what "came in"
        return create_document(session, submission, hashlib.sha256(data).hexdigest(), actor, via, "test", received=data)

    return run


@pytest.fixture
def draft(store):
    """Return a function storing an unreviewed Russian draft with the given body."""

    def run(body: str = RUSSIAN_BODY, **changes) -> Document:
        changes = {"slug": None, "language": "ru", "status": "draft", "redaction": None, **changes}
        return store(body=body, **changes)

    return run


@pytest.fixture
def case_row(session, case) -> Case:
    return queries.get_case(session, CASE)
