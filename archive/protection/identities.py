"""A case's protected identities and public names: who is replaced by a pseudonym in every
document of the case, and which public people stay readable. Each change redacts every
document of the case again, in the same unit of work."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.errors import N_, NotPermitted, ValidationError
from archive.protection.public_text import protect_document, protect_entries
from archive.storage import audit
from archive.storage.models import Case, ProtectedIdentity
from archive.storage.unit import unit_of_work

log = logging.getLogger(__name__)


def protect_identity(
    session: Session, case: Case, names: list[str], pseudonym: str, actor: Actor, via: str
) -> tuple[ProtectedIdentity, int]:
    """Register a protected identity and redact every document of the case again."""
    if not can(actor, "document:edit"):
        raise NotPermitted("only custodians can protect identities")
    names = [n.strip() for n in names if n and n.strip()]
    pseudonym = " ".join((pseudonym or "").split())
    if not names:
        raise ValidationError(N_("give at least one name or alias"), field="names")
    if not pseudonym or len(pseudonym) > 80 or "[" in pseudonym:
        raise ValidationError(N_("give a pseudonym of up to 80 characters, without brackets"), "pseudonym")
    if any(i.pseudonym == pseudonym for i in case.identities):
        raise ValidationError(
            N_("%(pseudonym)r is already used in this case"), field="pseudonym", params={"pseudonym": pseudonym}
        )
    with unit_of_work(session):
        identity = ProtectedIdentity(case=case, names=names, pseudonym=pseudonym, created_by_id=user_id(actor))
        session.add(identity)
        session.flush()
        changed = sum(protect_document(session, d) for d in case.documents)
        entries = protect_entries(session, case)
        session.info["purge"] = True  # replaced words must leave the index files too
        audit.record(
            session,
            actor,
            via,
            "identity.protect",
            "case",
            case.id,
            identity_id=identity.id,
            documents_changed=changed,
            entries_changed=entries,
        )
    log.info("identity %s protected in case %s; %d documents changed", identity.id, case.id, changed)
    return identity, changed


def add_public_name(session: Session, case: Case, name: str, actor: Actor, via: str) -> int:
    """Keep a public person or organisation readable in the case; redact its documents again."""
    if not can(actor, "document:edit"):
        raise NotPermitted("only custodians can change the case's public names")
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ValidationError(N_("give a name of up to 200 characters"), field="name")
    with unit_of_work(session):
        case.public_names = [*(case.public_names or []), name]
        changed = sum(protect_document(session, d) for d in case.documents)
        audit.record(session, actor, via, "case.public_name.add", "case", case.id, documents_changed=changed)
    return changed
