"""A refusal reaches the reader in their language: the use case's N_() template translated and
filled with its values (web/labels.py `localised`), on every form that can refuse.

Each test drives the real form, as a browser would, into the use case's refusal, and looks
for the message in the interface language: the Russian one, and not the English, when the
reader chose Russian; the English one otherwise. A message raised as plain English text, or
passed on as `exc.message`, stays English in a Russian page and fails here.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.web.conftest import CASE, token_from

pytestmark = pytest.mark.engine_neutral  # what is shown, not how it is stored

# (English, Russian) as the reader sees each message, values filled in
MESSAGES = {
    "entry-speaker": (
        "speaker, office, channel and quotation belong to what someone said",
        "автор заявления, должность, канал и цитата относятся только к высказываниям",
    ),
    "entry-citation": (
        "cites 'no-such-doc', which is not a document of test-case",
        "ссылается на 'no-such-doc', но такого документа в деле test-case нет",
    ),
    "entry-stance": ("stance is one of denies, confirms", "позиция должна быть одной из: denies, confirms"),
    "brief-title": ("give a title of up to 300 characters", "укажите название не длиннее 300 символов"),
    "brief-share": ("there is no active user 'nobody-here'", "нет активного пользователя 'nobody-here'"),
    "brief-quote": (
        "is not in the document's public text as it stands: select it on the page",
        "этого отрывка нет в нынешнем публичном тексте документа: выделите его на странице",
    ),
    "consent": ("say who obtained the consent", "укажите, кто получил согласие"),
    "withdrawal": ("must be one of consent_withdrawn, ", "должно быть одним из значений: consent_withdrawn, "),
    "held": ("is under legal hold (since ", "документ под запретом на удаление (с "),
    "password-short": ("must be at least 12 characters", "должно содержать не менее 12 символов"),
    "password-current": ("is not the current password", "не совпадает с текущим паролем"),
    "token-name": (
        "name the token (what script uses it), up to 80 characters",
        "дайте токену название (для какого скрипта он нужен), не длиннее 80 символов",
    ),
    "redaction-value": ("this text does not occur in the original", "этого текста нет в оригинале"),
    "redaction-stale": (
        "nothing was saved; reload the page and review what stands now",
        "ничего не сохранено; обновите страницу и проверьте то, что есть сейчас",
    ),
    "pseudonym": ("'Witness A' is already used in this case", "псевдоним 'Witness A' уже используется в этом деле"),
    "media": ("choose at least one file", "выберите хотя бы один файл"),
    "year": ("must be a four-digit year", "должно быть годом из четырёх цифр"),
}


@pytest.fixture(params=["en", "ru"])
def language(request, client) -> str:
    """The interface language the test client chose with the switch."""
    client.get(f"/language/{request.param}?next=/")
    return request.param


def assert_says(response, key: str, language: str) -> None:
    """The page says the message in the reader's language, and not in the other one."""
    english, russian = MESSAGES[key]
    wanted, other = (russian, english) if language == "ru" else (english, russian)
    text = html.unescape(response.text)
    assert f'<html lang="{language}">' in text
    assert wanted in text, f"{wanted!r} not on the page"
    assert other not in text, f"{other!r} is on a page in {language}"


@pytest.fixture
def document(make_document) -> int:
    return make_document(slug="account", body="The men were held at the checkpoint for nine days.\n")


# Timeline entries ---------------------------------------------------------------------------

ENTRY = {"case": CASE, "kind": "event", "date": "2017-05", "title": "Men held", "citations": "account | nine days"}


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"speaker": "A spokesman"}, "entry-speaker"),
        ({"kind": "statement", "stances": "some-event | shrugs"}, "entry-stance"),
        ({"citations": "no-such-doc | x"}, "entry-citation"),
    ],
    ids=["refused-by-validation", "refused-by-validation-with-values", "refused-when-stored"],
)
def test_the_timeline_entry_form(signed_in, document, language, changes, key):
    client = signed_in("custodian")
    url = "/timeline/entries/new"
    response = client.post(url, data={**ENTRY, **changes, "csrf_token": token_from(client, url)})
    assert response.status_code == 400
    assert_says(response, key, language)


# Briefs -------------------------------------------------------------------------------------


def _new_brief(client) -> int:
    made = client.post("/briefs", data={"title": "For the rapporteur", "csrf_token": token_from(client, "/briefs")})
    assert made.status_code == 302, made.text
    return int(made.location.rsplit("/", 1)[1])


def test_the_new_brief_form(signed_in, language):
    client = signed_in("researcher")
    refused = client.post("/briefs", data={"title": " ", "csrf_token": token_from(client, "/briefs")})
    assert refused.status_code == 302
    assert_says(client.get(refused.location), "brief-title", language)


def test_the_share_form(signed_in, language):
    client = signed_in("researcher")
    brief = _new_brief(client)
    data = {"shared_with": "nobody-here", "csrf_token": token_from(client, "/briefs")}
    refused = client.post(f"/briefs/{brief}/share", data=data, follow_redirects=True)
    assert_says(refused, "brief-share", language)


