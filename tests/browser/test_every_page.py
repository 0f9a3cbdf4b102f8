"""Every page of the site in Debian chromium, as each role that sees it, in English and Russian,
390 and 1,280 px wide: axe-core finds no serious or critical WCAG 2.1 A/AA violation, the page
does not scroll sideways (at either width), `<html lang>` names the language chosen, and the
console shows no error (a CSP violation is one).

The pages come from the app's url_map: `test_every_html_route_is_visited` fails when a GET
route answering HTML is neither in PAGES nor in NOT_HTML. Each visit saves a full-page
screenshot to tests/artifacts/screenshots/<lang>-<width>-<role>-<page>.png, and the run's
figures (violations by impact, per page and per rule) go to tests/artifacts/axe-summary.json.
One server, one browser and one tab per role serve the whole module (a few minutes on 2 cores).
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from werkzeug.exceptions import NotFound

from tests import databases
from tests.browser.conftest import ARTIFACTS, CHROMIUM, read_whole
from tests.conftest import CLI, PASSWORD, ROOT, _config, store_document

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__axe__/axe.min.js"  # answered by the test browser itself, never by the app
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
LANGUAGES = ("en", "ru")
WIDTHS = (390, 1280)
SCREENSHOTS = ARTIFACTS / "screenshots"
RECORDS = ARTIFACTS / "axe"
SUMMARY = ARTIFACTS / "axe-summary.json"
# One id for the whole run, shared by the xdist workers, so the summary counts this run only.
RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex

EVERYONE = ("anonymous", "researcher", "custodian")
ACCOUNTS = ("researcher", "custodian")
CUSTODIANS = ("custodian",)
# Admins see the custodians' pages (only the "release hold" button on a held document's
# keeping page differs), so they are not visited separately.


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # {public}, {draft}, {withdrawn}, {entry}, {act}, {case}, {brief} are filled from the sample
    roles: tuple[str, ...] = EVERYONE
    statuses: tuple[int, ...] = (200,)


PAGES = (
    Page("home", "/"),
    Page("documents", "/documents"),
    Page("document", "/documents/{public}"),
    Page("draft", "/documents/{draft}", CUSTODIANS),
    Page("withdrawn", "/documents/{withdrawn}", ("anonymous", "researcher"), (410,)),  # custodians: a draft
    Page("not-found", "/documents/999999", ("anonymous", "custodian"), (404,)),
    Page("case", "/cases/{case}"),
    Page("acts", "/cases/{case}/acts"),
    Page("acts-filtered", "/cases/{case}/acts?act=torture&perpetrator=police"),
    Page("act", "/acts/{act}"),
    Page("search", "/search?q=Kadyrov"),
    Page("search-malformed", "/search?q=%22unclosed+date%3A2017-13", statuses=(200, 400)),
    Page("search-help", "/search/help"),
    Page("timeline", "/timeline"),
    Page("embed-timeline", "/embed/timeline", ("anonymous",)),  # framed on other sites: no header
    Page("entry", "/timeline/entries/{entry}"),
    Page("login", "/login", ("anonymous",)),
    Page("briefs", "/briefs", ACCOUNTS),
    Page("brief", "/briefs/{brief}", ACCOUNTS),
    Page("password", "/account/password", ACCOUNTS),
    Page("tokens", "/account/tokens", ACCOUNTS),
    Page("new-document", "/documents/new", CUSTODIANS),
    Page("edit-document", "/documents/{public}/edit", CUSTODIANS),
    Page("history", "/documents/{public}/history", CUSTODIANS),
    Page("review", "/documents/{draft}/redaction", CUSTODIANS),
    Page("picture-review", "/media/{photo}/picture", CUSTODIANS),
    Page("keeping", "/documents/{public}/keeping", CUSTODIANS),
    Page("retention", "/retention", CUSTODIANS),
    Page("audit", "/audit", CUSTODIANS),
    Page("new-entry", "/timeline/entries/new", CUSTODIANS),
    Page("edit-entry", "/timeline/entries/{entry}/edit", CUSTODIANS),
    Page("suggestions", "/timeline/suggestions", CUSTODIANS),
)

# GET routes that answer something other than an HTML page, so are not visited.
NOT_HTML = {
    "/static/<path:filename>",  # stylesheets, scripts, icons
    "/media/<int:media_id>",  # a document's photo, recording or PDF
    "/media/<int:media_id>/thumbnail",  # its thumbnail image
    "/media/<int:media_id>/original",  # the sealed original, downloaded
    "/media/<int:media_id>/public",  # the public copy of a picture
    "/media/<int:media_id>/pages/<int:number>",  # a page of a scan, as a picture for its review
    "/documents/<int:doc_id>/revisions/<int:number>/received",  # the bytes received, downloaded
    "/briefs/<int:brief_id>/export.<fmt>",  # a brief as a Markdown, HTML or PDF download
    "/timeline/export.<fmt>",  # the timeline as a JSON or CSV download
    "/schemas/timeline-v1.json",  # the JSON export's schema (application/schema+json)
    "/language/<code>",  # sets the language cookie and redirects back
    "/cases/<case>/documents/<doc_slug>",  # permalinks by slug: redirects to the pages above
    "/cases/<case>/timeline/<entry_slug>",
    "/cases/<case>/acts/<act_slug>",
}
API_PREFIX = "/api/"  # every route under it answers JSON or a download for scripts


# The page's language and width; when it is wider than the window, the innermost elements that
# reach beyond it (outside any scrolling box), to say what to fix.
MEASURE = """() => {
  const width = window.innerWidth, beyond = el => el.getBoundingClientRect().right > width + 1;
  const clipped = el => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement)
      if (getComputedStyle(box).overflowX !== 'visible') return true;
    return false;
  };
  const own = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map(c => '.' + c).join('');
  const named = el => el.parentElement && el.parentElement.closest('[id], [class]');
  const name = el => (el.id || el.classList.length || !named(el) ? '' : own(named(el)) + ' ') + own(el);
  const wide = document.documentElement.scrollWidth > width ? [...document.body.querySelectorAll('*')]
    .filter(el => beyond(el) && ![...el.children].some(beyond) && !clipped(el))
    .slice(0, 5).map(el => `${name(el)} to ${Math.round(el.getBoundingClientRect().right)} px`) : [];
  return {url: location.pathname + location.search, lang: document.documentElement.lang,
          scroll_width: document.documentElement.scrollWidth, inner_width: width, too_wide: wide};
}"""


class _Placeholders(dict):
    def __missing__(self, key):
        return "1"


def _rule(app, path: str) -> str | None:
    """The url_map rule a path reaches (None for a path no route takes, like the 404 page)."""
    try:
        rule, _args = app.url_map.bind("localhost").match(path.split("?")[0], "GET", return_rule=True)
    except NotFound:
        return None
    return rule.rule


def test_every_html_route_is_visited(app):
    routes = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}
    html = {rule for rule in routes - NOT_HTML if not rule.startswith(API_PREFIX)}
    reached = {p.path: _rule(app, p.path.format_map(_Placeholders())) for p in PAGES}
    assert html - set(reached.values()) == set(), "GET routes answering HTML that no test visits: add them to PAGES"
    assert NOT_HTML - routes == set(), "routes excluded from the visits that no longer exist"
    assert [path for path, rule in reached.items() if rule is None] == [], "pages that no route answers"


VISITS = [
    pytest.param(view, role, lang, width, id=f"{view.name}-{role}-{lang}-{width}")
    for view in PAGES
    for role in view.roles
    for lang in LANGUAGES
    for width in WIDTHS
]


@pytest.fixture(scope="module")
def site(tmp_path_factory, _corpus_db):
    """The sample case on a live server, with an account for each role, a draft, a withdrawn
    document, a brief and an API token for each account; its ids by name and by role."""
    from werkzeug.serving import make_server

    from archive import create_app
    from archive.services import get_db

    folder = tmp_path_factory.mktemp("every-page")
    databases.create(folder, _corpus_db, keep=True)
    app = create_app({**_config(folder), "SERVER_NAME": None})
    ids = _sample(app)
    server = make_server("127.0.0.1", 0, read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    get_db(app).dispose()


def _sample(app) -> dict:
    from sqlalchemy import select

    from archive.auth.tokens import create_token
    from archive.auth.users import create_user
    from archive.briefs.compose import add_document, add_entry, add_note, create_brief
    from archive.documents.consent import withdraw
    from archive.documents.disposal import set_review_after
    from archive.documents.media import Upload, add_media
    from archive.search.indexing import reindex
    from archive.services import get_db
    from archive.storage.models import Act, Document, TimelineEntry
    from tests.media.photos import photo

    draft = store_document(
        app,
        case="chechnya-2017",
        title="Statement of a detainee's brother (draft)",
        status="draft",
        consent="custodians",
        redaction="pending",
        body="Ruslan Aliev called from +7 928 123-45-67 on 3 April 2017.\n\nHe was held in Argun.\n",
    )
    with app.app_context(), get_db(app).session() as s:
        users = {role: create_user(s, f"a11y-{role}", PASSWORD, role, CLI, "cli") for role in ACCOUNTS}
        custodian = users["custodian"]
        public = s.scalars(select(Document).where(Document.status == "published").order_by(Document.id)).all()
        entry = s.scalars(select(TimelineEntry).order_by(TimelineEntry.id)).first()
        set_review_after(s, public[0], date(2020, 1, 1), custodian, "web")  # due on /retention
        withdraw(s, public[-1], "consent_withdrawn", "asked by phone", custodian, "web")
        ids = {"public": public[0].id, "withdrawn": public[-1].id, "draft": draft, "entry": entry.id}
        ids["act"] = s.scalars(select(Act).order_by(Act.id)).first().id
        image, _faces = photo(7, size=(1200, 900), people=2, smallest=80)
        jpeg = io.BytesIO()
        image.save(jpeg, "JPEG")
        store = app.extensions["archive.media"]
        (ids["photo"],) = [
            m.id for m in add_media(s, s.get(Document, draft), [Upload(jpeg.getvalue())], store, custodian, "web")
        ]
        ids["case"] = "chechnya-2017"
        for role, user in users.items():
            brief = create_brief(s, user, "Submission on Chechnya, 2017", "For the UN Special Rapporteur.", "web")
            add_document(s, brief, user, public[0], "web")
            add_entry(s, brief, user, entry, "web")
            add_note(s, brief, user, "The **denials** came within days.", "web")
            create_token(s, user, "nightly export script", "researcher", user, "web")
            ids[role] = {"brief": brief.id}
        reindex(s, app.extensions["archive.search"], CLI)
    return ids


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make browser` installs it (apt-get install chromium)")
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make browser` installs it (npm ci)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def tabs(site, browser):
    """One browser tab for each role, signed in through the real form (anonymous: never signed
    in), reused for every visit: a page of the same origin in the same tab compiles axe-core
    once, not once per visit (a quarter of a second each). Each tab keeps its console errors."""
    server, _ids = site
    opened = {}
    for role in EVERYONE:
        context = browser.new_context()
        # axe-core is served from this origin (a route Playwright answers with node_modules'
        # copy), so the site's CSP, `script-src 'self'`, stays in force: no bypass_csp needed.
        context.route(server + AXE_URL, lambda route: route.fulfill(path=str(AXE)))
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        if role != "anonymous":
            tab.goto(server + "/login")
            tab.fill("input[name=username]", f"a11y-{role}")
            tab.fill("input[name=password]", PASSWORD)
            tab.click("main form button[type=submit]")
            tab.wait_for_load_state()
            assert "/login" not in tab.url, f"{role} could not sign in"
        opened[role] = (tab, errors)
    yield opened
    for tab, _errors in opened.values():
        tab.context.close()


@pytest.fixture(scope="module")
def summary():
    """Write tests/artifacts/axe-summary.json once the module's visits are done."""
    yield
    _write_summary()


