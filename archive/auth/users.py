"""User accounts: creation, sign-in with lock-out, and password changes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.passwords import check_password, hash_password
from archive.auth.permissions import can
from archive.errors import N_, NotPermitted, ValidationError
from archive.storage import audit, queries
from archive.storage.models import ROLES, LoginLockout, User, utcnow
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
        raise ValidationError(N_("use 2-80 letters, digits, '.', '_' or '-'"), field="username")
    if role not in ROLES:
        raise ValidationError(N_("must be one of %(allowed)s"), field="role", params={"allowed": ", ".join(ROLES)})
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(
            N_("must be at least %(limit)s characters"), field="password", params={"limit": MIN_PASSWORD}
        )
    if queries.user_by_name(session, username):
        raise ValidationError(N_("%(name)r is taken"), field="username", params={"name": username})
    with unit_of_work(session):
        user = User(username=username, password_hash=hash_password(password), role=role)
        session.add(user)
        session.flush()
        audit.record(session, actor, via, "user.create", "user", user.id, role=role)
    return user


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5  # failed sign-ins in a row from one client before it is locked out
    minutes: int = 15  # how long it stays locked out
    # failures in a row from every client without a device cookie together (guessing spread
    # over many addresses), as a multiple of max_failures, before all such clients are refused
    untrusted_factor: int = 10


@dataclass(frozen=True)
class Client:
    """Who is signing in, as far as lock-outs go: `address` a keyed hash of the client's
    address (never the address), `device` (user id, nonce) from a device cookie the archive
    set at an earlier successful sign-in, if the request carries a valid one."""

    address: str = ""
    device: tuple[int, str] | None = None

    def key(self, user: User) -> tuple[str, bool]:
        """The lock-out key for this account, and whether the client is a known device."""
        if self.device is not None and self.device[0] == user.id:
            return f"device:{self.device[1]}"[:64], True
        return f"address:{self.address}"[:64], False


def authenticate(
    session: Session,
    username: str,
    password: str,
    via: str,
    policy: LockoutPolicy | None = None,
    client: Client | None = None,
) -> User | None:
    """Return the active user with this name and password, or None; count failures.

    Every outcome takes one password-hash check (a wrong name costs what a wrong password
    does), and every failure is recorded in the audit log as an anonymous reader's, against
    the account when there is one (never the name typed). Failures are counted per account and
    client: after `max_failures` in a row a client is refused even the right password for
    `minutes`, so a stranger's guesses lock out the stranger, not the custodian. Guesses spread
    over many addresses are counted together too: after `max_failures × untrusted_factor`,
    every client but the devices the account signed in from before is refused for `minutes`.
    """
    policy = policy or LockoutPolicy()
    client = client or Client()
    user = queries.user_by_name(session, username or "")
    ok = check_password(user.password_hash if user else _DUMMY_HASH, password or "")
    try:
        return _decide(session, user, ok, via, policy, client)
    except IntegrityError:  # two failures of one client at once: the other made the row
        return _decide(session, queries.user_by_name(session, username or ""), ok, via, policy, client)


def _decide(session: Session, user: User | None, ok: bool, via: str, policy: LockoutPolicy, client: Client):
    now = utcnow()
    with unit_of_work(session):
        if user is None:
            _failed(session, None, via, "unknown user")
            return None
        key, known_device = client.key(user)
        row = queries.login_lockout(session, user.id, key)
        if (row is not None and row.locked_until is not None and row.locked_until > now) or (
            not known_device and user.locked_until is not None and user.locked_until > now
        ):
            _failed(session, user, via, "locked")
            return None
        if not ok or not user.active:
            _count_failure(session, user, key, known_device, row, policy, via, now)
            _failed(session, user, via, "wrong password" if not ok else "inactive")
            return None
        if row is not None:
            session.delete(row)
        if not known_device:
            user.failed_logins, user.locked_until = 0, None
        audit.record(session, user, via, "user.login", "user", user.id)
    return user


def _count_failure(session, user: User, key: str, known_device: bool, row, policy: LockoutPolicy, via, now) -> None:
    if row is None:
        row = LoginLockout(user_id=user.id, client=key, failures=0)
        session.add(row)
    row.failures += 1
    row.updated_at = now
    if row.failures >= policy.max_failures:
        row.locked_until, row.failures = now + timedelta(minutes=policy.minutes), 0
        scope = "device" if known_device else "address"
        audit.record(session, None, via, "user.lock", "user", user.id, minutes=policy.minutes, client=scope)
    if known_device:
        return
    user.failed_logins += 1
    if user.failed_logins >= policy.max_failures * policy.untrusted_factor:
        user.locked_until, user.failed_logins = now + timedelta(minutes=policy.minutes), 0
        audit.record(session, None, via, "user.lock", "user", user.id, minutes=policy.minutes, client="untrusted")


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
        raise ValidationError(N_("is not the current password"), field="current")
    if len(new or "") < MIN_PASSWORD:
        raise ValidationError(
            N_("must be at least %(limit)s characters"), field="password", params={"limit": MIN_PASSWORD}
        )
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
