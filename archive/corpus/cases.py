"""Cases: the frame every document and timeline entry belongs to (slug, title, period, the
public people of its record)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.dates import FuzzyDate
from archive.errors import N_, NotPermitted, ValidationError
from archive.storage import audit
from archive.storage.models import Case
from archive.storage.unit import unit_of_work
from archive.validation import SLUG, names, optional_date, optional_text, required_text

log = logging.getLogger(__name__)


@dataclass
class CaseSubmission:
    slug: str
    title: str
    summary: str = ""
    region: str = ""
    period: FuzzyDate | None = None
    public_names: list[str] = field(default_factory=list)


def validate_case(fields: dict) -> CaseSubmission:
    """Return a CaseSubmission, or raise ValidationError naming the first bad field."""
    slug = required_text(fields, "slug", 80)
    if not SLUG.match(slug):
        raise ValidationError(N_("use lowercase letters, digits and '-'"), field="slug")
    return CaseSubmission(
        slug=slug,
        title=required_text(fields, "title", 300),
        summary=optional_text(fields, "summary", 5000),
        region=optional_text(fields, "region", 200),
        period=optional_date(fields, "period"),
        public_names=names(fields.get("public_names"), "public_names"),
    )


def create_case(session: Session, sub: CaseSubmission, actor: Actor, via: str) -> Case:
    """Store a new case."""
    if not can(actor, "case:create"):
        raise NotPermitted("only custodians create cases")
    with unit_of_work(session):
        case = Case(
            slug=sub.slug,
            title=sub.title,
            summary=sub.summary,
            region=sub.region,
            period_edtf=sub.period.edtf if sub.period else None,
            period_start=sub.period.earliest if sub.period else None,
            period_end=sub.period.latest if sub.period else None,
            public_names=sub.public_names,
        )
        session.add(case)
        session.flush()
        audit.record(session, actor, via, "case.create", "case", case.id)
    log.info("case %s created via %s", case.id, via)
    return case
