"""Exports: JSON valid against its schema, CSV, TimelineJS; what the reader may see only."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

from archive.timeline.export import CSV_COLUMNS, SCHEMA_MEDIA_TYPE, SCHEMA_PATH, schema, schema_under
from tests.timeline.conftest import GOVERNOR_SOURCE, document_hashes

FORMATS = ("json", "csv", "timelinejs")
SITE = "http://archive.test"  # the test app's SERVER_NAME
# the columns holding one line per document cited, in the same order
CITATION_COLUMNS = ("citations", "document_titles", "document_slugs", "document_sha256", "source_types", "grades",
                    "document_sources", "excerpts")  # fmt: skip


def permalink(kind: str, slug: str) -> str:
    return f"{SITE}/cases/test-case/{'documents' if kind == 'document' else 'timeline'}/{slug}"


def download(client, fmt: str, **args):
    response = client.get(f"/timeline/export.{fmt}", query_string=args)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["Content-Disposition"]
    return response.text


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("role", ["anonymous", "researcher", "custodian"])
def test_json_export_follows_its_schema(reader, small_case, role):
    body = json.loads(download(reader(role), "json"))
    jsonschema.Draft202012Validator(schema()).validate(body)
    by_slug = {e["slug"]: e for e in body["entries"]}
    denial = by_slug["denial"]
    assert denial["date"] == "2017-04-21" and denial["date_display"] == "21 April 2017"
    assert denial["speaker"] == {"name": "An official", "office": "Spokesman"}
    assert denial["denies"] == [by_slug["detentions"]["id"]] + (
        [by_slug["hidden-event"]["id"]] if role == "custodian" else []
    )
    assert by_slug["detentions"]["denied_by"] == [denial["id"]]
    assert by_slug["year-event"]["date_precision"] == "year"
    assert ("hidden-event" in by_slug) == (role == "custodian")


def test_json_export_refused_by_the_schema_when_a_denial_loses_its_denies(client, small_case):
    body = json.loads(download(client, "json"))
    denial = next(e for e in body["entries"] if e["kind"] == "denial")
    del denial["denies"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema()).validate(body)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_no_export_holds_hidden_text_or_links(reader, small_case, fmt, role):
    docs, _ = small_case
    text = download(reader(role), fmt)
    assert "HIDDENCANARY" not in text
    assert "Known only from a custodian testimony" not in text
    assert "/documents/custodian-testimony" not in text and f"/documents/{docs['custodians']}" not in text
    assert ("/cases/test-case/documents/researcher-testimony" in text) == (role == "researcher")


def test_csv_has_a_row_per_entry_and_defuses_formulas(client, small_case, add_entries):
    add_entries(
        {
            "slug": "formula",
            "kind": "event",
            "date": "2017-05",
            "title": '=HYPERLINK("http://evil")',
            "citations": [{"document": "public-report", "excerpt": ""}],
        }
    )
    rows = list(csv.DictReader(io.StringIO(download(client, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["slug"] for r in rows] == ["year-event", "detentions", "statement", "denial", "formula"]
    formula = rows[-1]
    assert formula["title"].startswith("'=") and formula["evidence"] == "1"
    assert rows[3]["stances"].startswith("denies ")


def test_timelinejs_dates_are_as_precise_as_recorded(client, small_case):
    body = json.loads(download(client, "timelinejs"))
    by_id = {e["unique_id"]: e for e in body["events"]}
    dates = sorted((e["display_date"], e["start_date"]) for e in body["events"])
    assert ("2017", {"year": 2017}) in dates
    assert ("February 2017", {"year": 2017, "month": 2}) in dates
    assert ("21 April 2017", {"year": 2017, "month": 4, "day": 21}) in dates
    # the lanes' names say what entries are, not what is true: events are as reported
    assert {e["group"] for e in by_id.values()} == {"Reported events", "Official statements and denials"}
    assert all("<script" not in e["text"]["text"] for e in body["events"])


def test_the_cli_exports_what_the_role_may_see(app, small_case, tmp_path):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from archive.cli import main

    out = tmp_path / "t.json"
    result = CliRunner().invoke(
        main,
        ["timeline", "export", "--format", "json", "--case", "test-case", "--out", str(out)],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text())
    jsonschema.Draft202012Validator(schema()).validate(body)
    assert "hidden-event" not in {e["slug"] for e in body["entries"]}


def test_the_cli_names_the_schema_under_its_base_url(app, small_case, tmp_path):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from archive.cli import main

    def exported(*options: str) -> dict:
        out = tmp_path / "t.json"
        args = ["timeline", "export", "--format", "json", *options, "--out", str(out)]
        result = CliRunner().invoke(main, args, obj=ScriptInfo(create_app=lambda: app))
        assert result.exit_code == 0, result.output
        return json.loads(out.read_text())

    body = exported("--base-url", "https://archive.example/")
    assert (
        body["$schema"] == schema_under("https://archive.example") == "https://archive.example/schemas/timeline-v1.json"
    )
    assert body["entries"][0]["url"].startswith("https://archive.example/cases/test-case/timeline/")
    assert exported()["$schema"] == SCHEMA_PATH  # paths alone, like its permalinks
    assert SCHEMA_PATH in {rule.rule for rule in app.url_map.iter_rules()}  # the route the web serves it at


# -- the schema, served by the archive ---------------------------------------------------------


def test_the_archive_serves_the_schema_its_exports_name(client, small_case):
    served = client.get(SCHEMA_PATH)
    assert served.status_code == 200 and served.mimetype == SCHEMA_MEDIA_TYPE
    found = json.loads(served.text)
    jsonschema.Draft202012Validator.check_schema(found)
    body = json.loads(download(client, "json"))
    assert found["$id"] == body["$schema"] == f"{SITE}{SCHEMA_PATH}"
    jsonschema.Draft202012Validator(found).validate(body)


# -- context: accounts, excerpts, grades, corroboration, hashes, permalinks -----------------------


@pytest.mark.parametrize("role", ["anonymous", "researcher", "custodian"])
def test_json_export_with_context_follows_its_schema(reader, context_case, role):
    body = json.loads(download(reader(role), "json"))
    jsonschema.Draft202012Validator(schema()).validate(body)


def test_json_citations_carry_the_documents_hash_slug_grade_and_source(app, client, context_case):
    docs, _ = context_case
    hashes = document_hashes(app)
    body = json.loads(download(client, "json"))
    denial = {e["slug"]: e for e in body["entries"]}["governor-denial"]
    article, translation = denial["citations"]
    assert article["url"] == permalink("document", "governor-article") and article["slug"] == "governor-article"
    assert article["sha256"] == hashes["governor-article"] and translation["sha256"] == hashes[translation["slug"]]
    assert article["source_type"] == "second_hand"
    assert article["grade"] == {
        "code": "A1",
        "source": "A",
        "information": "1",
        "note": "Named reporter, confirmed elsewhere.",
    }
    assert translation["grade"]["code"] == "C3" and translation["source"] is None
    assert article["source"] == GOVERNOR_SOURCE
    assert article["excerpt"] == "There are no such people here."
    # a translation of the article is a second document, not a second source
    assert denial["corroboration"] == {"documents": 2, "independent_sources": 1}
    assert denial["quotation_verbatim"] is True and denial["quoted_in"]["document"] == docs["article"]
    assert denial["paraphrase"] == "The governor said there were none."


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_every_format_carries_the_conflicting_accounts_the_reader_may_follow(reader, context_case, role):
    client = reader(role)
    accounts = ["about 40", "some 30"] if role == "researcher" else ["about 40"]
    statement = {e["slug"]: e for e in json.loads(download(client, "json"))["entries"]}["statement"]
    assert [a["account"] for a in statement["conflicting_accounts"]] == accounts
    assert statement["conflicting_accounts"][0] | {"account": ""} == {
        "document": statement["citations"][0]["document"],
        "url": permalink("document", "public-report"),
        "title": "Public report",
        "slug": "public-report",
        "account": "",
    }
    row = {r["slug"]: r for r in csv.DictReader(io.StringIO(download(client, "csv")))}["statement"]
    lines = [
        f"Public report ({permalink('document', 'public-report')}): about 40",
        f"Researcher testimony ({permalink('document', 'researcher-testimony')}): some 30",
    ]
    assert row["conflicting_accounts"].split("\n") == lines[: len(accounts)]
    text = {e["unique_id"]: e["text"]["text"] for e in json.loads(download(client, "timelinejs"))["events"]}
    card = text[f"entry-{statement['id']}"]
    assert "The sources disagree" in card and "about 40" in card
    assert ("some 30" in card) == (role == "researcher")


def test_csv_carries_the_context_one_line_per_document_cited(app, client, context_case):
    hashes = document_hashes(app)
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(download(client, "csv")))}
    assert tuple(next(iter(rows.values()))) == CSV_COLUMNS
    denial = rows["governor-denial"]
    slugs = ["governor-article", "governor-article-translation"]
    assert all(len(denial[column].split("\n")) == 2 for column in CITATION_COLUMNS)
    assert denial["citations"].split("\n") == [permalink("document", s) for s in slugs]
    assert denial["document_slugs"].split("\n") == slugs
    assert denial["document_sha256"].split("\n") == [hashes[s] for s in slugs]
    assert denial["grades"] == "A1\nC3" and denial["source_types"] == "second_hand\nsecond_hand"
    assert denial["excerpts"] == "There are no such people here.\nno such people in the region"
    source = denial["document_sources"].split("\n")[0]
    assert "The Daily Example" in source and "reported by The Weekly Example" in source
    assert (denial["evidence"], denial["independent_sources"]) == ("2", "1")
    assert denial["url"] == permalink("entry", "governor-denial")
    assert denial["quotation_verbatim"] == "yes" and denial["quoted_in"] == permalink("document", "governor-article")
    assert denial["paraphrase"] == "The governor said there were none."
    # quoted word for word only in a document an anonymous reader may not open
    # (the words are left out: they come from a document kept from this reader)
    unquoted = rows["researcher-quoted-denial"]
    assert (unquoted["quotation"], unquoted["quotation_verbatim"], unquoted["quoted_in"]) == ("", "", "")
    assert rows["detentions"]["quotation_verbatim"] == ""


def test_timelinejs_cards_show_the_context(app, client, context_case):
    hashes = document_hashes(app)
    body = json.loads(download(client, "timelinejs"))
    cards = {e["text"]["headline"]: e["text"]["text"] for e in body["events"]}
    card = cards["A governor denies the detentions"]
    assert "<blockquote>There are no such people here.</blockquote>" in card
    assert f'as quoted in <a href="{permalink("document", "governor-article")}">' in card
    assert "In substance, in the archive's words: The governor said there were none." in card
    assert f'Denies: <a href="{permalink("entry", "detentions")}">Detentions begin</a>' in card
    assert "1 independent source (2 documents)" in card
    assert "(A1, second-hand report)" in card and "(C3, second-hand report)" in card
    assert "<q>There are no such people here.</q>" in card and "<q>no such people in the region</q>" in card
    assert hashes["governor-article"] in card and hashes["governor-article-translation"] in card
    assert f'href="{permalink("entry", "governor-denial")}"' in card
    # carried word for word only by a document this reader may not open: the words left out
    unquoted = cards["Regional authorities deny it"]
    assert "<blockquote>" not in unquoted and "A first account." not in unquoted


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_no_export_holds_a_hidden_documents_hash_slug_account_or_event(app, reader, context_case, fmt, role):
    hashes = document_hashes(app)
    text = download(reader(role), fmt)
    assert hashes["custodian-testimony"] not in text and "custodian-testimony" not in text
    assert "hidden-event" not in text and "Known only from a custodian testimony" not in text
    assert "HIDDENCANARY" not in text
    researcher = hashes["researcher-testimony"] in text, "researcher-testimony" in text, "some 30" in text
    assert researcher == ((role == "researcher"),) * 3


@pytest.mark.parametrize("role", ["anonymous", "custodian"])
def test_json_export_reviews_each_denial_against_the_events_the_reader_may_see(reader, context_case, role):
    entries = {e["slug"]: e for e in json.loads(download(reader(role), "json"))["entries"]}
    review = entries["governor-denial"]["claim_review"]
    assert review["@type"] == "ClaimReview" and review["claimReviewed"] == "There are no such people here."
    assert review["citation"] == [
        {"@type": "CreativeWork", "name": "Detentions begin", "url": permalink("entry", "detentions")}
    ]
    # a denial of nothing the reader may see is not rated: its evidence would be hidden
    hidden = entries["hidden-only-denial"]["claim_review"]
    assert (hidden is None) == (role == "anonymous")
    assert "claim_review" not in entries["detentions"] and "claim_review" not in entries["statement"]


def test_csv_guards_every_line_of_the_new_cells_against_formulas(client, context_case, make_document, add_entries):
    make_document(
        slug="formula-doc",
        title='=HYPERLINK("http://evil")',
        body="=SUM(A1) said someone.\n",
        source={"outlet": "+Outlet", "author": "-Author"},
        source_type="first_hand",
    )
    add_entries(
        {
            "slug": "formula-context",
            "kind": "statement",
            "date": "2017-06",
            "title": "A statement",
            "paraphrase": "-1 said the archive",
            "citations": [
                {"document": "public-report", "excerpt": ""},
                {"document": "formula-doc", "excerpt": "=SUM(A1) said"},
            ],
            "conflicts": [{"document": "formula-doc", "account": "=1+1"}],
        }
    )
    row = {r["slug"]: r for r in csv.DictReader(io.StringIO(download(client, "csv")))}["formula-context"]
    lines = [(column, line) for column, value in row.items() for line in value.split("\n")]
    assert [(c, line) for c, line in lines if line[:1] in ("=", "+", "-", "@")] == []
    assert row["excerpts"] == "\n'=SUM(A1) said" and row["paraphrase"] == "'-1 said the archive"
    assert row["document_titles"].split("\n")[1] == """'=HYPERLINK("http://evil")"""
    assert row["conflicting_accounts"].startswith("'=HYPERLINK")
