"""Headers, cookies, configuration, redirects and error pages that give nothing away."""

from __future__ import annotations

import logging
import re
import secrets
from urllib.parse import urlsplit

import pytest

from archive import create_app
from archive.config import DEV_SECRET
from archive.errors import ConfigError
from tests.web.conftest import CASE, PASSWORD, add_user, csrf_token, token_from, without_tokens

pytestmark = pytest.mark.engine_neutral  # headers, cookies, CSRF and secrets: the same whatever the engine

SAFE_SOURCES = {"'self'", "'none'", "data:"}
REQUIRED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
CANARY = "CANARY-SECRET"
# Werkzeug's own error pages and tracebacks: none of this may reach a visitor.
INTERNALS = ("Traceback", "werkzeug", "File &#34;", 'File "', "Internal Server Error</title>")


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def _cookie(response, name: str) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert cookies, f"no {name} cookie set"
    return cookies[-1]


def _flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


HTML_PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/documents"),
    ("anonymous", "/documents/{id}"),
    ("anonymous", f"/cases/{CASE}"),
    ("anonymous", "/login"),
    ("anonymous", "/no-such-page"),
    ("anonymous", "/documents/999999"),
    ("anonymous", "/documents/new"),
    ("researcher", "/documents/new"),
    ("custodian", "/"),
    ("custodian", "/documents/new"),
    ("custodian", "/documents/{id}/edit"),
    ("custodian", "/documents/{id}"),
]


@pytest.mark.parametrize(("role", "url"), HTML_PAGES)
def test_every_html_page_carries_the_security_headers(reader, make_document, role, url):
    response = reader(role).get(url.format(id=make_document()))
    assert response.mimetype == "text/html"
    for name, value in REQUIRED_HEADERS.items():
        assert response.headers.get(name) == value, name
    directives = _csp(response)
    sources = [s for values in directives.values() for s in values]
    assert set(sources) <= SAFE_SOURCES, set(sources) - SAFE_SOURCES  # no third-party origin
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("url", ["/api/v1/documents", "/api/v1/documents/999999", "/static/style.css"])
def test_other_responses_are_not_sniffed_or_framed(client, url):
    with client.get(url) as response:  # a static file is streamed: close it
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    name = make_user("researcher")
    page = client.get("/login")
    response = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    flags = _flags(_cookie(response, "session"))
    assert "httponly" in flags
    assert "samesite=lax" in flags


def test_session_cookie_is_secure_in_production(make_app):
    app = make_app(ENV="production", SECRET_KEY=secrets.token_hex(20))
    name = add_user(app, "researcher")
    client = app.test_client()
    https = {
        "base_url": "https://archive.test",
        "headers": {"Referer": "https://archive.test/login"},
    }
    page = client.get("/login", **https)
    response = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        **https,
    )
    assert response.status_code == 302, response.text
    flags = _flags(_cookie(response, "session"))
    assert {"secure", "httponly", "samesite=lax"} <= flags


