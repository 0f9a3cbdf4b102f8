"""User accounts: creation and password checks."""

from __future__ import annotations

import re
import secrets

from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from archive.errors import NotPermitted, ValidationError
from archive.storage import audit, queries
from archive.storage.models import ROLES, User

MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,80}$")
# A valid hash to compare against when the user does not exist, so that a wrong name and a
# wrong password take the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


def create_user(
    session: Session, username: str, password: str, role: str, actor: User | None, via: str
) -> User:
    """Create an account; only an admin may, except from the command line."""
    if via != "cli" and (actor is None or actor.role != "admin"):
        raise NotPermitted("only an admin can create accounts")
    if not _USERNAME.match(username or ""):
        raise ValidationError("use 2-80 letters, digits, '.', '_' or '-'", field="username")
    if role not in ROLES:
        raise ValidationError(f"must be one of {', '.join(ROLES)}", field="role")
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(f"must be at least {MIN_PASSWORD} characters", field="password")
    if queries.user_by_name(session, username):
        raise ValidationError(f"{username!r} is taken", field="username")
    user = User(username=username, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    session.flush()
    audit.record(session, actor, via, "user.create", "user", user.id, role=role)
    session.commit()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with this name and password, or None."""
    user = queries.user_by_name(session, username or "")
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not ok or not user.active:
        return None
    return user


def record_login(session: Session, user: User, via: str) -> None:
    """Note a successful sign-in in the audit log."""
    audit.record(session, user, via, "user.login", "user", user.id)
    session.commit()


def ensure_first_custodian(session: Session) -> tuple[User, str] | None:
    """Create an admin account with a random password when there is none; return it once."""
    if queries.count_users(session, ("admin",)):
        return None
    password = secrets.token_urlsafe(18)
    name = "custodian"
    if queries.user_by_name(session, name):
        name = f"custodian-{secrets.token_hex(3)}"
    return create_user(session, name, password, "admin", None, "cli"), password
