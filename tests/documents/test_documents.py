"""Ingesting documents: stored whole with an audit entry, or not at all with a clear error."""

from __future__ import annotations

import hashlib
import logging
import shutil

import pytest
from sqlalchemy import select

from archive.documents.intake import ingest_paths
from archive.errors import DuplicateContent, IngestError
from archive.storage.models import AuditEntry, Document

NEW_LABELS = {
    "places": ["A place not yet stored"],
    "tags": ["a-tag-not-yet-stored"],
    "source": {"outlet": "An outlet not yet stored", "url": "https://example.org/new"},
}


def _md(**changes):
    return lambda kit: kit["md"](**{**NEW_LABELS, **changes})


def _json(**changes):
    return lambda kit: kit["json"](**{**NEW_LABELS, **changes})


def _raw(data: bytes):
    return lambda kit: data


BAD_SUBMISSIONS = [
    # (id, builder, file name, field the error names)
    ("missing title", _md(title=None), "doc.md", "title"),
    ("unknown kind", _md(kind="memoir"), "doc.md", "kind"),
    ("malformed published", _md(published="2017-13"), "doc.md", "published"),
    ("malformed events", _md(events="spring 2017"), "doc.md", "events"),
    ("malformed source date", _md(source={"date": "2017-02-30"}), "doc.md", "source.date"),
    ("unknown field titel", _md(titel="A testimony"), "doc.md", "titel"),
    ("bad language code", _md(language="english"), "doc.md", "language"),
    ("bad slug", _md(slug="Not A Slug"), "doc.md", "slug"),
    ("bad consent", _md(consent="world"), "doc.md", "consent"),
    ("bad status", _md(status="live"), "doc.md", "status"),
    ("non-http source url", _md(source={"url": "ftp://example.org/x"}), "doc.md", "source.url"),
    ("places a mapping", _md(places={"Grozny": "city"}), "doc.md", "places"),
    ("places a nested list", _md(places=[["Grozny"]]), "doc.md", "places"),
    ("json places not strings", _json(places=["Grozny", True]), "doc.json", "places"),
    ("empty body", _md(body="\n\n"), "doc.md", "body"),
    ("front matter missing", _raw(b"# A testimony\n\nText.\n"), "doc.md", "front matter"),
    ("front matter unclosed", _raw(b"---\ntitle: T\n\nText.\n"), "doc.md", "front matter"),
    ("invalid yaml", _raw(b"---\ntitle: 'T\n---\nText.\n"), "doc.md", "front matter"),
    ("json not an object", _raw(b'["title", "T"]'), "doc.json", "json"),
    ("invalid json", _raw(b'{"title": "T"'), "doc.json", "json"),
    ("cp1251 bytes", _raw("---\ntitle: Показания\n---\n".encode("cp1251")), "doc.md", "encoding"),
    ("nul bytes", _raw(b"---\ntitle: T\n---\nText\x00\n"), "doc.md", "encoding"),
    ("unknown case", _md(case="no-such-case"), "doc.md", "case"),
]


@pytest.fixture
def kit(make_markdown, make_json):
    return {"md": make_markdown, "json": make_json}


@pytest.mark.parametrize(
    ("build", "name", "field"),
    [case[1:] for case in BAD_SUBMISSIONS],
    ids=[case[0] for case in BAD_SUBMISSIONS],
)
def test_bad_submission_is_refused_naming_source_and_field_and_writes_nothing(
    ingest, row_counts, kit, build, name, field
):
    before = row_counts()
    with pytest.raises(IngestError) as caught:
        ingest(build(kit), f"uploads/{name}")
    assert (caught.value.source, caught.value.field) == (f"uploads/{name}", field)
    assert str(caught.value).startswith(f"uploads/{name}: {field}: ")
    assert row_counts() == before


def test_file_over_the_size_limit_is_refused_before_parsing(ingest, row_counts, make_markdown):
    data = make_markdown()
    before = row_counts()
    with pytest.raises(IngestError) as caught:
        ingest(data, "big.md", max_bytes=len(data) - 1)
    assert (caught.value.source, caught.value.field) == ("big.md", "size")
    assert f"is {len(data)} bytes; the limit is {len(data) - 1}" in caught.value.message
    assert row_counts() == before
    assert ingest(data, "big.md", max_bytes=len(data)).id


