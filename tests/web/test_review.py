"""The redaction review page: custodians only, every view audited, never cached, inert.

A custodian sees the original with each replaced span marked, unticks false detections, adds
what the detectors missed, publishes, and registers protected identities for the whole case.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from archive.services import get_db
from archive.storage.models import AuditEntry, Document, ProtectedIdentity
from tests.web.conftest import CASE, active_content, token_from

pytestmark = pytest.mark.engine_neutral  # the review page's behaviour (tests/documents has the reviews on each engine)

PHONE = "+7 928 417-53-96"
BODY = f"Дежурный Сержант сказал уйти. Мовсар остался у ворот, его номер {PHONE}.\n\nМы пили чай в Кафе у Ибрагима.\n"
FALSE_DETECTION = "Сержант"
MISSED = "Кафе у Ибрагима"
PUBLIC_AFTER_REVIEW = (
    "Дежурный Сержант сказал уйти. [person 1] остался у ворот, его номер [phone].\n\nМы пили чай в [workplace].\n"
)
HOSTILE = "<script>alert(1)</script> and <img src=x onerror=alert(1)>"
SPAN_ROW = re.compile(
    r'name="keep" value="(\d+)" checked>\s*<label for="keep-\d+">'
    r'<mark class="redact type-(\w+)">(.*?)</mark>'
)


@pytest.fixture
def custodian(signed_in):
    return signed_in("custodian")


@pytest.fixture
def unreviewed(make_document) -> int:
    """A public testimony waiting for review, with a false detection and a missed workplace."""
    return make_document(
        slug="unreviewed",
        language="ru",
        status="in_review",
        redaction="pending",
        body=BODY,
    )


@pytest.fixture
def stored(app):
    """Return a function loading what the review may change about a document."""

    def load(doc_id: int) -> dict:
        with app.app_context(), get_db(app).session() as s:
            doc = s.get(Document, doc_id)
            return {
                "status": doc.status,
                "reviewed": doc.redaction_reviewed_at is not None,
                "decisions": [(d.action, d.value, d.type) for d in doc.decisions],
                "public": doc.body_public,
            }

    return load


@pytest.fixture
def audit_rows(app):
    """Return a function listing (action, actor_id, object_type, object_id, via), oldest first."""

    def rows() -> list[tuple[str, int | None, str, int | None, str]]:
        with app.app_context(), get_db(app).session() as s:
            entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id))
            return [(e.action, e.actor_id, e.object_type, e.object_id, e.via) for e in entries]

    return rows


@pytest.fixture
def audit_actions(audit_rows):
    """Return a function listing the audit actions recorded so far, oldest first."""
    return lambda: [row[0] for row in audit_rows()]


@pytest.fixture
def identities(app):
    """Return a function listing (pseudonym, names) of the stored protected identities."""

    def load() -> list[tuple[str, list[str]]]:
        with app.app_context(), get_db(app).session() as s:
            rows = s.scalars(select(ProtectedIdentity).order_by(ProtectedIdentity.id))
            return [(row.pseudonym, row.names) for row in rows]

    return load


def detected(page_html: str) -> dict[str, tuple[int, str]]:
    """Return each detected span's text with its checkbox index and type, from the page."""
    return {html.unescape(text): (int(i), kind) for i, kind, text in SPAN_ROW.findall(page_html)}


# Who may reach the page.


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("researcher", 403)])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_readers_cannot_reach_the_review_page(reader, unreviewed, stored, audit_actions, role, status, method):
    client = reader(role)
    before = (stored(unreviewed), audit_actions())
    url = f"/documents/{unreviewed}/redaction"
    if method == "GET":
        response = client.get(url)
    else:  # a valid token, so that the refusal is about the role, not the form
        data = {"csrf_token": token_from(client, "/login"), "publish": "1"}
        response = client.post(url, data=data)
    assert response.status_code == status
    assert "Мовсар" not in response.text and "417-53-96" not in response.text
    assert (stored(unreviewed), audit_actions()) == before


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("researcher", 403)])
def test_readers_cannot_protect_an_identity(reader, unreviewed, stored, identities, role, status):
    client = reader(role)
    public = stored(unreviewed)["public"]
    response = client.post(
        f"/cases/{CASE}/identities",
        data={
            "csrf_token": token_from(client, "/login"),
            "names": "Мовсар",
            "pseudonym": "Witness A",
        },
    )
    assert response.status_code == status
    assert identities() == []
    assert stored(unreviewed)["public"] == public


def test_reviewing_an_unknown_document_is_not_found(custodian):
    assert custodian.get("/documents/999999/redaction").status_code == 404


# What the custodian sees.


