"""Revisions through the pages: an edit of a published document waits for review while the
reviewed revision stays public everywhere; the history shows who changed what and why; the
bytes received for each revision come back exactly; no field is lost by a save that does not
touch it."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from tests.conftest import login
from tests.web.conftest import csrf_token
from tests.web.test_editing import created, custodian, submit  # noqa: F401 - fixtures
from tests.web.test_media import publish_via_review

pytestmark = pytest.mark.engine_neutral

FIRST = "The guards kept us in a cellar near the river for eleven days.\n"
SECOND = "The guards kept us in a cellar near the river for twelve days.\n\nA line added later.\n"


class _Forms(HTMLParser):
    """The values a browser would send back from each form of a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif not self.forms or ("name" not in a and tag != "option"):
            return
        elif tag == "input" and a.get("type") not in ("file", "submit", "checkbox"):
            self.forms[-1][a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self.forms[-1].setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self.forms[-1][self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self.forms[-1][a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1][self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    """The values of the page's document form, as a browser would send them unchanged."""
    reader = _Forms()
    reader.feed(html)
    (values,) = [form for form in reader.forms if "body" in form]
    body = values["body"]
    values["body"] = body[1:] if body.startswith("\n") else body  # the newline after <textarea>
    return values


@pytest.fixture
def published(submit, custodian) -> int:  # noqa: F811
    """A document made through the form, reviewed and published on its review page."""
    response = submit(body=FIRST, consent="public", status="in_review", slug="cellar-account",
                      source_reported_by="A regional paper", source_author="A monitor",
                      grade_source="C", grade_information="3")  # fmt: skip
    doc_id = int(re.fullmatch(r"/documents/(\d+)", response.headers["Location"])[1])
    return publish_via_review(custodian, doc_id)


def _edit(client, doc_id: int, **changes):
    page = client.get(f"/documents/{doc_id}/edit")
    assert page.status_code == 200
    data = {**form_values(page.text), **changes, "csrf_token": csrf_token(page.text)}
    return client.post(f"/documents/{doc_id}/edit", data=data)


def test_a_save_that_changes_nothing_keeps_every_field(app, custodian, published):  # noqa: F811
    before = custodian.get(f"/api/v1/documents/{published}").get_json()
    response = _edit(custodian, published, reason="opened and saved")
    assert response.status_code == 302, response.text
    after = custodian.get(f"/api/v1/documents/{published}").get_json()
    assert after.pop("revision") == before.pop("revision") + 1
    after.pop("updated_at", None), before.pop("updated_at", None)
    assert after == before  # slug, source's reported_by and author, every other field kept
    assert before["slug"] == "cellar-account"
    assert before["source"]["reported_by"] == "A regional paper"


def test_a_text_change_waits_while_the_reviewed_revision_stays_public(app, custodian, published):  # noqa: F811
    client = app.test_client()  # a reader who has not signed in
    response = _edit(custodian, published, body=SECOND, reason="the witness corrected the count")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/documents/{published}/redaction"
    page = client.get(f"/documents/{published}")
    assert page.status_code == 200
    assert "eleven days" in page.text and "twelve" not in page.text
    api = client.get(f"/api/v1/documents/{published}").get_json()
    assert "eleven days" in api["body"]
    assert client.get("/api/v1/search?q=eleven").get_json()["total"] == 1
    assert client.get("/api/v1/search?q=twelve").get_json()["total"] == 0
    # the review page shows the waiting revision, and saving it puts it in public
    review = custodian.get(f"/documents/{published}/redaction")
    assert "Revision 2 waits for this review" in review.text and "twelve days" in review.text
    assert "eleven days" in client.get(f"/documents/{published}").text  # the preview changed nothing
    publish_via_review(custodian, published)
    page = client.get(f"/documents/{published}")
    assert "twelve days" in page.text and "eleven" not in page.text
    assert client.get("/api/v1/search?q=twelve").get_json()["total"] == 1
    assert client.get("/api/v1/search?q=eleven").get_json()["total"] == 0


def test_the_history_shows_each_revision_with_its_author_reason_and_differences(custodian, published):  # noqa: F811
    _edit(custodian, published, body=SECOND, reason="the witness corrected the count")
    page = custodian.get(f"/documents/{published}/history")
    assert page.status_code == 200
    assert "Revision 2" in page.text and "Revision 1" in page.text
    assert "the witness corrected the count" in page.text
    assert "waits for review" in page.text
    assert "Changed: body" in page.text
    assert re.search(r'class="diff-del">-The guards kept us in a cellar near the river for eleven days\.', page.text)
    assert re.search(r'class="diff-add">\+A line added later\.', page.text)
    assert "custodian" in page.text  # who


def test_the_bytes_received_for_each_revision_come_back_exactly(app, custodian, published):  # noqa: F811
    _edit(custodian, published, body=SECOND, reason="r")
    from archive.services import get_db
    from archive.storage.models import Document

    with app.app_context(), get_db(app).session() as s:
        custody = s.get(Document, published).sha256
    first = custodian.get(f"/documents/{published}/revisions/1/received")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    assert hashlib.sha256(first.data).hexdigest() == custody  # what intake hashed, kept
    assert json.loads(first.data)["body"] == FIRST
    second = custodian.get(f"/documents/{published}/revisions/2/received")
    fields = json.loads(second.data)
    assert fields["body"] == SECOND and "csrf_token" not in fields and "reason" not in fields
    assert custodian.get(f"/documents/{published}/revisions/9/received").status_code == 404


@pytest.mark.parametrize("role", [None, "researcher"])
def test_only_custodians_see_the_history_and_what_was_received(app, make_user, custodian, published, role):  # noqa: F811
    reader = app.test_client()
    if role is not None:
        login(reader, make_user(role, "other-reader"))
    for path in (f"/documents/{published}/history", f"/documents/{published}/revisions/1/received"):
        response = reader.get(path)
        assert response.status_code in (401, 403, 404), path
        assert FIRST.strip() not in response.text


def test_a_narrower_audience_applies_at_once_while_the_text_waits(app, custodian, published):  # noqa: F811
    client = app.test_client()
    response = _edit(custodian, published, body=SECOND, consent="researchers", reason="the witness asked")
    assert response.status_code == 302
    assert client.get(f"/documents/{published}").status_code == 404
    assert client.get("/api/v1/search?q=eleven").get_json()["total"] == 0
    assert client.get("/api/v1/search?q=twelve").get_json()["total"] == 0


# --- the source record (issue 22): the publication's title, the capture and its hash ------------

CAPTURE_SHA256 = hashlib.sha256(b"the page as captured").hexdigest()
SOURCE_RECORD = {
    "source_outlet": "A regional paper",
    "source_title": "Held in a cellar near the river",
    "source_captured": "2017-09-14",
    "source_archived_sha256": CAPTURE_SHA256.upper(),
}


@pytest.fixture
def recorded(submit, custodian) -> int:  # noqa: F811
    """A published document whose source names its publication's title, capture and hash."""
    response = submit(body=FIRST, consent="public", status="in_review", slug="cellar-record",
                      grade_source="C", grade_information="3", **SOURCE_RECORD)  # fmt: skip
    assert response.status_code == 302, response.text
    return publish_via_review(custodian, int(re.fullmatch(r"/documents/(\d+)", response.headers["Location"])[1]))


def _record(client, doc_id: int) -> tuple:
    source = client.get(f"/api/v1/documents/{doc_id}").get_json()["source"]
    return source["title"], source["captured"], source["archived_sha256"]


def test_the_source_record_goes_through_the_form_and_back(app, custodian, recorded):  # noqa: F811
    reader = app.test_client()
    assert _record(reader, recorded) == ("Held in a cellar near the river", "2017-09-14", CAPTURE_SHA256)
    values = form_values(custodian.get(f"/documents/{recorded}/edit").text)
    assert (values["source_title"], values["source_captured"], values["source_archived_sha256"]) == (
        "Held in a cellar near the river",
        "2017-09-14",
        CAPTURE_SHA256,
    )
    response = _edit(custodian, recorded, body=FIRST, reason="opened and saved")
    assert response.headers["Location"] == f"/documents/{recorded}"  # applied: nothing to review
    assert _record(reader, recorded) == ("Held in a cellar near the river", "2017-09-14", CAPTURE_SHA256)
    assert "Changed: status</p>" in custodian.get(f"/documents/{recorded}/history").text  # vs revision 1


def test_a_new_capture_waits_for_review_then_is_public(app, custodian, recorded):  # noqa: F811
    reader = app.test_client()
    # the body as sent (the form's textarea adds a newline that form_values keeps): the source alone changes
    response = _edit(custodian, recorded, body=FIRST, source_captured="2017-10", reason="captured again")
    assert response.headers["Location"] == f"/documents/{recorded}/redaction"
    assert _record(reader, recorded)[1] == "2017-09-14"  # the reviewed record stays public
    assert "Changed: source, status</p>" in custodian.get(f"/documents/{recorded}/history").text  # status: vs rev. 1
    publish_via_review(custodian, recorded)
    assert _record(reader, recorded)[1] == "2017-10"
    assert "<time>October 2017</time>" in reader.get(f"/documents/{recorded}").text


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [("source_archived_sha256", "not-a-hash", "SHA-256"), ("source_captured", "next week", "EDTF")],
)
def test_a_bad_source_record_is_shown_under_its_field(submit, field, value, says):  # noqa: F811
    response = submit(**{field: value})
    assert response.status_code == 400
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.text)
    assert error and says in error[1]