@pytest.mark.parametrize(("view", "role", "lang", "width"), VISITS)
def test_page_is_accessible_in_every_language_and_width(site, tabs, summary, view, role, lang, width):
    server, ids = site
    path = view.path.format_map({**ids, **ids.get(role, {})})
    tab, errors = tabs[role]
    tab.context.add_cookies([{"name": "lang", "value": lang, "url": server}])
    tab.set_viewport_size({"width": width, "height": 900})
    errors.clear()
    started = time.perf_counter()
    response = tab.goto(server + path)
    loaded = time.perf_counter()
    found = _inspect(tab, server)
    checked = time.perf_counter()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{lang}-{width}-{role}-{view.name}.png"), full_page=True)
    found["seconds"] = {"load": loaded - started, "axe": checked - loaded, "screenshot": time.perf_counter() - checked}
    found["status"] = response.status
    # the error page's own status is reported as a failed load; anything else is a real error
    found["console"] = [e for e in errors if f"status of {response.status}" not in e or response.ok]
    _record(view, role, lang, width, path, found)

    problems = []
    if response.status not in view.statuses:
        problems.append(f"answered {response.status} (expected {view.statuses}) at {found['url']}")
    if found["lang"] != lang:
        problems.append(f'<html lang="{found["lang"]}">, expected "{lang}"')
    if found["scroll_width"] > found["inner_width"]:
        wide = ", ".join(found["too_wide"])
        problems.append(f"scrolls sideways: {found['scroll_width']} px wide in a {width} px window ({wide})")
    for v in found["violations"]:
        if v["impact"] in FAILING_IMPACTS:
            nodes = "; ".join(f"{n['target']} {n['html'][:120]}" for n in v["nodes"][:3])
            problems.append(f"axe {v['impact']} {v['id']} ({len(v['nodes'])} nodes): {v['help']}: {nodes}")
    problems += [f"console: {e}" for e in found["console"]]
    assert problems == [], "\n".join(problems)


