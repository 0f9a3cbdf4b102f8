"""What a search in one script does not find, said plainly.

Words are matched as written, stemmed in their own script: `torture` finds English text and
never `пытки`. Only names and places cross scripts (a capitalised word's script-neutral key:
Kadyrov finds Кадыров). A reader who types Latin letters into an archive that also holds
Russian documents is told so, and, when the query's letters carried over into the other
script (archive/translit.py) find something, is offered that query: Russian typed on a Latin
keyboard (`zaderzhan` → `задержан`), a name spelt in the other script.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from archive.translit import is_cyrillic, to_cyrillic, to_latin

# Languages written in Cyrillic letters (ISO 639-1, and 639-2/3 where there is no 639-1)
CYRILLIC_LANGUAGES = frozenset(
    {"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn", "tt", "ba", "cv", "os", "ce", "inh", "av"}
)
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
# A word of the query that is not a field's name (`kind:`) or value (`:testimony`)
_FREE_WORD = re.compile(r"(?<![\w:])[^\W\d_]+(?![\w:])")
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


@dataclass(frozen=True)
class ScriptHint:
    script: str  # "latin" or "cyrillic": the letters the query's words are in
    languages: tuple[str, ...]  # codes of the languages the reader may find, in the other script
    transliterated: str | None  # the query in the other script's letters, when that finds something


def query_script(q: str) -> str | None:
    """ "latin" or "cyrillic" when every word of the query (not its operators, field names or
    values) is in that script; None for none, or a mixture."""
    scripts = {_script(word) for word in _words(q)} - {None}
    return scripts.pop() if len(scripts) == 1 else None


def transliterate(q: str, script: str) -> str:
    """The query with its words' letters carried over from `script` into the other one;
    operators, field names and values stay as written."""
    convert = to_cyrillic if script == "latin" else to_latin

    def carry(match: re.Match) -> str:
        word = match.group(0)
        return word if word in _OPERATORS or _script(word) != script else convert(word)

    return _FREE_WORD.sub(carry, q)


def cross_script_hint(q: str, languages: Iterable[str], finds: Callable[[str], bool]) -> ScriptHint | None:
    """The hint for a query in one script when the reader may find documents in `languages`
    written in the other; `finds(query)` says whether a query finds anything for this reader."""
    script = query_script(q)
    if script is None:
        return None
    other = tuple(sorted(code for code in set(languages) if (code in CYRILLIC_LANGUAGES) == (script == "latin")))
    if not other:
        return None
    carried = transliterate(q, script)
    return ScriptHint(script, other, carried if carried != q and finds(carried) else None)


def _words(q: str) -> list[str]:
    return [w for w in _FREE_WORD.findall(q or "") if w not in _OPERATORS]


def _script(word: str) -> str | None:
    if is_cyrillic(word):
        return None if _LATIN.search(word) else "cyrillic"
    return "latin" if _LATIN.search(word) else None
