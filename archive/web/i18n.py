"""Interface language: every user-facing string goes through _() so Russian is a translation."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

LANGUAGES = ("en", "ru")


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=_locale)


def _locale() -> str:
    return request.accept_languages.best_match(LANGUAGES) or "en"
