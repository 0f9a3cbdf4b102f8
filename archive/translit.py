"""Cyrillic ↔ Latin: transliteration and a spelling skeleton that survives both directions.

Names reach the archive in several romanisations (Khamzat, Hamzat, Chamzat; Yunus, Iunus) and
in either script. Two spellings are taken as the same name when their skeletons are equal.
"""

from __future__ import annotations

import re
import unicodedata

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
_CYRILLIC = re.compile(r"[а-яёіїєґў]", re.I)


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


# -- for search: every common romanisation read back, and a script-neutral spelling ---------------

# ISO 9 and scholarly letters, as the digraphs the readings below know
_DIACRITICS = str.maketrans(
    {"ž": "zh", "č": "ch", "š": "sh", "ŝ": "shch", "û": "yu", "â": "ya", "ë": "yo", "è": "e", "ʹ": "", "ʺ": "", "’": ""}
)
# Romanisations whose letters mean other sounds than in English (BGN/PCGN, ICAO 9303 and the
# newspapers' spellings are read by the English table above): German (Gorbatschow, Schamil,
# Jurij, Solowjow) and French (Gorbatchev, Chamil, Iouri, Gouseïnov).
_GERMAN = (("schtsch", "щ"), ("tsch", "ч"), ("sch", "ш"), ("ch", "х"), ("ja", "я"), ("ju", "ю"),
           ("jo", "ё"), ("je", "е"), ("j", "й"), ("w", "в"), ("z", "ц"))  # fmt: skip
_FRENCH = (("chtch", "щ"), ("tch", "ч"), ("ch", "ш"), ("dj", "дж"), ("j", "ж"), ("iou", "ю"), ("ou", "у"),
           ("io", "ё"), ("kh", "х"))  # fmt: skip
# ISO 9 and the scholarly system: j is й, c is ц, h is х (Coj, Zajcev, Mashadov = Масхадов)
_SCHOLARLY = (("j", "й"), ("c", "ц"), ("h", "х"), ("sh", "сх"), ("kh", "кх"), ("zh", "зх"), ("ch", "цх"))
# German writes з as s too (Ramsan, Selimchan, Nasran): a second German reading, ss for с
_GERMAN_VOICED = (*_GERMAN, ("ss", "с"), ("s", "з"))
# Letters a spelling in Latin cannot tell apart, made one: й and ы as и, ь and ъ dropped, ё and
# э as е (Гусейнов, Guseinov and Gusejnov; Шамиль and Shamil; Грозный and Groznyi).
# Ukrainian and Belarusian letters as their Russian neighbours (Харків, Луганськ).
_NEUTRAL = str.maketrans(
    {"й": "и", "ы": "и", "ь": "", "ъ": "", "ё": "е", "э": "е", "і": "и", "ї": "и", "є": "е", "ґ": "г", "ў": "у"}
)


def _reader(table: tuple) -> tuple[re.Pattern, dict]:
    merged = dict(_LAT_TO_CYR) | dict(table)
    keys = sorted(merged, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys)), merged


_READERS = [(_LAT_PATTERN, _LAT_MAP), _reader(_GERMAN), _reader(_GERMAN_VOICED), _reader(_FRENCH), _reader(_SCHOLARLY)]


def latin_letters(word: str) -> str:
    """A Latin word lower-cased, ISO 9's letters as digraphs (ž → zh), other accents removed."""
    spelled = word.lower().translate(_DIACRITICS)
    if spelled.isascii():
        return spelled
    return "".join(c for c in unicodedata.normalize("NFKD", spelled) if not unicodedata.combining(c))


def reading(word: str) -> str:
    """The first of readings(): a Latin word read as an English-style romanisation."""
    if is_cyrillic(word):
        return word.lower()
    return _LAT_PATTERN.sub(lambda m: _LAT_MAP[m.group(0)], latin_letters(word))


def readings(word: str) -> list[str]:
    """A Latin word read back into Cyrillic as each common romanisation would have written it
    (English-style first), without repeats; a Cyrillic word is its own one reading."""
    if is_cyrillic(word):
        return [word.lower()]
    latin = latin_letters(word)
    found = [pattern.sub(lambda m, table=table: table[m.group(0)], latin) for pattern, table in _READERS]
    return list(dict.fromkeys(found))


def neutral(cyrillic: str) -> str:
    """The letters Latin spellings cannot tell apart made one (see _NEUTRAL)."""
    return cyrillic.lower().translate(_NEUTRAL)
