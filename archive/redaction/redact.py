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
from archive.redaction.names import WORD, Identity, ProtectedNames, word_keys
from archive.redaction.ner import (
    dictionary_persons,
    diminutive_persons,
    is_place,
    joined_names,
    latin_persons,
    lowercase_full_names,
    named_persons,
    quoted_lowercase_names,
    russian_entities,
)
from archive.redaction.patterns import detect_patterns
from archive.redaction.phones import detect_phones
from archive.redaction.spans import MARKERS, Cover, Span, merge

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
            }
            for s, r in zip(self.spans, self.replacements, strict=True)
        ]


@lru_cache(maxsize=64)
def _protected(names: tuple[str, ...]) -> ProtectedNames:
    return ProtectedNames.from_names(names)


@lru_cache(maxsize=8)
def public_allowlist(extra: tuple[str, ...] = ()) -> Allowlist:
    """The record's public people and organisations, and a case's own (built once per case)."""
    from archive.redaction.allowlist import DEFAULT_PUBLIC, ORGANISATIONS

    # organisations too: natasha reads «Мемориал» after a verb as a person
    return Allowlist(DEFAULT_PUBLIC + ORGANISATIONS + extra)


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
        people += [s for s in entities if s.type == "PERSON" and not is_place(text[s.start : s.end])]
        # The dictionary backs natasha up but never overrules its reading of a person (whom
        # the allowlist may keep public). Its place and organisation readings may be wrong
        # («Мусаев Бислан» as an ORG, Артём the name as a town); the dictionary only claims
        # words whose name readings outweigh the others, and never adjectives (Грозном).
        blocking = Cover(e for e in entities if e.type == "PERSON")
        people += [s for s in dictionary_persons(text) if not blocking.hits(s)]
    people += named_persons(text)
    if lang in ("auto", "en") and _LATIN.search(text):
        people += latin_persons(text)
    people += quoted_lowercase_names(text)
    people += diminutive_persons(text)
    spans += [
        span
        for span, names in joined_names(text)
        # kept when every name in it is a public person's (sedona-forum-lokshina-freeland)
        if not all(allowlist.covers(n) or all(allowlist.covers(w) for w in n.split()) for n in names)
    ]
    memo: dict = {}
    public = Cover(s for s in people if _public(text, s, allowlist, memo))
    for span in people:
        span = _trim(text, span)
        if span is not None and not public.hits(span):
            spans.append(span)
    return merge(_distinct_people(text, spans, protected))


def _public(text: str, span: Span, allowlist: Allowlist, memo: dict) -> bool:
    """Whether a detected name is a public person of the record. A surname alone that an
    official also bears is the official's when the text refers to the official (their full
    name somewhere in it, or an office or title just before: "глава Чечни Кадыров"), or when
    nothing says otherwise; it is a private person's when a word about private people comes
    just before it ("Задержанный Умаров", "соседа Катаева", "my cousin Kataev") or the text
    names a namesake with another first name ("Лечи Умаров"). What the whole text says of a
    surname is read once per surname (`memo`): a text may name an official a thousand times."""
    mention = _with_next_word(text, span)
    if not allowlist.covers(mention):
        return False
    if len([t for t in WORD.findall(mention) if len(t) > 1]) > 1 or allowlist.registered_alone(mention):
        return True  # a full name, checked whole by the allowlist, or a name kept on its own
    before = text[max(0, span.start - 60) : span.start]
    if _OFFICE_BEFORE.search(before):
        return True
    if ("full", mention) not in memo:
        memo["full", mention] = allowlist.named_in_full(mention, text)
    if memo["full", mention]:
        return True
    if _PRIVATE_BEFORE.search(before):
        return False
    if ("namesake", mention) not in memo:
        memo["namesake", mention] = allowlist.namesake_in(mention, text)
    return not memo["namesake", mention]


# Words about private people right before a surname: a namesake, not the official.
_PRIVATE_BEFORE = re.compile(
    r"(?:задержанн\w*|сосед\w*|брат\w*|сестр\w*|друг\w*|друз\w*|подруг\w*|знаком\w*|родственни\w*|"
    r"двоюродн\w*|парн\w*|партн[её]р\w*|муж\w*|жен\w*|отц\w*|отец|сын\w*|дяд\w*|т[её]т\w*|"
    r"племянни\w*|одноклассни\w*|коллег\w*|сокамерни\w*|пострадавш\w*|потерпевш\w*|"
    r"свидетел\w*|заключ[её]нн\w*|задержали|забрали|увезли|detainee|detained|neighbou?r|brother|sister|"
    r"friend|cousin|relative|uncle|aunt|nephew|niece|boyfriend|partner|husband|wife|son|father|"
    r"classmate|colleague|cell-?mate|victim|survivor|witness|prisoner|took|arrested)"
    r"(?:\s+[\w.-]+)?\s+$",
    re.IGNORECASE,
)


