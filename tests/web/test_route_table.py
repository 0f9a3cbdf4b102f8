"""Every route, every role: the URL map is checked against a declared permission table.

The table is written here, not read from the application: a new route without an entry fails
`test_every_route_has_an_entry`, and each entry is tried as anonymous, researcher, custodian
and admin. A role below the entry's least role must be refused (401, 403 or 404) and change
nothing; a role at or above it must get through (any answer but 401, 403, 404, 405 or 500).
Routes that name an object are also tried with an object of another audience (another
user's brief, a custodians-only document, its media and timeline entry): always 404.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image

from archive.storage.models import Brief, Derivation
from tests.conftest import CLI, PASSWORD, SETUP, csrf_token
from tests.web.conftest import ROLES

pytestmark = pytest.mark.engine_neutral  # who may use each route: decided before any query

RANK = {role: n for n, role in enumerate(ROLES)}
REFUSED = {401, 403, 404}
NOT_THROUGH = REFUSED | {405, 500}


@dataclass(frozen=True)
class Rule:
    least: str  # the least role that may use the route
    scoped: str = ""  # the object the route names, checked against the reader's audience


# (endpoint, method) -> Rule. Unsafe methods also need a CSRF token (tested below).
TABLE = {
    ("pages.home", "GET"): Rule("anonymous"),
    ("pages.documents", "GET"): Rule("anonymous"),
    ("pages.document", "GET"): Rule("anonymous", "document"),
    ("pages.case", "GET"): Rule("anonymous"),
    ("search.page", "GET"): Rule("anonymous"),
    ("search.api", "GET"): Rule("anonymous"),
    ("search.help_page", "GET"): Rule("anonymous"),
    ("i18n.switch", "GET"): Rule("anonymous"),
    ("timeline.page", "GET"): Rule("anonymous"),
    ("timeline.entry", "GET"): Rule("anonymous", "entry"),
    ("timeline.download", "GET"): Rule("anonymous"),
    ("timeline.embed", "GET"): Rule("anonymous"),
    ("timeline.json_schema", "GET"): Rule("anonymous"),
    ("media.file", "GET"): Rule("anonymous", "media"),
    ("media.thumbnail", "GET"): Rule("anonymous", "media"),
    ("api.cases", "GET"): Rule("anonymous"),
    ("api.documents", "GET"): Rule("anonymous"),
    ("api.document", "GET"): Rule("anonymous", "document"),
    ("api.timeline", "GET"): Rule("anonymous"),
    ("api.timeline_entry", "GET"): Rule("anonymous", "entry"),
    ("login.login", "GET"): Rule("anonymous"),
    ("login.login", "POST"): Rule("anonymous"),
    ("login.logout", "POST"): Rule("anonymous"),
    ("login.password", "GET"): Rule("researcher"),
    ("login.password", "POST"): Rule("researcher"),
    ("login.tokens", "GET"): Rule("researcher"),
    ("login.tokens", "POST"): Rule("researcher"),
    ("login.revoke", "POST"): Rule("researcher", "token"),
    ("briefs.index", "GET"): Rule("researcher"),
    ("briefs.create", "POST"): Rule("researcher"),
    ("briefs.show", "GET"): Rule("researcher", "brief"),
    ("briefs.update", "POST"): Rule("researcher", "brief"),
    ("briefs.share", "POST"): Rule("researcher", "brief"),
    ("briefs.delete", "POST"): Rule("researcher", "brief"),
    ("briefs.reorder", "POST"): Rule("researcher", "brief"),
    ("briefs.download", "GET"): Rule("researcher", "brief"),
    ("briefs.add_item", "POST"): Rule("researcher", "brief"),
    ("briefs.item_action", "POST"): Rule("researcher", "brief"),
    ("briefs_api.index", "GET"): Rule("researcher"),
    ("briefs_api.create", "POST"): Rule("researcher"),
    ("briefs_api.show", "GET"): Rule("researcher", "brief"),
    ("briefs_api.update", "PATCH"): Rule("researcher", "brief"),
    ("briefs_api.delete", "DELETE"): Rule("researcher", "brief"),
    ("briefs_api.download", "GET"): Rule("researcher", "brief"),
    ("briefs_api.add_item", "POST"): Rule("researcher", "brief"),
    ("briefs_api.update_item", "PATCH"): Rule("researcher", "brief"),
    ("briefs_api.remove_item", "DELETE"): Rule("researcher", "brief"),
    ("editing.new_document", "GET"): Rule("custodian"),
    ("editing.new_document", "POST"): Rule("custodian"),
    ("editing.edit_document", "GET"): Rule("custodian", "document"),
    ("editing.edit_document", "POST"): Rule("custodian", "document"),
    ("api.create_document", "POST"): Rule("custodian"),
    ("api.create_timeline_entry", "POST"): Rule("custodian"),
    ("api.update_timeline_entry", "PUT"): Rule("custodian", "entry"),
    ("media.upload", "POST"): Rule("custodian", "document"),
    ("media.api_upload", "POST"): Rule("custodian", "document"),
    ("media.original", "GET"): Rule("custodian", "media"),
    ("pictures.review", "GET"): Rule("custodian", "media"),
    ("pictures.decide", "POST"): Rule("custodian", "media"),
    ("pictures.add_text", "POST"): Rule("custodian", "media"),
    ("pictures.read_again", "POST"): Rule("custodian", "media"),
    ("pictures.public", "GET"): Rule("custodian", "media"),
    ("pictures.page", "GET"): Rule("custodian", "media"),
    ("pictures.api_review", "GET"): Rule("custodian", "media"),
    ("pictures.api_decide", "POST"): Rule("custodian", "media"),
    ("review.review", "GET"): Rule("custodian", "document"),
    ("review.review", "POST"): Rule("custodian", "document"),
    ("review.history", "GET"): Rule("custodian", "document"),
    ("review.received", "GET"): Rule("custodian", "document"),
    ("review.add_identity", "POST"): Rule("custodian"),
    ("review.add_public", "POST"): Rule("custodian"),
    ("timeline_editing.new_entry", "GET"): Rule("custodian"),
    ("timeline_editing.new_entry", "POST"): Rule("custodian"),
    ("timeline_editing.edit_entry", "GET"): Rule("custodian", "entry"),
    ("timeline_editing.edit_entry", "POST"): Rule("custodian", "entry"),
    ("timeline_editing.suggestions", "GET"): Rule("custodian"),
    ("timeline_editing.dismiss", "POST"): Rule("custodian"),
    ("audit.log", "GET"): Rule("custodian"),
    ("keeping.page", "GET"): Rule("custodian", "document"),
    ("keeping.record", "POST"): Rule("custodian", "document"),
    ("keeping.withdraw", "POST"): Rule("custodian", "document"),
    ("keeping.place_hold", "POST"): Rule("custodian", "document"),
    ("keeping.release_hold", "POST"): Rule("admin", "document"),
    ("derivations.decide", "POST"): Rule("custodian", "document"),
    ("keeping.retention", "POST"): Rule("custodian", "document"),
    ("keeping.delete", "POST"): Rule("custodian", "document"),
    ("keeping.due", "GET"): Rule("custodian"),
    ("acts.case_acts", "GET"): Rule("anonymous"),
    ("acts.act", "GET"): Rule("anonymous", "act"),
    ("acts.api_case_acts", "GET"): Rule("anonymous"),
    ("acts.api_act", "GET"): Rule("anonymous", "act"),
    ("acts.api_save_act", "POST"): Rule("custodian"),
    ("acts.api_remove_act", "DELETE"): Rule("custodian", "act"),
    ("permalinks.document", "GET"): Rule("anonymous", "document"),
    ("permalinks.entry", "GET"): Rule("anonymous", "entry"),
    ("permalinks.act", "GET"): Rule("anonymous", "act"),
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# routes that remove what later requests name: each gets a brief of its own
DESTRUCTIVE = {("briefs.delete", "POST"), ("briefs_api.delete", "DELETE"), ("briefs_api.remove_item", "DELETE")}


def _routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_entry(app):
    routes = _routes(app)
    assert routes - set(TABLE) == set(), "routes without a permission entry"
    assert set(TABLE) - routes == set(), "entries for routes that no longer exist"


@pytest.fixture
def world(app, make_document, make_user):
    """A user per role (with a brief and an item each), and objects inside and beyond every
    audience: a public and a custodians-only document, each with an image and an entry."""
    from archive.auth.tokens import create_token
    from archive.briefs.compose import add_note, create_brief
    from archive.documents.media import MediaStore, Upload, add_media
    from archive.services import get_db, media_store
    from archive.storage import queries
    from archive.storage.models import DateSuggestion, User
    from archive.timeline.entries import create_entries, validate_entry

    app.config["LOGIN_RATE_LIMIT"] = "100000 per minute"
    app.config["VAULT_KEY"] = "q0eUfjt7-Ko6MVBmEC4_Q5Lu2YCGNvBy5IUFxKXx7Wc="  # originals kept
    app.extensions["archive.media"] = MediaStore.from_config(app.config)
    ids = {
        "public": make_document(slug="open", title="Open", body="In April 2017 men were held.\n"),
        "hidden": make_document(
            slug="closed", title="Closed", consent="custodians", body="Only custodians read this.\n"
        ),
    }
    for role in ROLES[1:]:
        make_user(role, f"{role}-r")
    make_user("researcher", "stranger")
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, "PNG")
    world = {"brief": {}, "item": {}, "token": {}}
    with app.test_request_context(), get_db(app).session() as s:
        case = queries.get_case(s, "test-case")
        for key in ("public", "hidden"):
            document = queries.document_by_slug(s, case.id, "open" if key == "public" else "closed")
            (media,) = add_media(s, document, [Upload(image.getvalue())], media_store(), SETUP, "cli")
            world[f"media_{key}"] = media.id
            fields = {
                "slug": f"entry-{key}",
                "case": "test-case",
                "kind": "event",
                "date": "2017-04",
                "title": f"Entry {key}",
                "citations": [{"document": document.slug, "excerpt": ""}],
            }
            (entry,) = create_entries(s, case, [(key, validate_entry(fields, key))], CLI, "cli")
            world[f"entry_{key}"] = entry.id
            world[f"act_{key}"] = _act(s, case, document, key)
        for name in ("researcher-r", "custodian-r", "admin-r", "stranger"):
            owner = s.query(User).filter_by(username=name).one()
            brief = create_brief(s, owner, f"Brief of {name}", "", "cli")
            world["item"][name] = add_note(s, brief, owner, "A note.", "cli").id
            world["brief"][name] = brief.id
            world["token"][name] = create_token(s, owner, "script", "researcher", owner, "cli")[0].id
        world["suggestion"] = s.query(DateSuggestion).first().id
        public = queries.document_by_slug(s, case.id, "open")
        hidden = queries.document_by_slug(s, case.id, "closed")
        for key, (document, original) in {"public": (public, hidden), "hidden": (hidden, public)}.items():
            link = Derivation(
                document_id=document.id, from_document_id=original.id, relation="reprint", state="proposed"
            )
            s.add(link)
            s.flush()
            world[f"link_{key}"] = link.id
        s.commit()
    world.update(ids)
    return world


def _act(session, case, document, key: str) -> int:
    from archive.violations.acts import save_acts, validate_act

    fields = {
        "slug": f"act-{key}",
        "case": case.slug,
        "type": "arbitrary_detention",
        "date": "2017-04",
        "summary": f"Act {key}",
        "sources": [{"document": document.slug, "excerpt": ""}],
    }
    (act,) = save_acts(session, case, [(key, validate_act(fields, key))], CLI, "cli")
    return act.id


def _fresh_act(app, world) -> None:
    """A public act again, for a route that removes one."""
    from archive.services import get_db
    from archive.storage import queries

    with app.app_context(), get_db(app).session() as s:
        case = queries.get_case(s, "test-case")
        world["act_public"] = _act(s, case, queries.document_by_slug(s, case.id, "open"), "public")


def _fresh_brief(app, world, user: str) -> None:
    """Give the user a new brief with one item, for a route that deletes one."""
    from archive.briefs.compose import add_note, create_brief
    from archive.services import get_db
    from archive.storage.models import User

    with app.app_context(), get_db(app).session() as s:
        owner = s.query(User).filter_by(username=user).one()
        brief = create_brief(s, owner, "A brief to delete", "", "cli")
        world["item"][user] = add_note(s, brief, owner, "A note.", "cli").id
        world["brief"][user] = brief.id


def _args(world, rule: Rule, user: str, beyond: bool, endpoint: str = "") -> dict:
    """Route arguments naming the user's own objects, or objects beyond the user's reach."""
    mine = "stranger" if beyond or user not in world["brief"] else user
    return {
        "doc_id": world["hidden" if beyond else "public"],
        "media_id": world["media_hidden" if beyond else "media_public"],
        "entry_id": world["entry_hidden" if beyond else "entry_public"],
        "brief_id": world["brief"][mine],
        "item_id": world["item"][mine],
        "suggestion_id": world["suggestion"],
        "link_id": world["link_hidden" if beyond else "link_public"],
        "act_id": world["act_hidden" if beyond else "act_public"],
        "token_id": world["token"]["stranger" if beyond else mine],
        "slug": "test-case",
        "case": "test-case",
        "doc_slug": "closed" if beyond else "open",
        "entry_slug": "entry-hidden" if beyond else "entry-public",
        "act_slug": "act-hidden" if beyond else "act-public",
        "fmt": "json" if endpoint.startswith("timeline.") else "md",
        "action": "refresh",
        "number": 1,  # a document's first revision
        "code": "ru",  # the language switch
    }


def _call(app, role: str, endpoint: str, method: str, args: dict, with_csrf: bool = True):
    """One request, from a fresh client signed in as the role (some routes sign out)."""
    client = app.test_client()
    user = f"{role}-r"
    if role != "anonymous":
        page = client.get("/login")
        signed = client.post(
            "/login", data={"username": user, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
        )
        assert signed.status_code == 302
    with app.test_request_context():
        from flask import url_for

        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        url = url_for(endpoint, **{k: v for k, v in args.items() if k in rule.arguments})
    headers, data = {}, None
    if method in UNSAFE and with_csrf:
        token = csrf_token(client.get("/login").text)
        headers["X-CSRFToken"] = token
        data = {"csrf_token": token, "brief_id": str(args["brief_id"])}
    response = client.open(url, method=method, data=data, headers=headers)
    response.get_data()  # read it all (a media file is streamed), then let go of the file
    response.close()
    return response


@pytest.mark.parametrize("role", ROLES)
def test_each_route_admits_exactly_the_roles_its_entry_names(app, world, role):
    wrong = []
    for (endpoint, method), rule in sorted(TABLE.items()):
        allowed = RANK[role] >= RANK[rule.least]
        if (endpoint, method) in DESTRUCTIVE and role != "anonymous":
            _fresh_brief(app, world, f"{role}-r")
        args = _args(world, rule, f"{role}-r", False, endpoint)
        response = _call(app, role, endpoint, method, args)
        if (endpoint, method) in DESTRUCTIVE and role != "anonymous":
            _fresh_brief(app, world, f"{role}-r")  # what later routes name is there again
        if endpoint == "acts.api_remove_act" and response.status_code == 204:
            _fresh_act(app, world)
        if allowed and response.status_code in NOT_THROUGH:
            wrong.append(f"{method} {endpoint}: {response.status_code}, expected through")
        if not allowed and response.status_code not in REFUSED:
            wrong.append(f"{method} {endpoint}: {response.status_code}, expected refused")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_objects_beyond_the_readers_audience_are_not_found(app, world, role):
    wrong = []
    for (endpoint, method), rule in sorted(TABLE.items()):
        if not rule.scoped or RANK[role] < RANK[rule.least]:
            continue
        if rule.scoped != "brief" and role in ("custodian", "admin"):
            continue  # custodians see every document, its media and its entries
        response = _call(app, role, endpoint, method, _args(world, rule, f"{role}-r", True, endpoint))
        if response.status_code != 404:
            wrong.append(f"{method} {endpoint}: {response.status_code} for another audience")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


def test_every_unsafe_route_needs_a_csrf_token(app, world):
    """As an admin (who may do everything), without the token: refused, nothing changed."""
    from archive.services import get_db

    wrong = []
    for (endpoint, method), rule in sorted(TABLE.items()):
        if method not in UNSAFE:
            continue
        args = _args(world, rule, "admin-r", False, endpoint)
        response = _call(app, "admin", endpoint, method, args, with_csrf=False)
        if response.status_code != 400 or "not sent from this site" not in response.text:
            wrong.append(f"{method} {endpoint}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    with app.app_context(), get_db(app).session() as s:
        assert s.query(Brief).count() == 4  # nothing created or deleted
