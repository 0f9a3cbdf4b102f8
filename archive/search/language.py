"""The query language readers type, defined once for every search engine.

A query is parsed here into an engine-neutral tree (the node classes below); each backend
compiles that tree into its own engine's query: `arrays.IndexArrays.evaluate` for Whoosh,
`postgres_backend.Compiler` for PostgreSQL. What a reader may write, the facets they may filter
on and how a misspelt query is corrected are declared in this module and nowhere else, so a new
facet is one `Facet` line, and a new engine is one compiler of these nodes (README, "Search").

Syntax (words are matched stemmed in their own script and across scripts, Kadyrov ↔ Кадыров):

    detained Grozny           both words (AND is implied)
    detained OR held          either; NOT word, -word: without it; ( ) group
    "were detained"           the words in this order
    detain*  det?ined         prefix and wildcard (at least two letters before * or ?)
    detaned~  detaned~2       up to 1 or 2 letters different (at most three such words)
    word^2                    counts twice in the ranking
    kind:testimony lang:ru place:"Grozny city" tag:… case:… year:2017
    date:2017-02/2017-04      events in this period (EDTF); every date: term must hold
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from archive.errors import N_
from archive.search.analysis import TOKEN_PATTERN, fold_accents, fold_key, fold_keys, stem
from archive.search.errors import QueryError

# -- the facets: what a search may be filtered on and counted by ------------------------------


@dataclass(frozen=True)
class Facet:
    """A facet: its name in the index and the API, the URL parameter and query field that
    filter on it (with other names a query may use), and a document's values."""

    name: str
    param: str
    values: Callable[[object], Iterable[str]]
    aliases: tuple[str, ...] = ()


FACET_FIELDS = (
    Facet("kind", "kind", lambda d: [d.kind]),
    Facet("language", "lang", lambda d: [d.language], aliases=("language",)),
    Facet("year", "year", lambda d: [str(d.published.year)] if d.published else []),
    Facet("place", "place", lambda d: d.places),
    Facet("tag", "tag", lambda d: d.tags),
    Facet("case", "case", lambda d: [d.case]),
)
FACETS = tuple(f.name for f in FACET_FIELDS)
FILTER_PARAMS = {f.param: f.name for f in FACET_FIELDS}  # URL parameter -> facet
_FIELD_NAMES = {name: f.name for f in FACET_FIELDS for name in (f.param, f.name, *f.aliases)}
DATE_FIELD = "date"


def facet_values(doc) -> dict[str, list[str]]:
    """Each facet's values for an indexed document, repeated values once."""
    return {f.name: list(dict.fromkeys(v for v in f.values(doc) if v)) for f in FACET_FIELDS}


# -- the tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A word as typed: matched on its stem and on its cross-script key."""

    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    text: str  # folded (lower case, ё → е, no accents)
    boost: float = 1.0


@dataclass(frozen=True)
class Wildcard:
    """Matched against words as written (folded, not stemmed: "hot?ine" must find hotline,
    whose stem is hotlin), of four letters or more."""

    pattern: str  # folded; * any letters, ? one letter
    boost: float = 1.0

    @property
    def literal(self) -> str:
        """The letters before the first wildcard: every match starts with them."""
        return re.split(r"[*?]", self.pattern, maxsplit=1)[0]

    def regex(self) -> re.Pattern:
        return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in self.pattern))


@dataclass(frozen=True)
class Fuzzy:
    text: str  # folded
    distance: int = 1
    prefix: int = 1  # letters at the start that must be the same
    boost: float = 1.0


@dataclass(frozen=True)
class Field:
    facet: str
    value: str


@dataclass(frozen=True)
class Range:
    """A facet's values from `low` to `high` (as text, inclusive; "" for an open end):
    year:[2016 TO 2017]."""

    facet: str
    low: str
    high: str

    def holds(self, value: str) -> bool:
        return (not self.low or value >= self.low) and (not self.high or value <= self.high)


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: object


@dataclass(frozen=True)
class Everything:
    pass


@dataclass(frozen=True)
class Nothing:
    pass


@dataclass(frozen=True)
class Query:
    """A parsed query: the tree, and each `date:` term's value with its place in the text."""

    tree: object
    periods: tuple[tuple[str, int, int], ...] = ()


