"""A custodian records a witness's consent and then withdraws the testimony in a real browser:
the consent narrows who sees it at once, the withdrawal takes it from a reader who had it open,
and the reader is told when and why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import public_document_and_custodian, sign_in

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]


def test_consent_then_withdrawal_through_the_keeping_page(live_server, page, corpus_app):
    name = "browser-keeper"
    doc_id, title = public_document_and_custodian(corpus_app, name)

    reader = page.context.browser.new_context().new_page()  # someone not signed in, reading it
    reader.goto(f"{live_server}/documents/{doc_id}")
    assert reader.get_by_role("heading", name=title).is_visible()

    sign_in(page, live_server, name)
    page.goto(f"{live_server}/documents/{doc_id}")
    page.get_by_role("link", name="Consent and keeping").click()
    page.wait_for_url(re.compile(rf"/documents/{doc_id}/keeping$"))

    page.get_by_label(re.compile("^Given by")).fill("the witness, by phone")
    page.get_by_label("Given on").fill("2017-05-02")
    page.get_by_label(re.compile(r"publication \(")).check()
    page.get_by_label(re.compile(r"research \(")).check()
    page.get_by_label("Obtained by").fill("field worker B")
    page.get_by_role("button", name="Record consent").click()
    page.wait_for_url(re.compile(rf"/documents/{doc_id}/keeping$"))
    assert "the witness, by phone" in page.locator("#consent-in-force").inner_text()

    page.locator("#withdraw-reason").select_option("consent_withdrawn")
    page.locator("#withdraw-note").fill("She asked on the phone on 3 May")
    page.get_by_role("button", name="Withdraw now").click()
    page.wait_for_url(re.compile(rf"/documents/{doc_id}/keeping$"))
    assert page.get_by_text("Withdrawn: no reader sees it any more").is_visible()
    page.screenshot(path=str(ARTIFACTS / "keeping.png"), full_page=True)

    response = reader.reload()
    assert response.status == 410
    text = reader.locator("main").inner_text()
    assert re.search(r"withdrawn on \d{4}-\d\d-\d\d: its source withdrew consent", text)
    assert title not in reader.content() and "3 May" not in reader.content()
    reader.context.close()
