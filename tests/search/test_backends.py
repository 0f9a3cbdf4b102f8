"""Each search backend on its own: analysis, queries, filters, access, facets, snippets.

The shared tests run on Whoosh, and on PostgreSQL as well when the suite runs on a server
(ARCHIVE_TEST_POSTGRES): both backends must find the same documents for the same request. The
tests about segments are Whoosh's own."""

from __future__ import annotations

import itertools
import re
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.errors import ValidationError
from archive.search import whoosh_merge
from archive.search.backend import IndexedDocument, SearchRequest
from archive.search.query import with_snippets
from archive.search.whoosh_backend import WhooshSearch
from tests import databases

BACKENDS = ["whoosh", "postgres"] if databases.SERVER else ["whoosh"]


def doc(
    id_,
    body,
    *,
    title="Title",
    kind="testimony",
    language="en",
    consent="public",
    status="published",
    places=(),
    tags=(),
    published=date(2017, 9, 1),
    events=(date(2017, 4, 1), date(2017, 4, 30)),
    version=None,
):
    return IndexedDocument(
        id_,
        version or f"v{id_}",
        "chechnya-2017",
        kind,
        language,
        title,
        body,
        tuple(places),
        tuple(tags),
        consent,
        status,
        published,
        events[0],
        events[1],
    )


@pytest.fixture(params=BACKENDS)
def make_search(request, tmp_path, _migrated_db):
    """Return a function giving an empty index of the backend under test."""
    made = []

    def make():
        if request.param == "whoosh":
            return WhooshSearch(tmp_path / f"index-{len(made)}")
        from archive.search.postgres_backend import PostgresSearch

        folder = tmp_path / f"pg-{len(made)}"
        databases.create(folder, _migrated_db)
        made.append(PostgresSearch(databases.url(folder)))
        return made[-1]

    yield make
    for search in made:
        search.close()


def sample():
    return [
        doc(
            1,
            "Его задержан был в Грозном. Рамзан Кадыров отрицал.",
            language="ru",
            places=("Argun",),
            tags=("detention",),
            events=(date(2017, 2, 1), date(2017, 2, 28)),
        ),
        doc(
            2,
            "Men were detained in Grozny; Kadyrov denied the detention.",
            kind="news_report",
            places=("Grozny", "Argun"),
            tags=("denial",),
        ),
        doc(3, "A statement for researchers only: RESEARCHERCANARY.", consent="researchers"),
        doc(4, "A draft nobody may see yet: DRAFTCANARY.", status="draft"),
    ]


@pytest.fixture
def backend(make_search):
    search = make_search()
    search.index(sample())
    return search


def found(search, request: SearchRequest, *docs: IndexedDocument):
    """The search's results with their snippets as a reader is given them: made of each
    document's text (search/query.py's verified(), from the database's) and the terms the
    backend says the query found."""
    return with_snippets(search.search(request), {d.id: d.body for d in docs})


def ids(backend, q="", **options):
    return sorted(h.id for h in backend.search(SearchRequest(q=q, **options)).hits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("задержали", [1]),  # Russian stemming: задержали finds задержан
        ("detained", [2]),
        ("detention", [2]),  # English: detention finds detained
        ("Kadyrov", [1, 2]),  # Latin finds Cyrillic
        ("Кадыров", [1, 2]),  # and back
        ("Грозный", [1, 2]),  # Грозный finds Grozny and Грозном
        ("Grozny", [1, 2]),
        ('"were detained"', [2]),
        ("detained AND Grozny", [2]),
        ("detained NOT Kadyrov", []),
        ("kind:testimony", [1]),
        ("place:Argun", [1, 2]),
        ("lang:ru", [1]),
        ("detain*", [2]),
        ("detaned~", [2]),
    ],
)
def test_queries_find_what_they_should(backend, query, expected):
    assert ids(backend, query) == expected


def test_anonymous_readers_find_only_public_published_documents(backend):
    assert ids(backend, "RESEARCHERCANARY") == []
    assert ids(backend, "DRAFTCANARY") == []
    assert ids(backend, "RESEARCHERCANARY", consents=("public", "researchers")) == [3]
    assert ids(backend, "DRAFTCANARY", statuses=("draft", "published")) == [4]


def test_facets_count_only_what_the_reader_may_see(backend):
    facets = backend.search(SearchRequest(q="")).facets
    assert facets["kind"] == {"testimony": 1, "news_report": 1}
    assert facets["place"] == {"Argun": 2, "Grozny": 1}
    assert facets["language"] == {"ru": 1, "en": 1}


def test_date_range_matches_the_period_of_events(backend):
    assert ids(backend, date_from=date(2017, 2, 10), date_to=date(2017, 2, 20)) == [1]
    assert ids(backend, date_from=date(2017, 4, 1)) == [2]


def test_snippets_highlight_matches_and_carry_no_markup(make_search):
    search = make_search()
    search.index(docs := [doc(1, "He said <script>alert(1)</script> & was detained")])
    (hit,) = found(search, SearchRequest(q="detained"), *docs).hits
    assert "<script" not in hit.snippet and "script&gt;" not in hit.snippet
    assert "&amp; was" in hit.snippet
    assert "<mark" in hit.snippet and "detained</mark>" in hit.snippet


MARKDOWN = """## Length of detention

Men were held for anything from a day to **52** days, and *then* released.

Methods of torture reported:

- electric shocks;
- beatings.

```
kept as written
```
"""


@pytest.mark.parametrize(
    ("query", "marked"),
    [("detention", "detention"), ("52", "52"), ("shocks", "shocks"), ("released", "released"), ("kept", "kept")],
)
def test_snippets_are_the_plain_text_of_the_rendered_markdown(make_search, query, marked):
    search = make_search()
    search.index(docs := [doc(1, MARKDOWN)])
    (hit,) = found(search, SearchRequest(q=query), *docs).hits
    assert f"{marked}</mark>" in hit.snippet
    text = re.sub(r"</?mark[^>]*>", "", hit.snippet)
    for markup in ("#", "**", "*then*", "- ", "```"):
        assert markup not in text, (markup, hit.snippet)
    assert "Length of detention" in text or "52" in text or "electric shocks;" in text or "kept" in text


def test_a_snippet_without_a_match_in_the_text_is_its_plain_opening(make_search):
    search = make_search()
    search.index(docs := [doc(1, MARKDOWN, title="Survivor accounts")])
    (hit,) = found(search, SearchRequest(q="survivor"), *docs).hits  # in the title only
    assert hit.snippet.startswith("Length of detention Men were held")
    assert "#" not in hit.snippet and "**" not in hit.snippet


def test_highlighting_reads_past_the_first_32k_characters(make_search):
    search = make_search()
    search.index(docs := [doc(1, "filler " * 10_000 + "needleword at the end")])
    (hit,) = found(search, SearchRequest(q="needleword"), *docs).hits
    assert "needleword</mark>" in hit.snippet


def test_a_misspelt_query_gets_a_suggestion(backend):
    results = backend.search(SearchRequest(q="detaimed"))
    assert results.total == 0
    assert results.suggestion == "detained"


def test_the_suggestion_is_the_nearest_word_before_the_most_frequent(make_search):
    search = make_search()
    # "custoda" is one edit from custody, two from custom, which three documents hold
    search.index([doc(1, "held in custody")] + [doc(n, "a local custom") for n in (2, 3, 4)])
    assert search.search(SearchRequest(q="custoda")).suggestion == "custody"
    assert search.search(SearchRequest(q="customm")).suggestion == "custom"


@pytest.mark.parametrize("query", ['"unclosed phrase', "(open bracket", "x" * 1001])
def test_malformed_queries_get_a_clear_error(backend, query):
    with pytest.raises(ValidationError) as error:
        backend.search(SearchRequest(q=query))
    assert error.value.field == "q"


def test_updating_a_document_replaces_it_and_deleting_removes_it(backend):
    backend.index([doc(2, "Now about something else entirely.")])
    assert ids(backend, "detained") == []
    assert backend.versions()[2] == "v2"
    backend.delete([2])
    assert 2 not in backend.versions()


def test_a_document_without_dates_never_matches_a_date_range(make_search):
    search = make_search()
    search.index([doc(1, "undated words", events=(None, None)), doc(2, "dated words")])
    assert ids(search, "words") == [1, 2]
    assert ids(search, "words", date_from=date(2000, 1, 1)) == [2]
    assert ids(search, "words", date_to=date(2030, 1, 1)) == [2]


def test_cross_script_matches_are_highlighted(backend):
    (hit,) = found(backend, SearchRequest(q="Kadyrov", filters={"language": "ru"}), *sample()).hits
    assert "Кадыров</mark>" in hit.snippet


def test_relevance_puts_the_document_with_more_matches_first(make_search):
    search = make_search()
    search.index(
        [
            doc(1, "one mention of walrus among many other words here today"),
            doc(2, "walrus walrus walrus"),
            doc(3, "nothing relevant"),
        ]
    )
    hits = search.search(SearchRequest(q="walrus")).hits
    assert [h.id for h in hits] == [2, 1]
    assert hits[0].score > hits[1].score > 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("walrus OR narwhal", [1, 2, 3]),
        ("walrus AND narwhal", [3]),
        ("walrus NOT narwhal", [1]),
        ("NOT walrus", [2, 4]),
        ("(walrus OR narwhal) NOT kind:news_report", [1, 2]),
        ("walr*", [1, 3]),
        ('"walrus and narwhal"', [3]),  # three words: pairs, then positions
        ('"a walrus"', [1]),  # two words, one common: the pair alone answers
        ('"walrus narwhal"', []),  # two rare words: positions decide (not adjacent)
        ('"narwhal and walrus"', []),  # the same words in another order
        ('"a narwhal" OR "a seal"', [2, 4]),
    ],
)
def test_boolean_queries_combine_as_written(make_search, query, expected):
    search = make_search()
    search.index(
        [doc(1, "a walrus"), doc(2, "a narwhal"), doc(3, "walrus and narwhal", kind="news_report"), doc(4, "a seal")]
    )
    assert ids(search, query) == expected


