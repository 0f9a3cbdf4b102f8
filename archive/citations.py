"""Citations of archive records, in the two forms readers ask for: Chicago (notes) and a legal
form modelled on OSCOLA, in the reader's language.

One model for both. The archive is the author of its own records: a document's title, its
description as a news report or a testimony, and a timeline entry's title are the archive's
words, so they are credited to the archive, never to the article's author. The source the
record rests on (its author, outlet, the publication's own title, date, the outlet that first
reported it, its address, the archived copy) is cited after it, as what the record cites. Who
speaks in the document (first-hand, second-hand, official, commentary) is said in words, so a
student's paraphrase of a ministry is never called the ministry's statement. A timeline entry
quotes only words a cited document gives word for word, and names that document; otherwise
what was said is given as a paraphrase, unquoted. Permalinks are by case and slug.

Dates are written as the reader writes them (display_date); the few words of the format go
through the `_` the caller passes (the web's gettext), English by default; quotation marks are
the language's own (“…” in English, «…» in Russian; OSCOLA uses '…').
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from archive.dates import display_date

STYLES = ("chicago", "oscola")
ARCHIVE = "Witness Archive"


def _same(text: str) -> str:
    return text


def _plain(code: str) -> str:
    return (code or "").replace("_", " ")


@dataclass(frozen=True)
class Words:
    """What a citation needs from its caller: the language, the catalogue's `_`, the names of
    kinds and of who speaks in the reader's language, and the day it was read (OSCOLA)."""

    locale: str = "en"
    _: Callable[[str], str] = _same
    kind_name: Callable[[str], str] = _plain
    speaks_name: Callable[[str], str] = _plain
    accessed: date | None = None

    def quoted(self, text: str, style: str) -> str:
        if style == "oscola":
            return f"'{text}'"
        return f"«{text}»" if self.locale.startswith("ru") else f"“{text}”"

    def day(self, edtf: str | None) -> str:
        return display_date(edtf, self.locale) if edtf else ""

    def read_on(self) -> str:
        """ " accessed <day>" (OSCOLA), or "" when the day is not given."""
        if self.accessed is None:
            return ""
        _ = self._
        return " " + _("accessed %(day)s") % {"day": self.day(self.accessed.isoformat())}


def _sentences(parts: list[str]) -> str:
    """Parts joined as sentences; a part ending in its own full stop ("2017 г.", "Inc.")
    does not get a second one."""
    return ". ".join(part.removesuffix(".") for part in parts if part) + "."


def _commas(parts: Iterable[str]) -> str:
    return ", ".join(p for p in parts if p)


def _source_parts(document, words: Words, style: str) -> list[str]:
    """The publication a document rests on: author, its own title, outlet, date, who first
    reported it, its address, the archived copy; empty when the archive has no source for it."""
    source, _ = document.source, words._
    if source is None:
        return []
    title = getattr(source, "title", "") or ""
    published = words.day(source.date_edtf or document.published_edtf)
    parts = [source.author, words.quoted(title, style) if title else "", source.outlet]
    if style == "oscola" and published:  # the date in brackets after what it dates
        parts = [p for p in parts if p]
        parts[-1:] = [f"{parts[-1]} ({published})" if parts else f"({published})"]
    else:
        parts.append(published)
    if source.reported_by and source.reported_by != source.outlet:
        parts.append(_("first reported by %(outlet)s") % {"outlet": source.reported_by})
    if source.url:
        parts.append(f"<{source.url}>" if style == "oscola" else source.url)
    archived = getattr(source, "archived_sha256", "") or ""
    if archived:
        captured = words.day(getattr(source, "captured", None))
        copy = _("archived copy SHA-256 %(hash)s") % {"hash": archived}
        parts.append(copy + (" " + _("(captured %(day)s)") % {"day": captured} if captured else ""))
    return [p for p in parts if p]


def _what(document, words: Words) -> str:
    """The record's kind, and who speaks in it: "news report, second-hand"."""
    speaks = document.source_type
    return _commas([words.kind_name(document.kind), words.speaks_name(speaks) if speaks else ""])


def cite_document(document, permalink: str, words: Words | None = None, style: str = "chicago") -> str:
    """A ready-to-copy citation of an archive document: the archive's record (its title, what
    it is and who speaks in it, the case, its permalink and hash), then the source it rests on."""
    words = words or Words()
    _ = words._
    record = _commas([
        ARCHIVE,
        words.quoted(document.title, style),
        _what(document, words),
        document.case.title,
    ])  # fmt: skip
    source = _source_parts(document, words, style)
    if style == "oscola":
        text = f"{record} <{permalink}>{words.read_on()}, SHA-256 {document.version_sha256}"
        if source:
            text += ", " + _("citing %(source)s") % {"source": _commas(source)}
        return text  # OSCOLA ends a citation without a full stop
    parts = [record, permalink, f"SHA-256 {document.version_sha256}"]
    if source:
        parts.append(_("Source: %(source)s") % {"source": _commas(source)})
    return _sentences(parts)


def cite_entry(entry, permalink: str, evidence: Iterable[str], words: Words | None = None, quoted_in=None,
               style: str = "chicago") -> str:  # fmt: skip
    """A ready-to-copy citation of a timeline entry: the archive's entry (its title, kind, date,
    case, permalink); who spoke, for a statement; the words only when a cited document gives
    them word for word (`quoted_in`, that document's title), else the archive's paraphrase,
    unquoted; and the permalinks of the documents cited that the reader may open (`evidence`)."""
    words = words or Words()
    _ = words._
    kinds = {"event": _("reported event"), "denial": _("denial"), "statement": _("statement"),
             "response": _("response")}  # fmt: skip
    parts = [
        _commas(
            [
                ARCHIVE,
                words.quoted(entry.title, style),
                _("timeline entry"),
                kinds.get(entry.kind, entry.kind),
                words.day(entry.date_edtf),
                entry.case.title,
            ]
        )  # fmt: skip
    ]
    who = entry.speaker or (entry.actor if entry.kind != "event" else "")
    if who:
        said = _commas([who, entry.speaker_office])
        if entry.quotation and quoted_in is not None:
            said = _("%(who)s, quoted as saying %(words)s in %(document)s") % {
                "who": said,
                "words": words.quoted(entry.quotation, style),
                "document": words.quoted(quoted_in, style),
            }
        elif entry.paraphrase:
            said = _("%(who)s, in substance: %(paraphrase)s") % {"who": said, "paraphrase": entry.paraphrase}
        else:
            said = _("statement by %(who)s") % {"who": said}
        parts.append(said)
    cited = ", ".join(evidence)
    if style == "oscola":
        text = _commas(parts) + f" <{permalink}>{words.read_on()}"
        return text + (", " + _("citing %(source)s") % {"source": cited} if cited else "")
    parts.append(permalink)
    if cited:
        parts.append(_("Evidence: %(documents)s") % {"documents": cited})
    return _sentences(parts)
