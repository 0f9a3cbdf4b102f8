"""The sample corpus: it loads cleanly, once, and is rich enough to exercise the archive."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from archive.config import document_kinds
from archive.corpus.loader import corpus_files, load_corpus
from archive.corpus.sample import SAMPLE_CASE, sample_case, sample_documents
from archive.documents.intake import ingest_bytes
from archive.documents.parse import parse_submission
from archive.errors import IngestError
from archive.rendering import collapse_space, plain_text
from archive.services import get_db
from archive.storage import queries
from archive.storage.models import AuditEntry, Case, Document, TimelineEntry
from tests.conftest import corpus_loader

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CASE_DIR = CORPUS / "chechnya-2017"
CORPUS_DOCUMENTS = sorted((CASE_DIR / "documents").glob("*.md"))


@pytest.fixture
def load(session, kinds):
    """Load a corpus folder into the test's empty database through the real loader."""

    def run(root: Path = CORPUS):
        return load_corpus(session, root, kinds, corpus_loader(session), "cli")

    return run


@pytest.fixture
def corpus_session(corpus_app):
    """A session on a database that already holds the sample corpus."""
    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        yield s


@pytest.fixture
def corpus_copy(tmp_path):
    """Copy the real corpus and let the test rewrite one timeline entry of the copy."""

    def make(entry_file: str | None = None, change=None) -> tuple[Path, Path]:
        root = tmp_path / "corpus"
        shutil.copytree(CORPUS, root)
        if entry_file is None:
            return root, root
        (path,) = (root / "chechnya-2017" / "timeline").glob(entry_file)
        fields = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(fields)
        path.write_text(yaml.safe_dump(fields, allow_unicode=True, sort_keys=False), "utf-8")
        return root, path

    return make


def _statuses(report) -> set[str]:
    return {r.status for r in report.results}


# Loading


def test_corpus_loads_every_file_without_errors(load, session):
    report = load()
    errors = [r.message for r in report.results if r.status == "error"]
    assert errors == []
    assert report.ok
    assert report.cases_created == 1
    assert [r.path for r in report.results] == [str(p) for p in corpus_files(CORPUS)]
    assert _statuses(report) == {"ingested"}
    assert queries.get_case(session, "chechnya-2017").period_edtf == "2017-02/2017-09"


def test_second_load_adds_nothing(load, row_counts):
    load()
    counts = row_counts()
    again = load()
    assert again.ok
    assert again.cases_created == 0
    assert _statuses(again) == {"skipped"}
    assert len(again.results) == len(corpus_files(CORPUS))
    assert row_counts() == counts


def test_loading_reports_progress_for_every_file(session, kinds):
    seen = []
    load_corpus(session, CORPUS, kinds, corpus_loader(session), "cli", progress=seen.append)
    assert len(seen) == len(corpus_files(CORPUS))


def test_every_stored_object_has_an_audit_entry(load, session):
    load()
    actions = session.scalars(select(AuditEntry.action)).all()
    documents = session.scalars(select(Document)).all()
    entries = session.scalars(select(TimelineEntry)).all()
    assert actions.count("case.create") == 1
    assert actions.count("document.create") == len(documents)
    assert actions.count("timeline.create") == len(entries)


def test_a_missing_corpus_folder_is_an_error(session, kinds, tmp_path):
    with pytest.raises(IngestError) as caught:
        load_corpus(session, tmp_path / "nowhere", kinds, corpus_loader(session), "cli")
    assert caught.value.field == "corpus"


# What the corpus holds


def test_corpus_has_documents_of_every_kind(corpus_session, corpus_app):
    documents = corpus_session.scalars(select(Document)).all()
    assert len(documents) >= 20
    assert {d.kind for d in documents} == set(document_kinds(corpus_app.config))


def test_corpus_has_documents_in_english_and_russian(corpus_session):
    languages = set(corpus_session.scalars(select(Document.language)))
    assert {"en", "ru"} <= languages


def test_every_corpus_document_is_public_published_attributed_and_sourced(corpus_session):
    for document in corpus_session.scalars(select(Document)):
        assert (document.consent, document.status) == ("public", "published"), document.slug
        assert document.attribution.strip(), document.slug
        assert document.source is not None and document.source.outlet, document.slug
        assert document.slug and document.published_edtf, document.slug


