"""A brief's page and the "Add to brief" controls of other pages: fields one under another,
deleting set apart and confirmed, any reorder in one submit (or one POST from a script),
duplicates flagged, the way back to the item added, hints and plurals."""

from __future__ import annotations

import re

import lxml.html
import pytest

from archive.services import get_db
from archive.storage.models import AuditEntry, Brief, User
from tests.conftest import CLI, csrf_token, login

BODY = "The men were held for two weeks at the station.\n\nLater they were released in April.\n"
JSON = {"Accept": "application/json"}


@pytest.fixture
def world(app, make_document, make_user):
    """Three public accounts, a timeline entry citing the first, and two researchers."""
    from archive.storage import queries
    from archive.timeline.entries import create_entries, validate_entry

    docs = [make_document(slug=f"account-{n}", title=f"Account {n}", body=BODY) for n in range(3)]
    with app.app_context(), get_db(app).session() as s:
        fields = {
            "slug": "held",
            "case": "test-case",
            "kind": "event",
            "date": "2017-04",
            "title": "Men held at the station",
            "citations": [{"document": "account-0", "excerpt": "held for two weeks"}],
        }
        (entry,) = create_entries(
            s, queries.get_case(s, "test-case"), [("held", validate_entry(fields, "t"))], CLI, "cli"
        )
        entry_id = entry.id
    make_user("researcher", "advocate")
    make_user("researcher", "newcomer")
    return {"docs": docs, "entry": entry_id}


@pytest.fixture
def advocate(client, world):
    login(client, "advocate")
    return client


def _token(client) -> str:
    return csrf_token(client.get("/briefs").text)


def _brief(client, title: str = "For the rapporteur", purpose: str = "") -> int:
    made = client.post("/briefs", data={"title": title, "purpose": purpose, "csrf_token": _token(client)})
    assert made.status_code == 302, made.text
    return int(made.location.rsplit("/", 1)[1])


def _add(client, brief: int, kind: str, **fields):
    data = {"csrf_token": _token(client), "brief_id": brief, "kind": kind, **fields}
    return client.post("/briefs/items", data=data)


def _items(app, brief: int) -> list[tuple[str, int | None]]:
    """The brief's items in order, as (kind, document or entry id)."""
    with app.app_context(), get_db(app).session() as s:
        return [(i.kind, i.document_id or i.entry_id) for i in s.get(Brief, brief).items]


def _item_ids(app, brief: int) -> list[int]:
    with app.app_context(), get_db(app).session() as s:
        return [i.id for i in s.get(Brief, brief).items]


def _page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.text), response.text


def _filled(client, app, world) -> int:
    """A brief holding the three accounts and a note, in that order."""
    brief = _brief(client)
    for doc in world["docs"]:
        _add(client, brief, "document", document_id=doc, next="/timeline")
    _add(client, brief, "note", text="Both say two weeks.")
    return brief


# -- the page's forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/briefs", ("brief-title", "brief-purpose")),
        ("/briefs/{brief}", ("edit-title", "edit-purpose", "share-with", "new-note")),
    ],
)
def test_each_field_has_a_line_of_its_own_under_its_label(advocate, url, fields):
    """Title and purpose were crammed on one line: label, input, label, textarea inline."""
    brief = _brief(advocate)
    tree, _ = _page(advocate, url.format(brief=brief))
    for name in fields:
        (control,) = tree.xpath(f'//*[@id="{name}"]')
        field = control.getparent()
        assert "field" in field.get("class", "").split(), f"{name} is not in a field of its own"
        assert field.xpath(f'./label[@for="{name}"]'), f"{name} has no label above it"
        assert len(field.xpath("./input | ./textarea | ./select")) == 1


def test_the_note_box_is_large(advocate):
    brief = _brief(advocate)
    tree, _ = _page(advocate, f"/briefs/{brief}")
    (note,) = tree.xpath('//textarea[@id="new-note"]')
    assert int(note.get("rows")) >= 8


