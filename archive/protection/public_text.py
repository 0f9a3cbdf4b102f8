"""What readers may see of text: derived from the original by archive.redaction, with the
case's protected identities and public names and the document's review decisions.

The public text is always derived, never edited, so a new protected name or a custodian's
correction is applied everywhere by running the same function again. Text written inside the
archive (timeline entries, brief titles and notes) has no original kept apart from a public
version, so it is refused when it would reveal someone.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from archive.errors import IngestError
from archive.redaction import Identity, Redaction, redact
from archive.rendering import render_markdown
from archive.storage.models import Case, Document


def case_identities(case: Case | None) -> list[Identity]:
    """The case's protected identities, as the redactor takes them."""
    return [Identity(tuple(i.names), i.pseudonym) for i in case.identities] if case else []


def redact_for_cases(text: str, cases: Iterable[Case]) -> Redaction:
    """Redact text written inside the archive (timeline entries, brief notes) with the
    detectors and the cases' protected identities and public names."""
    cases = list(cases)
    return redact(
        text,
        lang="auto",
        public=tuple(name for c in cases for name in c.public_names or ()),
        identities=[identity for c in cases for identity in case_identities(c)],
    )


def refuse_identifiers(field: str, text: str, cases: Iterable[Case], source: str) -> None:
    """Refuse text that would reveal someone, naming the field and the kinds found (never the
    values): text written inside the archive has no original kept apart from its public form."""
    if not text.strip():
        return
    found = redact_for_cases(text, cases)
    if found.spans:
        kinds = sorted({span.type for span in found.spans})
        raise IngestError(
            f"would reveal {', '.join(kinds).lower()} ({len(found.spans)} found): write the "
            "pseudonym, or add a public official to the case's public names",
            field,
            source,
        )


def redact_document(session: Session, document: Document) -> bool:
    """Derive the public text from the original; return whether it changed. No commit."""
    case = session.get(Case, document.case_id)
    decisions = list(document.decisions) if document.id is not None else []
    result = redact(
        document.body_original,
        # Every script's detectors run whatever the document's language: a Russian testimony
        # quotes English press, an English one a Russian protocol.
        lang="auto",
        public=tuple(case.public_names or ()) if case else (),
        identities=case_identities(case),
        keep=[d.value for d in decisions if d.action == "reject"],
        add=[(d.value, d.type) for d in decisions if d.action == "add"],
    )
    changed = result.text != document.body_public
    document.body_public = result.text
    document.redaction_spans = result.as_json()
    document.body_html = render_markdown(result.text)
    return changed