def _inspect(tab, server: str) -> dict:
    """What the page says of its language and width, and axe-core's violations."""
    found = tab.evaluate(MEASURE)
    tab.add_script_tag(url=server + AXE_URL)
    result = tab.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        AXE_TAGS,
    )
    found["violations"] = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [{"target": " ".join(map(str, n["target"])), "html": n["html"]} for n in v["nodes"]],
        }
        for v in result["violations"]
    ]
    return found


def _record(page: Page, role: str, lang: str, width: int, path: str, found: dict) -> None:
    RECORDS.mkdir(parents=True, exist_ok=True)
    record = {"run": RUN, "page": page.name, "role": role, "lang": lang, "width": width, "path": path, **found}
    (RECORDS / f"{page.name}-{role}-{lang}-{width}.json").write_text(json.dumps(record, ensure_ascii=False))


def _write_summary() -> None:
    """Count this run's violations by impact, per page and per rule (each xdist worker writes
    it as its share ends; the last to finish has seen every visit)."""
    visits = [json.loads(f.read_text()) for f in sorted(RECORDS.glob("*.json"))]
    visits = [v for v in visits if v["run"] == RUN]
    pages: dict[str, dict] = {}
    rules: dict[str, dict] = {}
    for visit in visits:
        counts = pages.setdefault(visit["page"], {"visits": 0, "sideways_scroll": []})
        counts["visits"] += 1
        if visit["scroll_width"] > visit["inner_width"]:
            where = f"{visit['role']}-{visit['lang']}-{visit['width']}"
            counts["sideways_scroll"].append(f"{where}: {visit['scroll_width']} px")
        for v in visit["violations"]:
            counts[v["impact"]] = counts.get(v["impact"], 0) + 1
            rule = rules.setdefault(v["id"], {"impact": v["impact"], "visits": 0, "nodes": 0, "pages": []})
            rule["visits"] += 1
            rule["nodes"] += len(v["nodes"])
            if visit["page"] not in rule["pages"]:
                rule["pages"].append(visit["page"])
    totals: dict[str, int] = {}
    for counts in pages.values():
        for impact in ("critical", "serious", "moderate", "minor"):
            totals[impact] = totals.get(impact, 0) + counts.get(impact, 0)
    version = json.loads((AXE.parent / "package.json").read_text())["version"]
    summary = {"axe_core": version, "tags": AXE_TAGS, "visits": len(visits), "violations_by_impact": totals}
    summary |= {"pages": pages, "rules": rules}
    partial = SUMMARY.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    partial.replace(SUMMARY)
