"""Leak proof: no identifying detail of a published testimony reaches anyone but a custodian.

The end-to-end canary test of the redaction issue. A custodian submits, through the real web
form, a testimony full of canaries (one of every kind of identifier the redaction handles),
registers the witness as a protected identity through the identities form, reviews and
publishes through the review page. Then every page and API response an anonymous visitor or a
researcher can fetch is searched for each canary's distinctive parts, and so are every file
the archive wrote under DATA_DIR (other than the SQLite database, which holds the original by
design) and every log record of the whole flow. The custodian's review page must show the
canaries, which proves they were really submitted and that the searches can find them.

Search is probed the same way: the search page and GET /api/v1/search, with each canary's parts
as the query, for an anonymous visitor and a researcher; the files of the search index under
DATA_DIR are scanned with the rest (and must be there to be scanned).
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import PASSWORD, csrf_token, login

CASE = "leak-case"
PSEUDONYM = "Witness A"
PROTECTED_NAMES = "Хамзат Байсаров\nKhamzat Baisarov"


@dataclass(frozen=True)
class Canary:
    kind: str
    tells: tuple[str, ...]  # distinctive parts, lower case, digits as normalise() joins them


# Each canary's tells must all occur in the testimony (checked against the review page).
CANARIES = (
    Canary("protected name, Russian forms", ("хамзат", "байсаров")),
    Canary("protected name, Latin", ("khamzat", "baisarov")),
    Canary("unregistered person", ("мовсар", "дадаев")),
    Canary("phone", ("79284175396", "9284175396", "4175396")),
    Canary("e-mail", ("kanar.q7z@mail.ru", "kanar.q7z")),
    Canary("telegram handle", ("@kanar_tg58", "kanar_tg58")),
    Canary("vk url", ("vk.com/id5583901", "5583901")),
    Canary("ipv4", ("104417203", "4417203")),
    Canary("imei", ("356938035643809", "693803", "564380")),
    Canary("passport", ("415433",)),
    Canary("plate", ("к742мр",)),
    Canary("gps", ("4331694", "4569817")),
    Canary("date of birth", ("декабря 1991",)),
    Canary("street address", ("береговая",)),
    Canary("workplace", ("шовда",)),
)
TESTIMONY = """Меня зовут Хамзат Байсаров. Хамзата задержали 26 марта 2017 года у дома.
Хамзату угрожали, с Хамзатом никто не говорил, о Хамзате не знали даже родные.
Дом Байсарова обыскали ночью. В английской прессе писали: Khamzat Baisarov was detained.

В камере с ним был Мовсар Дадаев; Мовсара увезли на следующий день.

