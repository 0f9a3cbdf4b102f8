"""The interface catalogue outside a web request: what the command line and the exports use
to write in the reader's language (the web pages go through Flask-Babel, web/i18n.py).

The catalogue is the one `make translations` compiles (archive/translations); a language it
does not hold, or a catalogue not compiled, gives the English text, never an error.
"""

from __future__ import annotations

from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path

from babel.support import Translations

CATALOGUE = Path(__file__).resolve().parent / "translations"
# the kinds' and entries' names as the catalogue holds them (web/labels.py words them the same)
KIND_WORDS = {"news_report": "news report", "official_statement": "official statement"}
ENTRY_WORDS = {"event": "reported event"}


def language_of(locale: str | None) -> str:
    """The language the catalogue holds for a locale ("ru_RU", "ru-RU" → "ru"); "en" else."""
    language = str(locale or "en").replace("-", "_").split("_")[0].lower()
    return language if language.isalpha() and (CATALOGUE / language).is_dir() else "en"


def translations(locale: str) -> NullTranslations:
    """The catalogue for a language ("ru", "ru_RU", "ru-RU"); English (no translation) else."""
    return _catalogue(language_of(locale))


@lru_cache(maxsize=8)
def _catalogue(language: str) -> NullTranslations:
    """Read once per language the catalogue holds (a request's `?lang=` cannot churn it)."""
    if language == "en":
        return NullTranslations()
    return Translations.load(str(CATALOGUE), [language], domain="messages")


def kind_name(kind: str, locale: str) -> str:
    """A document kind's name in the language ("official statement", "официальное заявление")."""
    return translations(locale).gettext(KIND_WORDS.get(kind, kind.replace("_", " ")))


def entry_kind_name(kind: str, locale: str) -> str:
    """A timeline entry kind's name in the language ("reported event", "denial")."""
    return translations(locale).gettext(ENTRY_WORDS.get(kind, kind))