def test_date_order_puts_the_latest_publication_first_and_pages_follow_it(make_search):
    search = make_search()
    search.index([doc(n, "common word", published=date(2010 + n, 1, 1)) for n in range(1, 8)])
    first = search.search(SearchRequest(q="common", sort="date", per_page=3))
    second = search.search(SearchRequest(q="common", sort="date", per_page=3, page=2))
    last = search.search(SearchRequest(q="common", sort="date", per_page=3, page=3))
    assert [h.id for h in first.hits + second.hits + last.hits] == [7, 6, 5, 4, 3, 2, 1]
    assert first.total == second.total == 7
    assert search.search(SearchRequest(q="common", per_page=3, page=4)).hits == []


def test_each_write_is_seen_by_the_next_search_whatever_the_segments(tmp_path):
    """Arrays kept per segment must follow deletions, updates and merges."""
    search = WhooshSearch(tmp_path / "index")
    for n in range(1, 6):  # one small segment per write
        search.index([doc(n, f"round{n} shared")])
        assert ids(search, "shared") == list(range(1, n + 1))
    search.index([doc(2, "replaced text")])
    assert ids(search, "shared") == [1, 3, 4, 5]
    assert ids(search, "round2") == []
    search.delete([4])
    assert ids(search, "shared") == [1, 3, 5]
    assert search.search(SearchRequest(q="shared")).facets["kind"] == {"testimony": 3}
    search.optimize()
    assert ids(search, "shared") == [1, 3, 5] and ids(search, "replaced") == [2]


def _index_bytes(folder) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_a_purge_rewrites_only_the_segments_that_held_the_old_words(tmp_path):
    folder = tmp_path / "index"
    search = WhooshSearch(folder)
    size = whoosh_merge.SMALL_SEGMENT + 10
    search.index([doc(n, f"ordinary words oldsecret{n}x") for n in range(1, size)])
    search.index([doc(n, f"other words keptword{n}") for n in range(size, 2 * size)])
    untouched = [s.segment_id() for s in search.ix._segments()][1]
    assert b"oldsecret7x" in _index_bytes(folder)
    search.index([doc(7, "ordinary words, cleaned")], purge=True)
    assert b"oldsecret7x" not in _index_bytes(folder)
    assert untouched in [s.segment_id() for s in search.ix._segments()]
    assert ids(search, "oldsecret7x") == [] and ids(search, "cleaned") == [7]
    assert search.search(SearchRequest(q="ordinary")).total == size - 1


def test_decoded_postings_are_kept_within_their_budget_and_read_only():
    from archive.search.arrays import PostingsCache

    def lists(n):
        return np.arange(n, dtype=np.int64), np.ones(n, dtype=np.float32)

    cache = PostingsCache(limit=3 * (200 + 1000 * 12))
    for term in "abc":
        cache.put((1, "text", term), lists(1000))
    assert cache.get((1, "text", "a")) is not None  # now the most recently used
    cache.put((1, "text", "d"), lists(1000))  # one too many: b, the least recent, goes
    assert cache.get((1, "text", "b")) is None
    assert all(cache.get((1, "text", t)) is not None for t in "acd")
    assert cache.size <= cache.limit
    ids, _ = cache.get((1, "text", "a"))
    with pytest.raises(ValueError, match="read-only"):
        ids[0] = 5
    cache.put((2, "text", "huge"), lists(10_000))  # larger than the whole budget: not kept
    assert cache.get((2, "text", "huge")) is None
    cache.forget(1)
    assert cache.size == 0


def test_a_merged_segment_leaves_no_decoded_postings_behind(tmp_path):
    from archive.search import arrays

    search = WhooshSearch(tmp_path / "index")
    for n in range(1, 4):
        search.index([doc(n, f"detained witness number {n}")])
    assert ids(search, "detained") == [1, 2, 3]
    ours = {a.number for a in search._segments.values()}  # noqa: SLF001
    assert len(ours) == 3 and ours <= {key[0] for key in arrays.POSTINGS._lists}  # noqa: SLF001
    search.optimize()  # one segment replaces the three
    assert ids(search, "detained") == [1, 2, 3]  # the next search forgets the three
    assert not ours & {key[0] for key in arrays.POSTINGS._lists}  # noqa: SLF001
    search.close()


def test_the_postgresql_row_ranks_on_a_small_vector_and_matches_on_it_and_the_rest():
    """The ranking vector (in the row) holds the words and names with every position PostgreSQL
    keeps (phrases are checked there), and nothing else; the matching vector is it and the
    lexemes without places (`terms`)."""
    from archive.search.postgres_backend import analyse

    body = "Kadyrov denied it. " + "detained " * 10 + "in Grozny."
    row = analyse(doc(1, body, title="Detained men", places=("Argun",), tags=("denial",), consent="researchers"))
    rank = _vector(row.rank)
    assert len(rank["detain"].split(",")) == 11  # the title's and the body's ten
    assert rank["detain"].startswith("1A,")
    assert not any(lexeme.startswith(("!", "=", "+")) for lexeme in rank)  # words and names only
    assert any(lexeme.startswith("~") for lexeme in rank)  # Kadyrov's cross-script key
    # the matching vector is rank || terms (migration 0028): terms holds no placed lexeme
    assert not [p for p in _vector(row.terms).values() if p]
    assert row.every_place
    # PostgreSQL keeps 256 places of a word, none past the 16,383rd: such a row says so
    assert not analyse(doc(2, "detained " * 257 + "once")).every_place
    assert analyse(doc(3, "detained " * 256 + "once")).every_place
    many = " ".join(f"x{n % 200}" for n in range(16400))  # no word 256 times, past place 16,383
    assert not analyse(doc(4, many)).every_place and analyse(doc(5, many[:40000])).every_place
    # the title's word is place 1: the body's 16,382nd word is the 16,383rd, the last kept
    assert analyse(doc(6, " ".join(many.split()[:16382]))).every_place
    assert not analyse(doc(7, " ".join(many.split()[:16383]))).every_place
    for lexeme in ("=access:researchers:published", "=place:Argun", "=tag:denial", "=kind:testimony"):
        assert lexeme in _vector(row.terms)
    # the spelling words are counted once for the archive, not held by the row (migration 0031)
    assert (
        not [t for t in _vector(row.terms) if t.startswith("!")]
        and "kadyrov" in row.spelling
        and "detained" in row.spelling
    )
    assert row.access == "=access:researchers:published"
    assert "place:Argun" in row.facets and "year:2017" in row.facets
    assert row.length == 2 + 15  # the words of the title and the body
    assert "=access:researchers:published" not in row.vocabulary  # not a word to expand to


def _row_before_0030(document, analysed) -> dict:
    """A row as revisions 0011-0029 held it: its facet values as text (and its body)."""
    row = _row_before_0032(document, analysed, dict.fromkeys(analysed.facets, 0))
    del row["facet_ids"]
    return {**row, "facets": analysed.facets}


def _upsert_before_0030() -> str:
    return _upsert_before_0032().replace("facet_ids", "facets")


def _row_before_0032(document, analysed, numbers: dict[str, int]) -> dict:
    """A row as revisions 0011-0031 held it: its body, not its spelling words' numbers."""
    row = _row_before_0033(document, analysed, numbers, dict.fromkeys(analysed.spelling, 1))
    del row["spelling"]
    return {**row, "body": document.body}


def _upsert_before_0032() -> str:
    """The upsert of revisions 0030-0031 (0011-0029 with _upsert_before_0030)."""
    return _upsert_before_0033().replace("spelling", "body")


def _row_before_0033(document, analysed, numbers: dict[str, int], words: dict[str, int]) -> dict:
    """A row as revisions 0030-0032 held it: its facet values' numbers as an array; its
    vectors as literals, as its releases wrote them."""
    from archive.search.postgres_backend import _encoded, _row

    row = _row(document, analysed, numbers, _encoded(map(words.__getitem__, analysed.spelling)))
    del row["facet_numbers"]
    literals = {
        name: value if isinstance(value, str) else _literal(value) for name in ("rank", "terms") if (value := row[name])
    }
    return {**row, **literals, "facet_ids": [numbers[value] for value in analysed.facets]}


def _upsert_before_0033() -> str:
    from archive.search.postgres_backend import _UPSERT

    return _UPSERT.replace("facet_numbers", "facet_ids")


def _facets_held(connection) -> dict[int, list[str]]:
    """Each row's facet values, named from the numbers it holds, in its order."""
    from sqlalchemy import text

    terms = dict(connection.execute(text("SELECT id, substr(term, 2) FROM search_terms")).all())
    held = connection.execute(text("SELECT id, facet_numbers FROM search_index")).all()
    return {row_id: [terms[n] for n in np.frombuffer(numbers, ">u4").tolist()] for row_id, numbers in held}


def _ids_searched(search, queries) -> dict[str, list[int]]:
    """(no facet counted: asked at revisions before 0033, whose rows hold their numbers otherwise)"""
    return {q: sorted(h.id for h in search.search(SearchRequest(q=q, page=1, facets=False)).hits) for q in queries}


def _migrated_by_steps(tmp_path):
    """A new database of the test server, and a function migrating it a step up or down."""
    from archive.storage.db import Database, _alembic_config

    databases.create(tmp_path)
    db = Database(databases.url(tmp_path))

    def migrate(step, revision: str) -> None:
        with db.engine.begin() as connection:
            cfg = _alembic_config(db.url)
            cfg.attributes["connection"] = connection
            step(cfg, revision)

    return db, migrate


def test_a_postgresql_row_holds_no_text_and_the_snippet_is_made_of_the_text_given(make_search):
    """Migration 0032: the row holds the document's title, terms and spelling words'
    numbers, never its text (a sentence of it is nowhere in the search tables); the backend
    gives the terms a snippet marks, and the snippet is made of the text the database gives
    (search/query.py's verified(), the version checked)."""
    from sqlalchemy import text

    search = make_search()
    if not hasattr(search, "engine"):
        pytest.skip("PostgreSQL's own row layout")
    sentence = "Ottoline Quarrender was questioned at the hotline on Tuesday"
    search.index(docs := [doc(1, f"## Account\n\n{sentence}, she said.", title="Statement")])
    with search.engine.connect() as connection:
        rows = connection.execute(text("SELECT row_to_json(s)::text FROM search_index s")).scalars().all()
    assert len(rows) == 1 and "Tuesday" not in rows[0] and "questioned at" not in rows[0]
    assert "Ottoline" not in databases.search_tables_text(search.engine)  # folded and stemmed only
    results = search.search(SearchRequest(q="questioned Ottoline"))
    assert [h.snippet for h in results.hits] == [""] and ("text", "question") in results.terms
    (hit,) = found(search, SearchRequest(q="questioned Ottoline"), *docs).hits
    assert hit.snippet.count("</mark>") == 2 and ">questioned</mark>" in hit.snippet and "Tuesday" in hit.snippet


