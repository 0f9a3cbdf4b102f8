"""Cyrillic ↔ Latin: transliteration and a spelling skeleton that survives both directions.

Names reach the archive in several romanisations (Khamzat, Hamzat, Chamzat; Yunus, Iunus) and
in either script. Two spellings are taken as the same name when their skeletons are equal.
"""

from __future__ import annotations

import re

_CYR_TO_LAT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
}
_LAT_TO_CYR = (
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("tz", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("iu", "ю"),
    ("ju", "ю"),
    ("ya", "я"),
    ("ia", "я"),
    ("ja", "я"),
    ("yo", "ё"),
    ("jo", "ё"),
    ("ye", "е"),
    ("a", "а"),
    ("b", "б"),
    ("c", "к"),
    ("d", "д"),
    ("e", "е"),
    ("f", "ф"),
    ("g", "г"),
    ("h", "х"),
    ("i", "и"),
    ("j", "дж"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("q", "к"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("v", "в"),
    ("w", "в"),
    ("x", "кс"),
    ("y", "й"),
    ("z", "з"),
)
_LAT_PATTERN = re.compile("|".join(re.escape(k) for k, _ in _LAT_TO_CYR))
_LAT_MAP = dict(_LAT_TO_CYR)
# Spelling variants folded together, longest first.
_FOLD = (
    ("shch", "s"), ("sch", "s"), ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("sh", "s"),
    ("ch", "c"), ("ts", "c"), ("tz", "c"), ("you", "u"), ("yu", "u"), ("iu", "u"), ("ya", "a"),
    ("ia", "a"), ("yo", "e"), ("ye", "e"), ("ou", "u"), ("ck", "k"), ("ph", "f"), ("q", "k"),
    ("x", "ks"), ("w", "v"), ("y", "i"),
)  # fmt: skip
_FOLD_PATTERN = re.compile("|".join(re.escape(k) for k, _ in _FOLD))
_FOLD_MAP = dict(_FOLD)
_CYRILLIC = re.compile(r"[а-яё]", re.I)


def is_cyrillic(word: str) -> bool:
    return bool(_CYRILLIC.search(word))


def to_latin(word: str) -> str:
    return "".join(_CYR_TO_LAT.get(ch, ch) for ch in word.lower())


def to_cyrillic(word: str) -> str:
    return _LAT_PATTERN.sub(lambda m: _LAT_MAP[m.group(0)], word.lower())


def skeleton(word: str) -> str:
    """Return a spelling skeleton: the same for Хамзат, Khamzat and Hamzat."""
    latin = to_latin(word.lower().replace("ё", "е")) if is_cyrillic(word) else word.lower()
    latin = re.sub(r"[^a-z]", "", latin)
    folded = _FOLD_PATTERN.sub(lambda m: _FOLD_MAP[m.group(0)], latin)
    return re.sub(r"(.)\1+", r"\1", folded)
