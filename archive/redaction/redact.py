"""Text (+ protected names) in → redacted text + spans out.

Threat: a published testimony that names the witness, the friend whose number was on the seized
phone, the street of the arrest. Every detector proposes spans; overlapping spans merge into
their union (so no fragment of an identifier is left at an edge); registered identities become
their pseudonym everywhere, other identifiers typed markers, and a person named twice gets the
same marker both times. Public people of the record stay (allowlist).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from archive.redaction.allowlist import Allowlist
from archive.redaction.names import WORD, ProtectedNames, word_keys
from archive.redaction.ner import (
    dictionary_persons,
    latin_persons,
    quoted_lowercase_names,
    russian_entities,
)
from archive.redaction.patterns import detect_patterns
from archive.redaction.phones import detect_phones
from archive.redaction.spans import MARKERS, Span, merge

_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")
_EDGE = " \t\n,.;:!?()[]{}«»\"'“”„—–-"


@dataclass
class Redaction:
    """The redacted text and the spans (in the original's offsets) that were replaced."""

    text: str
    spans: list[Span]
    replacements: list[str]

    def as_json(self) -> list[dict]:
        return [
            {
                "start": s.start,
                "end": s.end,
                "type": s.type,
                "detector": s.detector,
                "replacement": r,
            }  # fmt: skip
            for s, r in zip(self.spans, self.replacements, strict=True)
        ]


@lru_cache(maxsize=64)
def _protected(names: tuple[str, ...]) -> ProtectedNames:
    return ProtectedNames.from_names(names)


@lru_cache(maxsize=8)
def _allowlist(extra: tuple[str, ...]) -> Allowlist:
    from archive.redaction.allowlist import DEFAULT_PUBLIC

    return Allowlist(DEFAULT_PUBLIC + extra)


def detect(
    text: str,
    protected: ProtectedNames,
    allowlist: Allowlist,
    lang: str = "auto",
) -> list[Span]:
    """Return merged spans of everything identifying in the text."""
    spans = list(protected.find(text))
    spans += detect_patterns(text)
    spans += detect_phones(text)
    people: list[Span] = []
    entities: list[Span] = []
    if lang in ("auto", "ru") and _CYRILLIC.search(text):
        entities = russian_entities(text)
        people += [s for s in entities if s.type == "PERSON"]
        # The dictionary backs natasha up, but never overrules its reading of a place or of a
        # person (whom the allowlist may keep public); its ORG readings of quoted names
        # («Мусаев Бислан») are often wrong, so names inside them still count.
        blocking = [e for e in entities if e.type in ("PLACE", "PERSON")]
        people += [s for s in dictionary_persons(text) if not any(s.overlaps(e) for e in blocking)]
    if lang in ("auto", "en") and _LATIN.search(text):
        people += latin_persons(text)
    people += quoted_lowercase_names(text)
    public = [s for s in people if allowlist.covers(text[s.start : s.end])]
    for span in people:
        span = _trim(text, span)
        if span is not None and not any(span.overlaps(p) for p in public):
            spans.append(span)
    return merge(spans)


def redact(
    text: str,
    names: Iterable[str] = (),
    lang: str = "auto",
    public: Iterable[str] = (),
    protected: ProtectedNames | None = None,
) -> Redaction:
    """Redact text; `names` are protected names (one identity each), `public` extra allowlist."""
    if lang not in ("auto", "en", "ru"):
        raise ValueError("lang must be auto, en or ru")
    protected = protected or _protected(tuple(n for n in names if n and n.strip()))
    spans = detect(text, protected, _allowlist(tuple(public)), lang)
    return _replace(text, spans)


def redact_text(text: str, names: Iterable[str] = ()) -> str:
    """Return the redacted text alone (the scorer's `--python` contract)."""
    return redact(text, names).text


def _replace(text: str, spans: list[Span]) -> Redaction:
    people: dict[str, int] = {}
    out, replacements, last = [], [], 0
    for span in spans:
        if span.type == "PROTECTED":
            marker = span.key
        elif span.type == "PERSON":
            marker = f"[person {_person_number(text[span.start : span.end], people)}]"
        else:
            marker = f"[{MARKERS[span.type]}]"
        out.append(text[last : span.start])
        out.append(_markdown_safe(marker, text, span))
        replacements.append(marker)
        last = span.end
    out.append(text[last:])
    return Redaction("".join(out), spans, replacements)


def _person_number(mention: str, people: dict[str, int]) -> int:
    """Number people in order of appearance; a name already seen keeps its number."""
    tokens = [t for t in WORD.findall(mention) if len(t) > 1]
    keys = [k for t in tokens for k in word_keys(t)]
    for key in keys:
        if key in people:
            number = people[key]
            break
    else:
        number = len(set(people.values())) + 1
    for key in keys:
        people.setdefault(key, number)
    return number


def _markdown_safe(marker: str, text: str, span: Span) -> str:
    """Escape a bracketed marker where Markdown would read it as a link or a definition."""
    if not marker.startswith("["):
        return marker
    following = text[span.end : span.end + 1]
    line_start = text.rfind("\n", 0, span.start) + 1
    at_line_start = not text[line_start : span.start].strip()
    if following in ("(", "[") or (following == ":" and at_line_start):
        return "\\" + marker[:-1] + "\\]"
    return marker


def _trim(text: str, span: Span) -> Span | None:
    start, end = span.start, span.end
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    if text[end - 2 : end] in ("'s", "’s"):
        end -= 2
    return Span(start, end, span.type, span.detector, span.key) if end - start >= 2 else None