@pytest.mark.skipif(not databases.SERVER, reason="PostgreSQL's own row layout (migration 0028)")
def test_rows_written_before_the_matching_expression_are_found_and_a_downgrade_makes_them_whole(tmp_path):
    """Migration 0028 puts the GIN index on `rank || terms`, and `terms` no longer holds the
    placed lexemes: a row written before (its `terms` whole) still answers words, names,
    facets and phrases, beside rows written after; a downgrade makes each new row's `terms`
    whole again, under the index of before."""
    from alembic import command
    from sqlalchemy import text

    from archive.search.postgres_backend import PostgresSearch, _numbered, analyse

    db, migrate = _migrated_by_steps(tmp_path)

    migrate(command.upgrade, "0027")
    old = doc(1, "Men were detained in Argun; Kadyrov denied it.", title="Before", places=("Argun",))
    analysed = analyse(old)
    analysed.terms = f"{_literal(analysed.rank)} {_literal(analysed.terms)}"  # as 0027 wrote it: placed too
    with db.engine.begin() as connection:
        connection.execute(text(_upsert_before_0030()), _row_before_0030(old, analysed))
    migrate(command.upgrade, "0028")
    with db.engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = connection.execute(text("EXPLAIN SELECT id FROM search_index WHERE (rank || terms) @@ 'detain'")).all()
        assert "ix_search_index_terms" in str(plan)  # the GIN index of the expression
    # (checked before 0030, whose index is built again after its rows were rewritten: until
    # every transaction older than it ends, a transaction of another test included, the
    # planner may not use it; the searches below are answered either way). Searched at 0031:
    # 0032 empties the index (its rows hold no text)
    migrate(command.upgrade, "0031")
    search = PostgresSearch(databases.url(tmp_path), cache=0)
    new = doc(2, "Men were detained in Grozny; Кадыров denied it.", title="After", places=("Grozny",))
    with db.engine.begin() as connection:
        numbers = _numbered(connection, set(analyse(new).facets))
        connection.execute(text(_upsert_before_0032()), _row_before_0032(new, analyse(new), numbers))
    found = _ids_searched(
        search, ("detained", "Кадыров", "place:Argun", '"were detained"', '"were detained" OR nothing', "before")
    )
    assert found == {
        "detained": [1, 2],
        "Кадыров": [1, 2],
        "place:Argun": [1],
        '"were detained"': [1, 2],
        '"were detained" OR nothing': [1, 2],  # a phrase under OR: checked in rank || terms
        "before": [1],
    }
    search.close()
    migrate(command.downgrade, "0027")
    with db.engine.connect() as connection:
        definition = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_index_terms'"
        assert connection.execute(text(definition)).scalar().endswith("USING gin (terms)")
        whole = connection.execute(text("SELECT id, terms <> strip(terms) FROM search_index ORDER BY id")).all()
        assert [tuple(row) for row in whole] == [(1, True), (2, True)]
        matched = "SELECT id FROM search_index WHERE terms @@ CAST(:q AS tsquery) ORDER BY id"
        assert connection.execute(text(matched), {"q": "'detain' <-> 'in'"}).scalars().all() == [1, 2]
    db.dispose()


@pytest.mark.skipif(not databases.SERVER, reason="PostgreSQL's own row layout (migration 0029)")
def test_the_body_and_unplaced_lexemes_are_kept_compressed_and_read_back_whole(tmp_path):
    """Migration 0029 compresses the body and `terms` (out of the row, read for a page's
    snippets, a GIN index's build and a write): a row written before stays uncompressed and
    reads the same as one written after; a downgrade stores them uncompressed again."""
    from alembic import command
    from sqlalchemy import text

    from archive.search.postgres_backend import PostgresSearch, analyse

    db, migrate = _migrated_by_steps(tmp_path)

    words = ["".join("bcdfghklmnprstvz"[int(d, 16)] for d in f"{n:04x}") + "ova" for n in range(700)]
    # names side by side: a pair of their keys each, enough for `terms` to be compressed
    body = " ".join(f"Witness {w.title()} was held in Argun and questioned about the others." for w in words)
    migrate(command.upgrade, "0028")
    with db.engine.begin() as connection:
        first = doc(1, body, title="Statement")
        connection.execute(text(_upsert_before_0030()), _row_before_0030(first, analyse(first)))
    migrate(command.upgrade, "0031")  # (0032 empties the index: its rows hold no text)
    search = PostgresSearch(databases.url(tmp_path), cache=0)
    with db.engine.begin() as connection:
        second = doc(2, body, title="Statement")
        numbers = dict.fromkeys(analyse(second).facets, 0)
        connection.execute(text(_upsert_before_0032()), _row_before_0032(second, analyse(second), numbers))
    stored = (
        "SELECT id, pg_column_compression(body), pg_column_compression(terms), body, "
        "tsvector_to_array(terms) FROM search_index ORDER BY id"
    )
    columns = "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'search_index'::regclass"
    with db.engine.connect() as connection:
        before, after = connection.execute(text(stored)).all()
        storage = dict(connection.execute(text(columns)).all())
        lz4 = connection.execute(
            text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        ).scalar()
    assert before[1:3] == (None, None) and after[1:3] == (("lz4", "lz4") if lz4 else ("pglz", "pglz"))
    assert before[3] == after[3] == body and before[4] == after[4]
    assert storage["body"] == storage["terms"] == "x" and storage["rank"] == "m"
    assert _ids_searched(search, ["questioned Argun"]) == {"questioned Argun": [1, 2]}
    search.close()
    migrate(command.downgrade, "0028")
    with db.engine.connect() as connection:
        storage = dict(connection.execute(text(columns)).all())
    assert storage["body"] == storage["terms"] == "e"
    db.dispose()


@pytest.mark.skipif(not databases.SERVER, reason="PostgreSQL's own row layout (migration 0030)")
def test_facet_values_become_the_vocabularys_numbers_and_a_downgrade_gives_their_text_back(tmp_path):
    """Migration 0030: a row holds its facet values as the numbers of their terms in the
    vocabulary. Rows written before are numbered, and counted as rows written after; a
    downgrade gives every row its values' text back, in their order."""
    from alembic import command
    from sqlalchemy import text

    from archive.search.postgres_backend import _gin_state, _numbered, analyse

    db, migrate = _migrated_by_steps(tmp_path)
    migrate(command.upgrade, "0029")
    long = " ".join(f"Men were detained in Argun on day {n} and questioned." for n in range(300))
    before = [
        doc(1, long, places=("Argun", "Grozny"), tags=("detention",)),
        doc(2, "Men were detained in Grozny.", places=("Grozny",), tags=("detention", "denial"), kind="report"),
    ]
    with db.engine.begin() as connection:
        for document in before:
            connection.execute(text(_upsert_before_0030()), _row_before_0030(document, analyse(document)))
    migrate(command.upgrade, "0031")  # (0032 empties the index: its rows hold no text)
    with db.engine.connect() as connection:  # the GIN index built again (asked as SQL: lacking() is head's)
        assert _gin_state(connection) == "built"
    with db.engine.connect() as connection:
        kept = "SELECT attstorage FROM pg_attribute WHERE attrelid = 'search_index'::regclass AND attname = :name"
        assert connection.execute(text(kept), {"name": "facet_ids"}).scalar() == "m"
    third = doc(3, "Men were detained in Argun.", places=("Argun",), tags=("denial",), language="ru")
    with db.engine.begin() as connection:
        numbers = _numbered(connection, set(analyse(third).facets))
        connection.execute(text(_upsert_before_0032()), _row_before_0032(third, analyse(third), numbers))
    # (head's search reads revision 0033's row: the numbers named as SQL, as a search names them)
    named = (
        "SELECT s.id, ARRAY(SELECT substr(t.term, 2) FROM unnest(s.facet_ids) WITH ORDINALITY AS f(n, o) "
        "JOIN search_terms t ON t.id = f.n ORDER BY f.o) FROM search_index s"
    )
    with db.engine.connect() as connection:  # the long row's numbers kept in it as they are
        compressed = "SELECT pg_column_compression(facet_ids) FROM search_index WHERE id = 1"
        assert connection.execute(text(compressed)).scalar() is None
        rows = dict(connection.execute(text(named)).all())
    assert rows == {document.id: analyse(document).facets for document in [*before, third]}
    migrate(command.downgrade, "0029")
    with db.engine.connect() as connection:
        held = dict(connection.execute(text("SELECT id, facets FROM search_index")).all())
    for document in [*before, doc(3, "x", places=("Argun",), tags=("denial",), language="ru")]:
        assert held[document.id] == analyse(document).facets
    db.dispose()


