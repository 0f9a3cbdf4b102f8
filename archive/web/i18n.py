"""Interface language: every user-facing string goes through _() so Russian is a translation."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel, get_translations

LANGUAGES = ("en", "ru")


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=_locale)
    # Templates look the request's translations up once, not for every string: Flask-Babel's
    # own callables find the domain, the context and the locale again each time, a tenth of
    # the timeline page's time (336 strings). The locale never changes within a request here.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def _translations():
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


def _locale() -> str:
    return request.accept_languages.best_match(LANGUAGES) or "en"