# Kept per word (snippets look up each distinct word they have not read before: a cached call, in C)
@lru_cache(maxsize=500_000)
def text_term(word: str) -> str:
    """A word as the text field holds it (stemmed in its own script)."""
    return stem(fold_accents(word))  # fold_accents lower-cases


@lru_cache(maxsize=500_000)
def fold_term(word: str) -> str:
    """A word as the cross-script field holds it."""
    return fold_key(word.lower())


def fold_terms(word: str) -> tuple[str, ...]:
    """The cross-script keys a word typed in a query may stand for (each romanisation's)."""
    return fold_keys(word.lower())


def words_of(text: str) -> list[str]:
    """The words of a text, as the analyzers cut it."""
    return _WORD.findall(text)


# -- parsing ------------------------------------------------------------------------------------

MAX_LENGTH = 1000  # characters of a query
MAX_DEPTH = 32  # brackets within brackets (500 of them exhausted Python's stack: a 500)
MAX_FUZZY_DISTANCE = 2  # letters a fuzzy term may differ by (word~2)
MAX_FUZZY_TERMS = 3  # fuzzy words in one query
MAX_BOOST = 100.0
MAX_EXPANSION = 500  # terms of the vocabulary a prefix, wildcard or fuzzy term may stand for
MIN_LITERAL = 2  # letters before the first * or ?: a shorter start would read the whole vocabulary
_WORD = re.compile(TOKEN_PATTERN)
_TOKENS = re.compile(r'\s+|"[^"]*"(?:\^[0-9.]+)?|[()]|[A-Za-z_]+:[\[{][^\]}"()]*[\]}]|[^\s"()]+')
_RANGE = re.compile(r"[\[{]\s*(?P<low>[^\s\]}]*?)\s*\bTO\b\s*(?P<high>[^\s\]}]*)\s*[\]}]")
_FIELDED = re.compile(r"(?P<name>[A-Za-z_]+):(?P<value>.*)", re.DOTALL)
_SUFFIX = re.compile(r"(?P<stem>.*?)(?:~(?P<distance>[0-9]*)(?:/(?P<prefix>[0-9]+))?)?(?:\^(?P<boost>[^~^]*))?$")
OPERATORS = ("AND", "OR", "NOT")
_MARKABLE = ("phrase", "open")  # what a - or + written right before it applies to, as to a word


@dataclass
class _Token:
    kind: str  # word, phrase, open, close, and, or, not
    text: str
    start: int
    end: int


def parse_query(text: str | None) -> Query:
    """Parse the user's query, or raise QueryError with a helpful message and the place of the
    fault in `text`. Parsed queries are kept: readers repeat them, and nothing changes one."""
    return _parse(text or "")


@lru_cache(maxsize=4096)
def _parse(text: str) -> Query:
    if len(text) > MAX_LENGTH:
        raise QueryError(N_("is longer than %(limit)s characters"), MAX_LENGTH, len(text), params={"limit": MAX_LENGTH})
    if text.count('"') % 2:
        last = text.rindex('"')
        raise QueryError(N_('has an unclosed quotation mark (")'), last, last + 1)
    if text.count("(") != text.count(")"):
        at = _unmatched_bracket(text)
        raise QueryError(N_("has unbalanced brackets"), at, at + 1)
    if (at := _too_deep(text)) is not None:  # the parser recurses once a level
        raise QueryError(N_("has brackets nested more than %(limit)s deep"), at, at + 1, params={"limit": MAX_DEPTH})
    parser = _Parser(text, _tokens(text))
    tree = parser.expression() if parser.tokens else Everything()
    if parser.position < len(parser.tokens):  # a ")" with nothing open cannot remain: brackets balance
        token = parser.tokens[parser.position]
        raise QueryError(N_("has unbalanced brackets"), token.start, token.end)
    fuzzy = parser.fuzzy
    if len(fuzzy) > MAX_FUZZY_TERMS:
        start, end = fuzzy[MAX_FUZZY_TERMS]
        raise QueryError(
            N_("has more than %(limit)s fuzzy terms (word~); use fewer"), start, end, params={"limit": MAX_FUZZY_TERMS}
        )
    return Query(_simplify(tree), tuple(parser.periods))


def _unmatched_bracket(text: str) -> int:
    """The first ")" closing nothing, else the last "(" left open."""
    opened = []
    for at, char in enumerate(text):
        if char == "(":
            opened.append(at)
        elif char == ")":
            if not opened:
                return at
            opened.pop()
    return opened[-1]


