"""Sessions that end (issue 18): sign-out, a password change and an admin's revocation end a
session on the server, so a copied cookie opens nothing; idle and absolute lifetimes."""

from __future__ import annotations

import pytest

from archive.auth.users import end_sessions
from archive.services import get_db
from archive.storage import queries
from archive.web import login as login_module
from tests.conftest import SETUP, csrf_token, login

PRIVATE = "/account/tokens"  # any page that needs a signed-in account


def _copy_cookie(app, client):
    """A second browser holding a copy of the client's session cookie."""
    other = app.test_client()
    cookie = client.get_cookie("session", domain="archive.test")
    other.set_cookie("session", cookie.value, domain="archive.test")
    return other


def _signed_in(client) -> bool:
    return client.get(PRIVATE).status_code == 200


@pytest.fixture
def user(make_user) -> str:
    return make_user("researcher", "session-owner")


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app, client, user):
    login(client, user)
    thief = _copy_cookie(app, client)
    assert _signed_in(thief)
    page = client.get("/").text
    assert client.post("/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(thief)


def test_an_admin_s_revocation_ends_every_session_of_the_account(app, client, user):
    login(client, user)
    laptop = _copy_cookie(app, client)
    with app.app_context(), get_db(app).session() as s:
        end_sessions(s, queries.user_by_name(s, user), SETUP, "cli")
    assert not _signed_in(client) and not _signed_in(laptop)
    login(client, user)  # the account itself is untouched
    assert _signed_in(client)


@pytest.mark.parametrize(("setting", "after"), [("SESSION_IDLE_MINUTES", 61 * 60), ("SESSION_MAX_HOURS", 13 * 3600)])
def test_a_session_ends_when_idle_or_old(app, client, user, monkeypatch, setting, after):
    app.config["SESSION_IDLE_MINUTES"] = 60
    app.config["SESSION_MAX_HOURS"] = 12
    login(client, user)
    assert _signed_in(client)
    now = login_module.time.time()
    if setting == "SESSION_MAX_HOURS":  # active all along: a request every 50 minutes
        for step in range(1, after // 3000 + 1):
            monkeypatch.setattr(login_module.time, "time", lambda step=step: now + step * 3000)
            if step * 3000 < 12 * 3600:
                assert _signed_in(client), step
    monkeypatch.setattr(login_module.time, "time", lambda: now + after)
    assert not _signed_in(client)


def test_the_session_cookie_does_not_outlive_the_absolute_lifetime(app, client, user):
    login(client, user)
    assert app.permanent_session_lifetime.total_seconds() == app.config["SESSION_MAX_HOURS"] * 3600