def test_deleting_a_brief_is_set_apart_and_needs_a_tick(app, advocate):
    brief = _brief(advocate)
    tree, html = _page(advocate, f"/briefs/{brief}")
    (zone,) = tree.xpath('//section[contains(@class, "danger-zone")]')
    assert zone.xpath('.//form[contains(@action, "/delete")]//button[contains(@class, "danger")]')
    (tick,) = zone.xpath('.//input[@type="checkbox"][@name="confirm"]')
    assert tick.get("required") is not None  # the browser asks for it, no script needed
    assert not tree.xpath('//section[contains(@class, "brief-settings")]//form[contains(@action, "/delete")]')
    # without the tick (an old page, a browser that ignores `required`): nothing deleted
    refused = advocate.post(f"/briefs/{brief}/delete", data={"csrf_token": _token(advocate)})
    assert refused.status_code == 302 and refused.location.endswith(f"/briefs/{brief}#delete-h")
    assert "tick the box" in advocate.get(f"/briefs/{brief}").text
    deleted = advocate.post(f"/briefs/{brief}/delete", data={"csrf_token": _token(advocate), "confirm": "yes"})
    assert deleted.status_code == 302 and deleted.location.endswith("/briefs")
    assert advocate.get(f"/briefs/{brief}").status_code == 404


# -- ordering -------------------------------------------------------------------------------


def test_any_move_is_one_submit(app, advocate, world):
    """Up and down moved an item one step per page load; a position field moves it anywhere."""
    brief = _filled(advocate, app, world)
    ids = _item_ids(app, brief)
    tree, _ = _page(advocate, f"/briefs/{brief}")
    (field,) = tree.xpath(f'//input[@id="position-{ids[3]}"]')
    assert field.get("type") == "number" and field.get("value") == "4" and field.get("max") == "4"
    assert tree.xpath(f'//label[@for="position-{ids[3]}"]')
    moved = advocate.post(
        f"/briefs/{brief}/items/{ids[3]}/move", data={"csrf_token": _token(advocate), "position": "1"}
    )
    assert moved.status_code == 302 and moved.location.endswith(f"#item-{ids[3]}")
    assert _item_ids(app, brief) == [ids[3], ids[0], ids[1], ids[2]]
    advocate.post(f"/briefs/{brief}/items/{ids[3]}/move", data={"csrf_token": _token(advocate), "position": "99"})
    assert _item_ids(app, brief) == ids  # beyond the end: last


def test_a_new_order_is_saved_by_one_post_with_the_token(app, advocate, world):
    brief = _filled(advocate, app, world)
    ids = _item_ids(app, brief)
    tree, html = _page(advocate, f"/briefs/{brief}")
    (items,) = tree.xpath('//ol[@id="brief-items"]')
    assert items.get("data-order-url") == f"/briefs/{brief}/order"
    assert tree.xpath('//*[@id="reorder-status"][@aria-live]')
    assert '<script src="/static/brief.js"' in html and "/static/briefs.css" in html
    assert " style=" not in html and "<script>" not in html  # the CSP allows neither
    wanted = [ids[2], ids[0], ids[3], ids[1]]
    saved = advocate.post(
        f"/briefs/{brief}/order",
        data={"csrf_token": _token(advocate), "order": ",".join(map(str, wanted))},
        headers=JSON,
    )
    assert saved.status_code == 200 and saved.json == {"order": wanted}
    assert _item_ids(app, brief) == wanted
    with app.app_context(), get_db(app).session() as s:
        entry = s.query(AuditEntry).filter_by(action="brief.reorder").one()
        assert entry.object_id == brief and entry.via == "web"
    # a form post (no script asking for JSON) comes back to the brief
    back = advocate.post(
        f"/briefs/{brief}/order", data={"csrf_token": _token(advocate), "order": ",".join(map(str, ids))}
    )
    assert back.status_code == 302 and _item_ids(app, brief) == ids
    # and without the token, nothing
    forged = advocate.post(f"/briefs/{brief}/order", data={"order": ",".join(map(str, wanted))}, headers=JSON)
    assert forged.status_code == 400 and _item_ids(app, brief) == ids


@pytest.mark.parametrize("order", ["", "1,2", "{0},{0},{1},{2}", "{0},{1},{2},{3},999", "a,b", "{0};{1};{2};{3}"])
def test_an_order_that_is_not_every_item_once_is_refused(app, advocate, world, order):
    brief = _filled(advocate, app, world)
    ids = _item_ids(app, brief)
    refused = advocate.post(
        f"/briefs/{brief}/order", data={"csrf_token": _token(advocate), "order": order.format(*ids)}, headers=JSON
    )
    assert refused.status_code == 400 and refused.json["error"].startswith("order:")
    assert _item_ids(app, brief) == ids


