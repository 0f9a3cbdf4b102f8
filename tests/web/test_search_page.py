"""The search page as readers meet it (issue 21): snippets as plain text, dates at their
precision, query errors on the page itself, date range controls, facet names, the
cross-script hint, the help page, and facets folded away on small screens."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import CLI


class _Elements(HTMLParser):
    """Each element's attributes, in the order of the page, and the text inside given ids."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(text: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(text)
    return parser.elements


def by_id(text: str, ident: str) -> dict:
    found = [attrs for _, attrs in elements(text) if attrs.get("id") == ident]
    assert len(found) == 1, f"{len(found)} elements with id {ident}"
    return found[0]


def section(text: str, ident: str) -> str:
    """The markup from the element with this id to the end of its block (a crude cut that
    is enough for these pages: up to the next closing tag of its kind)."""
    start = text.index(f'id="{ident}"')
    tag = text.rfind("<", 0, start)
    name = re.match(r"<(\w+)", text[tag:])[1]
    return text[tag : text.index(f"</{name}>", start)]


def words_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def get(client, path="/search", lang="en", **params):
    return client.get(path, query_string=params, headers={"Accept-Language": lang})


# -- 1. snippets ---------------------------------------------------------------------------------

TESTIMONY = """## Length of detention

He was held for **52** days near the river.

- electric shocks;
- beatings.

He called +7 928 417-53-96 from the station and was released.
"""


def test_snippets_are_plain_text_of_the_rendered_markdown_with_matches_marked(client, make_document):
    make_document(title="Account", body=TESTIMONY)
    for q, marked in (("detention", "detention"), ("52", "52"), ("shocks", "shocks")):
        (item,) = client.get("/api/v1/search", query_string={"q": q}).get_json()["items"]
        assert f"{marked}</mark>" in item["snippet"], item["snippet"]
        plain = re.sub(r"</?mark[^>]*>", "", item["snippet"])
        for markup in ("##", "**", "- electric"):
            assert markup not in plain, (q, item["snippet"])
        page = get(client, q=q).text
        snippet = section(page, "results-h")
        assert f"{marked}</mark>" in page and "**52**" not in snippet and "## " not in snippet


def test_snippets_hold_only_the_public_text(client, make_document):
    """The phone number is redacted before anything is indexed: no snippet shows it."""
    make_document(title="Account", body=TESTIMONY)
    (item,) = client.get("/api/v1/search", query_string={"q": "released"}).get_json()["items"]
    assert "released</mark>" in item["snippet"]
    assert "[phone]" in item["snippet"]
    assert "928" not in item["snippet"] and "417" not in item["snippet"]


# -- 2. dates at their precision -----------------------------------------------------------------


@pytest.fixture
def fuzzy_dated(make_document) -> dict[str, int]:
    return {
        "2017-09?": make_document(title="Uncertain month", body="Dated words one.\n", published="2017-09?"),
        "2017-06~": make_document(title="About a month", body="Dated words two.\n", published="2017-06~"),
        "2017-04-21": make_document(title="A known day", body="Dated words three.\n", published="2017-04-21"),
    }


def test_results_show_dates_as_recorded_never_a_first_day(client, fuzzy_dated):
    page = get(client, q="dated").text
    assert "possibly September 2017" in page and "about June 2017" in page and "21 April 2017" in page
    assert "2017-09-01" not in page and "2017-06-01" not in page


def test_the_api_gives_the_edtf_value_and_its_wording(client, fuzzy_dated):
    found = client.get("/api/v1/search", query_string={"q": "dated"}, headers={"Accept-Language": "ru"})
    items = {item["id"]: item for item in found.get_json()["items"]}
    uncertain, about = items[fuzzy_dated["2017-09?"]], items[fuzzy_dated["2017-06~"]]
    assert uncertain["published"] == "2017-09?" and about["published"] == "2017-06~"
    assert items[fuzzy_dated["2017-04-21"]]["published"] == "2017-04-21"
    assert uncertain["date_display"] == "предположительно сентябрь 2017\u202fг."
    assert about["date_display"] == "около июня 2017\u202fг."


def test_dates_on_the_page_are_in_the_readers_language(client, fuzzy_dated):
    assert "около июня 2017" in get(client, lang="ru", q="dated").text


# -- 3. query errors on the search page ----------------------------------------------------------

FAULTS = [
    # query, field, the part marked, the character it starts at (1-based)
    ('torture "electric shocks', "q", '"', 9),
    ("(detained OR tortured", "q", "(", 1),
    ("detained) hotline", "q", ")", 9),
    ("report date:2017-13", "date", "date:2017-13", 8),
    ("report date:yesterday", "date", "date:yesterday", 8),
    ("kadyrov~5 report", "q", "kadyrov~5", 1),
    ("  alpha~1 bravo~1 charlie~1 delta~1", "q", "delta~1", 29),
]