@pytest.mark.skipif(not databases.SERVER, reason="PostgreSQL's own row layout (migration 0033)")
def test_facet_numbers_become_bytes_counted_as_before_and_a_downgrade_gives_the_arrays_back(tmp_path):
    """Migration 0033: a row holds its facet values' numbers as four bytes each, kept in the row
    (MAIN), unsigned (numbers past 2**31 included). Rows written before are rewritten, and
    counted as rows written after; a downgrade gives every row its array back, in its order."""
    from alembic import command
    from sqlalchemy import text

    from archive.search.postgres_backend import PostgresSearch, _gin_state, _numbered, _word_numbers, analyse

    db, migrate = _migrated_by_steps(tmp_path)
    migrate(command.upgrade, "0032")
    many = [f"tag {n}" for n in range(40)]
    long = " ".join(f"Men were detained in Argun on day {n} and questioned." for n in range(300))
    before = [
        doc(1, long, places=("Argun", "Grozny"), tags=("detention", *many)),
        doc(2, "Men were detained in Grozny.", places=("Grozny",), tags=("detention", "denial"), kind="report"),
        doc(3, "Men were detained, no facet but the kind's.", kind="report", language="ru", published=None),
    ]
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE search_terms ALTER COLUMN id RESTART WITH 3000000000"))
        for document in before:
            analysed = analyse(document)
            numbers = _numbered(connection, set(analysed.facets))
            words = _word_numbers(connection, set(analysed.spelling))
            connection.execute(text(_upsert_before_0033()), _row_before_0033(document, analysed, numbers, words))
    migrate(command.upgrade, "0033")
    columns = "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'search_index'::regclass AND attnum > 0"
    with db.engine.connect() as connection:
        assert _gin_state(connection) == "built"
        storage = dict(connection.execute(text(columns)).all())
        assert _facets_held(connection) == {d.id: analyse(d).facets for d in before}
        assert connection.execute(text("SELECT min(id) FROM search_terms")).scalar() >= 3_000_000_000
    assert storage["facet_numbers"] == "m" and "facet_ids" not in storage
    search = PostgresSearch(databases.url(tmp_path), cache=0)
    fourth = doc(4, "Men were detained in Argun.", places=("Argun",), tags=("denial",), language="ru")
    search.index([fourth])
    facets = search.search(SearchRequest(q="detained", facets=True)).facets
    assert facets["place"] == {"Argun": 2, "Grozny": 2}
    assert facets["tag"] == {"detention": 2, "denial": 2, **dict.fromkeys(many, 1)}
    assert facets["kind"] == {"testimony": 2, "report": 2} and facets["language"] == {"en": 2, "ru": 2}
    assert facets["year"] == {"2017": 3} and facets["case"] == {"chechnya-2017": 4}
    assert search.search(SearchRequest(q="Grozny", filters={"tag": "denial"}, facets=True)).facets["place"] == {
        "Grozny": 1
    }
    search.close()
    migrate(command.downgrade, "0032")
    with db.engine.connect() as connection:
        named = (
            "SELECT s.id, ARRAY(SELECT substr(t.term, 2) FROM unnest(s.facet_ids) WITH ORDINALITY AS f(n, o) "
            "JOIN search_terms t ON t.id = f.n ORDER BY f.o) FROM search_index s"
        )
        held = dict(connection.execute(text(named)).all())
    assert held == {d.id: analyse(d).facets for d in [*before, fourth]}
    migrate(command.upgrade, "0033")  # (again, on the same connection's session)
    db.dispose()


@pytest.mark.skipif(not databases.SERVER, reason="PostgreSQL's own table (migration 0034)")
def test_the_search_rows_move_into_two_partitions_built_at_once_and_a_downgrade_puts_them_back(tmp_path):
    """Migration 0034: search_index partitioned by its id's hash in two, with its rows, key,
    columns' storage, GIN index and the trigger that takes the spelling counts' mark away (on
    each partition too). A rebuild then builds each half's GIN index on a connection of its own
    (named so) and the table's takes them; one a killed build left is dropped before the rows
    are written. A downgrade gives one table back, its rows with it."""
    from alembic import command
    from sqlalchemy import text

    from archive.search.postgres_backend import _PARTITIONS, GIN_INDEX, PostgresSearch, _gin_state

    db, migrate = _migrated_by_steps(tmp_path)
    migrate(command.upgrade, "0033")
    search = PostgresSearch(databases.url(tmp_path), cache=0)
    try:
        before = [doc(n, f"Men were detained in Argun, day {n}.", places=("Argun",)) for n in range(1, 41)]
        search.index(before)
        queries = ["detained", "Argun", '"detained in Argun"', "day"]
        found = _ids_searched(search, queries)
        storage = (
            "SELECT attname, attstorage, attcompression FROM pg_attribute "
            "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped"
        )
        triggers = "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'search_index_spelling'"
        counted = "SELECT tableoid::regclass::text, count(*) FROM search_index GROUP BY 1"
        with db.engine.connect() as connection:
            columns = set(connection.execute(text(storage), {"t": "search_index"}).all())
        migrate(command.upgrade, "0034")
        with db.engine.connect() as connection:
            parts = [part for part, _ in connection.execute(text(_PARTITIONS)).all()]
            assert parts == ["search_index_0", "search_index_1"]
            assert dict(connection.execute(text(counted)).all()).keys() == set(parts)  # rows in each
            assert connection.execute(text("SELECT count(*) FROM search_index")).scalar() == len(before)
            for table in ["search_index", *parts]:
                assert set(connection.execute(text(storage), {"t": table}).all()) == columns
            assert sorted(connection.execute(text(triggers)).scalars()) == ["search_index", *parts]
            assert _gin_state(connection) == "built"
        assert _ids_searched(search, queries) == found
        search.index([doc(1, "Men were detained in Grozny.", places=("Grozny",), version="v1b")])  # replaced
        assert _ids_searched(search, ["Grozny", "detained"]) == {"Grozny": [1], "detained": found["detained"]}
        with db.engine.begin() as connection:  # a write not through the backend, to a partition itself
            connection.execute(text("UPDATE search_generation SET spelling = 'x'"))
            connection.execute(text("UPDATE search_index_1 SET length = length"))
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT spelling FROM search_generation")).scalar() is None
        with db.engine.begin() as connection:  # what a build killed after one half's index leaves
            connection.execute(text(f"DROP INDEX {GIN_INDEX}"))
            connection.execute(text("CREATE INDEX search_index_0_terms ON search_index_0 USING gin (terms)"))
        indexes = "SELECT indexname FROM pg_indexes WHERE tablename = ANY(:parts) ORDER BY 1"
        with search.rebuilding():
            with db.engine.connect() as connection:  # none but the keys while the rows are written
                assert connection.execute(text(indexes), {"parts": parts}).scalars().all() == [
                    "search_index_0_pkey",
                    "search_index_1_pkey",
                ]
            search.index(before)
        assert search.lacking() == []
        with db.engine.connect() as connection:
            attached = (
                "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = CAST(:i AS regclass) ORDER BY 1"
            )
            assert connection.execute(text(attached), {"i": GIN_INDEX}).scalars().all() == [
                "search_index_0_terms",
                "search_index_1_terms",
            ]
            assert (
                "(rank || terms)"
                in connection.execute(
                    text("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_index_0_terms'")
                ).scalar()
            )
        assert _ids_searched(search, queries) == found
        search.close()
        migrate(command.downgrade, "0033")
        with db.engine.connect() as connection:
            assert (
                connection.execute(text("SELECT relkind FROM pg_class WHERE relname = 'search_index'")).scalar() == "r"
            )
            assert connection.execute(text(_PARTITIONS)).all() == []
            assert connection.execute(text("SELECT count(*) FROM search_index")).scalar() == len(before)
            assert set(connection.execute(text(storage), {"t": "search_index"}).all()) == columns
            assert connection.execute(text(triggers)).scalars().all() == ["search_index"]
            assert _gin_state(connection) == "built"
        migrate(command.upgrade, "0034")  # (again, on the same connection's session)
    finally:  # (closed however it ends: a connection left open fails a later test)
        search.close()
        db.dispose()


_WORDS = [
    "the",
    "of",
    "and",
    "in",
    "to",
    "was",
    "were",
    "for",
    "with",
    "men",
    "police",
    "said",
    "Kadyrov",
    "Kadyrova",
    "Grozny",
    "Argun",
    "Chișinău",
    "Kishinev",
    "Luhansk",
    "Guseinov",
    "detained",
    "café",
    "naïve",
    "2017",
    "4",
    "XII",
    "Rainbow",
    "Railroad",
    "Кадыров",
    "Грозный",
    "Аргун",
    "Кишинёв",
    "Луганск",
    "Гусейнов",
    "задержан",
    "задержали",
    "мужчин",
    "и",
    "в",
    "на",
    "не",
    "что",
    "это",
    "был",
    "Ёлка",
    "ёлка",
]


def _expected_row(body: str, title: str) -> tuple[dict[str, str], set[str], set[str], int]:
    """What the analyzers give, each run over the text on its own as Whoosh runs them: the
    placed lexemes (with their places as the vector writes them) and the unplaced ones."""
    from archive.search.analysis import fold_analyzer, pair_terms, spelling_analyzer, text_analyzer

    text_ = f"{title}\n{body}"
    title_tokens = sum(1 for _ in text_analyzer()(title))
    placed: dict[str, list[int]] = {}
    terms = [(t.text, t.pos) for t in text_analyzer()(text_, positions=True, mode="index")]
    for term, place in terms:
        placed.setdefault(term, []).append(place)
    keys: dict[int, list[str]] = {}
    for token in fold_analyzer()(text_, positions=True, mode="index"):
        placed.setdefault("~" + token.text, []).append(token.pos)
        keys.setdefault(token.pos, []).append(token.text)
    pairable = pair_terms()
    spelling = {t.text for t in spelling_analyzer()(text_, mode="index")}
    unplaced = {f"+{a} {b}" for (a, _), (b, _) in itertools.pairwise(terms) if {a, b} <= pairable}
    unplaced |= {f"+~{a} ~{b}" for at, held in keys.items() for a in held for b in keys.get(at + 1, ())}
    written = {
        lexeme: ",".join(f"{p + 1}{'A' if p < title_tokens else ''}" for p in dict.fromkeys(places))
        for lexeme, places in placed.items()
    }
    return written, unplaced, spelling, len(terms)


def _vector(vector: bytes) -> dict[str, str | None]:
    """A Vector read as its literal gives it, lexeme -> places ("1A,4"; None without): read
    strictly by PostgreSQL's binary form (tsvectorrecv), each lexeme once, its places rising."""
    count, at, found = int.from_bytes(vector[:4], "big"), 4, {}
    for _ in range(count):
        end = vector.index(b"\0", at)
        lexeme = vector[at:end].decode()
        places = int.from_bytes(vector[end + 1 : end + 3], "big")
        words = [int.from_bytes(vector[i : i + 2], "big") for i in range(end + 3, end + 3 + 2 * places, 2)]
        assert lexeme and lexeme not in found and len(words) == places <= 256
        assert all(a & 0x3FFF < b & 0x3FFF for a, b in itertools.pairwise(words))
        assert all(w >> 14 in (0, 3) and 1 <= w & 0x3FFF <= 16383 for w in words)
        found[lexeme] = ",".join(f"{w & 0x3FFF}{'A' if w >> 14 else ''}" for w in words) or None
        at = end + 3 + 2 * places
    assert at == len(vector)
    return found


def _literal(vector: bytes) -> str:
    """A Vector as a tsvector literal."""
    from archive.search.postgres_backend import _quote

    return " ".join(_quote(lexeme) + (f":{places}" if places else "") for lexeme, places in _vector(vector).items())