def _too_deep(text: str) -> int | None:
    """The first "(" more than MAX_DEPTH deep, outside quotation marks; None: none is."""
    depth, quoted = 0, False
    for at, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
            if depth > MAX_DEPTH:
                return at
    return None


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKENS.finditer(text):
        value = match.group(0)
        if value.isspace():
            continue
        kind = {"(": "open", ")": "close"}.get(value, "phrase" if value.startswith('"') else "word")
        if value in OPERATORS:
            kind = value.lower()
        tokens.append(_Token(kind, value, match.start(), match.end()))
    return tokens


class _Parser:
    """Recursive descent: OR binds loosest, then AND (written or implied), then NOT."""

    def __init__(self, text: str, tokens: list[_Token]):
        self.text, self.tokens, self.position = text, tokens, 0
        self.periods: list[tuple[str, int, int]] = []
        self.fuzzy: list[tuple[int, int]] = []

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expression(self):
        parts = [self.conjunction()]
        while (token := self.peek()) is not None and token.kind == "or":
            operator = self.take()
            self.operand_after(operator)
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self):
        parts = [self.unary()]
        while (token := self.peek()) is not None and token.kind not in ("or", "close"):
            if token.kind == "and":
                self.operand_after(self.take())
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def operand_after(self, operator: _Token) -> None:
        following = self.peek()
        if following is None or following.kind in ("and", "or", "close"):
            raise QueryError(
                N_("%(operator)s needs a word or a group after it"),
                operator.start,
                operator.end,
                params={"operator": operator.text},
            )

    def unary(self):
        token = self.peek()
        if token is None:
            raise QueryError(N_("ends where a word was expected"), len(self.text), len(self.text))
        if token.kind == "not":
            self.operand_after(self.take())
            return Not(self.unary())
        if token.kind in ("and", "or"):
            raise QueryError(
                N_("%(operator)s needs a word or a group before it"),
                token.start,
                token.end,
                params={"operator": token.text},
            )
        if token.kind == "open":
            self.take()
            if (closing := self.peek()) is not None and closing.kind == "close":
                self.take()
                return Everything()  # "()" asks for nothing in particular
            inner = self.expression()
            self.take()  # the ")" (brackets balance, and an expression stops only there)
            return inner
        if token.kind == "close":  # unreachable with balanced brackets, kept for safety
            raise QueryError(N_("has unbalanced brackets"), token.start, token.end)
        self.take()
        following = self.peek()
        if token.text in ("-", "+") and following and following.start == token.end and following.kind in _MARKABLE:
            # -"a phrase", -(a group): without it, as -word is; +"a phrase": required, as it is
            return Not(self.unary()) if token.text == "-" else self.unary()
        if token.kind == "phrase":
            inside, _, boost = token.text[1:].rpartition('"')
            return self.phrase(inside, token, self.boost(boost[1:] or None, token))
        return self.word(token)

    def phrase(self, inside: str, token: _Token, boost: float = 1.0):
        words = tuple(words_of(inside))
        if not words:
            return Everything()
        if len(words) == 1:
            return Word(words[0], boost)
        return Phrase(words, boost)

    def word(self, token: _Token):
        """A word with its leading marks: each - negates it (not before a digit: -5 is a
        word), + asks for it; read in a loop (999 of them recursed past Python's stack)."""
        start, text, negated = token.start, token.text, False
        while len(text) > 1 and (text[0] == "+" or (text[0] == "-" and not text[1].isdigit())):
            negated ^= text[0] == "-"
            text, start = text[1:], start + 1
        node = self.bare_word(_Token("word", text, start, token.end))
        return Not(node) if negated else node

    def bare_word(self, token: _Token):
        text = token.text
        fielded = _FIELDED.fullmatch(text)
        if fielded and fielded["name"].lower() == DATE_FIELD:
            value = fielded["value"]
            self.periods.append((value, token.start, token.end))
            return Everything()
        if fielded and fielded["name"].lower() in _FIELD_NAMES:
            return self.field(_FIELD_NAMES[fielded["name"].lower()], fielded["value"], token)
        suffix = _SUFFIX.fullmatch(text)
        stem_, boost = suffix["stem"], self.boost(suffix["boost"], token)
        if suffix["distance"] is not None and "~" in text:
            return self.fuzzy_term(stem_, suffix, boost, token)
        if "*" in stem_ or "?" in stem_:
            return self.wildcard(stem_, boost, token)
        words = words_of(stem_)
        if not words:
            return Everything()  # punctuation alone asks for nothing
        nodes = [Word(w, boost) for w in words]
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def field(self, facet: str, value: str, token: _Token):
        if value[:1] in ("[", "{"):
            bounds = _RANGE.fullmatch(value)
            if bounds is None:
                raise QueryError(N_("has a range that is not [low TO high]"), token.start, token.end)
            return Range(facet, bounds["low"], bounds["high"])
        if not value:  # kind:"news report", the value quoted right after the colon
            following = self.peek()
            if following is not None and following.kind == "phrase" and following.start == token.end:
                value = self.take().text[1:-1].strip()
        if not value:
            raise QueryError(N_("%(field)s: needs a value"), token.start, token.end, params={"field": token.text[:-1]})
        return Field(facet, value)

    def fuzzy_term(self, text: str, suffix, boost: float, token: _Token):
        distance = int(suffix["distance"] or 1)
        if distance > MAX_FUZZY_DISTANCE:
            raise QueryError(
                N_("asks for a fuzzy term more than %(limit)s letters away; write word~1 or word~2"),
                token.start,
                token.end,
                params={"limit": MAX_FUZZY_DISTANCE},
            )
        words = words_of(text)
        if len(words) != 1 or "*" in text or "?" in text:
            raise QueryError(N_("a fuzzy term (word~) must be one word"), token.start, token.end)
        self.fuzzy.append((token.start, token.end))
        prefix = min(int(suffix["prefix"] or 1), len(words[0]))
        return Fuzzy(fold_accents(words[0]), max(distance, 1), prefix, boost)

    def wildcard(self, text: str, boost: float, token: _Token):
        folded = fold_accents(text)
        literal = re.split(r"[*?]", folded, maxsplit=1)[0]
        if len(literal) < MIN_LITERAL or not _WORD.fullmatch(re.sub(r"[*?]", "a", folded)):
            raise QueryError(
                N_("needs at least %(letters)s letters before * or ?, in one word"),
                token.start,
                token.end,
                params={"letters": MIN_LITERAL},
            )
        if folded.endswith("*") and folded.count("*") == 1 and "?" not in folded:
            return Prefix(folded[:-1], boost)
        return Wildcard(folded, boost)

    @staticmethod
    def boost(written: str | None, token: _Token) -> float:
        if written is None:
            return 1.0
        try:
            value = float(written)
        except ValueError:
            value = -1.0
        if not 0 < value <= MAX_BOOST:
            raise QueryError(
                N_("has a weight (word^n) that is not a number from 0 to %(limit)s"),
                token.start,
                token.end,
                params={"limit": int(MAX_BOOST)},
            )
        return value