Его номер +7 928 417-53-96, почта kanar.q7z@mail.ru, Телеграм: @kanar_tg58,
страница https://vk.com/id5583901 — её удалили через неделю.
Последний вход был с адреса 10.44.17.203. IMEI 35-693803-564380-9 записан в протоколе.
У него забрали паспорт серия 45 22 № 415433 и телефон. Его увезли на машине К742МР 95.
Он прислал координаты 43.31694, 45.69817 и пропал. Он родился 23 декабря 1991 года.
Меня забрали из дома по адресу ул. Береговая, д. 8, кв. 82. Он работал в кафе «Шовда» на рынке.
"""
# What readers do see of it, so that a reader's fetch is known to have reached the text.
PUBLIC_MARKERS = (f"{PSEUDONYM} задержали", "[person 1]", "[phone]", "[passport]", "[workplace]")
READER_PATHS = (
    "/",
    "/documents",
    "/documents/{id}",
    f"/cases/{CASE}",
    "/api/v1/documents",
    "/api/v1/documents/{id}",
    "/api/v1/timeline",
    "/search",
    "/api/v1/search",
    "/api/v1/cases",
    "/timeline",
    "/timeline/export.json",
    "/timeline/export.csv",
    "/timeline/export.timelinejs",
)
SEARCH_PATHS = ("/search", "/api/v1/search")
# The database holds the original by design (custodians read it); its journal files are it too.
DATABASE_FILES = ("archive.sqlite3", "archive.sqlite3-wal", "archive.sqlite3-shm",
                  "archive.sqlite3-journal")  # fmt: skip
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[\s\-.()]+(?=\d)")


def normalise(text: str) -> str:
    """Lower-case the text and join digit groups, so '+7 928 417-53-96' reads '+79284175396'."""
    return _DIGIT_SEPARATOR.sub("", text.lower())


def readable(raw: str) -> str:
    """Return the text as a reader could read it: raw, entities decoded, URLs decoded."""
    return normalise("\n".join((raw, html.unescape(raw), unquote(raw))))


def response_text(response) -> str:
    """Return a response as readable text; JSON is decoded, since Flask escapes non-ASCII."""
    raw = response.get_data(as_text=True)
    if response.is_json:
        raw += "\n" + json.dumps(response.get_json(), ensure_ascii=False)
    return readable(raw)


def without_query_echo(response, query: str) -> str:
    """Return a search response as readable text, less where it repeats the reader's query.

    The page repeats it in its title, the search box and its links; a suggestion keeps the
    words it does not correct. What the reader typed is not a leak; anything else would be.
    """
    if response.is_json:
        body = response.get_json()
        if body.get("suggestion"):
            typed = {w.lower() for w in re.findall(r"\w+", query)}
            body["suggestion"] = " ".join(
                w for w in body["suggestion"].split() if w.lower() not in typed
            )
        return readable(json.dumps(body, ensure_ascii=False))
    raw = response.get_data(as_text=True)
    raw = re.sub(r"<title>.*?</title>", "", raw, flags=re.S)
    raw = re.sub(r'(<input id="q"[^>]*value=)"[^"]*"', r'\1""', raw)
    raw = re.sub(r"<p>Did you mean.*?</p>", "", raw, flags=re.S)  # the API's, checked there
    return readable(re.sub(r'href="/search\?[^"]*"', 'href=""', raw))


def search_responses(client):
    """Search as this client with each canary part as the query; yield (url, response)."""
    for tell in sorted({t for c in CANARIES for t in c.tells}):
        for path in SEARCH_PATHS:
            response = client.get(path, query_string={"q": tell})
            yield tell, f"{path}?q={tell}", response


def leaked(text: str) -> list[str]:
    """Return 'kind: tell' for every canary part found in already readable text."""
    return [f"{c.kind}: {tell}" for c in CANARIES for tell in c.tells if tell in text]


def may_see(role: str, consent: str) -> bool:
    """Return whether a reader of the role may open the published testimony (the rule)."""
    return consent == "public" or (consent == "researchers" and role == "researcher")


@pytest.fixture
def archive_logs(caplog):
    """Capture every log record from the first step of a test, with the archive at INFO."""
    caplog.set_level(logging.INFO, logger="archive")
    return caplog


@pytest.fixture
def publish_through_web(app, make_case, make_user, archive_logs):
    """Return a function running the custodian's whole flow in the web app; gives the id."""

    def run(consent: str) -> int:
        make_case(CASE, "A case with canaries")
        custodian = app.test_client()
        login(custodian, make_user("custodian", "custodian-leaks"))

        form = custodian.get("/documents/new")
        created = custodian.post(
            "/documents/new",
            data={
                "csrf_token": csrf_token(form.text),
                "case": CASE,
                "kind": "testimony",
                "title": "Testimony of a detained man",
                "language": "ru",
                "consent": consent,
                "status": "in_review",
                "body": TESTIMONY,
            },
        )
        assert created.status_code == 302, created.text
        doc_id = int(re.fullmatch(r"/documents/(\d+)", created.headers["Location"])[1])
        review_url = f"/documents/{doc_id}/redaction"

        protected = custodian.post(
            f"/cases/{CASE}/identities",
            data={
                "csrf_token": csrf_token(custodian.get(review_url).text),
                "names": PROTECTED_NAMES,
                "pseudonym": PSEUDONYM,
                "back_to_document": str(doc_id),
            },
        )
        assert protected.status_code == 302, protected.text
        assert protected.headers["Location"] == review_url

        page = custodian.get(review_url).text
        spans = re.findall(r'name="keep" value="(\d+)"', page)
        assert len(spans) >= len(CANARIES)
        reviewed = custodian.post(
            review_url, data={"csrf_token": csrf_token(page), "keep": spans, "publish": "1"}
        )
        assert reviewed.status_code == 302, reviewed.text
        return doc_id

    return run


