"""`archive search`, `archive reindex` and `archive check-index`, run as installed."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from archive.search.postgres_backend import PostgresSearch
from archive.search.whoosh_backend import WhooshSearch
from archive.storage.models import Document
from tests import databases
from tests.cli.conftest import _run, keyed_database

CONSENT_WORDS = {"public": "cliwordpublic", "researchers": "cliwordresearchers", "custodians": "cliwordcustodians"}
# (role, consent of the document whose word is searched, whether the role finds it)
ACCESS = [
    ("anonymous", "public", True),
    ("anonymous", "researchers", False),
    ("anonymous", "custodians", False),
    ("researcher", "public", True),
    ("researcher", "researchers", True),
    ("researcher", "custodians", False),
    ("custodian", "custodians", True),
    ("admin", "researchers", True),
]


def _document(slug: str, body: str, **changes) -> str:
    fields = {
        "slug": slug,
        "case": "search-case",
        "kind": "testimony",
        "title": f"About {slug}",
        "language": "en",
        "consent": "public",
        "status": "published",
        "redaction": "reviewed",
        "grading": {"source": "B", "information": "2"},
        "published": "2017-09",
        **changes,
    }
    return f"---\n{yaml.safe_dump(fields, allow_unicode=True)}---\n{body}\n"


@pytest.fixture(scope="module")
def _loaded(initialised_data, tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """Load a case of five documents once per module (indexed as they are loaded)."""
    root = tmp_path_factory.mktemp("searchable")
    databases.copytree(initialised_data[0], root / "data", keep=True)
    (root / "cwd").mkdir()
    case = root / "cases" / "search-case"
    (case / "documents").mkdir(parents=True)
    (case / "case.yaml").write_text("slug: search-case\ntitle: A case for search\n")
    docs = {
        "detained": _document("detained", "Men were detained in Grozny; Kadyrov denied it."),
        "denial": _document("denial", "Кадыров отрицал задержания.", language="ru", kind="official_statement"),
        **{
            f"consent-{consent}": _document(f"consent-{consent}", f"A statement with {word}.", consent=consent)
            for consent, word in CONSENT_WORDS.items()
        },
    }
    for slug, content in docs.items():
        (case / "documents" / f"{slug}.md").write_text(content, encoding="utf-8")
    loaded = _run(root / "cwd", root / "data", ["load-corpus", "--reviewed-by", "custodian", case.parent])
    assert loaded.returncode == 0, loaded.stderr
    db = keyed_database(root / "data")
    with db.session() as s:
        ids = {d.slug: d.id for d in s.scalars(select(Document))}
    db.dispose()
    return root / "data", ids


@pytest.fixture
def searchable(_loaded, data_dir) -> dict[str, int]:
    """A data folder holding a loaded, indexed case of five documents; ids by slug."""
    databases.copytree(_loaded[0], data_dir)
    return _loaded[1]


def search(archive, *args) -> dict:
    result = archive("search", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_search_prints_the_count_and_one_line_per_hit(searchable, archive):
    result = archive("search", "Kadyrov")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "2 results"
    hits = [re.match(r"\s*(\d+)\s+(\S+)\s+(\S+)\s+(.*)$", line).groups() for line in lines[1:]]
    assert sorted(int(h[0]) for h in hits) == sorted([searchable["detained"], searchable["denial"]])
    assert {(h[1], h[2]) for h in hits} == {("testimony", "en"), ("official_statement", "ru")}


def test_search_json_gives_total_items_facets_and_snippets(searchable, archive):
    found = search(archive, "detained")
    assert found["total"] == 1 and found["suggestion"] is None
    (item,) = found["items"]
    assert item["id"] == searchable["detained"]
    assert item["title"] == "About detained" and item["kind"] == "testimony"
    assert "detained</mark>" in item["snippet"]
    assert found["facets"]["kind"] == {"testimony": 1}
    assert found["facets"]["year"] == {"2017": 1}


@pytest.mark.parametrize(("role", "consent", "visible"), ACCESS)
def test_search_as_role_applies_that_roles_access(searchable, archive, role, consent, visible):
    found = search(archive, CONSENT_WORDS[consent], "--as-role", role)
    expected = [searchable[f"consent-{consent}"]] if visible else []
    assert [item["id"] for item in found["items"]] == expected
    assert found["total"] == len(expected)


def test_search_by_default_applies_the_anonymous_visitors_access(searchable, archive):
    found = search(archive, "statement")
    assert [item["id"] for item in found["items"]] == [searchable["consent-public"]]


def test_search_suggests_a_spelling_when_nothing_matches(searchable, archive):
    result = archive("search", "detaimed")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "0 results"
    assert "did you mean: detained" in result.stdout


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unclosed', "unclosed quotation mark"),
        ("(((", "unbalanced brackets"),
        ("date:someday", "EDTF"),
    ],
)
def test_search_with_a_malformed_query_exits_1_with_the_message(searchable, archive, query, message):
    result = archive("search", query)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_check_index_exits_0_when_the_index_is_in_step(searchable, archive):
    result = archive("check-index")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == "missing 0, stale 0, extra 0, queued 0"


def lose_the_index(data_dir) -> None:
    """The index folder deleted (Whoosh), or the search tables emptied (PostgreSQL)."""
    if databases.SEARCH_BACKEND == "whoosh":
        shutil.rmtree(data_dir / "index")
        return
    search = PostgresSearch(databases.url(data_dir))
    search.clear()
    search.close()


def test_check_index_reports_a_lost_index_and_repair_restores_it(searchable, archive, data_dir):
    before = search(archive, "Kadyrov")
    lose_the_index(data_dir)
    lost = archive("check-index")
    assert lost.returncode == 1
    ids = ", ".join(str(i) for i in sorted(searchable.values()))
    assert lost.stdout.splitlines() == ["missing 5, stale 0, extra 0, queued 0", f"  missing: {ids}"]
    assert search(archive, "Kadyrov")["total"] == 0

    repaired = archive("check-index", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert repaired.stdout.splitlines()[0] == "missing 5, stale 0, extra 0, queued 0"
    assert repaired.stdout.splitlines()[-1] == "repaired"
    again = archive("check-index")
    assert again.returncode == 0
    assert again.stdout.splitlines()[0] == "missing 0, stale 0, extra 0, queued 0"
    assert search(archive, "Kadyrov") == before


def test_reindex_prints_the_count_and_leaves_the_index_in_step(searchable, archive, data_dir):
    before = search(archive, "Kadyrov")
    lose_the_index(data_dir)
    result = archive("reindex")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "indexed 5 documents"
    # PostgreSQL's GIN index, built once the documents are written, is said to be built
    building = "every document written; now building the GIN index, which shows no progress"
    assert (building in result.stderr) == (databases.SEARCH_BACKEND != "whoosh"), result.stderr
    assert archive("check-index").returncode == 0
    assert search(archive, "Kadyrov") == before


def test_reindex_while_another_process_rebuilds_is_refused_and_says_why(searchable, archive, data_dir):
    """One rebuild at a time (search/errors.py, RebuildUnderWay): the second is refused with a
    clear message, as a repair is; once the first is done, a rebuild runs."""
    if databases.SEARCH_BACKEND == "whoosh":
        other = WhooshSearch(data_dir / "index")
    else:
        other = PostgresSearch(databases.url(data_dir))
    try:
        with other.rebuilding():
            refused = [archive("reindex"), archive("check-index", "--repair")]
    finally:
        other.close()
    for result in refused:
        assert result.returncode == 1
        assert "another process is rebuilding the search index; try again once it is done" in result.stderr
        assert "Traceback" not in result.stderr
    assert archive("reindex").stdout.strip() == "indexed 5 documents"
    assert archive("check-index").returncode == 0


def test_init_fills_an_emptied_index_by_a_rebuild_and_repairs_one_that_holds_documents(searchable, archive, data_dir):
    """An index holding nothing (revision 0032 empties PostgreSQL's; a new Whoosh format starts
    empty) is rebuilt whole by `archive init`, the engine building its structures once; one
    holding some documents is repaired, the missing ones written."""
    if databases.SEARCH_BACKEND == "whoosh":
        backend = WhooshSearch(data_dir / "index")
    else:
        backend = PostgresSearch(databases.url(data_dir))
    try:
        backend.clear()
        result = archive("init")
        assert "search index: 5 documents indexed\n" in result.stdout
        assert archive("check-index").returncode == 0
        backend.delete([min(backend.versions())])
        result = archive("init")
        assert "search index: 1 documents indexed, 0 removed" in result.stdout
        assert archive("check-index").returncode == 0 and search(archive, "Kadyrov")["total"] > 0
    finally:
        backend.close()


def test_reindex_before_init_tells_the_user_to_run_init(archive):
    result = archive("reindex")
    assert result.returncode == 1
    assert "run `archive init`" in result.stderr


def test_the_index_lives_under_the_data_dir(searchable, data_dir, workdir):
    if databases.SEARCH_BACKEND == "whoosh":
        assert any((data_dir / "index").iterdir())
    else:  # in the database: a server keeps no search state of its own
        assert not (data_dir / "index").exists()
        db = keyed_database(data_dir)
        assert "kadyrov" in databases.search_tables_text(db.engine)  # (its terms: it holds no text)
        db.dispose()
    assert list(Path(workdir).iterdir()) == []


@pytest.mark.skipif(databases.SEARCH_BACKEND != "whoosh", reason="the format of Whoosh's files")
def test_an_index_of_an_older_format_is_rebuilt_by_init(searchable, archive, data_dir):
    before = search(archive, "Kadyrov")
    (data_dir / "index" / "SCHEMA_VERSION").write_text("1\n")  # as an older release left it
    # the next process to open it starts an empty index of the current format ...
    assert search(archive, "Kadyrov")["total"] == 0
    assert archive("check-index").stdout.startswith("missing 5, stale 0, extra 0")
    # ... and `archive init` (which `make run` calls) fills it from the database, at once (a
    # rebuild: the engine builds its structures once)
    result = archive("init")
    assert result.returncode == 0, result.stderr
    assert "search index: 5 documents indexed\n" in result.stdout
    assert archive("check-index").returncode == 0
    assert search(archive, "Kadyrov") == before
