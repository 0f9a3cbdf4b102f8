"""The spelling words: what suggestions offer and wildcards stand for, only ever the words of
documents the reader may see. On PostgreSQL they are counted once for each kind of access
(search_spelling, migration 0031), not held by every row: the counts must follow every write,
as a count made anew from the rows' word numbers finds them."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.search.backend import SearchRequest
from archive.search.errors import QueryError
from tests import databases
from tests.search.test_backends import _migrated_by_steps, doc, found, ids, make_search  # noqa: F401, F811 - the fixture

SECRET = "researchers"  # a consent anonymous readers lack
SPELLING_COUNTS = "the spelling words' counts (search_spelling)"


def test_a_wildcard_stands_for_the_words_a_reader_may_see_each_found_by_its_stem(make_search):  # noqa: F811
    """`ru?s` is `runs`, found as the word is (its stem: running too); `run?ed` is a word only
    a document the reader may not see holds: it stands for nothing, even though its stem is
    in documents they may see (else the count would tell them the word is there)."""
    search = make_search()
    documents = [
        doc(1, "The hotline runs daily."),
        doc(2, "Running the shelter."),
        doc(3, "The list of who runned the cells.", consent=SECRET),
        doc(4, "Unrelated words only."),
    ]
    search.index(documents)
    assert ids(search, "ru?s") == [1, 2]
    assert ids(search, "run?ed") == [] and ids(search, "run?e*") == []
    assert ids(search, "run?ed", consents=("public", SECRET)) == [1, 2, 3]
    # the words as written: one in no document is nothing, though its stem is everywhere
    assert ids(search, "runn?ng") == [1, 2] and ids(search, "runn?ngs") == []
    (hit,) = found(search, SearchRequest(q="sh?lter"), *documents).hits
    assert ">shelter</mark>" in hit.snippet


def _postgres(make_search):  # noqa: F811
    from archive.search.postgres_backend import PostgresSearch

    search = make_search()
    if not isinstance(search, PostgresSearch):
        pytest.skip("PostgreSQL's spelling counts")
    return search


def _counts(search) -> dict[tuple[str, str], int]:
    from sqlalchemy import text

    with search.engine.connect() as connection:
        found = connection.execute(text("SELECT word, access, rows FROM search_spelling"))
        return {(word, access): rows for word, access, rows in found}


def _numbered(search) -> set[str]:
    """The words search_words numbers (a row holds its words' numbers, migration 0032)."""
    from sqlalchemy import text

    with search.engine.connect() as connection:
        return set(connection.execute(text("SELECT word FROM search_words")).scalars())


def _expected(documents: dict) -> dict[tuple[str, str], int]:
    """The counts as the spelling analyzer gives them, over the documents the index holds."""
    from archive.search.analysis import spelling_analyzer

    found: Counter = Counter()
    for d in documents.values():
        words = {t.text for t in spelling_analyzer()(f"{d.title}\n{d.body}", mode="index")}
        found.update((word, f"=access:{d.consent}:{d.status}") for word in words)
    return dict(found)


def _uncounted(search, version: str | None = "0") -> None:
    """Mark the counts as made by another analysis (or none)."""
    from sqlalchemy import text

    with search.engine.begin() as connection:
        connection.execute(text("UPDATE search_generation SET spelling = :v"), {"v": version})


VOCABULARY = [
    "Ottoline",
    "Quarrender",
    "Kadyrov",
    "Кадыров",
    "Кадырова",
    "détenu",
    "ёлка",
    "елка",
    "hotline",
    "hotlines",
    "shelter",
    "the",
    "of",
    "Grozny",
    "Argun",
    "2017",
    "calls",
    "Rainbow",
]


@pytest.mark.parametrize("seed", [3, 11])
def test_postgres_spelling_counts_follow_every_write_as_a_count_made_anew_finds_them(make_search, seed, monkeypatch):  # noqa: F811
    """Documents written, rewritten with other words and other access, and deleted, in every
    order: the counts are those of the documents held, word by word and access by access; a
    count made anew from the rows' word numbers (`archive check-index --repair`) finds the same. (Sent
    and read a few at a time, so that the batches' edges are crossed.)"""
    from archive.search import postgres_backend

    monkeypatch.setattr(postgres_backend, "COUNTED_AT_ONCE", 7)
    monkeypatch.setattr(postgres_backend, "RECOUNTED", 3)
    search = _postgres(make_search)
    rng = random.Random(seed)
    held: dict = {}
    for _ in range(40):
        if held and rng.random() < 0.25:
            gone = rng.sample(sorted(held), rng.randint(1, min(3, len(held))))
            search.delete(gone)
            for n in gone:
                del held[n]
            assert _counts(search) == _expected(held)
            assert _numbered(search) == {word for word, _ in _expected(held)}
            continue
        written = []
        for n in rng.sample(range(1, 16), rng.randint(1, 4)):
            body = " ".join(rng.choices(VOCABULARY, k=rng.randint(0, 12)))
            consent, status = rng.choice([("public", "published"), (SECRET, "published"), ("public", "draft")])
            written.append(doc(n, body, title=rng.choice(VOCABULARY), consent=consent, status=status))
        search.index(written)
        held.update({d.id: d for d in written})
        assert _counts(search) == _expected(held)
        # a word is numbered while a row holds it, and no longer (a rewrite moving it from one
        # access to another, across the batches' edges, keeps its number)
        assert _numbered(search) == {word for word, _ in _expected(held)}
    made = _counts(search)
    _uncounted(search)
    assert search.lacking() == [SPELLING_COUNTS]
    search.build_lacking()
    assert search.lacking() == [] and _counts(search) == made
    assert _numbered(search) == {word for word, _ in made}


def test_a_redacted_name_leaves_the_spelling_words_with_its_last_row(make_search):  # noqa: F811
    search = _postgres(make_search)
    search.index([doc(1, "Ottoline spoke."), doc(2, "Ottoline again.", consent=SECRET)])
    assert ("ottoline", "=access:public:published") in _counts(search)
    search.index([doc(1, "[redacted] spoke.")])
    assert {key for key in _counts(search) if key[0] == "ottoline"} == {("ottoline", f"=access:{SECRET}:published")}
    assert search.search(SearchRequest(q="Ottolinr")).suggestion is None  # only a document they may not see
    assert search.search(SearchRequest(q="Ottolinr", consents=("public", SECRET))).suggestion == "ottoline"
    search.delete([2])
    assert not [key for key in _counts(search) if key[0] == "ottoline"]
    assert "ottoline" not in _numbered(search) and "spoke" in _numbered(search)


def test_a_row_holding_a_number_no_word_has_fails_closed_until_a_repair(make_search):  # noqa: F811
    """A row's word numbers are its words (its text is not kept): should one have no word (a
    table changed by hand), its words cannot all be taken out of the counts when it is
    replaced, so they are marked not made, suggestions and wildcards wait, and a repair counts
    them again from the rows' numbers, taking the number without a word out of its row (so
    that the next write replacing it does not mark them not made again)."""
    from sqlalchemy import text

    search = _postgres(make_search)
    search.index([doc(1, "Ottoline spoke."), doc(2, "Quarrender spoke.")])
    forgotten = "DELETE FROM search_words WHERE word = 'ottoline'"
    with search.engine.begin() as connection:
        connection.execute(text(forgotten))
    search.index([doc(1, "Nobody spoke.")])
    assert search.lacking() == [SPELLING_COUNTS]
    assert search.search(SearchRequest(q="Quarrendr")).suggestion is None
    search.build_lacking()
    assert search.lacking() == [] and search.search(SearchRequest(q="Quarrendr")).suggestion == "quarrender"
    assert _counts(search) == _expected({1: doc(1, "Nobody spoke."), 2: doc(2, "Quarrender spoke.")})
    search.index([doc(3, "Ottoline again.")])
    with search.engine.begin() as connection:
        connection.execute(text(forgotten))
    _uncounted(search)
    search.build_lacking()  # row 3's number of "ottoline" is counted nowhere, and taken out of it
    held = {1: doc(1, "Nobody spoke."), 2: doc(2, "Quarrender spoke."), 3: doc(3, "Ottoline again.")}
    assert _counts(search) == {k: n for k, n in _expected(held).items() if k[0] != "ottoline"}
    search.index([doc(3, "Harbour.")])
    assert search.lacking() == []
    assert _counts(search) == _expected({**held, 3: doc(3, "Harbour.")})


def test_two_copies_of_a_document_in_two_parts_of_one_write_leave_no_word_numbered(make_search, monkeypatch):  # noqa: F811
    """A write takes an id's last copy within each part it sends (WRITTEN rows): two copies
    in two parts count the last, and a word the first numbered and the second gave up leaves
    search_words (its count did not change: numbered and given up by one write)."""
    from archive.search import postgres_backend

    monkeypatch.setattr(postgres_backend, "WRITTEN", 2)
    search = _postgres(make_search)
    search.index([doc(1, "Ottoline spoke."), doc(2, "Harbour."), doc(1, "Nobody spoke.")])
    held = {1: doc(1, "Nobody spoke."), 2: doc(2, "Harbour.")}
    assert _counts(search) == _expected(held) and search.lacking() == []
    assert _numbered(search) == {word for word, _ in _expected(held)}


def test_words_numbered_with_no_row_left_are_not_an_empty_index_counted(make_search):  # noqa: F811
    """Writes while the counts are not made number their words and take none out: should the
    rows then all go, the index is empty but its words are still numbered; it is not taken for
    a new one (whose counts are made), and a repair takes them out."""
    from sqlalchemy import text

    search = _postgres(make_search)
    search.index([doc(1, "Ottoline spoke."), doc(2, "Quarrender spoke.")])
    _uncounted(search, None)
    with search.engine.begin() as connection:
        connection.execute(text("DELETE FROM search_spelling"))
    search.delete([1, 2])
    assert search.lacking() == [SPELLING_COUNTS] and "ottoline" in _numbered(search)
    search.build_lacking()
    assert search.lacking() == [] and _numbered(search) == set() and _counts(search) == {}


def test_counts_of_another_analysis_are_not_used_until_they_are_made_again(make_search):  # noqa: F811
    """Counts made by another analysis (or none: migration 0031 on an index with rows) would
    take out of them words other than those counted: no suggestion, a wildcard refused with a
    clear error, and writes leave them alone, until a repair counts every row again."""
    search = _postgres(make_search)
    search.index([doc(1, "Men were detained at the hotline."), doc(2, "Quiet.")])
    for version in ("0", None):
        _uncounted(search, version)
        search.index([doc(3, "Ottoline called the shelter.")])
        search.delete([2])
        assert search.search(SearchRequest(q="detaned")).suggestion is None
        with pytest.raises(QueryError, match=r"\* or \?"):
            search.search(SearchRequest(q="hotl?ne"))
        assert search.lacking() == [SPELLING_COUNTS]
        search.build_lacking()
        kept = {1: doc(1, "Men were detained at the hotline."), 3: doc(3, "Ottoline called the shelter.")}
        assert _counts(search) == _expected(kept)
        assert _numbered(search) == {word for word, _ in _expected(kept)}  # "quiet" numbered no more
        assert search.search(SearchRequest(q="detaned")).suggestion == "detained"
        assert ids(search, "hotl?ne") == [1] and search.search(SearchRequest(q="Ottolinr")).suggestion == "ottoline"
        search.index([doc(2, "Quiet.")])


def test_a_new_or_emptied_index_counts_from_its_first_row(make_search):  # noqa: F811
    """An empty index with no counts is counted, whatever analysis marked it: its first write
    counts its words, and marks the counts as this analysis's."""
    search = _postgres(make_search)
    _uncounted(search)
    assert search.lacking() == []
    search.index([doc(1, "Ottoline called.")])
    assert search.lacking() == [] and ("ottoline", "=access:public:published") in _counts(search)
    search.clear()
    _uncounted(search, None)
    search.index([doc(2, "Quarrender called.")])
    assert _counts(search) == _expected({2: doc(2, "Quarrender called.")})


@pytest.mark.skipif(not databases.SERVER, reason="PostgreSQL's own tables (migrations 0031 and 0032)")
def test_spelling_words_leave_the_rows_and_the_vocabulary_and_the_index_is_written_anew(tmp_path):
    """Migration 0031: the vocabulary's `!word` terms are deleted and the counts are not made
    (suggestions wait); a downgrade gives the vocabulary a `!word` term for each word counted.
    Migration 0032 empties the index (a row's words were read from its text, which rows no
    longer hold): written anew, it counts from its first row, and a word leaves the counts and
    `search_words` with its last row; a downgrade empties it again, with its body column back."""
    from alembic import command
    from sqlalchemy import text

    from archive.search.postgres_backend import PostgresSearch, analyse
    from tests.search.test_backends import _row_before_0032, _upsert_before_0032

    db, migrate = _migrated_by_steps(tmp_path)
    migrate(command.upgrade, "0030")
    before = [doc(1, "Ottoline was held at the hotline."), doc(2, "Quarrender spoke.", consent=SECRET)]
    with db.engine.begin() as connection:
        for document in before:
            analysed = analyse(document)
            words = " ".join(f"'!{word}'" for word in sorted(analysed.spelling))
            row = {**_row_before_0032(document, analysed, dict.fromkeys(analysed.facets, 0))}
            connection.execute(text(_upsert_before_0032()), {**row, "terms": f"{row['terms']} {words}"})
            terms = [f"!{word}" for word in analysed.spelling]
            vocabulary = "INSERT INTO search_terms (term) SELECT unnest(CAST(:t AS text[])) ON CONFLICT DO NOTHING"
            connection.execute(text(vocabulary), {"t": terms})
    migrate(command.upgrade, "0031")
    search = PostgresSearch(databases.url(tmp_path), cache=0)
    with db.engine.connect() as connection:  # (asked as SQL: this code's reads are head's)
        assert not connection.execute(text("SELECT term FROM search_terms WHERE term LIKE '!%'")).all()
        assert connection.execute(text("SELECT spelling FROM search_generation")).scalar() is None  # not made
    with db.engine.begin() as connection:  # counts as 0031's repair made them
        counted = "INSERT INTO search_spelling VALUES ('ottoline', '=access:public:published', 1), ('held', 'x', 0)"
        connection.execute(text(counted))
    migrate(command.downgrade, "0030")
    with db.engine.connect() as connection:
        vocabulary = set(connection.execute(text("SELECT term FROM search_terms WHERE term LIKE '!%'")).scalars())
    assert vocabulary == {"!ottoline"}
    migrate(command.upgrade, "head")
    tables = "SELECT (SELECT count(*) FROM search_index), (SELECT count(*) FROM search_words)"
    with db.engine.connect() as connection:
        assert tuple(connection.execute(text(tables)).one()) == (0, 0)
    assert search.lacking() == [] and ids(search, "hotline") == []
    search.index(before)
    assert _counts(search) == _expected({d.id: d for d in before})
    assert search.search(SearchRequest(q="Ottolinr")).suggestion == "ottoline" and ids(search, "ho?line") == [1]
    search.index([doc(1, "Nobody was held.")])
    assert not [key for key in _counts(search) if key[0] == "ottoline"]
    with db.engine.connect() as connection:
        words = set(connection.execute(text("SELECT word FROM search_words")).scalars())
    assert words == {word for word, _ in _counts(search)} and "ottoline" not in words
    search.close()
    migrate(command.downgrade, "0031")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM search_index")).scalar() == 0
        columns = "SELECT attname FROM pg_attribute WHERE attrelid = 'search_index'::regclass AND attnum > 0"
        names = set(connection.execute(text(columns)).scalars())
        assert "body" in names and "spelling" not in names
        assert connection.execute(text("SELECT to_regclass('search_words')")).scalar() is None
    db.dispose()


def test_a_rebuild_adds_its_rows_words_at_the_end_and_a_writer_meanwhile_is_counted_too(make_search):  # noqa: F811
    """A rebuild counts its rows' words in memory and adds them once it is done; meanwhile
    suggestions and wildcards wait, and another writer's changes are counted, a row the
    rebuild wrote and the writer rewrote or deleted included (and a document the writer
    indexed keeps the writer's copy: the rebuild's was read before, test_index_races): the
    counts at the end are those of the rows held."""
    from archive.search.postgres_backend import PostgresSearch

    search = _postgres(make_search)
    search.index([doc(9, "Kept before the rebuild.")])
    other = PostgresSearch(search.engine)  # another writer, as a server's worker is
    with search.rebuilding():
        search.index([doc(1, "Ottoline spoke."), doc(2, "Quarrender spoke.", consent=SECRET)])
        assert search.search(SearchRequest(q="Ottolinr")).suggestion is None
        with pytest.raises(QueryError):
            search.search(SearchRequest(q="Otto?ine"))
        other.index([doc(1, "Nobody spoke."), doc(3, "Ottoline again.")])
        other.delete([2])
        search.index([doc(4, "Lighthouse keeper."), doc(3, "Ottoline again, twice.")])
    held = {1: doc(1, "Nobody spoke."), 3: doc(3, "Ottoline again."), 4: doc(4, "Lighthouse keeper.")}
    assert _counts(search) == _expected(held) and search.lacking() == []
    assert _numbered(search) == {word for word, _ in _expected(held)}  # "quarrender" numbered no more
    assert search.search(SearchRequest(q="Ottolinr")).suggestion == "ottoline" and ids(search, "Otto?ine") == [3]


def test_counts_made_anew_while_a_rebuild_writes_hold_from_then_on(make_search):  # noqa: F811
    """A repair counting every row while a rebuild writes makes the counts the rows': the
    rebuild drops its own and counts its later parts as every writer does, so its later
    rows' words are counted at once, and a name another writer took out of a row the rebuild
    wrote leaves them at once (not only once the rebuild is done); nothing is counted twice."""
    from archive.search.postgres_backend import PostgresSearch

    search = _postgres(make_search)
    other = PostgresSearch(search.engine)
    with search.rebuilding():
        search.index([doc(1, "Quarrender spoke.")])
        other.build_lacking()  # `archive check-index --repair` (or `archive init`) meanwhile
        assert search.lacking() == []  # (the GIN index built too)
        search.index([doc(2, "Ottoline spoke."), doc(3, "Lighthouse.")])
        other.index([doc(1, "[redacted] spoke.")])
        held = {1: doc(1, "[redacted] spoke."), 2: doc(2, "Ottoline spoke."), 3: doc(3, "Lighthouse.")}
        assert _counts(search) == _expected(held)
        assert search.search(SearchRequest(q="Quarrendr")).suggestion is None
        assert search.search(SearchRequest(q="Ottolinr")).suggestion == "ottoline"
    assert _counts(search) == _expected(held) and search.lacking() == []


def test_a_rebuilds_counts_over_many_parts_and_accesses_are_the_rows(make_search, monkeypatch):  # noqa: F811
    """A rebuild counts its rows' words by their numbers, part by part (a few rows each here),
    each access apart, the later parts' words numbered past the earlier parts' ones: at the
    end the counts are those of the rows, word by word and access by access."""
    from archive.search import postgres_backend

    search = _postgres(make_search)
    monkeypatch.setattr(postgres_backend, "WRITTEN", 3)
    rng = random.Random(23)
    vocabulary = [f"{a}{b}{c}" for a in ("ott", "quar", "lig", "harb") for b in ("ol", "en", "ak") for c in "aeiouy"]
    held = {}
    for n in range(1, 61):
        words = rng.sample(vocabulary[: 12 + n], rng.randint(1, 9))  # (new words later on)
        consent, status = rng.choice([("public", "published"), (SECRET, "published"), ("public", "in_review")])
        held[n] = doc(n, " ".join(words).capitalize() + ".", consent=consent, status=status)
    with search.rebuilding():
        search.index(list(held.values()))
    assert len({access for _, access in _expected(held)}) == 3
    assert _counts(search) == _expected(held) and search.lacking() == []
    assert _numbered(search) == {word for word, _ in _expected(held)}


def test_a_number_a_rebuilds_counts_hold_and_no_word_has_leaves_them_not_made(make_search):  # noqa: F811
    """Should search_words lack a number a rebuild's rows hold when it adds its counts (never,
    but for the table changed by hand meanwhile), the counts are marked not made: suggestions
    and wildcards wait for a repair, which counts them from the rows (the number taken out of
    its row)."""
    from sqlalchemy import text

    search = _postgres(make_search)
    with search.rebuilding():
        search.index([doc(1, "Ottoline spoke."), doc(2, "Quarrender spoke.", consent=SECRET)])
        with search.engine.begin() as connection:
            connection.execute(text("DELETE FROM search_words WHERE word = 'quarrender'"))
    assert search.lacking() == [SPELLING_COUNTS]
    assert search.search(SearchRequest(q="Ottolinr")).suggestion is None
    search.build_lacking()
    assert search.lacking() == [] and search.search(SearchRequest(q="Ottolinr")).suggestion == "ottoline"
    expected = _expected({1: doc(1, "Ottoline spoke."), 2: doc(2, "Quarrender spoke.", consent=SECRET)})
    assert _counts(search) == {key: n for key, n in expected.items() if key[0] != "quarrender"}


def test_a_rebuild_begun_while_another_writes_is_refused_and_the_counts_stand(make_search):  # noqa: F811
    """One rebuild at a time (test_index_races): a second, or an emptying, is refused while
    the first writes, and leaves its counts alone."""
    from archive.search.errors import RebuildUnderWay
    from archive.search.postgres_backend import PostgresSearch

    search = _postgres(make_search)
    other = PostgresSearch(search.engine)
    with search.rebuilding():
        search.index([doc(1, "Ottoline spoke.")])
        with pytest.raises(RebuildUnderWay), other.rebuilding():
            other.index([doc(2, "Quarrender spoke.")])
        with pytest.raises(RebuildUnderWay):
            other.clear()
        search.index([doc(3, "Lighthouse keeper.")])
    held = {1: doc(1, "Ottoline spoke."), 3: doc(3, "Lighthouse keeper.")}
    assert _counts(search) == _expected(held) and search.lacking() == []
    assert _numbered(search) == {word for word, _ in _expected(held)}
    assert search.search(SearchRequest(q="Quarrendr")).suggestion is None


def test_a_write_that_does_not_keep_the_counts_takes_their_mark_away(make_search):  # noqa: F811
    """A worker of the release before (or a migration) writing rows does not change the
    counts: the trigger of migration 0031 marks them not made, until a repair counts them."""
    from sqlalchemy import text

    search = _postgres(make_search)
    search.index([doc(1, "Ottoline spoke."), doc(2, "Quarrender spoke.")])
    assert search.lacking() == []
    for change in (
        "UPDATE search_index SET length = length + 1 WHERE id = 1",
        "DELETE FROM search_index WHERE id = 2",
    ):
        with search.engine.begin() as connection:  # as the release before would
            connection.execute(text(change))
        assert search.lacking() == [SPELLING_COUNTS]
        assert search.search(SearchRequest(q="Ottolinr")).suggestion is None
        search.build_lacking()
        assert search.lacking() == []
    assert _counts(search) == _expected({1: doc(1, "Ottoline spoke.")})  # counted from its numbers


def test_the_last_of_an_id_written_twice_at_once_is_counted(make_search):  # noqa: F811
    search = _postgres(make_search)
    search.index([doc(1, "Ottoline spoke."), doc(2, "Harbour."), doc(1, "Nobody spoke.")])
    assert _counts(search) == _expected({1: doc(1, "Nobody spoke."), 2: doc(2, "Harbour.")})


def test_counts_made_anew_after_a_rebuilds_last_part_are_not_added_to(make_search):  # noqa: F811
    from archive.search.postgres_backend import PostgresSearch

    search = _postgres(make_search)
    with search.rebuilding():
        search.index([doc(1, "Ottoline spoke.")])
        PostgresSearch(search.engine).build_lacking()  # a repair after its last part
    assert _counts(search) == _expected({1: doc(1, "Ottoline spoke.")}) and search.lacking() == []


@given(st.sets(st.integers(1, 2**31 - 1), max_size=400) | st.sets(st.integers(1, 70_000), max_size=400))
def test_a_rows_word_numbers_read_back_as_written(numbers):
    """_encoded/_decoded: the numbers sorted, as differences of two bytes each where every one
    fits, of four otherwise (a number past 65,535 after a small one, or first)."""
    from archive.search.postgres_backend import _decoded, _encoded

    encoded = _encoded(numbers)
    assert _decoded(encoded).tolist() == sorted(numbers)
    small = all(b - a < 1 << 16 for a, b in zip([0, *sorted(numbers)], sorted(numbers), strict=False))
    assert len(encoded) == 1 + len(numbers) * (2 if small else 4)
    assert _decoded(memoryview(encoded)).tolist() == sorted(numbers)  # (as psycopg may give bytea)


def test_spelling_words_are_sent_a_word_a_line_and_one_that_could_not_be_is_refused():
    """_word_numbers sends a part's words as one text, a word a line: a word with a line break
    in it (never a token's) or an empty one is refused before anything is sent, rather than
    numbered as two words, or none."""
    from archive.search.postgres_backend import _word_numbers

    for words in ({"ottoline", "quarrender\nadded"}, {"", "ottoline"}, {"ottoline\n"}):
        with pytest.raises(ValueError, match="line break"):
            _word_numbers(None, words)  # (refused before the connection is asked anything)
    assert _word_numbers(None, set()) == {}


def test_terms_are_sent_a_term_a_line_where_they_can_be_and_as_a_list_otherwise(make_search):  # noqa: F811
    """The vocabulary's new terms go as one text, a term a line, where none has a line break in
    it or is empty; otherwise (a tag typed with a line break) as a list: every term numbered
    once, none split, none lost, a term already there not numbered again."""
    from sqlalchemy import event, text

    from archive.search.postgres_backend import _add_terms

    search = _postgres(make_search)
    sent: list = []

    def seen(connection, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO search_terms"):
            sent.append(parameters)

    with search.engine.begin() as connection:
        event.listen(connection, "before_cursor_execute", seen)
        _add_terms(connection, {"=tag:two\nlines", "ottoline", "+of the"})
        _add_terms(connection, {"ottoline", "quarrender", "~kadyrov", "=tag:x y"})
        _add_terms(connection, {""})
        _add_terms(connection, {"", "lighthouse"})
        _add_terms(connection, set())
        held = connection.execute(text("SELECT term, count(*) FROM search_terms GROUP BY term")).all()
    assert dict(held) == dict.fromkeys(
        ["=tag:two\nlines", "ottoline", "+of the", "quarrender", "~kadyrov", "=tag:x y", "", "lighthouse"], 1
    )
    kinds = [type(next(iter(parameters.values()))) for parameters in sent]
    assert kinds == [list, str, list, list]
