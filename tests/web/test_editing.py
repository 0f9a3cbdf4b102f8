"""Custodians add and edit documents through the form; everyone else is turned away."""

from __future__ import annotations

import re
import warnings

import pytest

from tests.conftest import login
from tests.web.conftest import CASE, active_content, csrf_token, token_from

pytestmark = pytest.mark.engine_neutral  # the form's behaviour (tests/documents has the edits on each engine)

FORM = {
    "case": CASE,
    "kind": "testimony",
    "title": "A form-made testimony",
    "language": "en",
    "published": "2017-04",
    "events": "2017-02/2017-04",
    "places": "Grozny, Argun",
    "tags": "detention",
    "consent": "researchers",
    "status": "in_review",
    "source_outlet": "Field notes",
    "source_author": "",
    "source_url": "https://example.org/notes",
    "source_date": "2017-04-21",
    "source_reliability": "",
    "attribution": "Recorded by the team.",
    "body": "He said **nothing** at first.\n\n- one\n- two\n",
}

FROM_PAGE = "from the page"  # submit(csrf=…) default: the token the form page carries
SCRIPT_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)>'
SCRIPT_BODY = """<script>alert("body")</script>

<img src="x" onerror="alert(2)">

[click me](javascript:alert(3))

<a href="JaVaScRiPt:alert(4)">link</a> and <a href=" javascript:alert(5)">spaced</a>

<div onclick="alert(6)" style="background:url(javascript:alert(7))">div</div>

<iframe src="https://evil.example/"></iframe><svg onload="alert(8)"></svg>

<details open ontoggle="alert(9)">x</details>
"""


@pytest.fixture
def custodian(signed_in, make_case):
    make_case()
    return signed_in("custodian")


@pytest.fixture
def submit(custodian):
    """Return a function posting the form (with the page's own CSRF token unless given)."""

    def post(path: str = "/documents/new", csrf: str | None = FROM_PAGE, **changes):
        data = {**FORM, **changes}
        if csrf == FROM_PAGE:
            data["csrf_token"] = token_from(custodian, path)
        elif csrf is not None:
            data["csrf_token"] = csrf
        return custodian.post(path, data=data)

    return post


@pytest.fixture
def created(submit) -> int:
    """A document made through the form; its id."""
    response = submit()
    assert response.status_code == 302, response.text
    return int(re.fullmatch(r"/documents/(\d+)", response.headers["Location"])[1])


def test_custodian_gets_the_form_with_a_csrf_token(custodian):
    page = custodian.get("/documents/new")
    assert page.status_code == 200
    assert csrf_token(page.text)
    for name in ("case", "kind", "title", "language", "consent", "status", "body"):
        assert f'name="{name}"' in page.text
        assert f'<label for="{name}"' in page.text  # every control is labelled


def test_custodian_creates_a_document_and_sees_it_rendered(custodian, submit, count_documents):
    response = submit()
    assert response.status_code == 302
    assert re.fullmatch(r"/documents/\d+", response.headers["Location"])
    page = custodian.get(response.headers["Location"])
    assert page.status_code == 200
    assert "<h1>A form-made testimony</h1>" in page.text
    assert "<strong>nothing</strong>" in page.text
    assert "<li>one</li>" in page.text
    assert count_documents() == 1


def test_created_document_keeps_every_field(custodian, created):
    body = custodian.get(f"/api/v1/documents/{created}").get_json()
    assert body["title"] == FORM["title"]
    assert (body["consent"], body["status"], body["revision"]) == ("researchers", "in_review", 1)
    assert (body["published"], body["events"]) == ("2017-04", "2017-02/2017-04")
    assert (body["places"], body["tags"]) == (["Argun", "Grozny"], ["detention"])
    assert body["source"]["url"] == "https://example.org/notes"
    assert body["body"] == FORM["body"]


def test_edit_form_is_filled_with_the_stored_document(custodian, created):
    page = custodian.get(f"/documents/{created}/edit")
    assert page.status_code == 200
    assert 'value="A form-made testimony"' in page.text
    assert "He said **nothing** at first." in page.text


def test_editing_replaces_the_fields_and_counts_a_revision(custodian, submit, created, stored_document):
    response = submit(f"/documents/{created}/edit", title="A corrected title")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/documents/{created}"
    page = custodian.get(f"/documents/{created}")
    assert "A corrected title" in page.text
    assert "A form-made testimony" not in page.text
    assert stored_document(created)["revision"] == 2
    submit(f"/documents/{created}/edit", title="Corrected again")
    assert stored_document(created)["revision"] == 3


def test_saving_a_form_read_before_another_custodians_save_is_refused(
    app, make_user, custodian, submit, created, stored_document
):
    """Two custodians open the edit form of one document; the second save would undo the
    first one's edit: it is refused with 409, saying so, and the first edit stands."""
    read = re.search(r'name="revision"[^>]*value="(\d+)"', custodian.get(f"/documents/{created}/edit").text)
    assert read and read[1] == "1"
    other = app.test_client()
    login(other, make_user("custodian", "custodian-other"))
    other_form = token_from(other, f"/documents/{created}/edit")
    saved = other.post(
        f"/documents/{created}/edit",
        data={**FORM, "title": "Saved by the other", "revision": "1", "csrf_token": other_form},
    )
    assert saved.status_code == 302
    late = submit(f"/documents/{created}/edit", title="Saved late", revision=read[1])
    assert late.status_code == 409
    assert "changed by someone else since you opened it" in late.text
    assert "Saved late" in late.text  # what was typed is kept, to copy from
    assert stored_document(created)["revision"] == 2
    assert custodian.get(f"/documents/{created}").text.count("Saved by the other") >= 1


