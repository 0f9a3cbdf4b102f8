"""Citations of archive documents and timeline entries, in one house format.

Dates are written as the reader writes them (display_date); the few words of the format go
through the `_` the caller passes (the web's gettext), English by default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from archive.dates import display_date


def _same(text: str) -> str:
    return text


def _sentences(parts: list[str]) -> str:
    """Parts joined as sentences; a part ending in its own full stop ("2017 г.", "Inc.")
    does not get a second one."""
    return ". ".join(part.removesuffix(".") for part in parts) + "."


def cite_document(
    document,
    permalink: str,
    locale: str = "en",
    _: Callable[[str], str] = _same,
    kind_name: Callable[[str], str] = lambda kind: kind.replace("_", " "),
) -> str:
    """Return a ready-to-copy citation: source, title, date, kind (named by `kind_name`, the
    web's label in the reader's language), archive permalink, hash."""
    source = document.source
    parts = []
    if source is not None and (source.author or source.outlet):
        parts.append(", ".join(p for p in (source.author, source.outlet) if p))
    parts.append(f"“{document.title}”")
    if document.published_edtf:
        parts.append(display_date(document.published_edtf, locale))
    parts.append(f"{kind_name(document.kind)}, {document.case.title}")
    parts.append(_("Witness Archive, document %(id)s, %(url)s") % {"id": document.id, "url": permalink})
    parts.append(f"SHA-256 {document.sha256}")
    return _sentences(parts)


def cite_entry(
    entry, permalink: str, evidence: Iterable[int], locale: str = "en", _: Callable[[str], str] = _same
) -> str:
    """Return a ready-to-copy citation of a timeline entry: who, title, date, kind, case,
    archive permalink, and the documents cited that the reader may open (`evidence`, ids)."""
    kinds = {"event": _("event"), "denial": _("denial"), "statement": _("statement"), "response": _("response")}
    parts = []
    who = entry.speaker or (entry.actor if entry.kind != "event" else "")
    if who:
        parts.append(", ".join(p for p in (who, entry.speaker_office) if p))
    parts.append(f"“{entry.title}”")
    if entry.date_edtf:
        parts.append(display_date(entry.date_edtf, locale))
    parts.append(f"{kinds.get(entry.kind, entry.kind)}, {entry.case.title}")
    parts.append(_("Witness Archive, timeline entry %(id)s, %(url)s") % {"id": entry.id, "url": permalink})
    documents = ", ".join(_("document %(id)s") % {"id": n} for n in evidence)
    if documents:
        parts.append(_("Evidence: %(documents)s") % {"documents": documents})
    return _sentences(parts)