@pytest.mark.parametrize(("q", "field", "marked", "at"), FAULTS)
def test_a_malformed_query_is_shown_on_the_page_with_its_fault_marked(client, make_document, q, field, marked, at):
    make_document(body="Reported words.\n")
    response = get(client, q=q)
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = response.text
    box = by_id(page, "q")
    assert box["value"] == q  # the query kept, to be corrected
    assert box["aria-invalid"] == "true" and "search-error" in box["aria-describedby"]
    error = section(page, "search-error")
    assert 'role="alert"' in error
    assert html.unescape(re.search(r'<mark class="fault">([^<]*)</mark>', error)[1]) == marked
    assert f"character {at} " in words_of(error)
    assert 'href="/search/help"' in error
    # the API gives the same message, as JSON
    api = client.get("/api/v1/search", query_string={"q": q})
    assert api.status_code == 400 and api.get_json()["field"] == field
    assert api.get_json()["error"].partition(": ")[2] in words_of(error)  # "q: has an unclosed …"


def test_a_bad_date_box_is_marked_and_kept(client):
    page = get(client, q="report", **{"from": "yesterday"})
    assert page.status_code == 400
    box = by_id(page.text, "from")
    assert box["value"] == "yesterday" and box["aria-invalid"] == "true"
    assert "From: 'yesterday' is not a date" in words_of(section(page.text, "search-error"))
    assert by_id(page.text, "q")["value"] == "report"


# -- 4. date range controls ----------------------------------------------------------------------


@pytest.fixture
def periods(make_document) -> dict[str, int]:
    return {
        "feb": make_document(title="February", body="Period words.\n", events="2017-02"),
        "jun": make_document(title="June", body="Period words.\n", events="2017-06"),
        "undated": make_document(title="Undated", body="Period words.\n"),
    }


def _labels(text: str) -> dict[str, str]:
    return {m[1]: words_of(m[2]) for m in re.finditer(r'<label for="([^"]+)">(.*?)</label>', text)}


def test_the_date_range_boxes_are_visible_and_labelled(client):
    page = get(client).text
    labels = _labels(page)
    assert labels["from"] == "From" and labels["to"] == "To"
    for ident in ("from", "to"):
        box = by_id(page, ident)
        assert box.get("type") == "text" and box["name"] == ident and "dates-help" in box["aria-describedby"]
    assert "2017-04-21" in words_of(section(page, "dates-help"))
    assert '<input type="hidden" name="from"' not in page and '<input type="hidden" name="to"' not in page


def test_an_active_date_filter_is_said_with_a_way_to_clear_it(client, periods):
    page = get(client, q="period", **{"from": "2017-05", "to": "2017-12"}).text
    assert by_id(page, "from")["value"] == "2017-05" and by_id(page, "to")["value"] == "2017-12"
    notice = section(page, "date-filter")
    assert "between May 2017 and December 2017" in words_of(notice)
    assert "no date of events are left out" in words_of(notice)
    clear = re.search(r'<a href="([^"]+)">Clear the dates</a>', notice)[1]
    assert parse_qs(urlsplit(html.unescape(clear)).query) == {"q": ["period"]}
    hits = re.findall(r'<a href="/documents/(\d+)"', page)
    assert hits == [str(periods["jun"])]
    everything = re.findall(r'<a href="/documents/(\d+)"', client.get(html.unescape(clear)).text)
    assert sorted(map(int, everything)) == sorted(periods.values())


def test_a_date_term_in_the_query_is_said_too_and_cleared_from_it(client, periods):
    page = get(client, q="period date:2017-02").text
    notice = section(page, "date-filter")
    assert "Only documents about events in February 2017." in words_of(notice)
    clear = re.search(r'<a href="([^"]+)">Clear the dates</a>', notice)[1]
    assert parse_qs(urlsplit(html.unescape(clear)).query) == {"q": ["period"]}


def test_no_date_notice_without_a_date_filter(client, periods):
    assert 'id="date-filter"' not in get(client, q="period").text


def test_date_terms_and_boxes_all_apply(client, periods):
    found = client.get("/api/v1/search", query_string={"q": "period date:2017", "from": "2017-05"}).get_json()
    assert [i["id"] for i in found["items"]] == [periods["jun"]]


# -- 5. facet names ------------------------------------------------------------------------------


@pytest.fixture
def two_languages(make_case, make_document) -> None:
    make_case("chechnya-2017", "Persecution of gay men in Chechnya, 2017")
    make_document(case="chechnya-2017", kind="news_report", language="en", body="Facet words.\n")
    make_document(case="chechnya-2017", kind="official_statement", language="ru", body="Слова фасетов.\n")


def _facet_texts(page: str) -> list[str]:
    return [words_of(m) for m in re.findall(r'class="facet-link">([^<]*)</a>', page)]


def test_facets_and_results_show_names_not_codes(client, two_languages):
    page = get(client).text
    shown = _facet_texts(page)
    assert {"English", "Russian", "news report", "official statement"} <= set(shown)
    assert "Persecution of gay men in Chechnya, 2017" in shown
    for code in ("en", "ru", "chechnya-2017", "news_report", "official_statement"):
        assert code not in shown
    metas = [words_of(m) for m in re.findall(r'<p class="meta"><span class="kind.*?</p>', page)]
    assert any(m.startswith("news report · English") for m in metas), metas


