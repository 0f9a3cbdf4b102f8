"""Parsing submitted bytes: UTF-8 only, front matter or JSON, every scalar kept as text."""

from __future__ import annotations

import pytest

from archive.documents.parse import decode, parse_submission
from archive.errors import IngestError

RUSSIAN = "Показания свидетеля"


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("published: 2017-04-21", "published", "2017-04-21"),
        ("language: no", "language", "no"),
        ("title: 1993", "title", "1993"),
        ("title: yes", "title", "yes"),
        ("title: on", "title", "on"),
        ("title: 1.50", "title", "1.50"),
        ("title: 0x1F", "title", "0x1F"),
        ("title: 1e3", "title", "1e3"),
        ("title: 12:30", "title", "12:30"),
        ("title: .inf", "title", ".inf"),
        ("events: 2017-02/2017-04", "events", "2017-02/2017-04"),
        ("places: [1993, no, 2017-04-21]", "places", ["1993", "no", "2017-04-21"]),
        ("source: {date: 2017-04-21}", "source", {"date": "2017-04-21"}),
    ],
)
def test_front_matter_keeps_scalars_as_written(line, field, value):
    fields = parse_submission(f"---\n{line}\n---\nText\n".encode(), "doc.md")
    assert fields[field] == value


@pytest.mark.parametrize("line", ["source: ~", "source: null", "source:"])
def test_front_matter_null_stays_null(line):
    assert parse_submission(f"---\n{line}\n---\nText\n".encode(), "doc.md")["source"] is None


def test_body_is_the_text_after_the_front_matter():
    data = b"---\ntitle: T\n---\n\n# Heading\n\nText with --- inside.\n---\nMore.\n\n\n"
    fields = parse_submission(data, "doc.md")
    assert fields == {"title": "T", "body": "# Heading\n\nText with --- inside.\n---\nMore.\n"}


@pytest.mark.parametrize(
    "data",
    [
        "\ufeff---\ntitle: Т\n---\nТекст\n".encode(),
        "---\r\ntitle: Т\r\n---\r\nТекст\r\n".encode(),
    ],
    ids=["utf-8 with BOM", "CRLF line ends"],
)
def test_common_editor_output_is_accepted(data):
    fields = parse_submission(data, "doc.md")
    assert fields["title"] == "Т"
    assert fields["body"].strip() == "Текст"


def test_json_submission_keeps_its_types_for_validation():
    data = '{"title": "Т", "language": "no", "places": ["Грозный"], "body": "x"}'.encode()
    assert parse_submission(data, "doc.json") == {
        "title": "Т",
        "language": "no",
        "places": ["Грозный"],
        "body": "x",
    }


def test_format_can_be_named_instead_of_guessed_from_the_name():
    assert parse_submission(b'{"title": "T"}', "upload", fmt="json") == {"title": "T"}


@pytest.mark.parametrize(
    ("data", "name", "field", "message"),
    [
        (b"# Just Markdown\n", "doc.md", "front matter", "starts with YAML front matter"),
        (b"", "doc.md", "front matter", "starts with YAML front matter"),
        (b"title: T\n---\nText\n", "doc.md", "front matter", "starts with YAML front matter"),
        (b"---\ntitle: T\nText\n", "doc.md", "front matter", "not closed by '---'"),
        (b"---\ntitle: [T\n---\nText\n", "doc.md", "front matter", "invalid YAML at line 2"),
        (b"---\ntitle: T\n  bad: indent\n---\nx", "doc.md", "front matter", "invalid YAML"),
        (b"---\n- a\n- b\n---\nText\n", "doc.md", "front matter", "must be a mapping"),
        (b"---\n---\nText\n", "doc.md", "front matter", "must be a mapping"),
        (b"---\njust text\n---\nText\n", "doc.md", "front matter", "must be a mapping"),
        (b"---\nbody: x\n---\nText\n", "doc.md", "body", "'body' is the text after"),
        (b"---\n!!python/object:os.system x: 1\n---\nx", "doc.md", "front matter", "invalid YAML"),
        (b"[1, 2]", "doc.json", "json", "must be a JSON object"),
        (b'"text"', "doc.json", "json", "must be a JSON object"),
        (b"null", "doc.json", "json", "must be a JSON object"),
        (b"{", "doc.json", "json", "invalid JSON at line 1 column 2"),
        (b'{"title": "T",\n}', "doc.json", "json", "invalid JSON at line 2 column 1"),
        (b"", "doc.json", "json", "invalid JSON"),
    ],
    ids=[
        "no front matter",
        "empty file",
        "no opening line",
        "front matter unclosed",
        "unclosed flow list",
        "bad indentation",
        "yaml list",
        "empty front matter",
        "yaml scalar",
        "body in front matter",
        "python tag",
        "json list",
        "json string",
        "json null",
        "json truncated",
        "json trailing comma",
        "json empty",
    ],
)
def test_malformed_submission_names_source_and_field(data, name, field, message):
    with pytest.raises(IngestError) as caught:
        parse_submission(data, name)
    error = caught.value
    assert (error.source, error.field) == (name, field)
    assert message in error.message
    assert str(error).startswith(f"{name}: {field}: ")


def test_cp1251_text_is_refused_with_the_byte_position():
    prefix = b"---\ntitle: "
    data = prefix + RUSSIAN.encode("cp1251") + b"\n---\nText\n"
    with pytest.raises(IngestError) as caught:
        parse_submission(data, "cp1251.md")
    error = caught.value
    assert (error.source, error.field) == ("cp1251.md", "encoding")
    assert f"byte {len(prefix)} is 0x{data[len(prefix)]:02x}" in error.message
    assert "UTF-8" in error.message


def test_utf16_text_is_refused_at_byte_0():
    with pytest.raises(IngestError, match="byte 0 is 0xff"):
        decode("---\ntitle: T\n---\n".encode("utf-16"), "utf16.md")


@pytest.mark.parametrize("data", [b"---\ntitle: T\n---\nTe\x00xt\n", b'{"title": "T\x00"}'], ids=["markdown", "json"])
def test_nul_bytes_are_refused(data):
    with pytest.raises(IngestError, match="NUL") as caught:
        parse_submission(data, "nul.bin")
    assert caught.value.field == "encoding"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "deep.json"),
        (b'{"places": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "deep-field.json"),
        (b"---\ntitle: " + b"[" * 100_000 + b"]" * 100_000 + b"\n---\nx\n", "deep.md"),
    ],
    ids=["json array", "json field", "yaml flow list"],
)
def test_deeply_nested_structure_is_an_ingest_error_not_a_crash(data, name):
    # A RecursionError would escape the bulk loop and the web error handler alike.
    with pytest.raises(IngestError) as caught:
        parse_submission(data, name)
    assert caught.value.source == name