def test_only_the_owner_reorders(app, advocate, world, client):
    brief = _filled(advocate, app, world)
    ids = _item_ids(app, brief)
    advocate.post(f"/briefs/{brief}/share", data={"csrf_token": _token(advocate), "shared_with": "newcomer"})
    login(client, "newcomer")
    tree, html = _page(client, f"/briefs/{brief}")
    assert not tree.xpath("//ol[@data-order-url]") and "brief.js" not in html and "danger-zone" not in html
    refused = client.post(
        f"/briefs/{brief}/order", data={"csrf_token": _token(client), "order": ",".join(map(str, ids[::-1]))}
    )
    assert refused.status_code == 403 and _item_ids(app, brief) == ids


# -- duplicates ---------------------------------------------------------------------------


def test_the_same_document_added_twice_is_flagged_when_added_and_on_the_page(app, advocate, world):
    brief = _brief(advocate)
    doc = world["docs"][0]
    _add(advocate, brief, "document", document_id=doc, next="/timeline")
    first = advocate.get("/timeline").text
    assert "already cited" not in first
    _add(advocate, brief, "document", document_id=doc, next="/timeline")
    again = advocate.get("/timeline").text
    assert "This document was already cited in this brief as item 1; it is now item 2 as well." in again
    tree, html = _page(advocate, f"/briefs/{brief}")
    marks = [m.text_content().strip() for m in tree.xpath('//p[@class="duplicate-mark"]')]
    assert marks == ["Duplicate: item 2 cites the same document.", "Duplicate: item 1 cites the same document."]
    assert len(tree.xpath('//li[contains(@class, "duplicate")]')) == 2
    assert "2 items cite the same thing as another item" in html


def test_the_same_passage_and_the_same_entry_are_duplicates_too(app, advocate, world):
    brief = _brief(advocate)
    doc = world["docs"][0]
    for _ in range(2):
        _add(advocate, brief, "quote", document_id=doc, text="held  for two weeks", next=f"/briefs/{brief}")
        _add(advocate, brief, "entry", entry_id=world["entry"], next="/timeline")
    flashed = advocate.get("/timeline").text
    assert "This timeline entry was already in this brief as item 2; it is now item 4 as well." in flashed
    # not duplicates: another passage of the same document, the document cited whole, notes
    _add(advocate, brief, "quote", document_id=doc, text="released in April", next=f"/briefs/{brief}")
    _add(advocate, brief, "document", document_id=doc, next=f"/briefs/{brief}")
    _add(advocate, brief, "note", text="Same words.")
    _add(advocate, brief, "note", text="Same words.")
    tree, _ = _page(advocate, f"/briefs/{brief}")
    marks = [m.text_content().strip() for m in tree.xpath('//p[@class="duplicate-mark"]')]
    assert marks == [
        "Duplicate: item 3 quotes the same passage.",
        "Duplicate: item 4 cites the same timeline entry.",
        "Duplicate: item 1 quotes the same passage.",
        "Duplicate: item 2 cites the same timeline entry.",
    ]


def test_the_api_names_an_items_duplicate(app, advocate, world):
    brief = _brief(advocate)
    headers = {"X-CSRFToken": _token(advocate)}
    body = {"kind": "document", "document_id": world["docs"][1]}
    advocate.post(f"/api/v1/briefs/{brief}/items", json=body, headers=headers)
    added = advocate.post(f"/api/v1/briefs/{brief}/items", json=body, headers=headers)
    first, second = added.json["brief"]["items"]
    assert first["duplicate_of"] == second["id"] and second["duplicate_of"] == first["id"]
    assert added.json["duplicate_of"] == first["id"]


def test_a_list_says_what_the_readers_briefs_already_hold(app, advocate, world):
    brief = _brief(advocate, title="Submission")
    _add(advocate, brief, "entry", entry_id=world["entry"], next="/timeline")
    _add(advocate, brief, "entry", entry_id=world["entry"], next="/timeline")
    html = advocate.get("/timeline").text
    assert "Already cited 2 times in “Submission”." in html


