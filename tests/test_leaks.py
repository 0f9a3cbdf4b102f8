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

The testimony comes with a photo (GPS, camera owner, XMP, IPTC, thumbnail…), a PDF (author,
creator, XMP, attachments…) from tests/media/dirty.py, a voice note and a video clip from
tests/media/recordings.py, uploaded under a file name that names the
witness: every field's canary is sought in every page, file and export as well. The crawl
follows every link a reader can reach, as an anonymous visitor, a researcher signed in and a
script holding a researcher's API token (whose links are the URLs in the JSON it gets).
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from archive.auth.tokens import create_token
from archive.services import get_db
from archive.storage.models import Document, User
from tests import databases
from tests.conftest import CLI, PASSWORD, csrf_token, login
from tests.media.dirty import leaked_canaries, make_dirty
from tests.media.recordings import make_recording
from tests.web.test_media import decide_pictures

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
# The document's other fields, as a hurried custodian types them: names, contacts and an
# address in the title, the slug, the tags, the source and the attribution.
FIELD_CANARIES = {
    "title": "Testimony of Khamzat Baisarov, phone +7 928 417-53-96",
    "slug": "khamzat-baisarov-testimony",
    "tags": "detention, khamzat-baisarov, tel-79284175396",
    "places": "Chechnya, Дом Мовсара Дадаева",
    "source_outlet": "Мовсар Дадаев (kanar.q7z@mail.ru)",
    "source_author": "Хамзат Байсаров",
    "source_url": "https://example.org/2017/khamzat-baisarov-interview",
    "source_reported_by": "@kanar_tg58",
    "source_reliability": "Told by phone +7 928 417-53-96 from 10.44.17.203",
    "source_title": "Khamzat Baisarov speaks: call him on +7 928 417-53-96",
    "attribution": "Interviewed by phone (+7 928 417 53 96); write to kanar.q7z@mail.ru or vk.com/id5583901",
    "grade_note": "Confirmed by Хамзат Байсаров on +7 928 417-53-96 (kanar.q7z@mail.ru)",
}
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
    f"/api/v1/cases/{CASE}/acts",
    f"/cases/{CASE}/acts",
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
DATABASE_FILES = ("archive.sqlite3", "archive.sqlite3-wal", "archive.sqlite3-shm", "archive.sqlite3-journal")
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[\s\-.()]+(?=\d)")


# A photo with GPS and an owner, and a PDF with an author: (file name, dirty file) as uploaded.
ATTACHMENTS = (
    ("Khamzat-Baisarov-2017.jpg", make_dirty("jpeg", 6)),
    ("Khamzat-Baisarov-statement.pdf", make_dirty("pdf")),
)
# And a voice note and a phone clip (GPS, chapters, subtitles, a cover picture…) where ffmpeg
# is installed (`make test` installs it).
if shutil.which("ffmpeg"):
    ATTACHMENTS += (
        ("Khamzat-Baisarov-voice.ogg", make_recording("ogg-opus")),
        ("Khamzat-Baisarov-clip.mp4", make_recording("mp4-phone")),
    )
MEDIA_CANARIES = {f"{d.fmt}: {field}": value for _, d in ATTACHMENTS for field, value in d.canaries.items()}


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
            body["suggestion"] = " ".join(w for w in body["suggestion"].split() if w.lower() not in typed)
        return readable(json.dumps(body, ensure_ascii=False))
    raw = response.get_data(as_text=True)
    raw = re.sub(r"<title>.*?</title>", "", raw, flags=re.S)
    raw = re.sub(r'(<input id="q"[^>]*value=)"[^"]*"', r'\1""', raw)
    raw = re.sub(r"<p>Did you mean.*?</p>", "", raw, flags=re.S)  # the API's, checked there
    raw = re.sub(r'href="/language/\w+\?next=[^"]*"', 'href=""', raw)  # back to this very search
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


def leaked_bytes(data: bytes) -> list[str]:
    """Return every text canary and media-field canary in raw bytes (a page, a file, a PDF)."""
    text = leaked(readable(data.decode("utf-8", "replace")))
    return text + sorted(leaked_canaries(data, MEDIA_CANARIES))