@pytest.fixture
def researcher_client(app, make_user):
    """Return a function giving a new test client signed in as a researcher."""

    def make():
        client = app.test_client()
        login(client, make_user("researcher", "researcher-leaks"), PASSWORD)
        return client

    return make


@pytest.mark.parametrize("consent", ["public", "researchers"])
def test_the_review_page_shows_the_custodian_every_canary(app, publish_through_web, consent):
    doc_id = publish_through_web(consent)
    custodian = app.test_client()
    login(custodian, "custodian-leaks")
    page = custodian.get(f"/documents/{doc_id}/redaction")
    assert page.status_code == 200
    text = response_text(page)
    missing = [f"{c.kind}: {t}" for c in CANARIES for t in c.tells if t not in text]
    assert missing == [], "the canaries must be in the original, as the tells spell them"
    assert len(leaked(readable(TESTIMONY))) == sum(len(c.tells) for c in CANARIES)


@pytest.mark.parametrize("consent", ["public", "researchers"])
@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_no_canary_reaches_a_reader(app, publish_through_web, researcher_client, consent, role):
    doc_id = publish_through_web(consent)
    client = researcher_client() if role == "researcher" else app.test_client()
    visible = may_see(role, consent)
    found = {}
    for path in READER_PATHS:
        url = path.format(id=doc_id)
        response = client.get(url)
        expected = 200 if visible or "{id}" not in path else 404
        assert response.status_code == expected, url
        found[url] = leaked(response_text(response))
    assert found == {path.format(id=doc_id): [] for path in READER_PATHS}

    searched = {}
    for tell, url, response in search_responses(client):
        assert response.status_code in (200, 400), url  # a query may be refused, never crash
        searched[url] = leaked(without_query_echo(response, tell))
    assert searched == {url: [] for url in searched}
    assert len(searched) == len(SEARCH_PATHS) * len({t for c in CANARIES for t in c.tells})

    hits = client.get("/api/v1/search", query_string={"q": f'"{PSEUDONYM}"'}).get_json()
    assert (doc_id in [h["id"] for h in hits["items"]]) == visible  # search reached the text

    page = client.get(f"/documents/{doc_id}").text
    api = client.get("/api/v1/documents").get_json()
    assert (doc_id in [d["id"] for d in api["items"]]) == visible
    for marker in PUBLIC_MARKERS:  # the reader did get the text, redacted
        assert (html.escape(marker, quote=False) in page) == visible, marker


