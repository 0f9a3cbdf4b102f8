"""Fixtures: a real database migrated by Alembic (an SQLite file, or a PostgreSQL database when
ARCHIVE_TEST_POSTGRES is set: tests/databases.py), a real app, real users and documents."""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import settings

from archive import create_app
from archive.auth import passwords
from archive.auth.actors import SystemActor, command_line_actor
from archive.auth.permissions import ACTIONS
from archive.auth.users import create_user
from archive.config import document_kinds
from archive.corpus.loader import load_corpus
from archive.documents.intake import create_document, sha256_hex
from archive.documents.submission import validate_document
from archive.services import get_db
from archive.storage import queries
from archive.storage.db import Database
from tests import databases

# CI explores the same examples every run (a red build must be reproducible); a developer's
# run explores new ones, and a failure found there becomes an explicit test.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# No server thread retrying queued index work in the tests' apps, whatever config they are
# built with (its own database may be dropped under it): a test finishes the queue itself, or
# turns the retries on to test them.
os.environ["ARCHIVE_INDEX_RETRY_SECONDS"] = "0"

# The `archive` command's actor, for what the tests do as the command line would.
CLI = command_line_actor()
# Arranges a test's world (media attached, identities protected) as a custodian would: the
# command line itself may not, and the tests of those rules are elsewhere.
SETUP = SystemActor(os_user="tests", permissions=ACTIONS)
CORPUS_REVIEWER = "corpus-reviewer"


def corpus_loader(session) -> SystemActor:
    """The command line loading the sample case as `archive load-corpus --reviewed-by
    corpus-reviewer` does (`make run` names the first custodian): a custodian vouches that
    the published articles' texts were reviewed, so their `redaction: reviewed` counts."""
    reviewer = queries.user_by_name(session, CORPUS_REVIEWER)
    if reviewer is None:
        reviewer = create_user(session, CORPUS_REVIEWER, PASSWORD, "custodian", CLI, "cli")
    return command_line_actor(attested_by=reviewer.id)


ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
PASSWORD = "correct horse battery staple"
ARTIFACTS = ROOT / "tests" / "artifacts"
ARTIFACTS.mkdir(exist_ok=True)  # screenshots and reports; README names the folder, so it always exists


# Fixtures through which a test reaches a database: the migrated template every app starts
# from, and the command-line tests' `database` (tests/cli/conftest.py).
STORAGE_FIXTURES = {"_migrated_db", "database"}