def may_see(role: str, consent: str) -> bool:
    """Return whether a reader of the role may open the published testimony (the rule)."""
    return consent == "public" or (consent == "researchers" and role == "researcher")


@pytest.fixture
def archive_logs(caplog):
    """Capture every log record from the first step of a test, with the archive at INFO."""
    caplog.set_level(logging.INFO, logger="archive")
    return caplog


def publish(app, consent: str) -> int:
    """Run the custodian's whole flow in the web app (a new case, the testimony with its photo
    and PDF, the witness protected, the review, publication); give the document's id."""
    from archive.auth.users import create_user
    from archive.storage.models import Case

    with app.app_context(), get_db(app).session() as s:
        s.add(Case(slug=CASE, title="A case with canaries"))
        create_user(s, "custodian-leaks", PASSWORD, "custodian", CLI, "cli")
        s.commit()
    custodian = app.test_client()
    login(custodian, "custodian-leaks", PASSWORD)

    form = custodian.get("/documents/new")
    created = custodian.post(
        "/documents/new",
        content_type="multipart/form-data",
        data={
            "media": [(io.BytesIO(d.data), name) for name, d in ATTACHMENTS],
            "csrf_token": csrf_token(form.text),
            "case": CASE,
            "kind": "testimony",
            # every field besides the body carries canaries too (issue 18)
            **FIELD_CANARIES,
            "language": "ru",
            "consent": consent,
            "status": "in_review",
            "grade_source": "B",
            "grade_information": "2",
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

    decide_pictures(custodian, doc_id)  # what the photo and the PDF may show readers
    page = custodian.get(review_url).text
    spans = re.findall(r'name="keep" value="(\d+)"', page)
    assert len(spans) >= len(CANARIES)
    token = re.search(r'name="token" value="(\w+)"', page)[1]
    reviewed = custodian.post(
        review_url, data={"csrf_token": csrf_token(page), "keep": spans, "token": token, "publish": "1"}
    )
    assert reviewed.status_code == 302, reviewed.text

    # the custodian records what the testimony reports as an act, the witness its victim by
    # pseudonym: its pages, counts and filters are crawled with the rest
    with app.app_context(), get_db(app).session() as s:
        slug = s.get(Document, doc_id).slug
    recorded = custodian.post(
        "/api/v1/acts",
        json={
            "case": CASE,
            "slug": "witness-detained",
            "type": "arbitrary_detention",
            "date": "2017-03-26",
            "summary": f"{PSEUDONYM} detained near his home",
            "victims": [{"person": PSEUDONYM}],
            "perpetrators": [{"name": "Police", "kind": "institution"}],
            "sources": [{"document": slug, "excerpt": f"{PSEUDONYM} задержали"}],
        },
        headers={"X-CSRFToken": csrf_token(custodian.get("/login").text)},
    )
    assert recorded.status_code == 201, recorded.text
    return doc_id


@pytest.fixture
def publish_through_web(app, archive_logs):
    """Return a function publishing the testimony in the test's app; gives the id."""
    return lambda consent: publish(app, consent)


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
def test_no_file_under_the_data_dir_holds_a_canary(app, publish_through_web, consent, monkeypatch):
    from archive.search import sequences

    monkeypatch.setattr(sequences, "MIN_DOCUMENTS", 1)  # every segment's phrase files written
    publish_through_web(consent)
    root = Path(app.config["DATA_DIR"])
    scanned, found = [], {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.parent == root and path.name in DATABASE_FILES:
            continue
        scanned.append(path)
        hits = leaked_bytes(path.read_bytes())
        if hits:
            found[str(path.relative_to(root))] = hits
    assert found == {}
    if databases.ENGINE == "sqlite":
        assert (root / "archive.sqlite3").is_file()  # the database itself was where we looked
    if databases.SEARCH_BACKEND == "postgres":  # the index is in the database: its tables
        held = databases.search_tables_text(get_db(app).engine)
        assert normalise(PSEUDONYM) in normalise(held)  # the testimony is in there
        assert leaked_bytes(held.encode()) == []
        return
    index = [p for p in scanned if p.relative_to(root).parts[0] == "index"]
    # the index's term dictionaries, postings, stored text and phrase files (sequences.py)
    names = {p.name.split(".", 1)[1] for p in index if "." in p.name}
    assert {"trm", "pst", "_stored.col", "wseq", "wfsq"} <= names, "the index must be among the files scanned"


@pytest.mark.parametrize("consent", ["public", "researchers"])
def test_no_log_record_holds_a_canary(app, publish_through_web, researcher_client, archive_logs, consent):
    doc_id = publish_through_web(consent)
    for client in (app.test_client(), researcher_client()):
        for path in READER_PATHS:
            client.get(path.format(id=doc_id))
        for _tell, _url, _response in search_responses(client):
            pass
    messages = [record.getMessage() for record in archive_logs.records]
    assert any(f"document {doc_id} published" in m for m in messages), messages
    found = {m: leaked_bytes(m.encode()) for m in messages if leaked_bytes(m.encode())}
    assert found == {}
    assert leaked_bytes(archive_logs.text.encode()) == []


@pytest.mark.parametrize("consent", ["public", "researchers"])
def test_no_canary_reaches_a_brief_or_its_exports(app, publish_through_web, researcher_client, consent):
    """A researcher quotes the published testimony in a brief: the page, the API and every
    export hold the pseudonym, never a canary."""
    from pypdf import PdfReader

    doc_id = publish_through_web(consent)
    client = researcher_client()
    headers = {"X-CSRFToken": csrf_token(client.get("/briefs").text)}
    brief = client.post("/api/v1/briefs", json={"title": "Leak check"}, headers=headers)
    url = f"/api/v1/briefs/{brief.get_json()['id']}"
    for item in (
        {"kind": "document", "document_id": doc_id},
        {"kind": "quote", "document_id": doc_id, "text": PSEUDONYM},
    ):
        assert client.post(f"{url}/items", json=item, headers=headers).status_code == 201
    bodies = {
        path: response_text(client.get(path))
        for path in (url, f"{url}/export.md", f"{url}/export.html", f"/briefs/{brief.get_json()['id']}")
    }
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


SITE = "http://archive.test/"  # the tests' SERVER_NAME (tests/conftest.py)


def _json_links(value) -> list[str]:
    """Return every string in a JSON body that looks like a URL or a path of this site."""
    if isinstance(value, dict):
        return [link for v in value.values() for link in _json_links(v)]
    if isinstance(value, list):
        return [link for v in value for link in _json_links(v)]
    return [value] if isinstance(value, str) and value.startswith(("/", SITE)) else []


def _links(response, body: bytes) -> list[str]:
    if response.is_json:
        return _json_links(json.loads(body))
    if response.mimetype != "text/html":
        return []  # exports and media: scanned as bytes, not followed
    parser = _Links()
    parser.feed(body.decode("utf-8", "replace"))
    return parser.links


def _crawl(client, start: tuple[str, ...], limit: int = 400, per_path: int = 40) -> dict[str, tuple[int, bytes]]:
    """Follow every link on this site from the start pages, as this client; status and body
    by URL. At most `per_path` variants (query strings) of one path are fetched, so that the
    search page's filter combinations do not use up the crawl."""
    seen: dict[str, tuple[int, bytes]] = {}
    variants: Counter[str] = Counter()
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        path = url.split("?", 1)[0]
        if url in seen or variants[path] >= per_path:
            continue
        variants[path] += 1
        response = client.get(url)
        body = response.get_data()
        response.close()
        seen[url] = (response.status_code, body)
        for link in _links(response, body):
            parts = urlsplit(link)
            elsewhere = parts.scheme and parts.netloc != urlsplit(SITE).netloc
            if elsewhere or not parts.path.startswith("/"):
                continue  # another site, or a fragment of this page
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and not target.startswith(("/logout", "/static/")):
                queue.append(target)
    return seen


def _token_client(app, make_user):
    """A client sending a researcher's API token on every request, and never signing in."""
    name = make_user("researcher", "researcher-script")
    with app.app_context(), get_db(app).session() as s:
        user = s.query(User).filter_by(username=name).one()
        _, secret = create_token(s, user, "leak crawl", "researcher", user, "web")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


CRAWL_STARTS = {
    "anonymous": ("/", "/timeline", f"/search?q={PSEUDONYM}", "/briefs"),
    "researcher": ("/", "/timeline", f"/search?q={PSEUDONYM}", "/briefs"),
    "researcher token": (
        "/api/v1/cases",
        "/api/v1/documents",
        "/api/v1/timeline",
        f"/api/v1/search?q={PSEUDONYM}",
        "/api/v1/briefs",
    ),
}


@pytest.mark.parametrize("consent", ["public", "researchers"])
@pytest.mark.parametrize("role", list(CRAWL_STARTS))
def test_a_crawl_of_every_reachable_page_finds_no_canary(
    app, make_user, publish_through_web, researcher_client, consent, role
):
    """Follow every link a reader can reach, from the home page, the timeline and a search for
    the pseudonym (or the API's lists, for a script): no page, API response, export, photo or
    PDF holds a canary, and none fails."""
    doc_id = publish_through_web(consent)
    client = {
        "anonymous": app.test_client,
        "researcher": researcher_client,
        "researcher token": lambda: _token_client(app, make_user),
    }[role]()
    starts = CRAWL_STARTS[role] + ((f"/api/v1/documents/{doc_id}",) if "token" in role else ())
    found = _crawl(client, starts)
    assert len(found) >= (5 if role == "researcher token" else 20)
    assert {url: status for url, (status, _) in found.items() if status >= 500} == {}
    leaks = {url: leaked_bytes(body) for url, (_, body) in found.items()}
    assert {url: hits for url, hits in leaks.items() if hits} == {}
    # nor the hash of the submission: with the names in it, it would confirm a guessed name
    with app.app_context(), get_db(app).session() as s:
        custody = s.get(Document, doc_id).sha256.encode()
    assert [url for url, (_, body) in found.items() if custody in body] == []
    document = "/api/v1/documents/{}" if role == "researcher token" else "/documents/{}"
    reached = found.get(document.format(doc_id), (404,))[0] == 200
    assert reached == may_see(role.split()[0], consent)  # reached the testimony when it may
    media = [url for url, (status, _) in found.items() if url.startswith("/media/") and status < 300]
    assert (len(media) >= len(ATTACHMENTS)) == reached  # and its photo and PDF with it


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_a_crawl_of_the_sample_case_with_the_testimony_finds_no_canary(corpus_app, role):
    """The whole sample case, with the canary testimony published for researchers among its 29
    documents, crawled as a reader: every page, search result, export, photo and API response of
    the case, none fails and none holds a canary."""
    from archive.auth.users import create_user
    from archive.search.indexing import reindex

    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        assert reindex(s, corpus_app.extensions["archive.search"], CLI) > 0  # the copy has no index
        create_user(s, "researcher-crawl", PASSWORD, "researcher", CLI, "cli")
        case_text = normalise(" ".join(f"{d.title} {d.body_original}" for d in s.query(Document)))
    # The case's own record may say a word a canary also has: the Globe and Mail's pseudonym
    # for a survivor is Hamzat (Хамзат), our witness's real first name. Only that one is spared.
    spared = {t for c in CANARIES for t in c.tells if t in case_text}
    assert spared == {"хамзат"}
    doc_id = publish(corpus_app, "researchers")
    client = corpus_app.test_client()
    if role == "researcher":
        login(client, "researcher-crawl", PASSWORD)
    found = _crawl(
        client,
        (
            "/",
            "/timeline",
            "/search?q=Chechnya",
            "/search?q=Чечня",
            f"/search?q={PSEUDONYM}",
            "/api/v1/documents",
            "/api/v1/timeline",
            "/briefs",
        ),
        limit=2000,
    )
    assert len(found) >= 100
    assert {url: status for url, (status, _) in found.items() if status >= 500} == {}
    leaks = {
        url: [hit for hit in leaked_bytes(body) if hit.split(": ")[-1] not in spared]
        for url, (_, body) in found.items()
    }
    assert {url: hits for url, hits in leaks.items() if hits} == {}
    reached = found.get(f"/documents/{doc_id}", (404,))[0] == 200
    assert reached == (role == "researcher")
    pages = [u for u, (status, _) in found.items() if re.fullmatch(r"/documents/\d+", u)]
    assert len(pages) == 29 + reached  # every document of the case, as the reader may