@pytest.mark.parametrize("consent", ["public", "researchers"])
def test_no_file_under_the_data_dir_holds_a_canary(app, publish_through_web, consent):
    publish_through_web(consent)
    root = Path(app.config["DATA_DIR"])
    scanned, found = [], {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.parent == root and path.name in DATABASE_FILES:
            continue
        scanned.append(path)
        hits = leaked(readable(path.read_bytes().decode("utf-8", "replace")))
        if hits:
            found[str(path.relative_to(root))] = hits
    assert found == {}
    assert (root / "archive.sqlite3").is_file()  # the database itself was where we looked
    index = [p for p in scanned if p.relative_to(root).parts[0] == "index"]
    # the index's term dictionaries, postings and stored text (segments are separate files)
    names = {p.name.split(".", 1)[1] for p in index if "." in p.name}
    assert {"trm", "pst", "_stored.col"} <= names, "the index must be among the files scanned"


@pytest.mark.parametrize("consent", ["public", "researchers"])
def test_no_log_record_holds_a_canary(
    app, publish_through_web, researcher_client, archive_logs, consent
):
    doc_id = publish_through_web(consent)
    for client in (app.test_client(), researcher_client()):
        for path in READER_PATHS:
            client.get(path.format(id=doc_id))
        for _tell, _url, _response in search_responses(client):
            pass
    messages = [record.getMessage() for record in archive_logs.records]
    assert any(f"document {doc_id} published" in m for m in messages), messages
    found = {m: leaked(readable(m)) for m in messages if leaked(readable(m))}
    assert found == {}
    assert leaked(readable(archive_logs.text)) == []


@pytest.mark.parametrize("consent", ["public", "researchers"])
def test_no_canary_reaches_a_brief_or_its_exports(
    app, publish_through_web, researcher_client, consent
):
    """A researcher quotes the published testimony in a brief: the page, the API and every
    export hold the pseudonym, never a canary."""
    import io

    from pypdf import PdfReader

    doc_id = publish_through_web(consent)
    client = researcher_client()
    headers = {"X-CSRFToken": csrf_token(client.get("/briefs").text)}
    brief = client.post("/api/v1/briefs", json={"title": "Leak check"}, headers=headers)
    url = f"/api/v1/briefs/{brief.get_json()['id']}"
    for item in ({"kind": "document", "document_id": doc_id},
                 {"kind": "quote", "document_id": doc_id, "text": PSEUDONYM}):  # fmt: skip
        assert client.post(f"{url}/items", json=item, headers=headers).status_code == 201
    bodies = {path: response_text(client.get(path))
              for path in (url, f"{url}/export.md", f"{url}/export.html",
                           f"/briefs/{brief.get_json()['id']}")}  # fmt: skip
    pdf = client.get(f"{url}/export.pdf").data
    bodies["pdf"] = readable(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert {path: leaked(text) for path, text in bodies.items()} == {p: [] for p in bodies}
    assert all(normalise(PSEUDONYM) in text for text in bodies.values())  # the quote got in


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _crawl(client, start: tuple[str, ...], limit: int = 400) -> dict[str, int]:
    """Follow every link on this site from the start pages, as this client; status by URL."""
    seen: dict[str, int] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        body = response.get_data()
        response.close()
        if response.mimetype != "text/html":
            seen[url] = (response.status_code, body)  # exports and media: scanned as bytes
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue  # another site, or a fragment of this page
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and not target.startswith(("/logout", "/static/")):
                queue.append(target)
        seen[url] = (response.status_code, body)
    return seen


@pytest.mark.parametrize("consent", ["public", "researchers"])
@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_a_crawl_of_every_reachable_page_finds_no_canary(
    app, publish_through_web, researcher_client, consent, role
):
    """Follow every link a reader can reach, from the home page, the timeline and a search for
    the pseudonym: no page, export or file holds a canary, and none fails."""
    doc_id = publish_through_web(consent)
    client = researcher_client() if role == "researcher" else app.test_client()
    found = _crawl(client, ("/", "/timeline", f"/search?q={PSEUDONYM}", "/briefs"))
    assert len(found) >= 20
    assert all(status < 500 for status, _ in found.values())
    leaks = {url: leaked(readable(body.decode("utf-8", "replace")))
             for url, (_, body) in found.items()}  # fmt: skip
    assert {url: hits for url, hits in leaks.items() if hits} == {}
    reached = any(url == f"/documents/{doc_id}" and status == 200
                  for url, (status, _) in found.items())  # fmt: skip
    assert reached == may_see(role, consent)  # the crawl did reach the testimony when it may