def test_same_bytes_twice_is_duplicate_content_naming_the_first(ingest, row_counts, make_markdown):
    data = make_markdown()
    first = ingest(data, "first.md")
    before = row_counts()
    with pytest.raises(DuplicateContent) as caught:
        ingest(data, "second.md")
    assert caught.value.existing_id == first.id
    assert (caught.value.source, caught.value.field) == ("second.md", "sha256")
    assert f"document {first.id}" in caught.value.message
    assert row_counts() == before


def test_slug_used_twice_in_a_case_is_refused(ingest, row_counts, make_markdown):
    ingest(make_markdown(), "first.md")
    before = row_counts()
    with pytest.raises(IngestError) as caught:
        ingest(make_markdown(title="Another", **NEW_LABELS), "second.md")
    assert (caught.value.source, caught.value.field) == ("second.md", "slug")
    assert "'a-testimony' is already used in case test-case" in caught.value.message
    assert row_counts() == before


def test_same_slug_in_another_case_is_allowed(ingest, make_case, make_markdown):
    make_case("other-case", "Other case")
    first = ingest(make_markdown(), "first.md")
    second = ingest(make_markdown(case="other-case"), "second.md")
    assert first.slug == second.slug
    assert first.case_id != second.case_id


def test_documents_without_slug_may_share_a_case(ingest, make_markdown):
    one = ingest(make_markdown(slug=None, title="One"))
    two = ingest(make_markdown(slug=None, title="Two"))
    assert (one.slug, two.slug) == (None, None)


def test_ingested_document_keeps_every_field(ingest, session, make_markdown):
    data = make_markdown(places=["Grozny", "Argun"], tags=["Detention", "torture"])
    document = ingest(data, "doc.md")
    session.expire_all()  # read back what the database holds, not the objects just built
    stored = session.get(Document, document.id)
    assert stored.case.slug == "test-case"
    assert (stored.slug, stored.kind, stored.title, stored.language) == (
        "a-testimony",
        "testimony",
        "A testimony",
        "en",
    )
    assert stored.body_original == stored.body_public == "The account, in Markdown.\n"
    assert (stored.published_edtf, stored.events_edtf) == ("2017-04", "2017-02/2017-04")
    assert str(stored.published_start) == "2017-04-01"
    assert str(stored.events_end) == "2017-04-30"
    assert [p.name for p in stored.places] == ["Argun", "Grozny"]
    assert [t.name for t in stored.tags] == ["detention", "torture"]
    assert (stored.source.outlet, stored.source.url, stored.source.date_edtf) == (
        "A newspaper",
        "https://example.org/a",
        "2017-04-21",
    )
    assert (stored.consent, stored.status) == ("public", "published")
    assert stored.attribution == "Summarised for the test suite."
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.revision == 1


def test_json_submission_is_stored_like_markdown(ingest, make_json):
    document = ingest(make_json(language="no", title="Vitneforklaring"), "doc.json")
    assert (document.language, document.title) == ("no", "Vitneforklaring")


def test_yaml_no_is_norwegian_not_false(ingest):
    data = b"---\ncase: test-case\nkind: testimony\ntitle: 1993\nlanguage: no\npublished: 2017-04-21\n---\nTekst.\n"
    document = ingest(data, "norsk.md")
    assert (document.language, document.title, document.published_edtf) == (
        "no",
        "1993",
        "2017-04-21",
    )


def test_places_tags_and_sources_are_shared_between_documents(ingest, row_counts, make_markdown):
    ingest(make_markdown(slug="one"))
    ingest(make_markdown(slug="two", title="Two"))
    counts = row_counts()
    shared = {name: counts[name] for name in ("documents", "places", "tags", "sources")}
    assert shared == {"documents": 2, "places": 1, "tags": 1, "sources": 1}


def test_tags_differing_only_in_case_are_stored_once(ingest, make_markdown):
    document = ingest(make_markdown(tags=["Torture", "torture"]))
    assert [t.name for t in document.tags] == ["torture"]


def test_each_document_gets_one_audit_entry_with_its_hash(ingest, session, make_markdown):
    data = make_markdown()
    document = ingest(data)
    entry, *attested = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "document")).all()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "document.create",
        "document",
        document.id,
    )
    assert (entry.via, entry.actor_id) == ("cli", None)
    assert entry.detail == {"sha256": hashlib.sha256(data).hexdigest()}
    # the file said `redaction: reviewed`: the custodian who vouched for it on its own line
    assert [(a.action, a.detail["by"]) for a in attested] == [
        ("document.redaction_attested", document.redaction_reviewed_by_id)
    ]


