"""A live server on 127.0.0.1 and Debian's chromium driven by Playwright."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import CLI

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def read_whole(app):
    """The app with each response read whole, and its body closed, before werkzeug's server
    writes it: when a browser drops a connection (a favicon's, as a page moves on), that
    server's clean-up reads the socket first and, when that raises, leaves the response's file
    open (a ResourceWarning, which fails whichever test is running). The bytes are the same."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture
def live_server(corpus_app):
    """Serve the corpus app on a free loopback port for the duration of a test."""
    corpus_app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, read_whole(corpus_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture
def search_server(corpus_app, live_server):
    """The live server, its index rebuilt from the corpus database (the copy has no index)."""
    from archive.search.indexing import reindex
    from archive.services import get_db

    with corpus_app.app_context(), get_db(corpus_app).session() as session:
        assert reindex(session, corpus_app.extensions["archive.search"], CLI) > 0
    return live_server


@pytest.fixture
def page(tmp_path):
    """A Playwright page in headless Debian chromium; console errors fail the test."""
    if not shutil.which("chromium") and not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.console_errors = errors  # a test expecting a 400 (a form shown again) clears its own
        yield page
        context.close()
        browser.close()
    assert errors == [], f"browser console errors (CSP violations, script errors): {errors}"


def public_document_and_custodian(corpus_app, name: str) -> tuple[int, str]:
    """Make a custodian account `name` in the corpus app; return the first published, public
    document's id and title."""
    from sqlalchemy import select

    from archive.auth.users import create_user
    from archive.services import get_db
    from archive.storage.models import Document
    from tests.conftest import CLI, PASSWORD

    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        create_user(s, name, PASSWORD, "custodian", CLI, "cli")
        document = s.scalars(
            select(Document).where(Document.status == "published", Document.consent == "public").order_by(Document.id)
        ).first()
        return document.id, document.title


def sign_in(page, live_server: str, name: str) -> None:
    """Sign in through the real form."""
    import re

    from tests.conftest import PASSWORD

    page.goto(live_server + "/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$|/documents|/briefs"))