def test_corpus_timeline_has_at_least_15_entries_each_citing_a_document(corpus_session):
    entries = corpus_session.scalars(select(TimelineEntry)).all()
    assert len(entries) >= 15
    for entry in entries:
        assert entry.citations, entry.slug
        assert entry.date_start or entry.date_end, entry.slug
        for citation in entry.citations:  # a passage a reader can find (checked when saved)
            assert len(citation.excerpt) >= 20, (entry.slug, citation.excerpt)
            assert collapse_space(citation.excerpt) in plain_text(citation.document.body_html)


def test_corpus_has_at_least_four_denials_each_denying_an_event(corpus_session):
    denials = corpus_session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "denial")).all()
    assert len(denials) >= 4
    for denial in denials:
        assert denial.denies, denial.slug
        assert {event.kind for event in denial.denies} == {"event"}


def test_corpus_keeps_conflicting_accounts_from_different_documents(corpus_session):
    entries = corpus_session.scalars(select(TimelineEntry)).all()
    conflicting = [e for e in entries if len(e.accounts) >= 2]
    assert conflicting
    for entry in conflicting:
        assert len({a.document_id for a in entry.accounts}) >= 2, entry.slug


@pytest.mark.parametrize("path", CORPUS_DOCUMENTS, ids=[p.name for p in CORPUS_DOCUMENTS])
def test_each_corpus_document_ingests_on_its_own(path, session, kinds, make_case):
    """Alone, but for the documents it derives from, which must be there first."""
    make_case("chechnya-2017", "Chechnya 2017")
    fields = parse_submission(path.read_bytes(), path.name)
    by_slug = {parse_submission(p.read_bytes(), p.name)["slug"]: p for p in CORPUS_DOCUMENTS}
    for link in fields.get("derived_from", ()):
        original = by_slug[link["document"]]
        ingest_bytes(session, original.read_bytes(), original.name, kinds, corpus_loader(session), "cli")
    document = ingest_bytes(session, path.read_bytes(), path.name, kinds, corpus_loader(session), "cli")
    assert document.fields_original["slug"] == fields["slug"]
    if "hamzat" in fields["slug"]:
        # without the case's public names, the witness's pseudonym reads as a first name: the
        # public slug is made from the public title, never the submitted one
        assert "hamzat" not in document.slug and "Hamzat" not in document.title
        return
    assert document.slug == fields["slug"]
    assert document.title == " ".join(fields["title"].split())


# A broken corpus stores no half timeline


def _cite_missing_document(fields):
    fields["citations"][0]["document"] = "no-such-document"


def _deny_missing_event(fields):
    fields["denies"] = ["no-such-event"]


def _deny_a_non_event(fields):
    fields["denies"] = ["2017-04-canada-condemns"]


def _conflict_with_missing_document(fields):
    fields["conflicts"][0]["document"] = "no-such-document"


def _impossible_date(fields):
    fields["date"] = "2017-02-30"


def _unknown_field(fields):
    fields["titel"] = fields.pop("title")


BREAKAGES = [
    ("04-*.yaml", _cite_missing_document, "no-such-document"),
    ("18-*.yaml", _deny_missing_event, "no-such-event"),
    ("19-*.yaml", _deny_a_non_event, "2017-04-canada-condemns"),
    ("14-*.yaml", _conflict_with_missing_document, "no-such-document"),
    ("05-*.yaml", _impossible_date, "date"),
    ("23-*.yaml", _unknown_field, "titel"),
]


@pytest.mark.parametrize(
    ("entry_file", "change", "named"),
    BREAKAGES,
    ids=[
        "missing citation",
        "missing denied event",
        "denied non-event",
        "missing conflict",
        "impossible date",
        "unknown field",
    ],
)
def test_broken_timeline_entry_stores_no_entry_of_the_case(load, session, corpus_copy, entry_file, change, named):
    root, broken = corpus_copy(entry_file, change)
    report = load(root)
    assert not report.ok
    (error,) = [r for r in report.results if r.path == str(broken)]
    assert error.status == "error"
    assert str(broken) in error.message
    assert named in error.message
    timeline = [r for r in report.results if "/timeline/" in r.path]
    assert {r.status for r in timeline} == {"error"}
    assert all("not stored" in r.message for r in timeline if r is not error)
    assert session.scalars(select(TimelineEntry)).all() == []
    assert report.count("ingested") == 1 + len(CORPUS_DOCUMENTS)  # the case and its documents


