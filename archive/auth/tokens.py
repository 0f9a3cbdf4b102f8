"""API tokens: a script acts as its user, with at most the role the token was given, until
the token is revoked.

Threat: a token leaking from a script or a CI log. Only its SHA-256 is stored, so the database
cannot give it back; it carries a role no higher than its user's (a custodian can hand a
script researcher access only); it works on /api/ only, never for the pages; and its owner (or
an admin) revokes it at once. Every creation, revocation and use of a revoked token is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can, rank
from archive.errors import N_, NotPermitted, ValidationError
from archive.storage import audit
from archive.storage.models import ROLES, ApiToken, User, utcnow
from archive.storage.unit import unit_of_work

PREFIX = "wa_"  # recognisable in a leaked log, so secret scanners can flag it
LAST_USED_STEP = timedelta(minutes=1)  # how fresh "last used" is kept


def create_token(session: Session, user: User, name: str, role: str, actor: Actor, via: str) -> tuple[ApiToken, str]:
    """Create a token for the user; return it and the secret, which is shown only once."""
    if not can(actor, "token:create", user):
        raise NotPermitted("you create tokens for your own account")
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise ValidationError(N_("name the token (what script uses it), up to 80 characters"), field="name")
    if role not in ROLES or ROLES.index(role) + 1 > rank(user):
        raise ValidationError(N_("is a role no higher than the account's own"), field="role")
    secret = PREFIX + secrets.token_urlsafe(32)
    with unit_of_work(session):
        token = ApiToken(user_id=user.id, name=name, role=role, token_sha256=_digest(secret))
        session.add(token)
        session.flush()
        audit.record(session, actor, via, "token.create", "api_token", token.id, role=role)
    return token, secret


def revoke_token(session: Session, token: ApiToken, actor: Actor, via: str) -> None:
    """Revoke a token: the owner, or an admin."""
    if not can(actor, "token:revoke", token):
        raise NotPermitted("only the token's owner or an admin revokes it")
    if token.revoked_at is None:
        with unit_of_work(session):
            token.revoked_at = utcnow()
            audit.record(session, actor, via, "token.revoke", "api_token", token.id)


def tokens_of(session: Session, user: User) -> Sequence[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return session.scalars(stmt).all()


def user_for_token(session: Session, secret: str) -> User | None:
    """The user a token acts as, with its role capped to the token's; None if the token is
    unknown, revoked or its user inactive."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(secret)))
    if token is None:
        return None
    if token.revoked_at is not None:
        with unit_of_work(session):
            audit.record(session, None, "api", "token.refused", "api_token", token.id)
        return None
    user = token.user
    if not user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_STEP:
        with unit_of_work(session):
            token.last_used_at = now  # not a write on every call: a script calls often
    # the cap lives on this request's instance only: rank() reads it, nothing stores it
    user.role_cap = token.role
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