def _literal_read(literal: str) -> dict[str, str | None]:
    """A tsvector's text (as PostgreSQL writes it) read as _vector() reads a Vector."""
    return {
        m.group(1).replace("''", "'").replace("\\\\", "\\"): m.group(2)
        for m in re.finditer(r"'((?:[^']|'')*)'(?::([0-9A,]+))?", literal)
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.lists(st.sampled_from(_WORDS) | st.text(alphabet="abcеёжЖZ'-. \n", max_size=8), max_size=300).map(" ".join),
    title=st.lists(st.sampled_from(_WORDS), max_size=6).map(" ".join),
)
def test_the_postgresql_vectors_hold_what_the_analyzers_give(body, title):
    """analyse() reads each word once for the three analyzers (fields.readings); its vectors
    hold exactly what the analyzers give when each is run over the text on its own: the ranking
    vector the placed lexemes, `terms` the others (the matching vector is the two as one); its
    spelling words, the spelling analyzer's."""
    from archive.search.postgres_backend import analyse

    row = analyse(doc(1, body, title=title, places=("Argun",), tags=("denial",)))
    placed, unplaced, spelling, length = _expected_row(body, title)
    terms, rank = _vector(row.terms), _vector(row.rank)
    assert rank == placed
    from archive.search.language import facet_values

    facets = {f"={name}:{value}": None for name, values in facet_values(doc(1, body)).items() for value in values}
    facets |= {"=place:Argun": None, "=tag:denial": None}
    assert terms == {**dict.fromkeys(unplaced), "=access:public:published": None, **facets}
    assert row.length == max(1, length)
    assert set(row.vocabulary) == set(placed) | {"=" + v for v in row.facets} and len(row.vocabulary) == len(
        set(row.vocabulary)
    )
    assert set(row.spelling) == spelling and len(row.spelling) == len(spelling)


def test_the_postgresql_vectors_sent_in_binary_are_what_their_literals_give(make_search):
    """The vectors are sent in PostgreSQL's binary form (Vector): the server holds what the
    same vectors written as literals give it, for words with quotes and backslashes, in two
    scripts, a word more often than PostgreSQL keeps places of, places past the last it keeps,
    a word too long for it, and facet values it could not take (a NUL)."""
    from sqlalchemy import text

    from archive.search.postgres_backend import analyse

    search = make_search()
    if not hasattr(search, "engine"):
        pytest.skip("PostgreSQL's vectors")
    long_body = " ".join(f"w{n}" for n in range(17_000)) + " O'Brien" * 3  # (each at the last place kept)
    documents = [
        doc(1, "O'Brien and d'Artagnan met Кадыров's aide; back\\slash", title="O'Hara's \\ note"),
        doc(2, "detained " * 300 + "x" * 3000 + " Грозный", tags=("tag with 'quote'", "back\\slash", "nul\0tag")),
        doc(3, long_body, title="Long", places=("Argun",)),
        doc(4, "", title=""),
    ]
    search.index(documents)
    with search.engine.connect() as connection:
        held = {
            row[0]: row[1:]
            for row in connection.execute(text("SELECT id, rank::text, terms::text FROM search_index")).all()
        }
        for document in documents:
            analysed = analyse(document)
            assert held[document.id] == tuple(
                connection.execute(
                    text("SELECT CAST(:rank AS tsvector)::text, CAST(:terms AS tsvector)::text"),
                    {"rank": _literal(analysed.rank), "terms": _literal(analysed.terms)},
                ).one()
            )
            assert _literal_read(held[document.id][0]) == _vector(analysed.rank)
            assert _literal_read(held[document.id][1]) == _vector(analysed.terms)
    assert _vector(analyse(documents[1]).rank)["detain"].count(",") == 255  # 256 places kept
    assert "=tag:nul\0tag" not in _vector(analyse(documents[1]).terms)
    assert "=tag:back\\slash" in _vector(analyse(documents[1]).terms)
    assert _vector(analyse(documents[2]).rank)["o'brien"] == "16383"
    assert ids(search, "O'Brien") == [1, 3] and ids(search, "tag:\"tag with 'quote'\"") == [2]


def _held(analysed) -> tuple:
    """An analysis as the row holds it: the vectors' lexemes in any order."""
    return (
        _vector(analysed.terms),
        _vector(analysed.rank),
        analysed.length,
        analysed.facets,
        set(analysed.vocabulary),
        set(analysed.spelling),
        analysed.every_place,
    )


