"""Interface language: every user-facing string goes through _() so Russian is a translation.

The reader's language is the one they picked with the switch in the page header (a cookie,
kept a year), else the best match for their browser's Accept-Language, else English. Only
the interface is translated: documents are shown in the language they were written in.
The catalogue is archive/translations/ru/LC_MESSAGES/messages.po, compiled to messages.mo
by `make` (the `translations` target) whenever it changes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Flask, Response, g, redirect, request
from flask_babel import Babel, get_locale, get_translations, gettext

from archive.citations import Words
from archive.dates import display_date
from archive.web.labels import label

LANGUAGES = ("en", "ru")
# Each language named in itself, so a reader who cannot read the current one finds theirs.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

bp = Blueprint("i18n", __name__)
log = logging.getLogger("archive.web")


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=_locale, default_translation_directories=str(TRANSLATIONS))
    _warn_when_not_compiled()
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
    app.jinja_env.globals.update(
        current_language=current_language,
        language_names=LANGUAGE_NAMES,
        label=label,
    )
    app.add_template_filter(lambda edtf: display_date(edtf, current_language()), "fuzzy_date")
    app.after_request(_vary)
    app.register_blueprint(bp)


def current_language() -> str:
    """The request's interface language: "en" or "ru"."""
    found = g.get("_language")
    if found is None:
        found = g._language = str(get_locale() or "en")
    return found


@bp.get("/language/<code>")
def switch(code: str):
    """Remember the reader's choice and send them back to the page they were on."""
    back = request.args.get("next", "/")
    if not _local_path(back):
        back = "/"
    response = redirect(back, code=303)
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE,
            code,
            max_age=COOKIE_MAX_AGE,
            samesite="Lax",
            secure=request.is_secure,
            httponly=True,
        )
    return response


def _local_path(target: str) -> bool:
    """Only a path on this site: never `//other.site`, a scheme, or a backslash trick."""
    return target.startswith("/") and not target.startswith("//") and "\\" not in target and "\n" not in target


def _translations():
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


def _locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _vary(response: Response) -> Response:
    """The same URL answers in either language: caches must key on what chose it."""
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response


def _warn_when_not_compiled() -> None:
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            log.warning(
                "the %s catalogue is not compiled or is older than its .po: run `make translations`",
                po.parent.parent.name,
            )


def citation_words() -> Words:
    """What a citation needs to be written in the reader's language, read today."""
    return Words(
        locale=current_language(),
        _=gettext,
        kind_name=lambda kind: label("kind", kind),
        speaks_name=lambda code: label("source_type", code),
        accessed=datetime.now(UTC).date(),
    )
