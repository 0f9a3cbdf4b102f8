"""Keyboard alone, in Debian chromium: sign in, search, open a document and sign out with Tab,
Shift+Tab and Enter, seeing at every step where the focus is; the skip link leads to the page's
content. In both languages: the steps find controls by where they lead, not by their words."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import public_document_and_custodian
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.engine_neutral]  # pages in a browser

# What the focused element looks like: a ring (outline or box-shadow) and a place on screen.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {element: null};
  const style = getComputedStyle(el), box = el.getBoundingClientRect();
  return {
    element: el.outerHTML.slice(0, 160),
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
    on_screen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < window.innerHeight && box.left < window.innerWidth,
    in_main: Boolean(el.closest('main')),
  };
}"""
DOCUMENT_LINK = "el => el.matches('main a') && /^\\/documents\\/\\d+$/.test(el.pathname)"
SIGN_IN_LINK = "el => el.matches('header a') && el.pathname === '/login'"
SEARCH_LINK = "el => el.matches('header a') && el.pathname === '/search'"
SIGN_OUT_BUTTON = "el => el.matches('form[action$=\"/logout\"] button')"


def _focus_is_visible(page) -> dict:
    focused = page.evaluate(FOCUSED)
    if focused["element"] is not None:
        assert focused["ring"], f"no focus ring (outline or box-shadow) on {focused['element']}"
        assert focused["on_screen"], f"the focused element is off screen: {focused['element']}"
    return focused


def _press_until(page, wanted: str, key: str = "Tab", limit: int = 80) -> None:
    """Press `key` until the focused element satisfies `wanted` (a JavaScript predicate),
    checking that each element focused on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        _focus_is_visible(page)
        if page.evaluate(f"({wanted})(document.activeElement)"):
            return
    pytest.fail(f"{key} did not reach {wanted} in {limit} presses")


def _focused_on(page, wanted: str) -> bool:
    return page.evaluate(f"({wanted})(document.activeElement)")


def _skip_to_content(page) -> None:
    """From the top of a freshly loaded page: the first Tab shows the skip link, Enter on it
    moves on to the content, and the next Tab lands inside <main>."""
    page.keyboard.press("Tab")
    skip = _focus_is_visible(page)
    assert skip["element"] is not None and 'class="skip"' in skip["element"], skip
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    assert _focus_is_visible(page)["in_main"], "Tab after the skip link did not land in the content"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_sign_in_search_read_and_sign_out_with_the_keyboard_alone(search_server, page, corpus_app, lang):
    name = "keyboard-custodian"
    public_document_and_custodian(corpus_app, name)
    page.context.add_cookies([{"name": "lang", "value": lang, "url": search_server}])
    page.goto(search_server + "/")
    _skip_to_content(page)

    # sign in: back up to the header's link, then the form (its first field has the focus)
    _press_until(page, SIGN_IN_LINK, "Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/login$"))
    if not _focused_on(page, "el => el.name === 'username'"):
        _press_until(page, "el => el.name === 'username'")
    page.keyboard.type(name)
    _press_until(page, "el => el.name === 'password'")
    page.keyboard.type(PASSWORD)
    _press_until(page, "el => el.matches('main form button[type=submit]')")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)

    # search from the header's link; the search box has the focus, Enter runs the query
    page.keyboard.press("Tab")  # the skip link
    _press_until(page, SEARCH_LINK)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search$"))
    if not _focused_on(page, "el => el.type === 'search'"):
        _press_until(page, "el => el.type === 'search'")
    page.keyboard.type("Kadyrov")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=Kadyrov"))

    # open the first result
    _press_until(page, DOCUMENT_LINK)
    title = page.evaluate("document.activeElement.textContent").strip()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    assert page.locator("main h1").first.inner_text().strip() == title

    # the skip link again, then back from the content to the header's sign-out button
    _skip_to_content(page)
    _press_until(page, SIGN_OUT_BUTTON, "Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator('form[action$="/logout"]')).to_have_count(0)  # no eval: the page's CSP forbids it
    assert page.locator("header a[href='/login']").count() == 1  # signed out
    assert page.evaluate("document.documentElement.lang") == lang