def test_the_words_numbered_by_threads_at_once_and_begun_again_give_the_same_vectors(monkeypatch):
    """analyse() numbers each token and term for the process (_Numbered): threads numbering new
    words at once, and the numbers begun again (the pairs alone, or all) while others still use
    them, give every document the vectors one thread gives it alone."""
    import random
    import sys
    import threading

    from archive.search import postgres_backend as pg

    rng = random.Random(7)
    letters = "abcdefgжзиклAБZ"
    made = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 7))) for _ in range(400)]
    documents = [
        doc(n, " ".join(rng.choice(made + _WORDS) for _ in range(rng.randint(0, 400))), title=rng.choice(_WORDS))
        for n in range(60)
    ]
    monkeypatch.setattr(pg._Numbered, "_now", None)
    alone = [_held(pg.analyse(d)) for d in documents]
    monkeypatch.setattr(pg._Numbered, "_now", None)
    monkeypatch.setattr(pg._Numbered, "KEPT", 300)  # begun again every few documents
    monkeypatch.setattr(pg._Numbered, "PAIRS_KEPT", 20)  # the pairs alone, more often
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the threads take turns as often as they can
    found: dict[int, list] = {}

    def analyse_all(seed: int) -> None:
        order = list(range(len(documents)))
        random.Random(seed).shuffle(order)
        found[seed] = [(n, _held(pg.analyse(documents[n]))) for n in order]

    try:
        threads = [threading.Thread(target=analyse_all, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switching)
    assert sorted(found) == [0, 1, 2, 3]
    for results in found.values():
        for n, held in results:
            assert held == alone[n]


def test_a_warmed_backend_answers_as_before(backend):
    """warm() (a server's worker calls it at start) reads ahead and changes no answer."""
    before = backend.search(SearchRequest(q="Kadyrov", page=1))
    backend.warm()
    after = backend.search(SearchRequest(q="Grozny"))
    assert sorted(h.id for h in after.hits) == [1, 2] and before.total == 2
    assert after.facets["language"] == {"ru": 1, "en": 1}


def test_warming_makes_what_a_first_search_would_wait_for(backend):
    """A first snippet's Markdown converter (this thread's) and the common words' terms, as
    written and capitalised, are made by warm(), not on a reader's first search."""
    import threading

    from archive import rendering
    from archive.search.analysis import common_words
    from archive.search.language import text_term

    def first_search_in_a_new_thread(results: list) -> None:
        text_term.cache_clear()
        backend.warm()
        results.append((getattr(rendering._local, "converter", None), text_term.cache_info()))
        backend.search(SearchRequest(q="the Grozny"))
        results.append(text_term.cache_info())

    results: list = []
    thread = threading.Thread(target=first_search_in_a_new_thread, args=(results,))
    thread.start()
    thread.join()
    (converter, warmed), searched = results
    assert converter is not None
    assert warmed.currsize >= len(common_words())
    assert searched.misses - warmed.misses < 20  # the hits' other words only


def test_postgresql_warming_reads_the_rows_on_the_connection_the_next_search_uses(make_search, caplog):
    """A new server process maps each page of the shared buffers it touches for the first time
    (a common word's first search 15-20 ms slower at 100,000 documents): warm() reads every
    row's page and runs a search's statements on a connection, and the next search is
    answered by that same server process, from no kept result."""
    from sqlalchemy import event, text

    from archive.search.postgres_backend import MATCHING, WARMING, PostgresSearch

    search = make_search()
    if not isinstance(search, PostgresSearch):
        pytest.skip("PostgreSQL's server processes")
    search.index([doc(n, f"Quarrender statement {n}") for n in range(1, 31)])
    statements: list[tuple[int, str]] = []

    @event.listens_for(search.engine, "before_cursor_execute")
    def seen(connection, cursor, statement, parameters, context, executemany):
        statements.append((id(connection.connection.dbapi_connection), " ".join(statement.split())))

    search.warm()
    warmed = {connection for connection, _ in statements}
    read = [s for _, s in statements if "count(length)" in s]
    searched = [s for _, s in statements if s.startswith("WITH matched")]
    assert len(warmed) == 1 and len(read) == 1 and len(searched) == len(WARMING)
    with search.engine.connect() as connection:  # what the read reads: every row
        assert connection.execute(text(read[0].replace("%(rows)s", "1000000"))).scalar() == 30
    assert len(search.cache) == 0
    statements.clear()
    assert search.search(SearchRequest(q="Quarrender")).total == 30
    assert {connection for connection, _ in statements} == warmed
    with search.engine.begin() as connection:  # a rebuild under way: no GIN index
        connection.execute(text("DROP INDEX ix_search_index_terms"))
    statements.clear()
    search.warm()
    assert not [s for _, s in statements if "count(length)" in s or s.startswith("WITH matched")]
    search.index([], purge=True)
    with search.engine.begin() as connection:  # a warm-up the database refuses: the worker starts
        connection.execute(text(f"CREATE INDEX ix_search_index_terms ON search_index USING gin ({MATCHING})"))
        connection.execute(text("ALTER TABLE search_index RENAME TO search_index_away"))
    try:
        with caplog.at_level("WARNING", logger="archive.search.postgres_backend"):
            search.warm()
        assert [r.getMessage() for r in caplog.records] == ["search warm-up left undone: ProgrammingError"]
    finally:
        with search.engine.begin() as connection:
            connection.execute(text("ALTER TABLE search_index_away RENAME TO search_index"))


def test_a_server_worker_warms_its_search_backend_at_start(app):
    """gunicorn's post_worker_init hook (archive serve) warms the worker's backend."""
    from archive.cli.setup import _warm_worker

    warmed = []
    backend = app.extensions["archive.search"]
    original = backend.warm
    backend.warm = lambda: warmed.append(original())
    import gc

    try:
        _warm_worker(type("Worker", (), {"wsgi": app})())
        assert len(warmed) == 1
        assert gc.get_freeze_count() > 0  # what it loaded is out of the collector's reach
    finally:
        gc.unfreeze()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # (Whoosh's files left open)
def test_a_whoosh_warm_up_its_files_refuse_leaves_the_worker_started(tmp_path, caplog):
    """Warming is for speed only: where the index's files refuse it (here a segment's postings
    gone), the worker starts all the same (gunicorn stops the whole server on a worker failing
    to start), and the log says so by the error's kind alone; a search meets the error."""
    from archive.cli.setup import _warm_worker

    WhooshSearch(tmp_path / "index").index([doc(1, "Quarrender spoke.")])
    (segment,) = (tmp_path / "index").glob("*.pst")  # its postings
    segment.unlink()
    search = WhooshSearch(tmp_path / "index")
    app = type("App", (), {"extensions": {"archive.search": search}})()
    with caplog.at_level("WARNING", logger="archive.search.whoosh_backend"):
        _warm_worker(type("Worker", (), {"wsgi": app})())
    import gc

    gc.unfreeze()
    assert [r.getMessage() for r in caplog.records] == ["search warm-up left undone: FileNotFoundError"]
    with pytest.raises(FileNotFoundError):
        search.search(SearchRequest(q="Quarrender"))
    gc.collect()  # the files Whoosh opened before the one it lacked, closed here: not in a later test


def test_phrases_of_common_words_are_found_exactly_on_every_backend(make_search):
    """Whoosh answers them from its sequence files, PostgreSQL from pair lexemes: both must
    find exactly the documents where the words stand side by side (the analyzer's tokens are
    the reference), at any place of a long text, and rank them."""
    import random

    from archive.search.analysis import common_terms
    from archive.search.fields import TEXT_ANALYZER

    rng = random.Random(13)
    common = ["the", "of", "and", "to", "in", "was", "и", "в", "не", "на", "что"]
    assert all(TEXT_ANALYZER(w).__next__().text in common_terms() for w in common)
    rare = ["walrus", "narwhal", "подвал"]
    texts = [
        " ".join(rng.choice(common if rng.random() < 0.8 else rare) for _ in range(rng.randint(1, 25)))
        for _ in range(260)
    ]
    texts[0] = "the walrus " * 300 + "the of"  # past the 256 places PostgreSQL keeps of a word
    search = make_search()
    search.index([doc(n, text) for n, text in enumerate(texts, start=1)])
    tokens = {n: [t.text for t in TEXT_ANALYZER(f"Title\n{text}")] for n, text in enumerate(texts, start=1)}
    phrases = [[rng.choice(common) for _ in range(rng.randint(2, 3))] for _ in range(40)] + [["the", "of"]]
    found_any = 0
    for words in phrases:
        stems = [next(iter(TEXT_ANALYZER(w))).text for w in words]
        expected = {
            n
            for n, ts in tokens.items()
            if any(ts[i : i + len(stems)] == stems for i in range(len(ts) - len(stems) + 1))
        }
        results = search.search(SearchRequest(q='"' + " ".join(words) + '"', per_page=500))
        assert {h.id for h in results.hits} == expected, words
        assert results.total == len(expected)
        if expected:
            assert any(h.score > 0 for h in results.hits), words  # ranked, not all alike
        found_any += len(expected)
    assert found_any > 100


def test_phrases_of_frequent_words_and_of_names_are_found_exactly_on_every_backend(make_search):
    """Phrases PostgreSQL answers by pair lexemes beyond the commonest words: two of the most
    frequent words (analysis.pair_terms(), "the cases", "game years"), and two capitalised
    words by their cross-script keys ("Ramzan Kadyrov" finds "Рамзан Кадыров"), mixed with
    words of neither kind, in any case, at any place of a long text. The analyzers are the
    reference: a document matches where its words stand side by side, or where its capitalised
    words' keys (with the places' keys at the same position) do."""
    import random
    from collections import defaultdict

    from archive.search.analysis import common_terms, fold_analyzer, pair_terms
    from archive.search.fields import TEXT_ANALYZER
    from archive.search.language import fold_term, text_term

    rng = random.Random(29)
    frequent = ["case", "game", "year", "money", "city", "house", "дело", "город", "время", "the", "of", "и"]
    assert all(text_term(w) in pair_terms() for w in frequent)
    assert any(text_term(w) not in common_terms() for w in frequent)  # not only the commonest
    names = ["Ramzan", "Kadyrov", "Рамзан", "Кадыров", "Grozny", "Грозный", "Chechnya", "Чечня"]
    rare = ["walrus", "police", "подвал"]  # police: not among the pair words

    def word() -> str:
        kind = rng.random()
        if kind < 0.3:
            return rng.choice(names)
        chosen = rng.choice(frequent if kind < 0.85 else rare)
        return chosen.capitalize() if rng.random() < 0.2 else chosen

    texts = [" ".join(word() for _ in range(rng.randint(1, 30))) for _ in range(300)]
    texts[0] = "the case " * 300 + "Рамзан Кадыров game year"  # past the 256 places kept of a word
    search = make_search()
    search.index([doc(n, text) for n, text in enumerate(texts, start=1)])
    stems, keys = {}, {}
    for n, text in enumerate(texts, start=1):
        stems[n] = [t.text for t in TEXT_ANALYZER(f"Title\n{text}")]
        keys[n] = defaultdict(set)
        for t in fold_analyzer()(f"Title\n{text}", positions=True, mode="index"):
            keys[n][t.pos].add(t.text)
    vocabulary = frequent + [w.lower() for w in names] + names + rare
    phrases = [[rng.choice(vocabulary) for _ in range(rng.randint(2, 3))] for _ in range(60)]
    phrases += [["ramzan", "kadyrov"], ["Kadyrov", "game"], ["game", "year"], ["the", "case", "the"]]

    def holding(words: list[str]) -> set[int]:
        wanted, keyed = [text_term(w) for w in words], [fold_term(w) for w in words]
        size = len(words)
        return {
            n
            for n in stems
            if any(stems[n][i : i + size] == wanted for i in range(len(stems[n]) - size + 1))
            or any(all(keyed[j] in keys[n].get(i + j, ()) for j in range(size)) for i in list(keys[n]))
        }

    def found_by(q: str) -> set[int]:
        results = search.search(SearchRequest(q=q, per_page=500))
        assert results.total == len(results.hits), q
        return {h.id for h in results.hits}

    found = 0
    for words in phrases:
        expected = holding(words)
        assert found_by('"' + " ".join(words) + '"') == expected, words
        found += len(expected)
    assert found > 300
    # the same phrases where the whole query does not require them (under OR, NOT), beside
    # another, beside a word and a filter: PostgreSQL checks them in another vector (a top-level
    # phrase in the row's ranking vector, any other in the matching vector): the same answers
    every, walrus = set(stems), {n for n in stems if "walrus" in stems[n]}
    for words, other in zip(phrases[:24], phrases[24:48], strict=True):
        phrase, second = '"' + " ".join(words) + '"', '"' + " ".join(other) + '"'
        assert found_by(f"{phrase} OR {second}") == holding(words) | holding(other), (words, other)
        assert found_by(f"{phrase} {second}") == holding(words) & holding(other), (words, other)
        assert found_by(f"title -{phrase}") == every - holding(words), words
        assert found_by(f"title NOT {phrase}") == every - holding(words), words
        assert found_by(f"walrus {phrase}") == walrus & holding(words), words
        assert found_by(f"({phrase} OR walrus) AND NOT {second}") == (holding(words) | walrus) - holding(other)
        assert found_by(f"{phrase} -{second}") == holding(words) - holding(other), (words, other)
        assert found_by(f"{phrase} ({second} OR walrus)") == holding(words) & (holding(other) | walrus)
        testimonies = search.search(SearchRequest(q=phrase, per_page=500, filters={"kind": "testimony"}))
        assert {h.id for h in testimonies.hits} == holding(words), words  # every doc() is one


def test_names_side_by_side_are_found_at_any_place_of_a_long_text(make_search):
    """Two capitalised words side by side are one lexeme on PostgreSQL, found wherever they
    stand: past the 256 places it keeps of a word and past its 16,383rd place, where their
    places are not kept (a phrase checked by places in the row's ranking vector must not lose
    them: such a row is checked as the query is written)."""
    search = make_search()
    search.index(
        [
            doc(1, "Kadyrov " * 300 + "Ramzan Kadyrov"),
            doc(2, "Кадыров подвал " * 300 + "Рамзан Кадыров"),
            doc(3, " ".join(f"x{n % 200}" for n in range(16400)) + " Ramzan Kadyrov"),
            doc(4, "Kadyrov Ramzan, and Ramzan's men"),
        ]
    )
    assert ids(search, '"Ramzan Kadyrov"') == [1, 2, 3]
    assert ids(search, '"Рамзан Кадыров"') == [1, 2, 3]
    assert ids(search, '"Кадыров подвал"') == [2]
    assert ids(search, 'x5 "Ramzan Kadyrov"') == [3]


def test_a_word_too_long_for_an_index_is_left_out_not_the_document(make_search):
    """PostgreSQL refuses a lexeme over 2,046 bytes, and with it the whole vector: a run of
    3,000 letters (a pasted key, a scanned page's noise), in the text, a name, a tag, or a pair,
    must not keep the document out of the index, nor a filter that long fail the search."""
    long_tag = "т" * 1500
    search = make_search()
    search.index(
        [
            doc(1, "x" * 3000 + " walrus Ramzan " + "Й" * 1500 + " the case " + "Ж" * 1100, tags=(long_tag, "short")),
            doc(2, "walrus again"),
        ]
    )
    assert ids(search, "walrus") == [1, 2]
    assert ids(search, '"the case"') == [1]
    assert ids(search, "walrus", filters={"tag": "short"}) == [1]
    assert ids(search, "walrus", filters={"tag": "ж" * 3000}) == []
    # a query's words whose lexemes would be too long (щ is four letters across scripts)
    assert ids(search, "щажю" * 247) == []
    assert ids(search, '"' + "щажю" * 123 + " " + "Щажю" * 123 + '"') == []
    assert ids(search, "漢" * 700) == []  # three bytes a letter
    assert ids(search, '"' + "漢" * 400 + " " + "字" * 400 + '"') == []
    assert ids(search, "щажю" * 150 + " OR walrus") == [1, 2]


def _written_one_by_one_and_rebuilt(make_search, monkeypatch) -> tuple:
    """Two PostgreSQL indexes, to be written document by document and rebuilt, a rebuild's
    chunks and parts made small, so that there are many (skipped on Whoosh)."""
    from archive.search import postgres_backend

    one_by_one, rebuilt = make_search(), make_search()
    if not isinstance(rebuilt, postgres_backend.PostgresSearch):
        pytest.skip("PostgreSQL's rebuild")
    monkeypatch.setattr(postgres_backend, "SENT", 3)
    monkeypatch.setattr(postgres_backend, "WRITTEN", 7)
    return one_by_one, rebuilt


def test_a_postgresql_rebuild_in_many_parts_answers_as_writing_one_by_one(make_search, monkeypatch):
    """A rebuild analyses in its pool a few chunks ahead of the part it writes, each part in a
    transaction of its own (chunks and parts made small here, so that there are many): the
    index answers as one written document by document does, and the GIN index is built."""
    one_by_one, rebuilt = _written_one_by_one_and_rebuilt(make_search, monkeypatch)
    names = ["Kadyrov", "Кадыров", "Grozny", "Argun", "Ottoline"]
    docs = [
        doc(
            n,
            f"{names[n % 5]} was named in report {n}; the men of the case were detained.",
            places=("Argun",) * (n % 2),
        )
        for n in range(1, 60)
    ]
    for document in docs:
        one_by_one.index([document])
    with rebuilt.rebuilding():
        assert rebuilt.index(iter(docs[:40])) == 40
        assert rebuilt.index(iter(docs[40:])) == 19
    assert rebuilt.lacking() == []
    for q in ("Kadyrov", "Кадыров", "detained", '"the men"', '"were detained"', "place:Argun", "ottoline~1", "repo*"):
        assert ids(rebuilt, q) == ids(one_by_one, q), q


def _words_held(search) -> tuple:
    """A PostgreSQL index's vocabulary, its spelling counts, its numbered words, and each
    row's spelling words (named from the numbers it holds)."""
    from sqlalchemy import text

    from archive.search.postgres_backend import _decoded

    with search.engine.connect() as connection:
        terms = set(connection.execute(text("SELECT term FROM search_terms")).scalars())
        counts = set(connection.execute(text("SELECT word, access, rows FROM search_spelling")).all())
        numbered = dict(connection.execute(text("SELECT id, word FROM search_words")).all())
        rows = connection.execute(text("SELECT id, spelling FROM search_index")).all()
    return terms, counts, set(numbered.values()), {i: {numbered[n] for n in _decoded(s).tolist()} for i, s in rows}


def test_a_postgresql_rebuild_holds_the_words_of_the_documents_it_writes_and_no_others(make_search, monkeypatch):
    """A rebuild's parts leave out the documents the database no longer holds (_not_since),
    after their pool analysed them: the vocabulary, the spelling counts under each access, the
    numbered words and each row's words are those of writing the documents kept one by one,
    and no word only a document left out held is anywhere in the search tables."""
    one_by_one, rebuilt = _written_one_by_one_and_rebuilt(make_search, monkeypatch)
    names = ["Kadyrov", "Кадыров", "Grozny", "Argun", "Ottoline"]
    docs = [
        doc(
            n,
            f"Witness Canary{n}x named {names[n % 5]} in report {n}; {'Quarrender ' * (n % 3)}was detained.",
            title=f"Report {names[(n + 1) % 5]}",
            consent=("public", "researchers")[n % 2],
            tags=(f"tag{n % 4}",),
        )
        for n in range(1, 50)
    ]
    for document in docs:
        if document.id % 4:
            one_by_one.index([document])
    with rebuilt.rebuilding(lambda ids: {i for i in ids if i % 4}):
        assert rebuilt.index(iter(docs)) == len([d for d in docs if d.id % 4])
    assert _words_held(rebuilt) == _words_held(one_by_one)
    held = databases.search_tables_text(rebuilt.engine).lower()
    assert "canary5x" in held and not [n for n in range(4, 50, 4) if f"canary{n}x" in held]
    assert "tag0" not in held and "tag1" in held


def test_a_postgresql_rebuild_asks_again_for_what_another_writer_changed_between_its_parts(make_search, monkeypatch):
    """A rebuild's parts ask the server only for the spelling words and terms no part before
    them numbered or added (_Known). Another writer deletes, between two parts, a row the
    rebuild wrote, whose name no other row held, so that the vocabulary gives the name up: the
    later parts ask for all of theirs again, and the tables hold what writing the documents
    kept one by one gives them, the name a later row holds included."""
    from archive.search.postgres_backend import PostgresSearch

    one_by_one, rebuilt = _written_one_by_one_and_rebuilt(make_search, monkeypatch)
    other = PostgresSearch(rebuilt.engine)  # (another writer on the same index)
    docs = [
        doc(
            n,
            f"Report {n}: {'Quarrender' if n in (3, 30) else 'Ottoline'} was detained in Argun.",
            consent=("public", "researchers")[n % 2],
            tags=(f"tag{n % 3}",),
        )
        for n in range(1, 40)
    ]
    for document in docs:
        if document.id != 3:
            one_by_one.index([document])
    with rebuilt.rebuilding():
        assert rebuilt.index(iter(docs[:20])) == 20
        assert other.delete([3]) == 1
        assert rebuilt.index(iter(docs[20:])) == 19
    assert _words_held(rebuilt) == _words_held(one_by_one)
    assert ids(rebuilt, "Quarrender") == ids(one_by_one, "Quarrender") == [30]
    assert ids(rebuilt, "quarender~1") == [30]


def test_a_postgresql_rebuild_leaves_the_statistics_searches_are_planned_by(make_search):
    """Once a rebuild has built the GIN index, the planner has each partition's statistics,
    those of its index's expression (MATCHING, by which it estimates how many rows a search
    matches) among them, each made on the partition's connection once its index is built, and
    the table's own, of its columns but the vectors (_TABLE_STATISTICS). 30 documents: fewer
    rows than the autovacuum would analyse a partition for."""
    from sqlalchemy import text

    from archive.search.postgres_backend import PostgresSearch

    search = make_search()
    if not isinstance(search, PostgresSearch):
        pytest.skip("PostgreSQL's statistics")
    with search.rebuilding():
        search.index(
            [doc(n, f"Men were detained in Argun, day {n}.", kind=("report", "testimony")[n % 2]) for n in range(1, 31)]
        )
    made = "SELECT tablename, attname, inherited FROM pg_stats WHERE tablename LIKE 'search_index%'"
    with search.engine.connect() as connection:
        found = set(connection.execute(text(made)).all())
    for part in ("search_index_0", "search_index_1"):
        assert {(f"{part}_terms", "expr", False), (part, "rank", False), (part, "kind", False)} <= found
    assert ("search_index", "kind", True) in found and ("search_index", "published", True) in found
    assert not {(table, column) for table, column, inherited in found if inherited and column in ("rank", "terms")}


def test_a_postgresql_rebuild_copies_every_column_of_the_table_in_its_own_type(make_search):
    """A rebuild's rows go by binary COPY (_copy), each column in the binary form of the type
    _COLUMNS names (the list _UPSERT is made from too): every column of search_index must be
    among them, in its type, or a row would lack what a later migration adds. The rows copied are the ones
    written: the rebuild's vectors, dates and bytes read back as given."""
    from sqlalchemy import text

    from archive.search.postgres_backend import _COLUMNS, PostgresSearch

    search = make_search()
    if not isinstance(search, PostgresSearch):
        pytest.skip("PostgreSQL's COPY")
    columns = (
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'search_index'::regclass "
        "AND attnum > 0 AND NOT attisdropped"
    )
    names = {"integer": "int4", "boolean": "bool"}
    with search.engine.connect() as connection:
        held = {name: names.get(kind, kind) for name, kind in connection.execute(text(columns)).all()}
    assert held == _COLUMNS
    given = doc(7, "Men were detained in Argun in April.", published=date(2017, 4, 2))
    with search.rebuilding():
        search.index([given, doc(8, "Officials denied it.")])
    read = "SELECT published, length, rank::text, title FROM search_index WHERE id = 7"
    with search.engine.connect() as connection:
        row = connection.execute(text(read)).one()
    assert row.published == date(2017, 4, 2) and row.length == 8 and row.title == given.title
    assert "'argun':" in row.rank and [h.id for h in search.search(SearchRequest(q="argun", page=1)).hits] == [7]


def test_a_postgresql_rebuild_runs_the_cyclic_collector_seldom_and_sets_it_back(make_search):
    """While a rebuild runs, what the process held before is frozen and the collector's young
    pass comes every YOUNG new objects (_collected_seldom); after it, as it was, whether the
    rebuild ended well or not."""
    import gc

    from archive.search.postgres_backend import YOUNG, PostgresSearch

    search = make_search()
    if not isinstance(search, PostgresSearch):
        pytest.skip("PostgreSQL's rebuild")
    before, seen = gc.get_threshold(), []
    with search.rebuilding():
        seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0))
        search.index([doc(1, "Men were detained in Argun.")])
    assert seen == [(YOUNG, True)] and gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), search.rebuilding():
        raise RuntimeError("stopped")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_rebuilds_parts_are_written_behind_in_order_and_an_error_either_side_stops_them():
    """_WrittenBehind (a rebuild's writer thread) writes the parts in the order given, at most
    AHEAD waiting; the writer's error reaches the caller (at its next part, or at the end) and
    no later part is written; the caller's error leaves the parts waiting unwritten. The
    thread is gone either way."""
    import _thread
    import signal
    import threading
    import time

    from archive.search.postgres_backend import _WrittenBehind

    written: list[int] = []
    gate = threading.Event()

    def write(part: list) -> int:
        gate.wait(5)
        if part == ["bad"]:
            raise ValueError("refused")
        written.extend(part)
        return len(part)

    gate.set()
    with _WrittenBehind(write) as behind:
        for n in range(20):
            behind.put([n, n + 100])
    assert written == [x for n in range(20) for x in (n, n + 100)] and behind.count == 40
    assert not [t for t in threading.enumerate() if t.name == "search-rebuild-writer"]

    written.clear()
    sent = []
    with pytest.raises(ValueError, match="refused"), _WrittenBehind(write) as behind:
        behind.put([1])
        behind.put(["bad"])
        for n in range(2, 1000):
            behind.put([n])  # raises once the writer has failed
            sent.append(n)
            time.sleep(0.001)
    assert written == [1] and len(sent) < 900

    written.clear()
    with pytest.raises(ValueError, match="refused"), _WrittenBehind(write) as behind:
        behind.put(["bad"])  # the last part: raised at the end
    assert written == []

    written.clear()
    gate.clear()  # the writer held at its first part while the caller fills the queue
    with pytest.raises(KeyError), _WrittenBehind(write) as behind:
        behind.put([1])
        for n in range(2, 2 + _WrittenBehind.AHEAD):
            behind.put([n])
        threading.Timer(0.3, gate.set).start()
        raise KeyError("the caller's")
    assert written == [1]  # the part being written; those waiting, not
    assert not [t for t in threading.enumerate() if t.name == "search-rebuild-writer"]

    # interrupted (Ctrl-C) while it waits for the writer: it waits on, with an error of its own
    # or without (then raised once the writer is done); SIGINT handled here as Python's default
    # does (a test worker may ignore it, and interrupt_main then does nothing)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for own, raised in ((KeyError("the caller's"), KeyError), (None, KeyboardInterrupt)):
            written.clear()
            gate.clear()
            with pytest.raises(raised), _WrittenBehind(write) as behind:
                for n in range(1, 2 + _WrittenBehind.AHEAD):  # the first taken by the writer, the others waiting
                    behind.put([n])
                threading.Timer(0.2, _thread.interrupt_main).start()
                threading.Timer(0.6, gate.set).start()
                if own is not None:
                    raise own
            assert written == [1]
            assert not [t for t in threading.enumerate() if t.name == "search-rebuild-writer"]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_postgresql_writer_waits_for_one_that_has_not_committed(make_search):
    """A writer reads the terms a row held before replacing it (so that a redacted name leaves
    the vocabulary): it waits until no other transaction writing the search tables is open,
    where that one's row (a rebuild's part) would be invisible to it."""
    import threading

    from sqlalchemy import text

    from archive.search.postgres_backend import WRITERS_LOCK, PostgresSearch

    search = make_search()
    if not isinstance(search, PostgresSearch):
        pytest.skip("PostgreSQL's writers")
    done = threading.Event()
    with search.engine.connect() as holder:
        transaction = holder.begin()
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITERS_LOCK})
        writer = threading.Thread(target=lambda: (search.index([doc(1, "Quarrender waited")]), done.set()))
        writer.start()
        assert not done.wait(1.0)  # held back while the other transaction is open
        transaction.commit()
    assert done.wait(30)
    writer.join()
    assert ids(search, "Quarrender") == [1]