def test_fixing_the_broken_entry_and_loading_again_completes_the_timeline(load, session, corpus_copy):
    root, broken = corpus_copy("04-*.yaml", _cite_missing_document)
    load(root)
    shutil.copy(CASE_DIR / "timeline" / broken.name, broken)
    report = load(root)
    assert report.ok
    timeline = [r for r in report.results if "/timeline/" in r.path and r.status == "ingested"]
    assert len(timeline) == len(list((CASE_DIR / "timeline").glob("*.yaml")))
    assert len(session.scalars(select(TimelineEntry)).all()) == len(timeline)
    # the acts that belong to its events could not be stored before; now they are
    acts = [r for r in report.results if "/acts/" in r.path]
    assert {r.status for r in acts} == {"ingested"}
    assert len(acts) == len(list((CASE_DIR / "acts").glob("*.yaml")))


def test_timeline_entry_without_slug_is_not_added_twice(load, row_counts, corpus_copy):
    root, _ = corpus_copy("23-*.yaml", lambda fields: fields.pop("slug"))
    load(root)
    counts = row_counts()
    again = load(root)
    assert again.count("ingested") == 0
    assert row_counts() == counts


def test_document_of_another_case_is_refused(load, session, corpus_copy):
    root, _ = corpus_copy()
    path = root / "chechnya-2017" / "documents" / CORPUS_DOCUMENTS[0].name
    path.write_text(
        path.read_text(encoding="utf-8").replace("case: chechnya-2017", "case: other-case"),
        encoding="utf-8",
    )
    report = load(root)
    (result,) = [r for r in report.results if r.path == str(path)]
    assert result.status == "error"
    assert "belongs to 'other-case'" in result.message


def test_bad_case_file_loads_nothing_of_that_case(load, session, corpus_copy):
    root, _ = corpus_copy()
    case_file = root / "chechnya-2017" / "case.yaml"
    case_file.write_text("slug: Not A Slug\ntitle: Broken\n", encoding="utf-8")
    report = load(root)
    assert [(r.path, r.status) for r in report.results] == [(str(case_file), "error")]
    assert str(case_file) in report.results[0].message
    assert "slug" in report.results[0].message
    assert session.scalars(select(Case)).all() == []


# The generated sample


def test_sample_is_the_same_for_the_same_seed():
    assert list(sample_documents(30, seed=7)) == list(sample_documents(30, seed=7))
    assert list(sample_documents(30, seed=7)) != list(sample_documents(30, seed=8))


def test_every_sample_document_is_labelled_synthetic():
    _, case_data = sample_case()
    assert "SYNTHETIC" in yaml.safe_load(case_data)["title"]
    names = []
    for name, data in sample_documents(40, seed=3):
        names.append(name)
        fields = parse_submission(data, name)
        assert fields["case"] == SAMPLE_CASE
        assert fields["title"].startswith("SYNTHETIC"), name
        assert "synthetic" in fields["tags"], name
        assert "synthetic" in fields["body"].lower(), name
        assert "not evidence" in fields["attribution"], name
    assert len(set(names)) == 40


def test_sample_loads_as_a_corpus(session, kinds, tmp_path):
    case_dir = tmp_path / "sample" / SAMPLE_CASE
    (case_dir / "documents").mkdir(parents=True)
    name, data = sample_case()
    (case_dir / name).write_bytes(data)
    for name, data in sample_documents(25, seed=5):
        (case_dir / name).write_bytes(data)
    report = load_corpus(session, tmp_path / "sample", kinds, corpus_loader(session), "cli")
    assert report.ok, [r.message for r in report.results if r.status == "error"]
    assert report.count("ingested") == 26
    documents = session.scalars(select(Document)).all()
    assert len(documents) == 25
    assert {d.language for d in documents} == {"en", "ru"}
    assert all(d.title.startswith("SYNTHETIC") for d in documents)
