"""Who may do what. Every page, API route and export asks here, through these two functions.

Threat: a reader reaching a testimony beyond its consent level, by listing, guessing an id or
following a citation. Roles are ordered (researcher < custodian < admin); an anonymous visitor
sees only published documents with public consent.
"""

from __future__ import annotations

from archive.storage.models import CONSENT_LEVELS, REVIEW_STATUSES, ROLES, Document, User
from archive.storage.queries import Audience

_ANONYMOUS = Audience(consents=("public",), statuses=("published",))
_RESEARCHER = Audience(consents=("public", "researchers"), statuses=("published",))
_CUSTODIAN = Audience(consents=CONSENT_LEVELS, statuses=REVIEW_STATUSES)

# action -> the least role allowed to perform it
_ACTIONS = {
    "document:read": None,  # then limited by audience_for()
    "document:create": "custodian",
    "document:edit": "custodian",
    "document:read_original": "custodian",
    "user:create": "admin",
    "audit:read": "custodian",
    "brief:create": "researcher",
}


def rank(actor: User | None) -> int:
    """Return 0 for anonymous, then 1, 2, 3 in the order of ROLES."""
    if actor is None or not actor.active:
        return 0
    level = ROLES.index(actor.role) + 1
    cap = getattr(actor, "role_cap", None)  # an API token's role (auth/tokens.py)
    return min(level, ROLES.index(cap) + 1) if cap else level


def audience_for(actor: User | None) -> Audience:
    """Return which documents this actor may see."""
    level = rank(actor)
    if level >= ROLES.index("custodian") + 1:
        return _CUSTODIAN
    if level >= ROLES.index("researcher") + 1:
        return _RESEARCHER
    return _ANONYMOUS


def can(actor: User | None, action: str, obj: object | None = None) -> bool:
    """Return whether the actor may perform the action (on the object, where one is given)."""
    if action not in _ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if action == "document:read" and isinstance(obj, Document):
        audience = audience_for(actor)
        return obj.consent in audience.consents and obj.status in audience.statuses
    least = _ACTIONS[action]
    return least is None or rank(actor) >= ROLES.index(least) + 1