def _postgres_vocabulary(make_search):
    """A PostgreSQL index, and a function giving its vocabulary table's terms and its spelling
    words as `!word` (skipped on Whoosh, whose word lists are its segments')."""
    from sqlalchemy import text

    from archive.search.postgres_backend import PostgresSearch

    search = make_search()
    if not isinstance(search, PostgresSearch):
        pytest.skip("PostgreSQL's vocabulary table")

    def vocabulary() -> set[str]:
        with search.engine.connect() as connection:
            # the spelling words, counted apart (migration 0031), as `!word`
            both = "SELECT term FROM search_terms UNION SELECT '!' || word FROM search_spelling"
            return set(connection.execute(text(both)).scalars())

    return search, vocabulary


def test_facet_numbers_joined_are_counted_and_bytes_no_row_writes_count_nothing(caplog):
    """A search counts every match's facet numbers joined (four bytes each, unsigned); bytes
    that are not whole numbers (a row changed by hand) give no facet rather than wrong ones."""
    from archive.search.postgres_backend import _facet_bytes, _facet_counts

    joined = _facet_bytes([7, 3_000_000_000, 7]) + _facet_bytes([]) + _facet_bytes([2**32 - 1, 7])
    assert _facet_counts(joined) == {7: 3, 3_000_000_000: 1, 2**32 - 1: 1}  # far apart: sorted
    near = _facet_bytes([3_000_000_007, 3_000_000_000, 3_000_000_007, 3_001_000_000])  # near: by place
    assert _facet_counts(near) == {3_000_000_000: 1, 3_000_000_007: 2, 3_001_000_000: 1}
    assert _facet_counts(_facet_bytes([5])) == {5: 1}
    assert _facet_counts(None) == {} and _facet_counts(b"") == {}
    assert _facet_counts(joined + b"\x01") == {}
    assert "facet_numbers of a length no row writes" in caplog.text
    for wrong in ([2**32], [-1]):
        with pytest.raises(ValueError, match="does not fit"):
            _facet_bytes(wrong)