def test_custodian_sees_the_original_with_each_replaced_span_marked(custodian, unreviewed):
    page = custodian.get(f"/documents/{unreviewed}/redaction")
    assert page.status_code == 200
    original = re.search(r'<div class="original"[^>]*>(.*?)</div>', page.text, re.S)[1]
    phone_mark = f'title="PHONE · phonenumbers → [phone]">{PHONE}</mark>'
    assert f'<mark class="redact type-PHONE" {phone_mark}' in original
    assert re.search(r'<mark class="redact type-PERSON"[^>]*>Мовсар</mark>', original)
    assert re.sub(r"<[^>]+>", "", original) == html.escape(BODY, quote=False)
    assert detected(page.text) == {
        "Сержант": (0, "PERSON"),
        "Мовсар": (1, "PERSON"),
        PHONE: (2, "PHONE"),
        "Ибрагима": (3, "PERSON"),
    }


def test_every_view_of_the_original_is_audited(custodian, unreviewed, audit_rows, user_id):
    view = ("document.original.view", user_id("custodian-9"), "document", unreviewed, "web")
    for times in (1, 2):
        assert custodian.get(f"/documents/{unreviewed}/redaction").status_code == 200
        assert [row for row in audit_rows() if row[0] == view[0]] == [view] * times


def test_the_review_page_is_never_cached(custodian, unreviewed):
    page = custodian.get(f"/documents/{unreviewed}/redaction")
    assert page.headers["Cache-Control"] == "no-store"


def test_script_in_the_original_is_shown_escaped_and_inert(custodian, make_document):
    doc_id = make_document(
        slug="hostile",
        language="ru",
        status="in_review",
        redaction="pending",
        body=f"{HOSTILE} Мовсар звонил с {PHONE}.\n",
    )
    page = custodian.get(f"/documents/{doc_id}/redaction")
    assert page.status_code == 200
    assert active_content(page.text) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "<script>alert" not in page.text and "<img src=x" not in page.text


# Saving a review.


@pytest.fixture
def review(custodian, unreviewed):
    """Return a function posting the review form; `untick` names spans to leave readable."""

    def post(untick=(), add_value="", add_type="PERSON", publish=False, csrf=True):
        page = custodian.get(f"/documents/{unreviewed}/redaction")
        spans = detected(page.text)
        data = {
            "keep": [str(i) for text, (i, _) in spans.items() if text not in untick],
            "add_value": add_value,
            "add_type": add_type,
            "token": re.search(r'name="token" value="(\w+)"', page.text)[1],
        }
        if publish:
            data["publish"] = "1"
        if csrf:
            data["csrf_token"] = token_from(custodian, f"/documents/{unreviewed}/redaction")
        return custodian.post(f"/documents/{unreviewed}/redaction", data=data)

    return post


def test_review_with_publish_publishes_the_public_text_only(review, app, unreviewed, stored, audit_actions):
    response = review(untick=[FALSE_DETECTION], add_value=MISSED, add_type="WORKPLACE", publish=True)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/documents/{unreviewed}/redaction"
    assert stored(unreviewed) == {
        "status": "published",
        "reviewed": True,
        "decisions": [("reject", FALSE_DETECTION, "PERSON"), ("add", MISSED, "WORKPLACE")],
        "public": PUBLIC_AFTER_REVIEW,
    }
    assert audit_actions()[-2:] == ["redaction.review", "document.publish"]

    anonymous = app.test_client()
    page = anonymous.get(f"/documents/{unreviewed}")
    assert page.status_code == 200
    for shown in ("Дежурный Сержант сказал уйти.", "[person 1] остался", "[phone]", "[workplace]"):
        assert shown in page.text
    for hidden in ("Мовсар", "417-53-96", "Ибрагим"):
        assert hidden not in page.text
    api = anonymous.get(f"/api/v1/documents/{unreviewed}").get_json()
    assert api["body"] == PUBLIC_AFTER_REVIEW


def test_review_without_publish_keeps_the_status(review, unreviewed, stored):
    assert review().status_code == 302
    after = stored(unreviewed)
    assert (after["status"], after["reviewed"], after["decisions"]) == ("in_review", True, [])


def test_review_without_a_csrf_token_changes_nothing(review, unreviewed, stored, audit_actions):
    before = stored(unreviewed)
    response = review(untick=[FALSE_DETECTION], add_value=MISSED, publish=True, csrf=False)
    assert response.status_code == 400
    assert stored(unreviewed) == before
    assert not {"redaction.review", "document.publish"} & set(audit_actions())


@pytest.mark.parametrize(
    ("add_value", "add_type"),
    [("Кафе у Абубакара", "WORKPLACE"), (MISSED, "NICKNAME")],
    ids=["text-not-in-the-original", "unknown-type"],
)
def test_an_invalid_addition_is_refused_and_nothing_is_published(review, unreviewed, stored, add_value, add_type):
    before = stored(unreviewed)
    response = review(add_value=add_value, add_type=add_type, publish=True)
    assert response.status_code == 400
    assert stored(unreviewed) == before


