"""Search fails closed (issue 18): whatever the index says, no hit, total, facet count or
snippet reaches a reader unless the database agrees. The index writer is held busy by a real
Whoosh write lock, as another process holds it during a long merge; the change's index work
stays in the outbox and is finished once the lock is free."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select
from whoosh import index as whoosh_index

from archive.config import document_kinds
from archive.documents.edit import update_document
from archive.documents.submission import validate_document
from archive.protection.identities import protect_identity
from archive.search import whoosh_backend
from archive.services import get_db, indexer
from archive.storage import queries
from archive.storage.models import Document, IndexOutbox
from tests import databases
from tests.conftest import SETUP

whoosh_only = pytest.mark.skipif(databases.SEARCH_BACKEND != "whoosh", reason="holds Whoosh's write lock")

WORD = "zelimkhanovka"
NAME = "Ibragim Zakriev"


class WriteLock:
    """The index's write lock, taken as another process takes it during a long merge."""

    def __init__(self, folder: str):
        self.folder = folder
        self.writer = None

    def hold(self) -> None:
        self.writer = whoosh_index.open_dir(self.folder).writer()

    def release(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None


@pytest.fixture
def lock(app, monkeypatch):
    monkeypatch.setattr(whoosh_backend, "LOCK_TIMEOUT", 0.3)
    held = WriteLock(app.config["DATA_DIR"] + "/index")
    yield held
    held.release()


def _fields(**changes) -> dict:
    return {
        "case": "test-case",
        "kind": "testimony",
        "title": f"The {WORD} account",
        "language": "en",
        "consent": "public",
        "status": "published",
        "redaction": "reviewed",
        "grading": {"source": "B", "information": "2"},
        "body": f"He was held in {WORD} for two weeks.\n",
        **changes,
    }


def _edit(app, doc_id: int, **changes) -> None:
    with app.app_context(), get_db(app).session() as s:
        document = s.get(Document, doc_id)
        submission = validate_document(_fields(**changes), document_kinds(app.config), "edit")
        update_document(s, document, submission, SETUP, "cli")


def _queued(app) -> int:
    with app.app_context(), get_db(app).session() as s:
        return s.scalar(select(func.count(IndexOutbox.id)))


@whoosh_only
def test_a_document_narrowed_while_the_index_is_busy_is_not_found_by_readers(app, client, make_document, lock):
    doc_id = make_document(**_fields())
    assert client.get("/api/v1/search", query_string={"q": WORD}).get_json()["total"] == 1
    lock.hold()

    _edit(app, doc_id, consent="custodians")  # the index update fails: the lock is held
    assert _queued(app) >= 1
    answer = client.get("/api/v1/search", query_string={"q": WORD}).get_json()
    assert answer["items"] == []
    assert answer["partial"] is True and answer["total"] is None
    assert answer["facets"] == {} and answer["suggestion"] is None
    page = client.get("/search", query_string={"q": WORD}).text
    assert f"/documents/{doc_id}" not in page and "1 results" not in page
    assert "catching up" in page

    lock.release()  # the lock is free again: the next retry finishes the queue
    with app.app_context():
        assert indexer(app).drain() >= 1
    assert _queued(app) == 0
    answer = client.get("/api/v1/search", query_string={"q": WORD}).get_json()
    assert answer == {**answer, "items": [], "total": 0, "partial": False}


@whoosh_only
def test_a_name_protected_while_the_index_is_busy_is_not_served_from_the_stale_entry(app, client, make_document, lock):
    make_document(**_fields(title=f"Testimony of {NAME}", body=f"{NAME} was held in {WORD}.\n"))
    lock.hold()
    with app.app_context(), get_db(app).session() as s:
        protect_identity(s, queries.get_case(s, "test-case"), [NAME], "Witness Z", SETUP, "cli")
    assert _queued(app) >= 1
    for query in (WORD, "Zakriev", "Ibragim"):
        answer = client.get("/api/v1/search", query_string={"q": query}).get_json()
        assert answer["items"] == [] and answer["total"] is None
        assert "zakriev" not in str(answer).lower()
    lock.release()
    with app.app_context():
        indexer(app).drain()
    hits = client.get("/api/v1/search", query_string={"q": WORD}).get_json()["items"]
    assert [h["title"] for h in hits] == ["Testimony of Witness Z"]
    assert client.get("/api/v1/search", query_string={"q": "Zakriev"}).get_json()["total"] == 0


@whoosh_only
def test_the_custodian_whose_change_is_queued_is_told(app, signed_in, make_document, lock):
    doc_id = make_document(**_fields())
    lock.hold()
    custodian = signed_in("custodian")
    form = custodian.get(f"/documents/{doc_id}/edit").text
    from tests.conftest import csrf_token

    data = {
        "csrf_token": csrf_token(form),
        "case": "test-case",
        "kind": "testimony",
        "title": "A new title",
        "language": "en",
        "consent": "custodians",
        "status": "published",
        "revision": "1",
        "body": f"He was held in {WORD} for two weeks.\n",
    }
    saved = custodian.post(f"/documents/{doc_id}/edit", data=data, follow_redirects=True)
    assert saved.status_code == 200
    assert "could not take the change yet" in saved.text


def test_every_reader_hit_is_checked_against_the_database_when_nothing_is_queued(app, make_document):
    """A hit whose indexed version is not the document's current one is dropped even with an
    empty outbox (an index restored from an old backup, a copy of another archive's files)."""
    from archive.search.backend import SearchRequest
    from archive.search.query import verified
    from archive.storage.queries import Audience

    make_document(**_fields())
    with app.app_context(), get_db(app).session() as s:
        results = app.extensions["archive.search"].search(SearchRequest(q=WORD))
        assert len(results.hits) == 1
        results.hits[0].version = hashlib.sha256(b"an older version").hexdigest()[:24]
        checked = verified(s, results, Audience(consents=("public",), statuses=("published",)))
        assert checked.hits == [] and checked.partial


@whoosh_only
def test_each_server_retries_queued_index_work_on_its_own(app, client, make_document, lock):
    """The retry thread a server starts finishes the queue once the lock is free."""
    import time

    from archive.web import index_queue

    doc_id = make_document(**_fields())
    lock.hold()
    _edit(app, doc_id, consent="custodians")
    assert _queued(app) >= 1
    app.config["INDEX_RETRY_SECONDS"] = 0.2
    index_queue.init_app(app)
    lock.release()
    client.get("/")  # the first request starts the thread
    try:
        deadline = time.monotonic() + 20
        while _queued(app) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _queued(app) == 0
    finally:
        app.extensions["archive.index_retry_stop"].set()
