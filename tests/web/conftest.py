"""Fixtures for the web tests: readers by role, one document per consent and status, counts.

The access rule is written out here on its own (`may_see`), not read from the application, so
that the tests check the code against the specification rather than against itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from archive.auth.users import create_user
from archive.services import get_db
from archive.storage import queries
from archive.storage.models import AuditEntry, Document, User
from archive.timeline.entries import create_entries, validate_entry
from tests.conftest import CLI, PASSWORD, csrf_token, seeded, store_document

ROLES = ("anonymous", "researcher", "custodian", "admin")
CONSENTS = ("public", "researchers", "custodians")
STATUSES = ("draft", "in_review", "published")
CASE = "test-case"


def may_see(role: str, consent: str, status: str) -> bool:
    """Return whether a reader of this role may open a document (the specification)."""
    if role in ("custodian", "admin"):
        return True
    if status != "published":
        return False
    return consent == "public" or (consent == "researchers" and role == "researcher")


@dataclass(frozen=True)
class Doc:
    id: int
    slug: str
    consent: str
    status: str

    @property
    def canary(self) -> str:
        """A string that occurs only in this document's title, body and citations."""
        return f"CANARY-{self.consent}-{self.status}-q7z"


def _every_document(app) -> dict[tuple[str, str], Doc]:
    docs = {}
    for consent in CONSENTS:
        for status in STATUSES:
            slug = f"doc-{consent}-{status}".replace("_", "-")
            probe = Doc(0, slug, consent, status)
            doc_id = store_document(
                app,
                slug=slug,
                title=f"Account {probe.canary}",
                body=f"The witness said {probe.canary} in the body.\n",
                consent=consent,
                status=status,
            )
            docs[consent, status] = Doc(doc_id, slug, consent, status)
    return docs


@seeded
def every_document(app) -> dict[tuple[str, str], Doc]:
    """One document for each consent level and review status, each with its own canary."""
    return _every_document(app)


@seeded
def cited_everywhere(app) -> dict[tuple[str, str], Doc]:
    """Every document, each with a timeline entry citing it and a conflicting account from it."""
    docs = _every_document(app)
    with app.app_context(), get_db(app).session() as s:
        case = queries.get_case(s, CASE)
        submissions = [
            (
                f"entry-{doc.slug}",
                validate_entry(
                    {
                        "slug": f"entry-{doc.slug}",
                        "case": CASE,
                        "kind": "event",
                        "date": "2017-04",
                        "title": f"Event number {n}",
                        "citations": [{"document": doc.slug, "excerpt": f"said {doc.canary} in"}],
                        "conflicts": [{"document": doc.slug, "account": f"says {doc.canary}"}],
                    },
                    f"entry-{doc.slug}",
                ),
            )
            for n, doc in enumerate(docs.values())
        ]
        create_entries(s, case, submissions, CLI, "cli")
    return docs


@pytest.fixture
def count_documents(app):
    """Return a function counting the stored documents, in a fresh transaction each time."""

    def count() -> int:
        with app.app_context(), get_db(app).session() as s:
            return s.scalar(select(func.count(Document.id)))

    return count


@pytest.fixture
def stored_document(app):
    """Return a function loading a document's stored columns by id (None when absent)."""

    def load(doc_id: int) -> dict | None:
        with app.app_context(), get_db(app).session() as s:
            doc = s.get(Document, doc_id)
            if doc is None:
                return None
            return {"title": doc.title, "revision": doc.revision, "body": doc.body_original}

    return load


@pytest.fixture
def document_audit(app):
    """Return a function listing (action, actor_id, object_id, via) of document changes.

    Views of the original (opening the edit form or the review page) are audited too; they
    are checked on their own (test_opening_the_edit_form_records_a_view_of_the_original).
    """

    def entries() -> list[tuple[str, int | None, int | None, str]]:
        with app.app_context(), get_db(app).session() as s:
            rows = s.scalars(
                select(AuditEntry)
                .where(AuditEntry.object_type == "document")
                .where(AuditEntry.action != "document.original.view")
                .order_by(AuditEntry.id)
            ).all()
            return [(r.action, r.actor_id, r.object_id, r.via) for r in rows]

    return entries


@pytest.fixture
def user_id(app):
    """Return a function giving a user's id by name."""

    def find(username: str) -> int:
        with app.app_context(), get_db(app).session() as s:
            return s.scalars(select(User.id).where(User.username == username)).one()

    return find


def add_user(app, role: str, username: str | None = None) -> str:
    """Create a user in the given app; returns the name (password: PASSWORD)."""
    name = username or f"{role}-user"
    with app.app_context(), get_db(app).session() as s:
        create_user(s, name, PASSWORD, role, CLI, "cli")
    return name


def token_from(client, path: str = "/login") -> str:
    """Load a page as this client and return the CSRF token it carries."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return csrf_token(page.text)


def without_tokens(html: str) -> str:
    """Remove CSRF token values, which differ between otherwise equal pages, and the address
    the language switch returns to (the page the reader asked for, which they know)."""
    html = re.sub(r'(/language/\w+\?next=)[^"]*"', r'\1"', html)
    return re.sub(r'(name="csrf_token"[^>]*value=)"[^"]*"', r'\1""', html)


class _ActiveContent(HTMLParser):
    """Collect what could run script in a browser: tags, event attributes, script URLs."""

    URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})
    FORBIDDEN_TAGS = frozenset({"iframe", "object", "embed", "frame", "base", "style"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not (values.get("src") or "").startswith("/static/"):
                self.problems.append(f"<script> not loaded from /static/: {values}")
        if tag in self.FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event attribute {name}={value!r} on <{tag}>")
            if name in self.URL_ATTRIBUTES and value:
                scheme = re.sub(r"[\x00-\x20]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:40]!r}")


def active_content(html: str) -> list[str]:
    """Return every piece of script-capable markup in a page (empty when the page is inert)."""
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.problems


__all__ = [
    "CASE",
    "CONSENTS",
    "PASSWORD",
    "ROLES",
    "STATUSES",
    "active_content",
    "add_user",
    "csrf_token",
    "may_see",
    "token_from",
    "without_tokens",
]
