"""Which documents derive from which: asserted by custodians, proposed by near-duplicates.

A translation, summary, reprint or quotation of another document of the case says nothing the
other did not: corroboration (storage/corroboration.py) counts the two as one source. Each link
is an assertion and keeps who made it and when (`asserted_by`); near-duplicate detection
(near_duplicates.py) proposes links (state "proposed", with their similarity) that count for
nothing until a custodian confirms them (choosing the relation) or rejects them; only
confirmed links are followed, and none may close a cycle.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.errors import N_, NotPermitted, ValidationError
from archive.storage import audit, queries
from archive.storage.corroboration import ancestors, confirmed_parents, descendants
from archive.storage.models import DERIVATIONS, Derivation, Document, utcnow
from archive.storage.unit import unit_of_work


def set_derived_from(
    session: Session, document: Document, links: list[tuple[str, str]], asserted_by: int | None
) -> None:
    """Make the document's confirmed derivations exactly `links` ((slug, relation) within its
    case): unchanged links keep who asserted them; a proposal named here becomes confirmed."""
    wanted: dict[int, str] = {}
    for slug, relation in links:
        original = _by_slug(session, document.case_id, slug)
        if original is None:
            raise ValidationError(
                N_("no document %(slug)s in this case to derive from"), field="derived_from", params={"slug": slug}
            )
        if document.id is not None and (
            original.id == document.id or document.id in ancestors(confirmed_parents(session), original.id)
        ):
            raise ValidationError(
                N_("%(slug)s cannot be derived from and be a derivative of this document at once"),
                field="derived_from",
                params={"slug": slug},
            )
        wanted[original.id] = relation
    for link in list(document.derived):
        if link.from_document_id in wanted:
            relation = wanted.pop(link.from_document_id)
            if link.state != "confirmed" or link.relation != relation:
                link.relation, link.state, link.asserted_by_id = relation, "confirmed", asserted_by
        elif link.state == "confirmed":
            document.derived.remove(link)
    for original_id, relation in wanted.items():
        document.derived.append(
            Derivation(from_document_id=original_id, relation=relation, state="confirmed", asserted_by_id=asserted_by)
        )


def _by_slug(session: Session, case_id: int, slug: str) -> Document | None:
    """The document of the case with this slug: its public one, else the one its submitter
    wrote (a slug that names a protected person is public only in redacted form; read from
    the sealed originals, so only on a miss)."""
    found = queries.document_by_slug(session, case_id, slug)
    if found is not None:
        return found
    for document in session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)):
        if (document.fields_original or {}).get("slug") == slug:
            return document
    return None


def derivatives_of(session: Session, document_id: int) -> list[Derivation]:
    """The confirmed links of documents derived from this one (the reader's check is the caller's)."""
    return list(
        session.scalars(
            select(Derivation)
            .where(Derivation.from_document_id == document_id, Derivation.state == "confirmed")
            .order_by(Derivation.id)
        )
    )


def proposals_for(session: Session, document_id: int) -> list[Derivation]:
    """Near-duplicate proposals involving this document (either side), most similar first."""
    return list(
        session.scalars(
            select(Derivation)
            .where(
                Derivation.state == "proposed",
                or_(Derivation.document_id == document_id, Derivation.from_document_id == document_id),
            )
            .order_by(Derivation.similarity.desc(), Derivation.id)
        )
    )


def decide_proposal(
    session: Session, link: Derivation, decision: str, relation: str | None, actor: Actor, via: str
) -> Derivation:
    """A custodian confirms a proposed derivation (with the relation they choose) or rejects
    it (never proposed again); audited with ids only."""
    if not can(actor, "document:edit", link.document) or not can(actor, "document:edit", link.original):
        raise NotPermitted("only custodians decide on derivations")
    if link.state != "proposed":
        raise ValidationError(N_("was decided already"), field="derivation")
    if decision not in ("confirm", "reject"):
        raise ValidationError(N_("must be confirm or reject"), field="decision")
    relation = relation or link.relation
    if relation not in DERIVATIONS:
        raise ValidationError(
            N_("%(value)r is not one of %(allowed)s"),
            field="relation",
            params={"value": relation, "allowed": ", ".join(DERIVATIONS)},
        )
    with unit_of_work(session):
        if decision == "confirm" and link.original.id in descendants(confirmed_parents(session), link.document_id):
            raise ValidationError(
                N_("%(slug)s cannot be derived from and be a derivative of this document at once"),
                field="derivation",
                params={"slug": link.original.slug or link.from_document_id},
            )
        link.state = "confirmed" if decision == "confirm" else "rejected"
        link.relation = relation
        link.asserted_by_id = user_id(actor)
        link.asserted_at = utcnow()
        audit.record(
            session, actor, via, f"derivation.{link.state}", "document", link.document_id,
            derivation=link.id, original=link.from_document_id, relation=relation,
        )  # fmt: skip
    return link


def derived_from_slugs(document: Document) -> list[tuple[str, str]]:
    """The document's confirmed derivations as (slug, relation), for a revision's content."""
    return [
        (link.original.slug or str(link.from_document_id), link.relation)
        for link in document.derived
        if link.state == "confirmed"
    ]