def test_the_quote_form_on_a_document_page(signed_in, document, language):
    client = signed_in("researcher")
    brief = _new_brief(client)
    data = {"brief_id": brief, "kind": "quote", "document_id": document, "text": "words no one wrote",
            "next": f"/documents/{document}", "csrf_token": token_from(client, "/briefs")}  # fmt: skip
    refused = client.post("/briefs/items", data=data, follow_redirects=True)
    assert_says(refused, "brief-quote", language)


# Consent and keeping ------------------------------------------------------------------------


def test_the_consent_form(signed_in, document, language):
    client = signed_in("custodian")
    keeping = f"/documents/{document}/keeping"
    form = {"given_by": "the witness", "given_on": "2017-05-02", "uses": ["research"], "obtained_by": " ",
            "csrf_token": token_from(client, keeping)}  # fmt: skip
    refused = client.post(f"/documents/{document}/consent", data=form)
    assert refused.status_code == 400
    assert_says(refused, "consent", language)


def test_the_withdrawal_form(signed_in, document, language):
    client = signed_in("custodian")
    data = {"reason": "boredom", "csrf_token": token_from(client, f"/documents/{document}/keeping")}
    refused = client.post(f"/documents/{document}/withdraw", data=data)
    assert refused.status_code == 400
    assert_says(refused, "withdrawal", language)


def test_the_deletion_form_under_a_legal_hold(signed_in, document, language):
    client = signed_in("custodian")
    token = token_from(client, f"/documents/{document}/keeping")
    held = {"reason": "Case 2-117/2019", "csrf_token": token}
    assert client.post(f"/documents/{document}/holds", data=held).status_code == 302
    delete = {"reason": "error", "confirm": str(document), "csrf_token": token}
    refused = client.post(f"/documents/{document}/delete", data=delete)
    assert refused.status_code == 400
    assert_says(refused, "held", language)
    assert re.search(r"\d{4}-\d{2}-\d{2}\): ", refused.text)  # the day, filled in


# Accounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "key"),
    [
        ("correct horse battery staple", "too short", "password-short"),
        ("not it", "a long new password", "password-current"),
    ],
    ids=["too-short", "wrong-current"],
)
def test_the_password_form(signed_in, language, current, new, key):
    client = signed_in("researcher")
    data = {"current": current, "password": new, "confirm": new}
    refused = client.post("/account/password", data={**data, "csrf_token": token_from(client, "/account/password")})
    assert refused.status_code == 400
    assert_says(refused, key, language)


def test_the_new_token_form(signed_in, language):
    client = signed_in("researcher")
    data = {"name": " ", "role": "researcher", "csrf_token": token_from(client, "/account/tokens")}
    refused = client.post("/account/tokens", data=data)
    assert refused.status_code == 400
    assert_says(refused, "token-name", language)


# Redaction review ---------------------------------------------------------------------------


@pytest.fixture
def unreviewed(make_document) -> int:
    return make_document(slug="unreviewed", status="in_review", redaction="pending", body="Movsar stayed.\n")


def _review_form(client, doc_id: int) -> dict:
    page = client.get(f"/documents/{doc_id}/redaction").text
    return {"token": re.search(r'name="token" value="(\w+)"', page)[1], "csrf_token": token_from(client, "/")}


def test_the_redaction_review_form(signed_in, unreviewed, language):
    client = signed_in("custodian")
    data = {**_review_form(client, unreviewed), "add_value": "words no one wrote", "add_type": "PERSON"}
    refused = client.post(f"/documents/{unreviewed}/redaction", data=data)
    assert refused.status_code == 400
    assert_says(refused, "redaction-value", language)


def test_a_redaction_review_opened_before_a_change(signed_in, unreviewed, language):
    client = signed_in("custodian")
    data = _review_form(client, unreviewed)
    protect = {"names": "Movsar", "pseudonym": "Witness M", "csrf_token": data["csrf_token"]}
    assert client.post(f"/cases/{CASE}/identities", data=protect).status_code == 302
    refused = client.post(f"/documents/{unreviewed}/redaction", data=data)
    assert refused.status_code == 409
    assert_says(refused, "redaction-stale", language)


def test_the_protected_identity_form(signed_in, unreviewed, language):
    client = signed_in("custodian")
    data = {"names": "Movsar", "pseudonym": "Witness A", "csrf_token": token_from(client, "/")}
    assert client.post(f"/cases/{CASE}/identities", data=data).status_code == 302
    refused = client.post(f"/cases/{CASE}/identities", data={**data, "names": "Ibragim"})
    assert refused.status_code == 400
    assert_says(refused, "pseudonym", language)


# Errors raised in the web layer itself ------------------------------------------------------


def test_the_attach_form_without_a_file(signed_in, document, language):
    client = signed_in("custodian")
    data = {"csrf_token": token_from(client, f"/documents/{document}")}
    refused = client.post(f"/documents/{document}/media", data=data)
    assert refused.status_code == 400
    assert_says(refused, "media", language)


def test_a_bad_filter_in_the_address(client, language):
    refused = client.get("/documents?year=17")
    assert refused.status_code == 400
    assert_says(refused, "year", language)