def _simplify(node):
    """Fold the parts that match everything or nothing into their neighbours."""
    if isinstance(node, Not):
        inner = _simplify(node.part)
        if isinstance(inner, Everything):
            return Nothing()
        if isinstance(inner, Nothing):
            return Everything()
        return Not(inner)
    if isinstance(node, (And, Or)):
        absorbing, neutral = (Nothing, Everything) if isinstance(node, And) else (Everything, Nothing)
        parts = [_simplify(p) for p in node.parts]
        if any(isinstance(p, absorbing) for p in parts):
            return absorbing()
        parts = [p for p in parts if not isinstance(p, neutral)]
        if not parts:
            return neutral()
        return parts[0] if len(parts) == 1 else type(node)(tuple(parts))
    return node


# -- suggestions --------------------------------------------------------------------------------


def suggest(text: str, visible: Callable[[str], bool], near: Callable[[str], Iterable[str]]) -> str | None:
    """The query with each word corrected to the nearest word of a document the reader may see:
    `visible(word)` says whether one holds the folded word, `near(word)` lists the index's words
    close to it, nearest first. None when nothing was corrected.

    Short words and words with digits stay as typed (ids, years); a suggestion never offers a
    word only hidden documents hold."""

    def correct(word: str) -> str:
        folded = fold_accents(word)
        if len(word) < 4 or any(c.isdigit() for c in word) or visible(folded):
            return word
        return next((other for other in near(folded) if visible(other)), word)

    words = re.findall(r"\w+", text)
    corrected = [correct(word) for word in words]
    return " ".join(corrected) if corrected != words else None
