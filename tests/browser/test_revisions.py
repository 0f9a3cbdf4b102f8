"""A custodian corrects a published testimony in a real browser: the correction waits for
review while readers go on seeing the reviewed text; the review publishes it; the history
shows who changed what, why, and the differences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import public_document_and_custodian, sign_in

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]


def test_a_correction_waits_for_review_then_shows_in_the_history(live_server, page, corpus_app):
    name = "browser-keeper"
    doc_id, _title = public_document_and_custodian(corpus_app, name)

    sign_in(page, live_server, name)

    page.goto(f"{live_server}/documents/{doc_id}/edit")
    body = page.get_by_label("Text (Markdown)")
    body.fill(body.input_value() + "\n\nA sentence the witness added in a later interview.\n")
    page.get_by_label("Why this change (kept in the history)").fill("the witness added a detail")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/documents/{doc_id}/redaction$"))
    assert page.get_by_text(re.compile(r"Revision \d+ waits for this review")).is_visible()
    assert "A sentence the witness added" in page.locator("div.original").inner_text()

    reader = page.context.browser.new_context().new_page()  # someone not signed in
    reader.goto(f"{live_server}/documents/{doc_id}")
    assert "A sentence the witness added" not in reader.content()
    reader.context.close()

    page.get_by_role("button", name="Save review").click()
    page.wait_for_url(re.compile(rf"/documents/{doc_id}/redaction$"))
    reader = page.context.browser.new_context().new_page()  # now the reader sees it
    reader.goto(f"{live_server}/documents/{doc_id}")
    assert "A sentence the witness added" in reader.content()
    reader.context.close()
    page.goto(f"{live_server}/documents/{doc_id}/history")
    history = page.locator("ol.history")
    assert "the witness added a detail" in history.inner_text()
    assert page.locator(".diff-add").filter(has_text="A sentence the witness added").count() == 1
    page.screenshot(path=str(ARTIFACTS / "history.png"), full_page=True)
