"""API tokens: a script acts as its user, capped to the token's role, until it is revoked."""

from __future__ import annotations

import pytest

from archive.auth.tokens import create_token, revoke_token
from archive.errors import ValidationError
from archive.services import get_db
from archive.storage.models import ApiToken, AuditEntry, User


@pytest.fixture
def token_for(app, make_user):
    """Return a function making a token for a new user of a role; gives (secret, token id)."""

    def make(user_role: str, token_role: str) -> tuple[str, int]:
        name = make_user(user_role, f"{user_role}-scripted")
        with app.app_context(), get_db(app).session() as s:
            user = s.query(User).filter_by(username=name).one()
            token, secret = create_token(s, user, "nightly export", token_role, user, "web")
            return secret, token.id

    return make


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_acts_as_its_user_on_the_api_without_csrf(client, token_for, make_document):
    make_document(title="Only custodians", consent="custodians")
    secret, _ = token_for("custodian", "custodian")
    listed = client.get("/api/v1/documents", headers=_bearer(secret)).get_json()
    assert listed["total"] == 1
    made = client.post("/api/v1/briefs", json={"title": "By script"}, headers=_bearer(secret))
    assert made.status_code == 201  # no CSRF token: the bearer header is the credential
    assert client.get("/api/v1/documents").get_json()["total"] == 0  # no session was made


def test_a_token_is_capped_to_its_role(client, token_for, make_document):
    make_document(title="Only custodians", consent="custodians")
    secret, _ = token_for("custodian", "researcher")
    assert client.get("/api/v1/documents", headers=_bearer(secret)).get_json()["total"] == 0
    refused = client.post("/api/v1/timeline", json={}, headers=_bearer(secret))
    assert refused.status_code == 403


def test_a_revoked_or_unknown_token_is_refused_and_never_works_on_pages(app, client, token_for):
    secret, token_id = token_for("researcher", "researcher")
    assert client.get("/api/v1/briefs", headers=_bearer(secret)).status_code == 200
    assert client.get("/briefs", headers=_bearer(secret)).status_code == 401  # pages: no
    with app.app_context(), get_db(app).session() as s:
        token = s.get(ApiToken, token_id)
        revoke_token(s, token, token.user, "web")
    assert client.get("/api/v1/briefs", headers=_bearer(secret)).status_code == 401
    assert client.get("/api/v1/briefs", headers=_bearer("wa_made-up")).status_code == 401
    with app.app_context(), get_db(app).session() as s:
        actions = [a.action for a in s.query(AuditEntry).filter_by(object_type="api_token")]
        assert actions == ["token.create", "token.revoke", "token.refused"]
        assert secret not in str([a.detail for a in s.query(AuditEntry)])
        assert s.get(ApiToken, token_id).token_sha256 != secret  # only the hash is kept


def test_a_token_cannot_carry_more_than_its_users_role(app, make_user):
    name = make_user("researcher", "modest")
    with app.app_context(), get_db(app).session() as s:
        user = s.query(User).filter_by(username=name).one()
        with pytest.raises(ValidationError):
            create_token(s, user, "too much", "custodian", user, "web")


def test_tokens_are_made_and_revoked_on_the_account_page(signed_in):
    from tests.conftest import csrf_token

    client = signed_in("custodian")
    page = client.get("/account/tokens")
    made = client.post(
        "/account/tokens", data={"name": "backup script", "role": "researcher", "csrf_token": csrf_token(page.text)}
    )
    assert made.status_code == 200
    secret = made.text.split('id="new-token" readonly value="')[1].split('"')[0]
    assert secret.startswith("wa_")
    fresh = client.application.test_client()
    assert fresh.get("/api/v1/briefs", headers=_bearer(secret)).status_code == 200
    assert secret not in client.get("/account/tokens").text  # shown once
