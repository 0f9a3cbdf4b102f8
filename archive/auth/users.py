"""User accounts: creation, sign-in with lock-out, and password changes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.passwords import check_password, hash_password
from archive.auth.permissions import can
from archive.errors import NotPermitted, ValidationError
from archive.storage import audit, queries
from archive.storage.models import ROLES, User, utcnow
from archive.storage.unit import unit_of_work

MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,80}$")
# A valid hash to compare against when the user does not exist, so that a wrong name and a
# wrong password take the same time.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def create_user(session: Session, username: str, password: str, role: str, actor: Actor, via: str) -> User:
    """Create an account (admins, and the command line)."""
    if not can(actor, "user:create"):
        raise NotPermitted("only an admin can create accounts")
    if not _USERNAME.match(username or ""):
        raise ValidationError("use 2-80 letters, digits, '.', '_' or '-'", field="username")
    if role not in ROLES:
        raise ValidationError(f"must be one of {', '.join(ROLES)}", field="role")
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(f"must be at least {MIN_PASSWORD} characters", field="password")
    if queries.user_by_name(session, username):
        raise ValidationError(f"{username!r} is taken", field="username")
    with unit_of_work(session):
        user = User(username=username, password_hash=hash_password(password), role=role)
        session.add(user)
        session.flush()
        audit.record(session, actor, via, "user.create", "user", user.id, role=role)
    return user


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5  # failed sign-ins in a row before the account is locked
    minutes: int = 15  # how long it stays locked


def authenticate(
    session: Session, username: str, password: str, via: str, policy: LockoutPolicy | None = None
) -> User | None:
    """Return the active user with this name and password, or None; count failures.

    Every outcome takes one password-hash check (a wrong name costs what a wrong password
    does), and every failure is recorded in the audit log as an anonymous reader's, against
    the account when there is one (never the name typed). After `max_failures` in a row the
    account refuses even the right password for `minutes`: guessing is slowed per account,
    whatever the address.
    """
    policy = policy or LockoutPolicy()
    user = queries.user_by_name(session, username or "")
    ok = check_password(user.password_hash if user else _DUMMY_HASH, password or "")
    now = utcnow()
    with unit_of_work(session):
        if user is None:
            _failed(session, None, via, "unknown user")
            return None
        if user.locked_until is not None and user.locked_until > now:
            _failed(session, user, via, "locked")
            return None
        if not ok or not user.active:
            user.failed_logins += 1
            if user.failed_logins >= policy.max_failures:
                user.locked_until = now + timedelta(minutes=policy.minutes)
                user.failed_logins = 0
                audit.record(session, None, via, "user.lock", "user", user.id, minutes=policy.minutes)
            _failed(session, user, via, "wrong password" if not ok else "inactive")
            return None
        user.failed_logins, user.locked_until = 0, None
        audit.record(session, user, via, "user.login", "user", user.id)
    return user


def _failed(session: Session, user: User | None, via: str, reason: str) -> None:
    audit.record(session, None, via, "user.login_failed", "user", user.id if user else None, reason=reason)


def change_password(session: Session, user: User, current: str, new: str, actor: Actor, via: str) -> None:
    """Set a new password: the account's owner gives the current one; an admin resetting
    another account does not. Every session of the account ends: they were bound to the old
    password."""
    if not can(actor, "user:password", user):
        raise NotPermitted("only the account's owner or an admin changes its password")
    resetting = not (isinstance(actor, User) and actor.id == user.id)
    if not resetting and not check_password(user.password_hash, current or ""):
        raise ValidationError("is not the current password", field="current")
    if len(new or "") < MIN_PASSWORD:
        raise ValidationError(f"must be at least {MIN_PASSWORD} characters", field="password")
    with unit_of_work(session):
        user.password_hash = hash_password(new)
        user.failed_logins, user.locked_until = 0, None
        audit.record(session, actor, via, "user.password", "user", user.id)


def end_sessions(session: Session, user: User, actor: Actor, via: str) -> None:
    """End every session of the account, on every device, at once: signing out, or an admin
    cutting off an account whose cookie may have been copied. The account's session
    generation goes up; sessions made before are refused from their next request on."""
    if not can(actor, "user:sessions", user):
        raise NotPermitted("only the account's owner or an admin ends its sessions")
    with unit_of_work(session):
        user.session_generation = (user.session_generation or 0) + 1
        audit.record(session, actor, via, "user.sessions.end", "user", user.id)


def ensure_first_custodian(session: Session, actor: Actor, via: str) -> tuple[User, str] | None:
    """Create an admin account with a random password when there is none; return it once."""
    if not can(actor, "user:create"):
        raise NotPermitted("only an admin can create accounts")
    if queries.count_users(session, ("admin",)):
        return None
    password = secrets.token_urlsafe(18)
    name = "custodian"
    if queries.user_by_name(session, name):
        name = f"custodian-{secrets.token_hex(3)}"
    return create_user(session, name, password, "admin", actor, via), password
