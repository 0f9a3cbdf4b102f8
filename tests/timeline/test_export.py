"""Exports: JSON valid against its schema, CSV, TimelineJS; what the reader may see only."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

from archive.timeline.export import CSV_COLUMNS, schema

FORMATS = ("json", "csv", "timelinejs")


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
