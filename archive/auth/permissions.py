"""Who may do what. Every use case, page, API route and export asks here, through `can()` and
`audience_for()`, whoever the actor and wherever the call comes from.

Threat: a reader reaching a testimony beyond its consent level, by listing, guessing an id or
following a citation; and a change made by someone whose role does not allow it. Roles are
ordered (researcher < custodian < admin); an anonymous visitor sees only published documents
with public consent. The system actor (auth/actors.py) holds exactly the actions it was given,
and reads what the role it reads as may read.
"""

from __future__ import annotations

from collections.abc import Callable

from archive.auth.actors import ANONYMOUS, Actor, SystemActor
from archive.storage.models import (
    CONSENT_LEVELS,
    REVIEW_STATUSES,
    ROLES,
    ApiToken,
    Brief,
    Document,
    User,
)
from archive.storage.queries import Audience

_ANONYMOUS = Audience(consents=("public",), statuses=("published",))
_RESEARCHER = Audience(consents=("public", "researchers"), statuses=("published",))
_CUSTODIAN = Audience(consents=CONSENT_LEVELS, statuses=REVIEW_STATUSES)
_AUDIENCES = {ANONYMOUS: _ANONYMOUS, "researcher": _RESEARCHER, "custodian": _CUSTODIAN, "admin": _CUSTODIAN}


def rank(actor: Actor) -> int:
    """Return 0 for anonymous (and the system), then 1, 2, 3 in the order of ROLES."""
    if not isinstance(actor, User) or not actor.active:
        return 0
    level = ROLES.index(actor.role) + 1
    cap = getattr(actor, "role_cap", None)  # an API token's role (auth/tokens.py)
    return min(level, ROLES.index(cap) + 1) if cap else level


def audience_for(actor: Actor) -> Audience:
    """Return which documents this actor may see."""
    if isinstance(actor, SystemActor):
        return _AUDIENCES[actor.reads_as]
    level = rank(actor)
    return _AUDIENCES[ROLES[level - 1] if level else ANONYMOUS]


def _at_least(role: str) -> Callable[[Actor, object], bool]:
    def rule(actor: Actor, _obj: object) -> bool:
        return rank(actor) >= ROLES.index(role) + 1

    return rule


def _no_account(_actor: Actor, _obj: object) -> bool:
    return False  # only a system actor holding the action takes it


def _read_document(actor: Actor, document: object) -> bool:
    if not isinstance(document, Document):
        return True  # documents in general: each is then limited by audience_for()
    audience = audience_for(actor)
    return document.consent in audience.consents and document.status in audience.statuses


def _read_media(actor: Actor, document: object) -> bool:
    """A document's files: its readers, where its consent covers media; custodians always."""
    return _read_document(actor, document) and (_at_least("custodian")(actor, document) or _media_consented(document))


def _media_consented(document: object) -> bool:
    return not isinstance(document, Document) or document.media_consented


def _own_account(actor: Actor, user: object) -> bool:
    return isinstance(user, User) and rank(actor) > 0 and actor.id == user.id


def _own_account_or_admin(actor: Actor, user: object) -> bool:
    return _own_account(actor, user) or _at_least("admin")(actor, user)


def _token_owner_or_admin(actor: Actor, token: object) -> bool:
    owner = isinstance(token, ApiToken) and rank(actor) > 0 and actor.id == token.user_id
    return owner or _at_least("admin")(actor, token)


def _brief_owner(actor: Actor, brief: object) -> bool:
    return isinstance(brief, Brief) and _at_least("researcher")(actor, brief) and brief.owner_id == actor.id


def _brief_reader(actor: Actor, brief: object) -> bool:
    return _brief_owner(actor, brief) or (
        isinstance(brief, Brief)
        and _at_least("researcher")(actor, brief)
        and any(u.id == actor.id for u in brief.shared_with)
    )


# action -> who among the accounts may take it (on the object, where one is given)
RULES: dict[str, Callable[[Actor, object], bool]] = {
    "document:read": _read_document,
    "document:create": _at_least("custodian"),
    "document:edit": _at_least("custodian"),
    "document:read_original": _at_least("custodian"),
    # documents/consent.py and documents/disposal.py
    "media:read": _read_media,
    "consent:record": _at_least("custodian"),
    "document:withdraw": _at_least("custodian"),
    "document:delete": _at_least("custodian"),
    "hold:place": _at_least("custodian"),
    "hold:release": _at_least("admin"),
    "retention:read": _at_least("custodian"),
    # evidence/export.py: originals, opened or sealed, leave the archive in a bag
    "evidence:export": _at_least("custodian"),
    # a file's front matter saying its redaction was reviewed before it was submitted
    "redaction:attest": _no_account,
    "case:create": _at_least("custodian"),
    "timeline:edit": _at_least("custodian"),
    "user:create": _at_least("admin"),
    "user:password": _own_account_or_admin,
    "user:sessions": _own_account_or_admin,
    "token:create": _own_account,
    "token:revoke": _token_owner_or_admin,
    "audit:read": _at_least("custodian"),
    "brief:create": _at_least("researcher"),
    "brief:edit": _brief_owner,
    "brief:read": _brief_reader,
    "brief:export": _brief_reader,
    "index:rebuild": _at_least("admin"),
    "archive:export": _at_least("admin"),
    "archive:import": _at_least("admin"),
}
ACTIONS = frozenset(RULES)


def can(actor: Actor, action: str, obj: object | None = None) -> bool:
    """Return whether the actor may perform the action (on the object, where one is given)."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"unknown action {action!r}")
    if isinstance(actor, SystemActor):
        if action == "document:read":  # what the role it reads as may read
            return _read_document(actor, obj)
        if action == "media:read":
            return _read_document(actor, obj) and (actor.reads_as in ROLES[1:] or _media_consented(obj))
        return action in actor.permissions
    return rule(actor, obj)
