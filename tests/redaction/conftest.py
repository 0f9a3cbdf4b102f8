"""Readable test ids for Russian examples: Cyrillic parameters are shown transliterated."""

from __future__ import annotations

import re

from archive.translit import to_latin

_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def pytest_make_parametrize_id(config, val, argname):
    """Show a Cyrillic string as ASCII (pytest would print \\u escapes), cut to 40 characters."""
    if isinstance(val, str) and _CYRILLIC.search(val):
        latin = "".join(_latin(ch) for ch in val)
        return latin.encode("ascii", "replace").decode()[:40]
    return None


def _latin(ch: str) -> str:
    if ch.isascii():
        return ch
    return to_latin(ch).capitalize() if ch.isupper() else to_latin(ch)