def test_log_names_ids_and_hashes_but_no_title_or_file_name(ingest, make_markdown, caplog):
    data = make_markdown(title="Testimony of Zelimkhan")
    with caplog.at_level(logging.DEBUG, logger="archive"):
        document = ingest(data, "zelimkhan-statement.md")
    text = caplog.text
    assert f"document {document.id}" in text
    assert hashlib.sha256(data).hexdigest()[:16] in text
    assert "Zelimkhan" not in text
    assert "zelimkhan" not in text


@pytest.fixture
def bulk_folder(tmp_path, make_markdown):
    """A folder of submissions: good ones, bad ones, a duplicate, and files to ignore."""
    folder = tmp_path / "incoming"
    (folder / "nested").mkdir(parents=True)
    (folder / "a-good.md").write_bytes(make_markdown(slug="good-a", title="Good A"))
    (folder / "b-bad-date.md").write_bytes(make_markdown(slug="bad-b", published="2017-02-29"))
    shutil.copy(folder / "a-good.md", folder / "c-duplicate-of-a.md")
    (folder / "d-cp1251.md").write_bytes("---\ntitle: Показания\n---\n".encode("cp1251"))
    (folder / "e-too-big.md").write_bytes(make_markdown(slug="big", body="x" * 5000))
    (folder / "nested" / "f-good.json").write_text(
        '{"case": "test-case", "kind": "news_report", "title": "Good F", "language": "ru",'
        ' "slug": "good-f", "body": "Текст."}',
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text("not a submission")
    return folder


@pytest.fixture
def bulk_ingest(case, session, kinds, attesting):
    def run(*paths, max_bytes=4000):
        return ingest_paths(session, paths, kinds, attesting, "cli", max_bytes)

    return run


def test_bulk_ingest_reports_each_file_and_stores_exactly_the_good_ones(bulk_ingest, bulk_folder, session):
    results = bulk_ingest(bulk_folder)
    outcome = {r.path.removeprefix(f"{bulk_folder}/"): r for r in results}
    assert {name: r.status for name, r in outcome.items()} == {
        "a-good.md": "ingested",
        "b-bad-date.md": "error",
        "c-duplicate-of-a.md": "duplicate",
        "d-cp1251.md": "error",
        "e-too-big.md": "error",
        "nested/f-good.json": "ingested",
    }
    assert outcome["c-duplicate-of-a.md"].object_id == outcome["a-good.md"].object_id
    assert "published" in outcome["b-bad-date.md"].message
    assert "b-bad-date.md" in outcome["b-bad-date.md"].message
    assert "byte" in outcome["d-cp1251.md"].message
    assert "size" in outcome["e-too-big.md"].message

    stored = session.scalars(select(Document).order_by(Document.id)).all()
    assert [d.slug for d in stored] == ["good-a", "good-f"]
    assert {outcome["a-good.md"].object_id, outcome["nested/f-good.json"].object_id} == {d.id for d in stored}
    audited = session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "document.create")).all()
    assert sorted(audited) == [d.id for d in stored]


def test_bulk_ingest_takes_files_and_folders_in_the_order_given(bulk_ingest, bulk_folder):
    results = bulk_ingest(bulk_folder / "nested" / "f-good.json", bulk_folder / "nested")
    assert [r.status for r in results] == ["ingested", "duplicate"]


def test_bulk_ingest_reports_an_unreadable_path_and_goes_on(bulk_ingest, bulk_folder, tmp_path):
    results = bulk_ingest(tmp_path / "missing.md", bulk_folder / "a-good.md")
    assert [r.status for r in results] == ["error", "ingested"]
    assert "cannot read" in results[0].message


def test_bulk_ingest_survives_a_pathologically_nested_file(bulk_ingest, tmp_path):
    folder = tmp_path / "nested-json"
    folder.mkdir()
    (folder / "deep.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    (folder / "other.json").write_bytes(b"{}")
    results = bulk_ingest(folder, max_bytes=1_000_000)
    assert [r.status for r in results] == ["error", "error"]