def test_language_names_are_in_the_readers_language(client, two_languages):
    shown = _facet_texts(get(client, lang="ru").text)
    assert "Русский" in shown and "Английский" in shown


# -- 6. the cross-script hint --------------------------------------------------------------------


def test_latin_words_with_russian_documents_get_a_hint_and_a_transliterated_query(client, make_document):
    make_document(language="en", body="The men were held.\n")
    make_document(language="ru", body="Его задержан был в подвале.\n")
    page = get(client, q="zaderzhan").text
    hint = words_of(section(page, "script-hint"))
    assert "Words in Latin letters find text in Latin letters, and names in either script" in hint
    assert "Words are not translated: to find the documents in Russian, search with words in Cyrillic" in hint
    link = re.search(r'<a href="([^"]+)" class="transliterated">([^<]*)</a>', page)
    assert link[2] == "задержан"
    assert parse_qs(urlsplit(html.unescape(link[1])).query)["q"] == ["задержан"]


def test_cyrillic_words_with_english_documents_get_the_hint_the_other_way(client, make_document):
    make_document(language="en", body="The men were held.\n")
    make_document(language="ru", body="Его задержан был в подвале.\n")
    hint = words_of(section(get(client, q="подвал").text, "script-hint"))
    assert "Words in Cyrillic letters" in hint and "documents in English, search with words in Latin letters" in hint


def test_no_hint_when_the_query_already_finds_documents_in_the_other_script(client, make_document):
    make_document(language="en", body="Kadyrov denied it.\n")
    make_document(language="ru", body="Рамзан Кадыров отрицал.\n")
    page = get(client, q="Kadyrov").text
    assert len(re.findall(r'<li class="hit">', page)) == 2
    assert 'id="script-hint"' not in page


def test_no_transliteration_is_offered_when_it_finds_nothing(client, make_document):
    make_document(language="ru", body="Его задержан был в подвале.\n")
    page = get(client, q="torture").text
    assert 'id="script-hint"' in page and 'class="transliterated"' not in page


@pytest.mark.parametrize("hidden", [{"status": "draft"}, {"consent": "researchers"}])
def test_no_hint_about_documents_the_reader_may_not_see(client, make_document, hidden):
    make_document(language="en", body="The men were held.\n")
    make_document(language="ru", body="Его задержан был в подвале.\n", **hidden)
    page = get(client, q="zaderzhan").text
    assert 'id="script-hint"' not in page and "задержан" not in page


def test_no_hint_for_a_query_of_both_scripts_or_of_fields_only(client, make_document):
    make_document(language="en", body="The men were held.\n")
    make_document(language="ru", body="Его задержан был в подвале.\n")
    for q in ("held задержан", "lang:ru", "date:2017", "2017"):
        assert 'id="script-hint"' not in get(client, q=q).text, q


# -- 7. the help page ----------------------------------------------------------------------------


@pytest.fixture
def corpus_client(corpus_app):
    from archive.search.indexing import reindex
    from archive.services import get_db

    with corpus_app.app_context(), get_db(corpus_app).session() as session:
        reindex(session, corpus_app.extensions["archive.search"], CLI)
    return corpus_app.test_client()


def test_the_search_page_links_to_the_help_page(client):
    assert 'href="/search/help"' in get(client).text


def test_every_example_of_the_help_page_finds_documents_of_the_sample_case(corpus_client):
    page = corpus_client.get("/search/help")
    assert page.status_code == 200
    links = re.findall(r'class="example" href="([^"]+)"', page.text)
    examples = [parse_qs(urlsplit(html.unescape(h)).query)["q"][0] for h in links]
    assert len(examples) >= 20
    for q in examples:
        found = corpus_client.get("/api/v1/search", query_string={"q": q})
        assert found.status_code == 200, (q, found.get_json())
        assert found.get_json()["total"] > 0, q


@pytest.mark.parametrize(
    "operator",
    ['"', "AND", "OR", "NOT", '-"', "(", "*", "~", "kind:", "lang:", "place:", "tag:", "case:", "year:", "[", "date:"]
    + [".."],
)
def test_the_help_page_explains_every_operator_the_parser_reads(client, operator):
    examples = re.findall(r'class="example" href="[^"]+"><code>([^<]*)</code>', client.get("/search/help").text)
    assert any(operator in html.unescape(e) for e in examples), operator


# -- 8. facets folded on small screens -----------------------------------------------------------


def test_the_facets_are_a_closed_disclosure_before_the_results(client, make_document):
    make_document(body="Layout words.\n", tags=["detention"], places=["Argun"])
    page = get(client, q="layout", tag="detention").text
    details = re.search(r"<details[^>]*>", page)[0]
    assert 'class="refine"' in details and " open" not in details
    assert page.index("<details") < page.index('id="results-h"')
    summary = words_of(re.search(r"<summary>(.*?)</summary>", page, re.S)[1])
    assert summary == "Refine (1 filter on)"
    assert "/static/search.css" in page
