"""The interface language: the switch, the cookie, Accept-Language, and what follows them."""

from __future__ import annotations

import pytest

RUSSIAN_NAV = "Документы"


def test_english_by_default(client):
    page = client.get("/")
    assert '<html lang="en">' in page.text
    assert ">Documents<" in page.text


def test_accept_language_chooses_russian(client):
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert '<html lang="ru">' in page.text
    assert RUSSIAN_NAV in page.text
    assert ">Documents<" not in page.text


def test_the_switch_is_remembered_and_beats_accept_language(client):
    switched = client.get("/language/ru?next=/timeline")
    assert switched.status_code == 303
    assert switched.headers["Location"].endswith("/timeline")
    cookie = client.get_cookie("lang", domain="archive.test")
    assert cookie.value == "ru" and cookie.http_only and cookie.max_age > 30 * 24 * 3600
    page = client.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="ru">' in page.text
    client.get("/language/en?next=/")
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "ru"}).text


def test_the_switch_is_on_every_page_and_names_each_language_in_itself(client):
    page = client.get("/documents")
    assert 'href="/language/ru?next=/documents"' in page.text
    assert 'lang="ru"' in page.text and "Русский" in page.text
    assert 'aria-current="true" lang="en">English<' in page.text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "evil", ""])
def test_the_switch_never_sends_the_reader_to_another_site(client, target):
    switched = client.get("/language/ru", query_string={"next": target})
    assert switched.status_code == 303
    assert switched.headers["Location"] in ("/", "http://archive.test/")


def test_an_unknown_language_sets_nothing(client):
    client.get("/language/xx?next=/")
    assert client.get_cookie("lang", domain="archive.test") is None
    assert '<html lang="en">' in client.get("/").text


def test_pages_vary_by_what_chooses_the_language(client):
    vary = client.get("/").headers["Vary"]
    assert "Cookie" in vary and "Accept-Language" in vary


def test_dates_follow_the_language(client, make_document):
    doc = make_document(published="2017-06~", events="2017-04")
    english = client.get(f"/documents/{doc}").text
    assert "about June 2017" in english and "April 2017" in english
    client.get("/language/ru")
    russian = client.get(f"/documents/{doc}").text
    assert "около июня 2017\u202fг." in russian and "апрель 2017\u202fг." in russian


def test_codes_are_shown_as_names_in_the_readers_language(client, make_document):
    doc = make_document(kind="news_report")
    assert "news report" in client.get(f"/documents/{doc}").text
    client.get("/language/ru")
    page = client.get(f"/documents/{doc}").text
    assert "news_report" not in page.replace('kind-news_report"', "")
    assert "news report" not in page  # translated, not left in English


def test_documents_are_never_translated(client, make_document):
    doc = make_document(title="Report on detentions", body="The men were held in Argun.\n")
    client.get("/language/ru")
    page = client.get(f"/documents/{doc}").text
    assert "Report on detentions" in page and "The men were held in Argun." in page
