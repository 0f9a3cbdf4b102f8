"""What both search backends share: the fields and their analysis (the Whoosh schema, also the
vocabulary of the PostgreSQL backend), the query parser and its errors, and the analyzers the
snippets (snippets.py) highlight with."""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh import qparser
from whoosh import query as wq
from whoosh.analysis import Token
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import Every

from archive.errors import ValidationError
from archive.search.analysis import (
    TOKEN_PATTERN,
    fold_accents,
    fold_analyzer,
    fold_key,
    pair_analyzer,
    spelling_analyzer,
    stem,
    text_analyzer,
)

TEXT_ANALYZER = text_analyzer()
QUERY_HELP = (
    'could not be understood; use words, "exact phrases", AND/OR/NOT, kind:…, place:…, lang:…, prefix* and fuzzy~ terms'
)
FIELD_ALIASES = {
    "lang": "language",
    "kind": "kind",
    "place": "place",
    "tag": "tag",
    "case": "case",
    "year": "year",
    "language": "language",
}


def schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        version=STORED(),
        title=STORED(),
        body=STORED(),  # the public text, for snippets
        text=TEXT(analyzer=text_analyzer()),  # title and body, stemmed per script
        fold=TEXT(analyzer=fold_analyzer()),
        pairs=TEXT(analyzer=pair_analyzer(), phrase=False),
        # Spelling suggestions: candidates from this word list, each kept only if a document
        # the reader may see contains it (a suggestion must not reveal a hidden document).
        words=TEXT(analyzer=spelling_analyzer(), phrase=False),
        case=ID(stored=True, sortable=True),
        kind=ID(stored=True, sortable=True),
        language=ID(stored=True, sortable=True),
        place=KEYWORD(stored=True, commas=True, lowercase=False),
        tag=KEYWORD(stored=True, commas=True, lowercase=False),
        year=ID(stored=True),
        # "consent:status": access is one required term of the query, which Whoosh intersects
        # with the matches as it goes, instead of a filter set built for every search
        access=ID(),
        published=NUMERIC(bits=32, sortable=True),
        published_iso=STORED(),
        events_start=NUMERIC(bits=32, sortable=True),
        events_end=NUMERIC(bits=32, sortable=True),
    )


_SCHEMA = schema()


class QueryError(ValidationError):
    """A query that cannot be searched, and where: `start` and `end` are the characters of
    the query at fault (None when the fault is the whole query)."""

    def __init__(
        self,
        message: str,
        start: int | None = None,
        end: int | None = None,
        field: str = "q",
        params: dict | None = None,
    ):
        super().__init__(message, field=field, params=params)
        self.start, self.end = start, end

    def moved(self, by: int) -> QueryError:
        """The same error, its characters counted `by` further on."""
        if self.start is None:
            return self
        return QueryError(self.template, self.start + by, self.end + by, self.field, self.params)


def parse_query(text: str):
    """Parse the user's query, or raise QueryError with a helpful message and the place of
    the fault in `text`.

    The parsed query is kept for the next time the same words are asked (queries repeat, and
    Whoosh's parser costs half a millisecond); nothing evaluating a query changes it."""
    text = text or ""
    try:
        return _parse(text.strip())
    except QueryError as exc:
        raise exc.moved(len(text) - len(text.lstrip())) from exc.__cause__


MAX_LENGTH = 1000  # characters of a query


@lru_cache(maxsize=4096)
def _parse(text: str):
    if not text:
        return Every()
    if len(text) > MAX_LENGTH:
        raise QueryError(f"is longer than {MAX_LENGTH} characters", MAX_LENGTH, len(text))
    if text.count('"') % 2:
        last = text.rindex('"')
        raise QueryError('has an unclosed quotation mark (")', last, last + 1)
    if text.count("(") != text.count(")"):
        at = _unmatched_bracket(text)
        raise QueryError("has unbalanced brackets", at, at + 1)
    aliased = re.sub(r"\b(\w+):", lambda m: f"{FIELD_ALIASES.get(m.group(1).lower(), m.group(1))}:", text)
    parser = qparser.MultifieldParser(["text", "fold"], _SCHEMA, fieldboosts={"fold": 0.6})
    parser.add_plugin(qparser.FuzzyTermPlugin())
    try:
        parsed = parser.parse(aliased)
    except Exception as exc:  # noqa: BLE001 - Whoosh raises many kinds on odd input
        raise QueryError(QUERY_HELP) from exc
    _bound_fuzzy_terms(parsed, text)
    return parsed


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


MAX_FUZZY_DISTANCE = 2  # letters a fuzzy term may differ by (word~2)
MAX_FUZZY_TERMS = 3  # fuzzy words in one query
_FUZZY = re.compile(r'[^\s~"()]+~(?P<distance>[0-9])?(?:/[1-9])?')  # as FuzzyTermPlugin reads them


def _bound_fuzzy_terms(parsed, text: str) -> None:
    """Refuse fuzzy terms that would make a search take seconds: a large edit distance, or
    many fuzzy words at once (each is matched against the whole vocabulary)."""
    fuzzy = [q for q in parsed.leaves() if isinstance(q, wq.FuzzyTerm)]  # a leaf yields itself
    written = list(_FUZZY.finditer(text))
    if any(q.maxdist > MAX_FUZZY_DISTANCE for q in fuzzy):
        far = [m.span() for m in written if int(m["distance"] or 1) > MAX_FUZZY_DISTANCE]
        raise QueryError(
            f"asks for a fuzzy term more than {MAX_FUZZY_DISTANCE} letters away; write word~1 or word~2",
            *(far[0] if far else (None, None)),
        )
    # "text" and "fold" each get a copy of every word: count the words, not the copies
    words = {q.text for q in fuzzy if q.fieldname == "text"} or {q.text for q in fuzzy}
    if len(words) > MAX_FUZZY_TERMS:
        extra = written[MAX_FUZZY_TERMS].span() if len(written) > MAX_FUZZY_TERMS else (None, None)
        raise QueryError(f"has more than {MAX_FUZZY_TERMS} fuzzy terms (word~); use fewer", *extra)


@lru_cache(maxsize=500_000)
def _text_term(word: str) -> str:
    return stem(fold_accents(word))  # fold_accents lower-cases, as LowercaseFilter did


@lru_cache(maxsize=500_000)
def _fold_term(word: str) -> str:
    return fold_key(fold_accents(word))


class _QueryTokens:
    """What text_analyzer() or fold_analyzer() make of a text in query mode, with characters, in
    one loop: the highlighter analyses the whole text of each hit, and Whoosh's chain of
    filters, one generator each, was most of a search's time once the search itself was fast."""

    _pattern = re.compile(TOKEN_PATTERN)

    def __init__(self, term):
        self.term = term

    def __call__(self, value: str, mode: str = "query", **_options):
        token = Token(chars=True, removestops=False, mode=mode)
        term = self.term
        for match in self._pattern.finditer(value):
            token.text = term(match.group(0))
            token.boost = 1.0
            token.stopped = False
            token.startchar, token.endchar = match.span()
            yield token


_HIGHLIGHTED = (("text", _QueryTokens(_text_term)), ("fold", _QueryTokens(_fold_term)))
