"""Property tests of the query path: any query a reader can type, with operators, quotes,
brackets, fields, wildcards, dates and any script, is answered or refused with a clear error,
never a crash, and never lets a hidden document through."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.errors import ValidationError
from archive.search.query import search_documents
from archive.services import get_db

HIDDEN = "HIDDENPROPERTYCANARY"
UNASKED = "UNASKEDSECONDCANARY"  # in the hidden document only, never in a query
# words of both documents (the hidden one's too: queries aim at it), and query syntax
WORDS = ["Kadyrov", "detained", "задержан", "Грозный", "men", "2017", HIDDEN, "hidden*"]
SYNTAX = ['"', "(", ")", "AND", "OR", "NOT", "-", "*", "?", "~", "^", ":", "date:", "kind:",
          "title:", "[", "]", "{", "}", "\\", "/", "..", "2017-02/2017-04", "’", "\x00",
          " "]  # fmt: skip
QUERY = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(SYNTAX), st.text(max_size=8)), max_size=12).map(
    " ".join
)


@pytest.fixture
def indexed(app, make_document):
    make_document(title="Public account", body="Kadyrov denied that men were detained in 2017.")
    hidden = f"{HIDDEN} Грозный задержан {UNASKED}."
    make_document(title="Закрытое", consent="custodians", body=hidden)
    return app


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERY, sort=st.sampled_from(["relevance", "date"]))
def test_any_query_is_answered_or_refused_and_never_reaches_hidden_text(indexed, q, sort):
    backend = indexed.extensions["archive.search"]
    try:
        with indexed.app_context(), get_db(indexed).session() as session:
            results = search_documents(backend, None, session, q, sort=sort)
    except ValidationError as exc:
        assert exc.message and HIDDEN not in exc.message
        return
    assert results.total >= 0
    for hit in results.hits:
        assert hit.title == "Public account"
        assert UNASKED.lower() not in (hit.snippet or "").lower()


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERY)
def test_the_search_page_and_api_never_fail_on_any_query(indexed, q):
    client = indexed.test_client()
    for path in ("/search", "/api/v1/search"):
        response = client.get(path, query_string={"q": q})
        assert response.status_code in (200, 400), (path, q)
        body = response.get_data(as_text=True)  # the page repeats the query; nothing else
        assert UNASKED not in body and "Закрытое" not in body


@given(st.text(alphabet=st.sampled_from("aZéёЁКадыровGrozny-’' .,\n1"), max_size=60))
def test_the_highlighters_tokens_are_the_analyzers(text):
    """Snippets read the text through a one-loop copy of each analyzer (query mode): the same
    words at the same places, or a highlighted passage would not be the one that matched."""
    from archive.search.analysis import fold_analyzer, text_analyzer
    from archive.search.fields import _HIGHLIGHTED

    def tokens(analyzer):
        return [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="query", removestops=False)]

    fast = dict(_HIGHLIGHTED)
    assert tokens(fast["text"]) == tokens(text_analyzer())
    # the index keys capitalised words only (index mode): the highlighter marks no other
    keyed = fold_analyzer()(text, chars=True, mode="index", removestops=False)
    spelled = [(t.text, t.startchar, t.endchar) for t in keyed if not t.text.startswith("@")]  # place keys apart
    assert [t for t in tokens(fast["fold"]) if t[0]] == spelled


@given(
    text=st.text(alphabet=st.sampled_from("aZéёЁКадыровGrozny-’'‘ .,\n1_\u0301x"), max_size=80),
    picks=st.lists(st.integers(min_value=0, max_value=40), max_size=4),
    seen=st.text(alphabet=st.sampled_from("aZéёКадыровGrozny-’ 1"), max_size=40),
)
def test_snippets_find_the_same_words_as_the_analyzers(text, picks, seen):
    """snippets._Seen keeps each word's term for the process, and _starts finds the matched
    words by their text: together they must find exactly the tokens the analyzer finds, at
    the same places, whatever other texts were read before (`seen`)."""
    from archive.search.fields import _HIGHLIGHTED
    from archive.search.snippets import _TOKEN, _Seen, _starts

    distinct = set(_TOKEN.findall(text))  # as snippet() reads them, once for every pass
    for _, analyzer in _HIGHLIGHTED:
        kept = _Seen(analyzer.term)
        kept.matching(set(_TOKEN.findall(seen)), {"x"})
        tokens = list(analyzer(text))
        words = {tokens[n % len(tokens)].text for n in picks} - {""} if tokens else set()
        expected = [t.startchar for t in analyzer(text) if t.text in words]
        matched = kept.matching(distinct, words)
        assert matched == {t for t in distinct if analyzer.term(t) in words}
        assert _starts(text, matched) == expected
        assert kept.matching(distinct, words) == matched  # (read again: every word kept)


def test_snippets_begin_again_once_they_keep_too_many_words(monkeypatch):
    """Past KEPT_WORDS words the terms kept are dropped, and a text's words all read anew
    (those read before it too)."""
    from archive.search import snippets
    from archive.search.language import text_term

    monkeypatch.setattr(snippets, "KEPT_WORDS", 4)
    kept = snippets._Seen(text_term)
    assert kept.matching({"detained", "men", "held"}, {text_term("detained")}) == {"detained"}
    assert kept.matching({"held", "Grozny", "Argun"}, {text_term("held")}) == {"held"}
    assert kept.seen == {"held", "Grozny", "Argun"}


def test_snippets_find_a_word_where_it_stands_alone_not_inside_a_joined_one():
    """A word matched is marked where it is a token of its own: not inside `Argun-Shali`,
    `don't` or `Argun’s` (joined by - ' ’), nor a word another text gave the same term."""
    from archive.search.fields import _HIGHLIGHTED
    from archive.search.snippets import _TOKEN, _Seen, _starts

    text = "Argun-Shali, don't; Argun’s men. Argun, t, -Argun- and 'Argun' shali"
    term = dict(_HIGHLIGHTED)["text"].term
    kept = _Seen(term)
    kept.matching({"Shali", "ARGUN"}, {"x"})  # read before: the same terms as `shali`, `Argun`
    words = {term("Argun"), term("t"), term("shali")}
    matched = kept.matching(set(_TOKEN.findall(text)), words)
    assert matched == {"Argun", "t", "shali"}
    assert _starts(text, matched) == [m.start() for m in _TOKEN.finditer(text) if m.group() in matched]
    assert [text[at : at + 5] for at in _starts(text, matched)] == ["Argun", "t, -A", "Argun", "Argun", "shali"]


@given(
    st.lists(
        st.sampled_from(
            [
                "https://example.org/a_(b)",
                "www.test.ru",
                "kanar@mail.ru",
                "word",
                "(",
                ")",
                "**",
                "- ",
                "\n",
                "\n\n",
                "<b>",
                "</b>",
                "`",
                "## ",
                "Кадыров",
                " ",
            ]
        ),  # fmt: skip
        max_size=20,
    ).map("".join)
)
def test_snippet_text_is_the_pages_text_without_links_made(markdown):
    """Snippets render without making links of addresses (a third of the time): the words
    a reader sees must be the same."""
    from archive.rendering import plain_text, render_markdown

    assert plain_text(render_markdown(markdown, linkify=False)) == plain_text(render_markdown(markdown))
