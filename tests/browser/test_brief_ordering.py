"""Reordering a brief in Debian chromium: by dragging, with the keyboard alone (announced in a
live region), and without JavaScript (a position field: any move in one submit)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import CLI, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser


@pytest.fixture
def brief(corpus_app):
    """A researcher's brief holding three public documents and a note; its URL path and the
    items' ids in order."""
    from sqlalchemy import select

    from archive.auth.users import create_user
    from archive.briefs.compose import add_document, add_note, create_brief
    from archive.services import get_db
    from archive.storage.models import Document

    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        owner = create_user(s, "advocate", PASSWORD, "researcher", CLI, "cli")
        documents = s.scalars(
            select(Document).where(Document.status == "published", Document.consent == "public").order_by(Document.id)
        ).all()[:3]
        made = create_brief(s, owner, "Submission on Chechnya, 2017", "For the UN Special Rapporteur.", "cli")
        items = [add_document(s, made, owner, d, "cli").id for d in documents]
        items.append(add_note(s, made, owner, "The accounts agree.", "cli").id)
        return f"/briefs/{made.id}", items


def _order(page) -> list[int]:
    return [
        int(i)
        for i in page.locator("ol#brief-items > li.brief-item").evaluate_all("els => els.map(e => e.dataset.itemId)")
    ]


def _saved(corpus_app, path: str) -> list[int]:
    from archive.services import get_db
    from archive.storage.models import Brief

    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        return [i.id for i in s.get(Brief, int(path.rsplit("/", 1)[1])).items]


def test_an_item_dragged_by_its_handle_is_saved_in_its_new_place(live_server, page, corpus_app, brief):
    path, ids = brief
    sign_in(page, live_server, "advocate")
    page.goto(live_server + path)
    assert page.locator("#reorder-help-drag").is_visible()  # told about dragging once it works
    handles = page.locator("button.drag-handle")
    assert handles.count() == 4
    with page.expect_response(lambda r: r.url.endswith(path + "/order") and r.request.method == "POST") as answer:
        handles.nth(2).drag_to(page.locator(f"#item-{ids[0]}"), target_position={"x": 20, "y": 5})
    assert answer.value.status == 200
    assert _order(page) == [ids[2], ids[0], ids[1], ids[3]]
    assert "Order saved" in page.locator("#reorder-status").inner_text()
    assert page.input_value(f"#position-{ids[2]}") == "1"  # the fallback fields follow
    assert _saved(corpus_app, path) == [ids[2], ids[0], ids[1], ids[3]]
    page.reload()
    assert _order(page) == [ids[2], ids[0], ids[1], ids[3]]


def test_the_keyboard_grabs_moves_and_drops_an_item_and_each_step_is_announced(live_server, page, corpus_app, brief):
    path, ids = brief
    sign_in(page, live_server, "advocate")
    page.goto(live_server + path)
    status = page.locator("#reorder-status")
    assert status.get_attribute("aria-live") == "assertive"
    handle = page.locator(f"#item-{ids[0]} button.drag-handle")
    handle.focus()
    page.keyboard.press("Space")
    assert handle.get_attribute("aria-pressed") == "true"
    assert re.search(r"Grabbed .+, at position 1 of 4", status.inner_text())
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert "position 3 of 4" in status.inner_text()
    assert page.evaluate("document.activeElement.closest('li').id") == f"item-{ids[0]}"  # focus kept
    with page.expect_response(lambda r: r.url.endswith(path + "/order")):
        page.keyboard.press("Space")
    # Playwright's own assertion waits without evaluating a string (the page's CSP forbids eval)
    expect(status).to_contain_text("Order saved")
    assert _saved(corpus_app, path) == [ids[1], ids[2], ids[0], ids[3]]
    page.screenshot(path=str(ARTIFACTS / "brief-reordered.png"), full_page=True)

    # Escape puts a grabbed item back, and nothing is sent
    handle = page.locator(f"#item-{ids[3]} button.drag-handle")
    handle.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Home")
    assert _order(page)[0] == ids[3]
    page.keyboard.press("Escape")
    assert "Move cancelled" in status.inner_text() and "position 4 of 4" in status.inner_text()
    assert _order(page) == [ids[1], ids[2], ids[0], ids[3]] == _saved(corpus_app, path)


def test_without_javascript_any_move_is_one_submit_and_deleting_asks_for_a_tick(live_server, page, corpus_app, brief):
    path, ids = brief
    context = page.context.browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    plain = context.new_page()
    try:
        sign_in(plain, live_server, "advocate")
        plain.goto(live_server + path)
        assert plain.locator("button.drag-handle").count() == 0
        assert not plain.locator("#reorder-help-drag").is_visible()
        plain.fill(f"#position-{ids[3]}", "1")
        plain.locator(f"#item-{ids[3]}").get_by_role("button", name=re.compile("^Move")).click()
        plain.wait_for_url(re.compile(rf"{path}#item-{ids[3]}$"))
        assert _saved(corpus_app, path) == [ids[3], ids[0], ids[1], ids[2]]
        assert plain.input_value(f"#position-{ids[3]}") == "1"

        # deleting: the browser will not send the form until the box is ticked
        delete = plain.get_by_role("button", name="Delete this brief for good")
        delete.click()
        assert plain.url.endswith(f"{path}#item-{ids[3]}")  # still here, nothing sent
        assert plain.evaluate("document.getElementById('confirm-delete').validity.valueMissing")
        plain.check("#confirm-delete")
        delete.click()
        plain.wait_for_url(re.compile(r"/briefs$"))
        assert "Brief deleted." in plain.content()
    finally:
        context.close()