def test_a_postgresql_search_names_its_facets_in_the_snapshot_its_matches_were_read_in(make_search):
    """A search's statements share one snapshot (REPEATABLE READ): the facet numbers its
    matches held are named as they were, and its page read so, while a writer takes the only
    document holding a tag out (and the tag's number with it) between the two statements."""
    from sqlalchemy import event

    from archive.search.postgres_backend import _FACET_NAMES

    search, vocabulary = _postgres_vocabulary(make_search)
    search.index([doc(1, "Held at the base.", tags=("detention",)), doc(2, "Held.", tags=("Quarrender",))])
    meanwhile = type(search)(search.engine, cache=0)
    deleted = []

    @event.listens_for(search.engine, "before_cursor_execute")
    def between(conn, cursor, statement, parameters, context, executemany):
        if "FROM search_terms WHERE id = ANY" in statement and not deleted:
            deleted.append(meanwhile.delete([2]))  # (another connection of the pool; committed)

    try:
        results = search.search(SearchRequest(q="held", facets=True))
    finally:
        event.remove(search.engine, "before_cursor_execute", between)
    assert deleted == [1] and "=tag:Quarrender" not in vocabulary()  # gone before the names were read
    assert results.total == 2 and sorted(h.id for h in results.hits) == [1, 2]
    assert results.facets["tag"] == {"Quarrender": 1, "detention": 1}
    assert _FACET_NAMES.startswith("SELECT id, substr(term, 2) FROM search_terms WHERE id = ANY")
    again = search.search(SearchRequest(q="held", facets=True))
    assert again.total == 1 and again.facets["tag"] == {"detention": 1}


def test_postgres_facet_numbers_follow_a_value_out_of_the_vocabulary_and_back(make_search):
    """A row holds its facet values as the vocabulary's numbers (migration 0030): a tag that
    named a person, taken off its only document, leaves the vocabulary with its number; given
    to another document later, it is numbered anew and counted under its name, and the numbers
    never repeat a value."""
    from sqlalchemy import text

    from archive.search.postgres_backend import analyse

    search, vocabulary = _postgres_vocabulary(make_search)
    search.index([doc(1, "Held at the base.", tags=("Quarrender", "detention")), doc(2, "Held.", tags=("detention",))])
    assert search.search(SearchRequest(q="held")).facets["tag"] == {"detention": 2, "Quarrender": 1}
    with search.engine.connect() as connection:
        numbered = "SELECT id FROM search_terms WHERE term = '=tag:Quarrender'"
        first = connection.execute(text(numbered)).scalar()
    search.index([doc(1, "Held at the base.", tags=("detention",))])  # the name redacted
    assert "=tag:Quarrender" not in vocabulary()
    assert search.search(SearchRequest(q="held")).facets["tag"] == {"detention": 2}
    search.index([doc(3, "Held again.", tags=("Quarrender",), kind="report")])
    facets = search.search(SearchRequest(q="held")).facets
    assert facets["tag"] == {"detention": 2, "Quarrender": 1} and facets["kind"] == {"testimony": 2, "report": 1}
    with search.engine.connect() as connection:
        again = connection.execute(text(numbered)).scalar()
        rows = _facets_held(connection)
    assert first is not None and again not in (None, first)  # a number of its own, not the forgotten one
    written = {
        1: doc(1, "Held at the base.", tags=("detention",)),
        2: doc(2, "Held.", tags=("detention",)),
        3: doc(3, "Held again.", tags=("Quarrender",), kind="report"),
    }
    assert rows == {n: analyse(d).facets for n, d in written.items()}


def test_postgres_vocabulary_holds_no_pairs_and_forgets_a_removed_name(make_search):
    """Pairs of common words are lexemes of the matching vector only: never in the vocabulary
    that fuzzy terms and suggestions read, and not checked one by one when a document changes;
    a name taken out of the only document holding it leaves the vocabulary."""
    from archive.search.language import text_term
    from archive.search.postgres_backend import PAIR

    search, vocabulary = _postgres_vocabulary(make_search)
    search.index([doc(1, "the walrus of the north, Zelimkhanovich said"), doc(2, "out of the sea")])
    assert text_term("Zelimkhanovich") in vocabulary()
    assert not [t for t in vocabulary() if t.startswith(PAIR)]
    search.index([doc(1, "the walrus of the north")])
    assert text_term("Zelimkhanovich") not in vocabulary()
    assert ids(search, '"of the"') == [1, 2] and ids(search, '"the north"') == [1]


def test_postgres_vocabulary_keeps_a_lost_term_held_anywhere_and_forgets_one_held_nowhere(make_search):
    """A term a document lost is looked for among the newest rows first, then by the GIN
    index (postgres_backend._forget_terms): held by a row among those, by an older row only,
    or by none, the vocabulary is right each time, its spelling word too."""
    from archive.search.language import fold_term, text_term
    from archive.search.postgres_backend import PROBED

    search, vocabulary = _postgres_vocabulary(make_search)
    many = PROBED * 2
    search.index(
        [doc(1, "Ottoline Quarrender spoke of the harbour and the lighthouse")]
        + [doc(2, "the lighthouse keeper Quarrender")]  # an old row, far from the newest
        + [doc(n, f"the harbour lights, note {n}") for n in range(3, many)]
    )
    held = {
        "name": text_term("Ottoline"),
        "name's key": "~" + fold_term("Ottoline"),
        "old row": text_term("Quarrender"),
        "new rows": text_term("harbour"),
        "spelling": "!ottoline",
        "old row's spelling": "!lighthouse",
    }
    assert set(held.values()) <= vocabulary()
    search.index([doc(1, "spoke of nothing")])
    left = {name: term in vocabulary() for name, term in held.items()}
    assert left == {
        **{"name": False, "name's key": False, "spelling": False},
        **{"old row": True, "new rows": True, "old row's spelling": True},
    }
    search.delete([2])
    assert text_term("Quarrender") not in vocabulary() and "!lighthouse" not in vocabulary()
    assert text_term("harbour") in vocabulary()