# Protected identities.


@pytest.fixture
def protect(custodian, unreviewed):
    """Return a function posting the identities form from the review page."""

    def post(names: str, pseudonym: str, back: bool | str = True, csrf: bool = True):
        data = {"names": names, "pseudonym": pseudonym}
        if back:
            data["back_to_document"] = str(unreviewed) if back is True else back
        if csrf:
            data["csrf_token"] = token_from(custodian, f"/documents/{unreviewed}/redaction")
        return custodian.post(f"/cases/{CASE}/identities", data=data)

    return post


@pytest.mark.parametrize("back", ["²", "٣", "-1", "1e3", "9" * 40])
def test_identity_form_with_an_odd_return_address_goes_back_to_the_case(protect, back):
    response = protect("Мовсар Дадаев", "Witness A", back=back)  # '²' passes str.isdigit()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{CASE}"


def test_identity_form_protects_the_names_and_returns_to_the_review(
    protect, custodian, unreviewed, stored, identities, audit_rows, user_id
):
    response = protect("Мовсар Дадаев\nMovsar", "Witness A")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/documents/{unreviewed}/redaction"
    assert identities() == [("Witness A", ["Мовсар Дадаев", "Movsar"])]
    assert ("identity.protect", user_id("custodian-9"), "case") in [r[:3] for r in audit_rows()]
    public = stored(unreviewed)["public"]
    assert "Witness A остался у ворот" in public
    assert "Мовсар" not in public
    page = custodian.get(response.headers["Location"])
    assert "<strong>Witness A</strong>: Мовсар Дадаев, Movsar" in page.text


def test_identity_form_without_a_document_returns_to_the_case(protect, identities):
    response = protect("Мовсар", "Witness A", back=False)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{CASE}"
    assert [pseudonym for pseudonym, _ in identities()] == ["Witness A"]


@pytest.mark.parametrize(
    ("names", "pseudonym", "csrf"),
    [("Мовсар", "Witness A", False), ("\n  \n", "Witness A", True), ("Мовсар", "", True)],
    ids=["no-csrf-token", "no-names", "no-pseudonym"],
)
def test_identity_form_refuses_bad_posts_and_stores_nothing(
    protect, unreviewed, stored, identities, names, pseudonym, csrf
):
    public = stored(unreviewed)["public"]
    assert protect(names, pseudonym, csrf=csrf).status_code == 400
    assert identities() == []
    assert stored(unreviewed)["public"] == public


def test_identity_form_refuses_a_pseudonym_used_in_the_case(protect, identities):
    protect("Мовсар", "Witness A")
    assert protect("Ибрагим", "Witness A").status_code == 400
    assert identities() == [("Witness A", ["Мовсар"])]


# A review is bound to what the custodian saw (issue 18).


def test_a_review_form_opened_before_a_name_was_protected_is_refused_and_saves_nothing(custodian, unreviewed, stored):
    url = f"/documents/{unreviewed}/redaction"
    page = custodian.get(url)
    spans = detected(page.text)
    # another custodian protects the man named in the text meanwhile
    protected = custodian.post(
        f"/cases/{CASE}/identities",
        data={"csrf_token": token_from(custodian, url), "names": "Мовсар", "pseudonym": "Witness M"},
    )
    assert protected.status_code == 302
    # the first form, every span unticked but the name's: the phone would have become readable
    data = {
        "csrf_token": token_from(custodian, url),
        "keep": [str(i) for text, (i, _) in spans.items() if text == "Мовсар"],
        "token": re.search(r'name="token" value="(\w+)"', page.text)[1],
        "publish": "1",
    }
    response = custodian.post(url, data=data)
    assert response.status_code == 409
    assert "nothing was saved" in html.unescape(response.text)
    after = stored(unreviewed)
    assert after["decisions"] == []
    assert not after["reviewed"] and after["status"] == "in_review"
    assert PHONE not in after["public"] and "Witness M" in after["public"]


def test_a_protected_identity_cannot_be_unticked_on_the_review_page(custodian, unreviewed, stored):
    url = f"/documents/{unreviewed}/redaction"
    custodian.post(
        f"/cases/{CASE}/identities",
        data={"csrf_token": token_from(custodian, url), "names": "Мовсар", "pseudonym": "Witness M"},
    )
    page = custodian.get(url)
    data = {
        "csrf_token": token_from(custodian, url),
        "keep": [],  # a hand-made post leaving every span readable
        "token": re.search(r'name="token" value="(\w+)"', page.text)[1],
    }
    assert custodian.post(url, data=data).status_code == 302
    assert "Witness M" in stored(unreviewed)["public"]
