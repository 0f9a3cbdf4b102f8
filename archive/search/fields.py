"""The Whoosh schema (also the vocabulary of the PostgreSQL backend's vectors) and the
analyzers the snippets (snippets.py) highlight with. The query language is language.py's."""

from __future__ import annotations

import re

from whoosh.analysis import Token
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from archive.search.analysis import (
    TOKEN_PATTERN,
    fold_analyzer,
    spelling_analyzer,
    text_analyzer,
)
from archive.search.gazetteer import place_key
from archive.search.language import FACET_FIELDS, fold_term, text_term

TEXT_ANALYZER = text_analyzer()


def schema() -> Schema:
    facets = {f.name: KEYWORD(stored=True, commas=True, lowercase=False, scorable=False) for f in FACET_FIELDS}
    return Schema(
        id=ID(stored=True, unique=True),
        version=STORED(),
        title=STORED(),
        body=STORED(),  # the public text, for snippets
        # title and body, stemmed per script; where words stand is in sequences.py's files
        text=TEXT(analyzer=text_analyzer(), phrase=False),
        fold=TEXT(analyzer=fold_analyzer(), phrase=False),
        # Spelling suggestions: candidates from this word list, each kept only if a document
        # the reader may see contains it (a suggestion must not reveal a hidden document).
        words=TEXT(analyzer=spelling_analyzer(), phrase=False),
        # "consent:status": access is one required term of the query, which Whoosh intersects
        # with the matches as it goes, instead of a filter set built for every search
        access=ID(),
        published=NUMERIC(bits=32, sortable=True),
        published_iso=STORED(),
        events_start=NUMERIC(bits=32, sortable=True),
        events_end=NUMERIC(bits=32, sortable=True),
        **facets,
    )


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


# the fold field's place keys (gazetteer.py) are marked by a third pass over the text
_HIGHLIGHTED = (
    ("text", _QueryTokens(text_term)),
    ("fold", _QueryTokens(fold_term)),
    ("place", _QueryTokens(place_key)),
)