def pytest_collection_modifyitems(items):
    """Mark the tests that touch storage or search: those using a database fixture, and those
    of modules that make their own databases (tests/databases.py), but for tests marked
    `engine_neutral` (what they check, pages, headers, forms, is decided before any query).
    `make test` runs only these a second time, on PostgreSQL."""
    for item in items:
        uses_fixture = STORAGE_FIXTURES & set(getattr(item, "fixturenames", ()))
        module = getattr(item, "module", None)
        neutral = item.get_closest_marker("engine_neutral") is not None
        if (uses_fixture or getattr(module, "databases", None) is databases) and not neutral:
            item.add_marker(pytest.mark.storage)


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashes():
    """Hash the suite's passwords with a small scrypt cost (Django's test suites swap in a
    fast hasher for the same reason): a tenth of a second per account and per sign-in was a
    fifth of the web tests' time. Hashes say their cost, so checking is unchanged; the real
    cost is tested in tests/auth/test_passwords.py, and the `archive` commands the tests run
    use it."""
    real = passwords.COST
    passwords.COST = (2**10, 8, 1)
    yield
    passwords.COST = real


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Forbid connections beyond this machine (Indico's disallow.py): tests never go online."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in ("127.0.0.1", "::1", "localhost"):
            raise RuntimeError(f"tests may not connect to {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def _config(tmp: Path) -> dict:
    return {
        "TESTING": True,
        "INDEX_RETRY_SECONDS": 0,  # tests finish queued index work themselves, or say so
        "DATA_DIR": str(tmp),
        "DATABASE_URL": databases.url(tmp),
        "SEARCH_BACKEND": databases.SEARCH_BACKEND,
        "SECRET_KEY": "test-secret-" + "x" * 32,
        "CORPUS_DIR": str(CORPUS),
        "SERVER_NAME": "archive.test",
    }


@pytest.fixture(scope="session")
def _migrated_db(tmp_path_factory) -> Path:
    """Migrate an empty database once; each test gets a copy. Returns its data folder."""
    folder = tmp_path_factory.mktemp("template")
    databases.create(folder, keep=True)
    db = Database(databases.url(folder))
    db.upgrade()
    db.dispose()
    return folder


@pytest.fixture(scope="session")
def _corpus_db(tmp_path_factory, _migrated_db) -> Path:
    """The migrated database with the sample corpus loaded, once per test session."""
    folder = tmp_path_factory.mktemp("corpus")
    databases.create(folder, _migrated_db, keep=True)
    app = create_app(_config(folder))
    with app.app_context():
        with get_db().session() as session:
            report = load_corpus(session, CORPUS, document_kinds(app.config), corpus_loader(session), "cli")
        get_db().dispose()
    assert report.ok, [r.message for r in report.results if r.status == "error"]
    return folder


@pytest.fixture(autouse=True)
def _drop_databases():
    """Drop the PostgreSQL databases a test made, once it is over."""
    yield
    databases.drop_created()


def _make_app(tmp_path: Path, template: Path, files: bool = False):
    """An app on a copy of the template's database (and, with `files`, of its index, media
    and other files)."""
    if files:
        shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    databases.create(tmp_path, template)
    app = create_app(_config(tmp_path))
    yield app
    get_db(app).dispose()


# Worlds built once per test process and copied for each test that asks for them, instead of
# being built again through the use cases for every test (the same documents, created one by
# one with their redaction and indexing, were most of the web tests' time): fixture name →
# builder. A test asking for one of them gets its app on a copy of that world: database,
# search index and files.
SEEDED: dict[str, Callable[[Flask], object]] = {}
_BUILT: dict[str, tuple[Path, object]] = {}


def seeded(build: Callable[[Flask], object]):
    """Make a fixture of `build(app) -> value`, built once in a template (see SEEDED)."""
    SEEDED[build.__name__] = build

    @pytest.fixture(name=build.__name__)
    def fixture(app):
        return _BUILT[build.__name__][1]

    fixture.__doc__ = build.__doc__
    return fixture


def _seeded_template(name: str, factory, migrated: Path) -> Path:
    if name not in _BUILT:
        folder = factory.mktemp(f"seeded-{name}")
        databases.create(folder, migrated, keep=True)
        app = create_app(_config(folder))
        value = SEEDED[name](app)
        get_db(app).dispose()
        _BUILT[name] = (folder, value)
    return _BUILT[name][0]


@pytest.fixture
def app(request, tmp_path, tmp_path_factory, _migrated_db):
    """An app on a freshly migrated, empty database file; or on a copy of the seeded world the
    test asks for (SEEDED)."""
    wanted = [name for name in SEEDED if name in request.fixturenames]
    assert len(wanted) <= 1, f"a test starts from one seeded world, not {wanted}"
    if wanted:
        template = _seeded_template(wanted[0], tmp_path_factory, _migrated_db)
        yield from _make_app(tmp_path, template, files=True)
    else:
        yield from _make_app(tmp_path, _migrated_db)


@pytest.fixture
def corpus_app(tmp_path, _corpus_db):
    """An app whose database holds the Chechnya 2017 corpus."""
    yield from _make_app(tmp_path, _corpus_db)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_app(tmp_path, _migrated_db):
    """Build extra apps on fresh copies of the migrated database, with config overrides."""
    made = []

    def make(**overrides):
        folder = tmp_path / f"app-{len(made)}"
        folder.mkdir()
        databases.create(folder, _migrated_db)
        config = {
            "TESTING": True,
            "DATA_DIR": str(folder),
            "DATABASE_URL": databases.url(folder),
            "SEARCH_BACKEND": databases.SEARCH_BACKEND,
            "SECRET_KEY": "test-secret-" + "x" * 32,
            "CORPUS_DIR": str(CORPUS),
            "SERVER_NAME": "archive.test",
        }
        config.update(overrides)
        made.append(create_app(config))
        return made[-1]

    yield make
    for app in made:
        get_db(app).dispose()


@pytest.fixture
def session(app):
    with app.app_context(), get_db(app).session() as s:
        yield s


@pytest.fixture
def make_user(app):
    """Create a user with a role; returns the username (password: PASSWORD)."""

    def make(role: str = "researcher", username: str | None = None) -> str:
        name = username or f"{role}-user"
        with app.app_context(), get_db(app).session() as s:
            create_user(s, name, PASSWORD, role, CLI, "cli")
        return name

    return make


def store_case(app: Flask, slug: str = "test-case", title: str = "Test case") -> str:
    """Store a case directly (cases come from corpus files; tests need them bare)."""
    from archive.storage.models import Case

    with app.app_context(), get_db(app).session() as s:
        s.add(Case(slug=slug, title=title))
        s.commit()
    return slug


def store_document(app: Flask, **fields) -> int:
    """Ingest a document through the real use case, as the command line would; returns its id."""
    values = {
        "case": "test-case",
        "kind": "testimony",
        "title": "A testimony",
        "language": "en",
        "consent": "public",
        "status": "published",
        "redaction": "reviewed",
        "grading": {"source": "B", "information": "2"},
        "body": "The account.\n",
        **fields,
    }
    with app.app_context(), get_db(app).session() as s:
        if queries.get_case(s, values["case"]) is None:
            store_case(app, values["case"])
        submission = validate_document(values, document_kinds(app.config), "test")
        data = repr(sorted(values.items())).encode()
        return create_document(s, submission, sha256_hex(data), corpus_loader(s), "cli", received=data).id


@pytest.fixture
def make_case(app):
    def make(slug: str = "test-case", title: str = "Test case") -> str:
        return store_case(app, slug, title)

    return make


@pytest.fixture
def make_document(app):
    """Ingest a document through the real use case; returns its id."""

    def make(**fields) -> int:
        return store_document(app, **fields)

    return make


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Sign in through the real form, CSRF token included."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302, response.text
    return response


@pytest.fixture
def signed_in(client, make_user):
    """Return a function that signs the test client in with a new user of the given role."""

    def sign_in(role: str):
        login(client, make_user(role, f"{role}-{len(role)}"))
        return client

    return sign_in


@pytest.fixture
def reader(client, signed_in):
    """Return a function giving the test client as a reader of the given role."""

    def as_role(role: str):
        return client if role == "anonymous" else signed_in(role)

    return as_role