@pytest.mark.parametrize(
    "secret",
    [None, DEV_SECRET, "", "short", "x" * 31],
    ids=["default", "development-secret", "empty", "short", "31-characters"],
)
def test_production_refuses_a_weak_or_default_secret(tmp_path, monkeypatch, secret):
    monkeypatch.delenv("ARCHIVE_SECRET_KEY", raising=False)
    config = {"ENV": "production", "DATA_DIR": str(tmp_path)}
    if secret is not None:
        config["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="secret"):
        create_app(config)


def test_production_starts_with_a_long_random_secret(make_app):
    app = make_app(ENV="production", SECRET_KEY=secrets.token_hex(20))
    assert app.config["SESSION_COOKIE_SECURE"] is True


def _login_with_next(client, username, target):
    page = client.get("/login", query_string={"next": target})
    return client.post(
        "/login",
        query_string={"next": target},
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/documents",
        "///evil.example",
        "https://evil.example",
        "https://evil.example/documents",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example",
    ],
)
def test_login_never_redirects_off_site(client, make_user, target):
    response = _login_with_next(client, make_user("researcher"), target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/", location


@pytest.mark.parametrize("target", ["/documents", "/documents?kind=testimony&page=2", f"/cases/{CASE}"])
def test_login_returns_to_a_page_on_this_site(client, make_user, target):
    response = _login_with_next(client, make_user("researcher"), target)
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert urlsplit(response.headers["Location"]).netloc == ""


@pytest.mark.parametrize(
    ("username", "password"),
    [("known-user", "wrong password entirely"), ("nobody-here", PASSWORD), ("known-user", "")],
)
def test_failed_login_is_a_generic_400_without_a_session(client, make_user, username, password):
    make_user("custodian", "known-user")
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 400
    if password:
        assert "Wrong user name or password, or too many failed attempts" in response.text
        assert password not in response.text
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/documents/new").status_code == 401


def test_wrong_password_and_unknown_user_read_the_same(client, make_user):
    make_user("custodian", "known-user")

    def attempt(username, password):
        page = client.get("/login")
        data = {"username": username, "password": password, "csrf_token": csrf_token(page.text)}
        return client.post("/login", data=data)

    wrong = attempt("known-user", "wrong password entirely")
    unknown = attempt("nobody-here", "wrong password entirely")
    assert wrong.status_code == unknown.status_code == 400
    assert without_tokens(wrong.text) == without_tokens(unknown.text).replace("nobody-here", "known-user")


def test_login_without_csrf_token_is_refused(client, make_user):
    name = make_user("researcher")
    client.get("/login")
    response = client.post("/login", data={"username": name, "password": PASSWORD})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.fixture
def failing_app(app):
    """The app with test-only views that fail unexpectedly, added before its first request."""

    def fail():
        raise RuntimeError(f"{CANARY}: witness Jane Doe, Grozny")

    app.add_url_rule("/test-only/boom", "test_boom", fail)
    app.add_url_rule("/api/v1/test-only/boom", "test_api_boom", fail)
    return app


@pytest.mark.parametrize(("url", "json"), [("/test-only/boom", False), ("/api/v1/test-only/boom", True)])
def test_unexpected_error_shows_a_generic_page_with_an_incident_id(failing_app, caplog, url, json):
    with caplog.at_level(logging.DEBUG):
        response = failing_app.test_client().get(url)
    assert response.status_code == 500
    text = response.text
    assert CANARY not in text and "Jane Doe" not in text
    assert not [s for s in INTERNALS if s in text]
    incident = re.search(r"incident ([0-9a-f]{8,})", text)
    assert incident, text
    if json:
        assert response.mimetype == "application/json"
        assert response.get_json()["error"]
    else:
        assert response.mimetype == "text/html"
        assert response.headers["Content-Security-Policy"]
    logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    assert CANARY not in logged and "Jane Doe" not in logged
    assert incident[1] in logged  # the visitor's incident id finds the log line
    for record in caplog.records:
        assert record.exc_info is None or CANARY not in str(record.exc_info[1])


@pytest.mark.parametrize(
    ("method", "url", "status", "json"),
    [
        ("GET", "/no-such-page", 404, False),
        ("GET", "/documents/999999", 404, False),
        ("GET", "/documents/not-a-number", 404, False),
        ("GET", "/cases/no-such-case", 404, False),
        ("GET", "/api/v1/no-such-thing", 404, True),
        ("GET", "/api/v1/documents/999999", 404, True),
        ("POST", "/", 405, False),
        ("DELETE", "/documents", 405, False),
        ("PUT", "/api/v1/documents", 405, True),
        ("DELETE", "/api/v1/cases", 405, True),
    ],
)
def test_error_pages_are_clean(client, method, url, status, json):
    response = client.open(url, method=method)
    assert response.status_code == status
    if json:
        assert response.mimetype == "application/json"
        body = response.get_json()
        assert body["error"] and body["status"] == status
    else:
        assert response.mimetype == "text/html"
        assert f"Error {status}" in response.text
        assert response.headers["Content-Security-Policy"]
    assert not [s for s in INTERNALS if s in response.text]


@pytest.mark.parametrize(("method", "url"), [("POST", "/"), ("PUT", "/api/v1/documents")])
def test_method_not_allowed_names_the_allowed_methods(client, method, url):
    # RFC 9110 §15.5.6: a 405 response MUST carry an Allow header.
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")


@pytest.fixture
def small_app(make_app):
    """An app accepting request bodies of at most 2 KiB, with a custodian."""
    app = make_app(MAX_UPLOAD_BYTES=2048)
    add_user(app, "custodian", "keeper")
    return app


@pytest.fixture
def small_custodian(small_app):
    client = small_app.test_client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "keeper", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    return client


def test_oversized_api_upload_is_a_json_413(small_custodian):
    token = token_from(small_custodian, "/")
    response = small_custodian.post(
        "/api/v1/documents",
        json={
            "case": CASE,
            "kind": "testimony",
            "title": "Big",
            "language": "en",
            "body": "x" * 4096,
        },
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]
    assert small_custodian.get("/api/v1/documents").get_json()["total"] == 0


@pytest.mark.parametrize("url", ["/login", "/documents/new"])
def test_oversized_form_post_is_a_clean_413_page(small_custodian, url):
    response = small_custodian.post(url, data={"body": "x" * 4096, "csrf_token": "irrelevant"})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "Error 413" in response.text
    assert not [s for s in INTERNALS if s in response.text]
    assert small_custodian.get("/api/v1/documents").get_json()["total"] == 0


def test_request_just_under_the_limit_is_not_refused_for_size(small_custodian):
    token = token_from(small_custodian, "/")
    response = small_custodian.post(
        "/api/v1/documents",
        json={"case": "no-such-case", "kind": "testimony", "title": "Small", "language": "en", "body": "x" * 1024},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400  # refused for its case, not its size
    assert response.get_json()["field"] == "case"


def _attempt(client, username: str, password: str):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )


def test_repeated_failures_lock_the_client_out_even_for_the_right_password(app, client, make_user):
    from archive.services import get_db
    from archive.storage.models import AuditEntry, LoginLockout, User

    make_user("researcher", "target")
    for _ in range(5):
        assert _attempt(client, "target", "not the password at all").status_code == 400
    locked = _attempt(client, "target", PASSWORD)
    assert locked.status_code == 400  # read exactly like a wrong password
    assert "Wrong user name or password, or too many failed attempts" in locked.text
    with app.app_context(), get_db(app).session() as s:
        user = s.query(User).filter_by(username="target").one()
        (lockout,) = s.query(LoginLockout).filter_by(user_id=user.id).all()
        assert lockout.locked_until is not None and lockout.client.startswith("address:")
        assert "127.0.0.1" not in lockout.client  # a keyed hash, never the address
        actions = [a.action for a in s.query(AuditEntry).filter_by(object_id=user.id)]
        assert actions.count("user.login_failed") == 6 and "user.lock" in actions
        lockout.locked_until = None  # the lock-out has run out
        s.commit()
    assert _attempt(client, "target", PASSWORD).status_code == 302


def _from(app, address: str):
    """A browser at this address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_stranger_s_guesses_do_not_lock_the_custodian_out(app, make_user):
    make_user("admin", "custodian-x")
    stranger = _from(app, "203.0.113.66")
    for _ in range(8):
        assert _attempt(stranger, "custodian-x", "guessing the password").status_code == 400
    assert _attempt(stranger, "custodian-x", PASSWORD).status_code == 400  # the stranger: locked
    assert _attempt(_from(app, "198.51.100.5"), "custodian-x", PASSWORD).status_code == 302


def test_guesses_spread_over_many_addresses_lock_out_all_but_known_devices(app, make_user):
    """50 failures (5 × 10) from 50 addresses: new clients are refused, even with the right
    password; the browser the custodian signed in from before still signs in."""
    make_user("admin", "custodian-y")
    known = _from(app, "198.51.100.5")
    assert _attempt(known, "custodian-y", PASSWORD).status_code == 302
    assert known.get_cookie("wa_device", domain="archive.test") is not None
    known.post("/logout", data={"csrf_token": csrf_token(known.get("/").text)})
    for n in range(50):
        assert _attempt(_from(app, f"203.0.113.{n + 1}"), "custodian-y", "wrong guess here").status_code == 400
    assert _attempt(_from(app, "192.0.2.200"), "custodian-y", PASSWORD).status_code == 400
    assert _attempt(known, "custodian-y", PASSWORD).status_code == 302


def test_a_device_cookie_counts_only_for_its_own_account_and_only_when_signed(app, make_user):
    make_user("admin", "custodian-z")
    make_user("researcher", "other-z")
    other = _from(app, "198.51.100.7")
    assert _attempt(other, "other-z", PASSWORD).status_code == 302  # a device of other-z
    forged = _from(app, "198.51.100.8")
    forged.set_cookie("wa_device", '[1, "a-nonce-of-my-choosing"]', domain="archive.test")
    for n in range(50):
        assert _attempt(_from(app, f"203.0.113.{n + 1}"), "custodian-z", "wrong guess here").status_code == 400
    assert _attempt(other, "custodian-z", PASSWORD).status_code == 400
    assert _attempt(forged, "custodian-z", PASSWORD).status_code == 400


def test_sign_in_attempts_are_rate_limited_per_address(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make_user("researcher", "someone")
    codes = [_attempt(client, f"guess-{n}", "wrong password here").status_code for n in range(4)]
    assert codes == [400, 400, 400, 429]
    assert _attempt(client, "someone", PASSWORD).status_code == 429  # even the right one, now


def _attempt_from(client, address: str, username: str):
    """A sign-in attempt as a front server forwards it for the client at `address`."""
    headers = {"X-Forwarded-For": address}
    page = client.get("/login", headers=headers)
    data = {"username": username, "password": "wrong password here", "csrf_token": csrf_token(page.text)}
    return client.post("/login", data=data, headers=headers).status_code


@pytest.mark.parametrize("proxies", [0, 1])
def test_client_addresses_come_from_trusted_proxies_only(make_app, proxies):
    """Behind one front server (ARCHIVE_TRUSTED_PROXIES=1) each client has its own bucket;
    with none trusted, a client cannot pick an address to escape its own."""
    app = make_app(TRUSTED_PROXIES=proxies, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    first = [_attempt_from(client, "203.0.113.7", "nobody") for _ in range(3)]
    other = _attempt_from(client, "198.51.100.9", "nobody")
    assert first == [400, 400, 429]
    assert other == (400 if proxies else 429)


def test_changing_the_password_signs_out_other_sessions(app, make_user):
    make_user("researcher", "changer")
    here, elsewhere = app.test_client(), app.test_client()
    for c in (here, elsewhere):
        assert _attempt(c, "changer", PASSWORD).status_code == 302
    assert elsewhere.get("/briefs").status_code == 200
    page = here.get("/account/password")
    changed = here.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "a brand new long password",
            "confirm": "a brand new long password",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert changed.status_code == 302
    assert here.get("/briefs").status_code == 200  # this session goes on
    assert elsewhere.get("/briefs").status_code == 401  # the other one has ended
    token = csrf_token(here.get("/account/password").text)
    wrong = here.post(
        "/account/password",
        data={
            "current": "not it",
            "password": "another long password",
            "confirm": "another long password",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 400 and "not the current password" in wrong.text