def test_create_and_edit_each_write_one_audit_entry_with_the_actor(submit, created, document_audit, user_id):
    custodian_id = user_id("custodian-9")
    assert document_audit() == [("document.create", custodian_id, created, "web")]
    submit(f"/documents/{created}/edit", title="A corrected title")
    assert document_audit() == [
        ("document.create", custodian_id, created, "web"),
        ("document.edit", custodian_id, created, "web"),
    ]


@pytest.mark.parametrize("role", ["anonymous", "researcher", "custodian", "admin"])
def test_only_custodians_and_admins_see_the_add_link(reader, role):
    page = reader(role).get("/")
    assert ('href="/documents/new"' in page.text) == (role in ("custodian", "admin"))


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("researcher", 403)])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", ["/documents/new", "/documents/{id}/edit"])
def test_readers_cannot_reach_the_form(
    reader, make_document, count_documents, stored_document, role, status, method, path
):
    doc_id = make_document(title="Untouched")  # public and published: the reader may read it
    client = reader(role)
    url = path.format(id=doc_id)
    if method == "GET":
        response = client.get(url)
    else:  # with a valid token, so that the refusal is about the role, not the form
        data = {**FORM, "title": "Overwritten", "csrf_token": token_from(client, "/login")}
        response = client.post(url, data=data)
    assert response.status_code == status
    assert 'name="body"' not in response.text
    assert count_documents() == 1
    assert stored_document(doc_id)["title"] == "Untouched"


def test_custodian_editing_an_unknown_document_gets_404(custodian):
    assert custodian.get("/documents/999999/edit").status_code == 404


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_post_without_a_valid_csrf_token_stores_nothing(submit, count_documents, token):
    response = submit(csrf=token)
    assert response.status_code == 400
    assert count_documents() == 0


@pytest.mark.parametrize("token", [None, "forged"])
def test_edit_without_a_valid_csrf_token_changes_nothing(submit, created, stored_document, document_audit, token):
    response = submit(f"/documents/{created}/edit", csrf=token, title="Forged title")
    assert response.status_code == 400
    assert stored_document(created) == {
        "title": FORM["title"],
        "revision": 1,
        "body": FORM["body"],
    }
    assert [a[0] for a in document_audit()] == ["document.create"]


INVALID = [
    ({"published": "2017-13-45"}, "published"),
    ({"published": "last spring"}, "published"),
    ({"published": "2017-02-29"}, "published"),
    ({"events": "2017-04/2017-02"}, "events"),
    ({"language": "zz"}, "language"),
    ({"language": "english"}, "language"),
    ({"body": ""}, "body"),
    ({"body": "  \n  "}, "body"),
    ({"title": ""}, "title"),
    ({"source_url": "javascript:alert(1)"}, "source_url"),
    ({"source_date": "someday"}, "source_date"),
    ({"kind": "letter"}, "kind"),
    ({"case": "no-such-case"}, "case"),
]


@pytest.mark.parametrize(("change", "field"), INVALID)
def test_invalid_submission_re_renders_the_form_naming_the_field(submit, count_documents, change, field):
    response = submit(**change)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert f'aria-describedby="{field}-error"' in response.text
    assert csrf_token(response.text)  # the form can be corrected and sent again
    assert count_documents() == 0


def test_invalid_submission_keeps_what_was_typed(submit):
    response = submit(published="last spring", title="Typed with care")
    assert 'value="Typed with care"' in response.text


@pytest.mark.parametrize(("change", "field"), INVALID[:8])
def test_invalid_edit_changes_nothing(submit, created, stored_document, document_audit, change, field):
    response = submit(f"/documents/{created}/edit", **{"title": "Changed", **change})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert stored_document(created)["title"] == FORM["title"]
    assert stored_document(created)["revision"] == 1
    assert [a[0] for a in document_audit()] == ["document.create"]


def test_script_in_title_and_body_is_inert_on_every_page(custodian, submit):
    response = submit(title=SCRIPT_TITLE, body=SCRIPT_BODY, consent="public", status="in_review")
    assert response.status_code == 302
    doc = response.headers["Location"]
    for url in (doc, f"{doc}/edit", f"{doc}/redaction", "/", "/documents", f"/cases/{CASE}"):
        page = custodian.get(url)
        assert page.status_code == 200
        assert active_content(page.text) == [], url
        assert "<script>alert" not in page.text
    shown = custodian.get(doc).text
    assert "&lt;script&gt;" in shown  # the title is shown as text, not dropped or run
    assert 'href="javascript:' not in shown.lower()


def test_the_inertness_check_does_catch_script():
    # The checker itself, against markup that must fail it.
    assert active_content('<img src="x" onerror="alert(1)">')
    assert active_content('<a href=" JavaScript:alert(1)">x</a>')
    assert active_content("<script>alert(1)</script>")
    assert active_content('<script src="https://evil.example/x.js"></script>')
    assert active_content('<iframe src="/x"></iframe>')
    assert not active_content('<script src="/static/copy.js" defer></script><p>&lt;script&gt;</p>')


def test_document_form_renders_without_deprecation_warnings(custodian):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert custodian.get("/documents/new").status_code == 200


def test_opening_the_edit_form_records_a_view_of_the_original(app, custodian, submit):
    from sqlalchemy import select

    from archive.services import get_db
    from archive.storage.models import AuditEntry

    doc = submit().headers["Location"]
    assert custodian.get(f"{doc}/edit").status_code == 200
    assert custodian.get(f"{doc}/edit").status_code == 200
    with app.app_context(), get_db(app).session() as s:
        views = s.scalars(select(AuditEntry).where(AuditEntry.action == "document.original.view")).all()
    assert [(v.object_type, v.via) for v in views] == [("document", "web")] * 2