# An office or a title right before a surname: the official, not a namesake.
_OFFICE_BEFORE = re.compile(
    r"(?:президент\w*|глав\w*|министр\w*|премьер\w*|мэр\w*|губернатор\w*|спикер\w*|депутат\w*|"
    r"пресс-секретар\w*|представител\w*|уполномоченн\w*|омбудсмен\w*|генерал\w*|полковник\w*|"
    r"прокурор\w*|руководител\w*|начальник\w*|председател\w*|журналист\w*|корреспондент\w*|"
    r"president|head|leader|minister|premier|mayor|governor|speaker|spokes(?:man|woman|person)|"
    r"ombudsman|commissioner|general|colonel|prosecutor|chief|chairman|chair|journalist|"
    r"correspondent|reporter|senator|deputy|secretary|ambassador)"
    r"(?:\s+[\w.-]+){0,4}?\s+$",
    re.IGNORECASE,
)


def _distinct_people(text: str, spans: list[Span], protected: ProtectedNames) -> list[Span]:
    """A name detected as one person that joins a protected identity's word to a word that is
    not one of its names ("Timur Magomedov" when Ruslan Magomedov is protected) is another
    person: the whole name gets its own marker (detector "shares-a-name", which the review
    shows) instead of the pseudonym."""
    persons = [s for s in spans if s.type == "PERSON"]
    marked = Cover(s for s in spans if s.type == "PROTECTED")
    if not persons or not marked:
        return spans
    dropped: set[Span] = set()
    for person in persons:
        inside = marked.among(person)
        if not inside:
            continue
        others = [
            w
            for w in WORD.finditer(text, person.start, person.end)
            if len(w.group(0)) > 1 and not any(m.start <= w.start() and w.end() <= m.end for m in inside)
        ]
        keys = {m.key for m in inside}
        # Only an identity registered with a full name can tell a namesake: one registered by
        # a first name alone ("Movsar") is the man in "Movsar Dadaev".
        full = any(len(WORD.findall(name)) > 1 for i in protected.identities if i.pseudonym in keys for name in i.names)
        if full and others and all(protected.match(w.group(0)) is None for w in others) and len(keys) == 1:
            dropped.update(inside)
            dropped.add(person)
            dropped_span = Span(
                min(person.start, *(m.start for m in inside)),
                max(person.end, *(m.end for m in inside)),
                "PERSON",
                "shares-a-name",
            )
            spans.append(dropped_span)
    return [s for s in spans if s not in dropped]


def redact(
    text: str,
    names: Iterable[str] = (),
    lang: str = "auto",
    public: Iterable[str] = (),
    identities: Iterable[Identity] | None = None,
    keep: Iterable[tuple[str, str]] = (),
    add: Iterable[tuple[str, str]] = (),
    people: dict | None = None,
) -> Redaction:
    """Redact text.

    `names`: protected names, one identity per line ("Name => Pseudonym"); or `identities`,
    registered identities with their pseudonyms. `public`: more people to keep readable.
    `keep`: (exact string, type) pairs a custodian decided are not identifying: a span is kept
    readable only when both its text and its type match, and never when it is a protected
    identity; `add`: (exact string, type) pairs a custodian decided are. `people`: the
    numbering of unnamed people, shared by the calls that redact the fields of one record.
    """
    if lang not in ("auto", "en", "ru"):
        raise ValueError("lang must be auto, en or ru")
    if identities is not None:
        protected = ProtectedNames(identities)
    else:
        protected = _protected(tuple(n for n in names if n and n.strip()))
    spans = detect(text, protected, public_allowlist(tuple(public)), lang)
    kept = {(value, kind) for value, kind in keep if value}
    spans = [s for s in spans if s.type == "PROTECTED" or (text[s.start : s.end], s.type) not in kept]
    for value, kind in add:
        spans += (
            [
                Span(m.start(), m.end(), kind if kind in MARKERS else "PERSON", "custodian")
                for m in re.finditer(re.escape(value), text)
            ]
            if value
            else []
        )
    return _replace(text, merge(spans), {} if people is None else people)


def lowercase_private_names(text: str, public: tuple[str, ...] = ()) -> list[Span]:
    """Lower-case first names and surnames as people type them in slugs, tags and their own
    notes ("ruslan magomedov"), less the public people's."""
    allowlist = public_allowlist(public)
    return [s for s in lowercase_full_names(text) if not allowlist.covers(text[s.start : s.end])]


def warm_up() -> None:
    """Load the models and word lists now rather than on the first document."""
    redact("Шамиль Батаев, роза; Yunus Kataev called +7 999 000-00-00 from «Беркат».", ["Ислам"])


