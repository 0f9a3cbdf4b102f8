"""What both search backends share: the fields and their analysis (the Whoosh schema, also the
vocabulary of the PostgreSQL backend), the query parser, and the snippets of the final page."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from whoosh import qparser
from whoosh import query as wq
from whoosh.analysis import Token
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
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


def parse_query(text: str):
    """Parse the user's query, or raise ValidationError with a helpful message.

    The parsed query is kept for the next time the same words are asked (queries repeat, and
    Whoosh's parser costs half a millisecond); nothing evaluating a query changes it."""
    return _parse((text or "").strip())


@lru_cache(maxsize=4096)
def _parse(text: str):
    if not text:
        return Every()
    if len(text) > 1000:
        raise ValidationError("is longer than 1000 characters", field="q")
    if text.count('"') % 2:
        raise ValidationError('has an unclosed quotation mark (")', field="q")
    if text.count("(") != text.count(")"):
        raise ValidationError("has unbalanced brackets", field="q")
    text = re.sub(r"\b(\w+):", lambda m: f"{FIELD_ALIASES.get(m.group(1).lower(), m.group(1))}:", text)
    parser = qparser.MultifieldParser(["text", "fold"], _SCHEMA, fieldboosts={"fold": 0.6})
    parser.add_plugin(qparser.FuzzyTermPlugin())
    try:
        parsed = parser.parse(text)
    except Exception as exc:  # noqa: BLE001 - Whoosh raises many kinds on odd input
        raise ValidationError(QUERY_HELP, field="q") from exc
    _bound_fuzzy_terms(parsed)
    return parsed


MAX_FUZZY_DISTANCE = 2  # letters a fuzzy term may differ by (word~2)
MAX_FUZZY_TERMS = 3  # fuzzy words in one query


def _bound_fuzzy_terms(parsed) -> None:
    """Refuse fuzzy terms that would make a search take seconds: a large edit distance, or
    many fuzzy words at once (each is matched against the whole vocabulary)."""
    fuzzy = [q for q in parsed.leaves() if isinstance(q, wq.FuzzyTerm)]  # a leaf yields itself
    if any(q.maxdist > MAX_FUZZY_DISTANCE for q in fuzzy):
        raise ValidationError(
            f"asks for a fuzzy term more than {MAX_FUZZY_DISTANCE} letters away; write word~1 or word~2", field="q"
        )
    # "text" and "fold" each get a copy of every word: count the words, not the copies
    words = {q.text for q in fuzzy if q.fieldname == "text"} or {q.text for q in fuzzy}
    if len(words) > MAX_FUZZY_TERMS:
        raise ValidationError(f"has more than {MAX_FUZZY_TERMS} fuzzy terms (word~); use fewer", field="q")


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


def snippet(body: str, terms: set) -> str:
    """Up to two passages around the matched words, from the whole public text: first the
    words as stemmed, then their other-script spellings (Kadyrov marks Кадыров)."""
    for field, analyzer in _HIGHLIGHTED:
        words = {text for name, text in terms if name == field}
        if words:
            fragmenter = ContextFragmenter(maxchars=240, surround=60, charlimit=None)
            formatter = HtmlFormatter(tagname="mark", between=" … ")
            snippet = highlight(body, words, analyzer, fragmenter, formatter, top=2)
            if snippet:
                return snippet
    return html.escape(body[:240])