# -- the way back, hints, menus ------------------------------------------------------------


def test_adding_comes_back_to_the_place_it_was_added_from(app, advocate, world):
    brief = _brief(advocate)
    doc, entry = world["docs"][1], world["entry"]
    from_search = _add(advocate, brief, "document", document_id=doc, next="/search?q=account")
    assert from_search.location == f"/search?q=account#add-document-{doc}"
    from_timeline = _add(advocate, brief, "entry", entry_id=entry, next="/timeline?case=test-case#top")
    assert from_timeline.location == f"/timeline?case=test-case#add-entry-{entry}"
    from_document = _add(
        advocate,
        brief,
        "quote",
        document_id=doc,
        text="released in April",
        next=f"/documents/{doc}",
        anchor="brief-add-h",
    )
    assert from_document.location == f"/documents/{doc}#brief-add-h"
    hostile = _add(advocate, brief, "document", document_id=doc, next="/search", anchor='x" onclick="1')
    assert hostile.location == f"/search#add-document-{doc}"
    refused = _add(
        advocate, brief, "quote", document_id=doc, text="not in it", next=f"/documents/{doc}", anchor="brief-add-h"
    )
    assert refused.location == f"/documents/{doc}#brief-add-h"  # the reason, where the form is
    # the button the anchor names is there to land on
    tree, _ = _page(advocate, "/timeline")
    assert tree.xpath(f'//button[@id="add-entry-{entry}"][@form="brief-add"]')


def test_counts_say_one_item_not_one_items(app, advocate, world):
    brief = _brief(advocate, title="Submission")
    _add(advocate, brief, "document", document_id=world["docs"][0], next=f"/briefs/{brief}")
    html = advocate.get(f"/briefs/{brief}").text
    assert "Added to “Submission” (1 item)." in html and "1 items" not in html
    assert re.search(r"\b1 item\.", html)
    assert "1 item" in advocate.get("/briefs").text
    _add(advocate, brief, "document", document_id=world["docs"][1], next=f"/briefs/{brief}")
    assert "Added to “Submission” (2 items)." in advocate.get(f"/briefs/{brief}").text


def test_a_long_brief_title_is_shortened_in_the_menus(app, advocate, world):
    long = " ".join(["Submission to the Special Rapporteur on Chechnya"] * 6)[:300]
    _brief(advocate, title=long)
    tree, _ = _page(advocate, "/timeline")
    (option,) = tree.xpath('//select[@id="brief-add-brief"]/option')
    assert len(option.text_content()) <= 61 and option.text_content().endswith("…")
    assert option.get("title") == long


def _macro(app, username: str, call: str) -> str:
    """Render one of _brief_add.html's macros for a signed-in user, as a page including it would."""
    from flask import render_template_string
    from flask_login import login_user

    with app.test_request_context("/search"):
        from archive.services import get_session

        login_user(get_session().query(User).filter_by(username=username).one())
        return render_template_string(
            '{% from "_brief_add.html" import brief_add_form, document_brief_form with context %}' + call,
            doc=type("Doc", (), {"id": 1})(),
        )


@pytest.mark.parametrize("call", ['{{ brief_add_form("document") }}', "{{ document_brief_form(doc) }}"])
def test_a_reader_who_may_make_briefs_but_has_none_is_told_how(app, world, make_user, call):
    hint = _macro(app, "advocate", call)
    tree = lxml.html.fromstring(f"<div>{hint}</div>")
    (link,) = tree.xpath('//p[contains(@class, "brief-hint")]/a')
    assert link.get("href") == "/briefs#new-h" and link.text_content().startswith("Start a brief")
    assert not tree.xpath("//select")
    make_user("custodian", "keeper")
    assert "brief-hint" in _macro(app, "keeper", call)


def test_the_hint_is_not_shown_to_anyone_who_may_not_make_briefs(app, world, client):
    from flask import render_template_string

    with app.test_request_context("/search"):
        html = render_template_string(
            '{% from "_brief_add.html" import brief_add_form with context %}{{ brief_add_form("document") }}'
        )
    assert "brief-hint" not in html and "<form" not in html