def redact_text(text: str, names: Iterable[str] = ()) -> str:
    """Return the redacted text alone (the scorer's `--python` contract)."""
    return redact(text, names).text


def _replace(text: str, spans: list[Span], people: dict) -> Redaction:
    out, replacements, last = [], [], 0
    for span in spans:
        if span.type == "PROTECTED":
            marker = span.key
        elif span.type == "PERSON":
            marker = f"[person {_person_number(text[span.start : span.end], people)}]"
        else:
            marker = f"[{MARKERS[span.type]}]"
        gap = text[last : span.start]
        if (
            replacements
            and marker == replacements[-1]
            and span.type in ("PROTECTED", "PERSON")
            and gap.strip() == ""
            and "\n" not in gap
        ):
            # First and last name found apart: one pseudonym, not "Witness A Witness A".
            replacements.append(marker)
            last = span.end
            continue
        out.append(gap)
        out.append(_markdown_safe(marker, text, span))
        replacements.append(marker)
        last = span.end
    out.append(text[last:])
    return Redaction("".join(out), spans, replacements)


def _person_number(mention: str, people: dict) -> int:
    """Number people in order of appearance. A mention is a person already seen when each of
    its words is one of that person's (Ruslan, Magomedov, Руслана for Ruslan Magomedov), or
    that person's words are all among its own (an earlier "Ruslan", now "Ruslan Magomedov");
    "Timur Magomedov" is someone else than "Ruslan Magomedov". A lone surname two people share
    is given to the one named last."""
    # the same mention with nothing learnt since is the same person (a long text names the
    # same people thousands of times)
    seen: dict = people.setdefault("seen", {})
    if mention in seen and seen[mention][1] == _learnt(people):
        return seen[mention][0]
    number = _number_of(mention, people)
    seen[mention] = (number, _learnt(people))
    return number


def _learnt(people: dict) -> tuple[int, int]:
    """How much the numbering knows: people so far, and words added to them."""
    return len(people.get("persons", ())), people.get("learnt", 0)


def _number_of(mention: str, people: dict) -> int:
    tokens = [t for t in WORD.findall(mention) if len(t) > 1]
    words = [frozenset(word_keys(t)) for t in tokens] or [frozenset({mention.lower()})]
    persons: list = people.setdefault("persons", [])
    index: dict = people.setdefault("index", {})  # a word's key → the people it is a word of
    # only the people who share a word with the mention can be it (a long text names thousands)
    sharing = sorted({n for w in words for key in w for n in index.get(key, ())}, reverse=True)
    for number in sharing:
        known = persons[number - 1][1]
        if all(any(w & k for k in known) for w in words) or (
            len(words) > 1 and all(any(k & w for w in words) for k in known)
        ):
            added = [w for w in words if not any(w & k for k in known)]
            if added:
                known.extend(added)
                people["learnt"] = people.get("learnt", 0) + 1
            _index(index, added, number)
            return number
    number = len(persons) + 1
    persons.append((number, list(words)))
    _index(index, words, number)
    return number


def _index(index: dict, words: list, number: int) -> None:
    for word in words:
        for key in word:
            index.setdefault(key, set()).add(number)


def _markdown_safe(marker: str, text: str, span: Span) -> str:
    """Escape a bracketed marker where Markdown would read it as a link or a definition."""
    if not marker.startswith("["):
        return marker
    following = text[span.end : span.end + 1]
    if following in ("(", "[") or (following == ":" and _at_line_start(text, span.start)):
        return "\\" + marker[:-1] + "\\]"
    return marker


def _at_line_start(text: str, position: int) -> bool:
    """Whether only a list item's or a quote's prefix comes before this point on its line,
    judged on the last 200 characters (a longer line made up of prefixes only is taken as one:
    an escaped marker is harmless), so that a megabyte on one line is not read back each time."""
    window = max(0, position - 200)
    line_start = text.rfind("\n", window, position) + 1 or window
    return _BLOCK_PREFIX.fullmatch(text, line_start, position) is not None


_BLOCK_PREFIX = re.compile(r"\s*(?:(?:[-*+]|\d+[.)]|>)\s+)*")  # a list item or a quote, or nothing
_NEXT_WORD = re.compile(r"[ \t]+([A-ZА-ЯЁ][\w'-]+)")


def _with_next_word(text: str, span: Span) -> str:
    """Return the span's text and the capitalised word after it ("Ahmed" + "Hussen")."""
    following = _NEXT_WORD.match(text, span.end)
    return text[span.start : span.end] + (" " + following.group(1) if following else "")


def _trim(text: str, span: Span) -> Span | None:
    start, end = span.start, span.end
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    if text[end - 2 : end] in ("'s", "’s"):
        end -= 2
    return Span(start, end, span.type, span.detector, span.key) if end - start >= 2 else None
