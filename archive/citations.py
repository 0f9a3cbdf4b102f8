"""Citations of archive documents, in one house format."""

from __future__ import annotations

from archive.dates import parse_edtf


def cite_document(document, permalink: str) -> str:
    """Return a ready-to-copy citation: source, title, date, kind, archive permalink, hash."""
    source = document.source
    parts = []
    if source is not None and (source.author or source.outlet):
        parts.append(", ".join(p for p in (source.author, source.outlet) if p))
    parts.append(f"“{document.title}”")
    if document.published_edtf:
        parts.append(parse_edtf(document.published_edtf).display())
    parts.append(f"{document.kind.replace('_', ' ')}, {document.case.title}")
    parts.append(f"Witness Archive, document {document.id}, {permalink}")
    parts.append(f"SHA-256 {document.sha256}")
    return ". ".join(parts) + "."
