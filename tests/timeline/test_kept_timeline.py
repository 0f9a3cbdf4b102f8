"""The public timeline and the documents count are kept for the database's version
(archive/kept.py, archive/storage/db.py: committed_version): on PostgreSQL a repeated request
is answered without reading the entries again, and any change shows on the very next one.

These tests run on both engines; on SQLite nothing is kept and they must hold all the same."""

from __future__ import annotations

from sqlalchemy import select

from archive.services import get_db
from archive.storage.db import committed_version
from archive.storage.models import Document, TimelineEntry
from archive.web import timeline as timeline_views
from tests import databases

POSTGRES = databases.ENGINE == "postgresql"


def _edit(app, model, object_id: int, **changes) -> None:
    """Change a row in a session of its own, as another request or server would."""
    with app.app_context(), get_db(app).session() as s:
        row = s.get(model, object_id)
        for name, value in changes.items():
            setattr(row, name, value)
        s.commit()


def test_the_version_is_the_snapshot_on_postgresql_and_none_on_sqlite(app, make_document):
    make_document(slug="there")
    with app.app_context(), get_db(app).session() as s:
        first = committed_version(s)
        s.scalars(select(Document.id)).all()  # reading changes nothing
        again = committed_version(s)
        s.rollback()
    if not POSTGRES:
        assert first is again is None
        return
    assert first == again and first[0] is get_db(app).engine
    with app.app_context(), get_db(app).session() as other:  # a write, in SQL, not the ORM
        other.execute(Document.__table__.update().values(attribution="changed"))
        other.commit()
    with app.app_context(), get_db(app).session() as s:
        assert committed_version(s) != first
        s.execute(Document.__table__.update().values(attribution="mine"))
        assert committed_version(s) is None  # its own writes are nobody else's yet
        s.rollback()


def _version(app):
    with app.app_context(), get_db(app).session() as s:
        return committed_version(s)


def test_an_edited_entry_shows_on_the_next_public_timeline(client, small_case, app):
    _, ids = small_case
    before = _version(app)
    assert "Detentions begin" in client.get("/timeline").text
    hits = timeline_views._PUBLIC.hits
    assert "Detentions begin" in client.get("/timeline").text
    # the second was the kept page, unless a commit elsewhere in the cluster (autovacuum's, or
    # another test process's) changed the snapshot since before the first
    if POSTGRES and _version(app) == before:
        assert timeline_views._PUBLIC.hits == hits + 1
    _edit(app, TimelineEntry, ids["detentions"], title="Detentions start")
    page = client.get("/timeline").text
    assert "Detentions start" in page and "Detentions begin" not in page


def test_a_withdrawn_document_leaves_the_public_timeline_at_once(client, small_case, app):
    docs, _ = small_case
    assert f'href="/documents/{docs["public"]}"' in client.get("/timeline").text
    _edit(app, Document, docs["public"], consent="custodians")
    assert f'href="/documents/{docs["public"]}"' not in client.get("/timeline").text


def test_a_signed_in_reader_never_gets_the_public_page_nor_gives_it_theirs(app, signed_in, small_case):
    anonymous = app.test_client()
    assert "Known only from a custodian testimony" not in anonymous.get("/timeline").text
    custodian = signed_in("custodian")
    assert "Known only from a custodian testimony" in custodian.get("/timeline").text
    assert "Known only from a custodian testimony" not in anonymous.get("/timeline").text


def test_each_language_and_filter_has_its_own_public_page(client, small_case):
    kept = timeline_views._PUBLIC

    def get(url: str, language: str = "en") -> tuple[str, int]:
        misses = kept.misses
        return client.get(url, headers={"Accept-Language": language}).text, kept.misses - misses

    english, _ = get("/timeline")
    assert get("/timeline")[0] == english
    _, computed = get("/timeline", "ru")  # the interface's translations are the page's own
    denials, computed_too = get("/timeline?kind=denial")
    assert "Official denies it" in denials and "Detentions begin</a></h4>" not in denials
    if POSTGRES:
        assert computed == computed_too == 1


def test_the_documents_count_follows_each_publication(client, make_document, app):
    make_document(slug="first")
    assert client.get("/api/v1/documents").get_json()["total"] == 1
    assert client.get("/api/v1/documents").get_json()["total"] == 1
    second = make_document(slug="second")
    assert client.get("/api/v1/documents").get_json()["total"] == 2
    _edit(app, Document, second, status="draft")  # unpublished
    assert client.get("/api/v1/documents").get_json()["total"] == 1
    assert "1 document<" in client.get("/documents").text
