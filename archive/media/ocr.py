"""Text in pictures: Debian's tesseract reads scans and photos of documents, in Russian and
English, word by word with each word's box.

The words are what redaction reviews and search indexes, and their boxes are where a public
copy is burned out. tesseract runs as a separate process within a budget (processes.py); the
pixels reach it through a pipe and its answer comes back the same way, so no page of a
witness's summons is written to a temporary file (pytesseract writes one). It reads with both
languages' models at once by default, which costs no more than one: a page in either language,
or in both, is read whole, then labelled by the share of its letters that are Cyrillic.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image

from archive.errors import MediaRefused
from archive.media.processes import Budget, run, stopped
from archive.media.raster import workable

LANGUAGES = ("rus", "eng")
PACKAGES = "tesseract-ocr tesseract-ocr-rus tesseract-ocr-eng"
INSTALL_HINT = f"install Debian's {PACKAGES} (apt-get install {PACKAGES}; `make run` does it)"
BUDGET = Budget(memory_bytes=2 * 1024**3, cpu_seconds=120, wall_seconds=180.0)  # one page
MAX_PIXELS = 60_000_000  # one page: A3 at 600 dpi is 70 million; such a scan is read at half size
CYRILLIC_SHARE = 0.2  # a page with less of its letters Cyrillic is English, more than 1 - it Russian
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Word:
    """One word as tesseract read it."""

    text: str
    box: tuple[int, int, int, int]  # left, top, width, height, in the image's pixels
    confidence: float  # 0-100
    line: tuple[int, int, int, int]  # (block, paragraph, line, 0): the words of one line share it


@dataclass(frozen=True)
class Page:
    """What tesseract read on one image."""

    width: int
    height: int
    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The words, a line of the page to a line of text (what redaction reads)."""
        return "".join(before + word.text for word, before in self._laid_out())

    def _laid_out(self) -> list[tuple[Word, str]]:
        """Each word with what comes before it in the text: nothing, a space or a new line."""
        out, line = [], None
        for word in self.words:
            out.append((word, "" if line is None else (" " if word.line == line else "\n")))
            line = word.line
        return out

    def words_within(self, spans) -> list[Word]:
        """The words that any of these (start, end) stretches of `text` touches: where a
        redaction of the text is to be burned out of the picture."""
        spans = sorted((start, end) for start, end, *_ in spans if end > start)
        found, at = [], 0
        for word, before in self._laid_out():
            at += len(before)
            start, end = at, at + len(word.text)
            at = end
            if any(a < end and start < b for a, b in spans):
                found.append(word)
        return found

    @property
    def language(self) -> str:
        """ "rus", "eng" or "rus+eng", by the share of the page's letters that are Cyrillic;
        "" for a page with no letters."""
        return language_of(self.text)


def language_of(text: str) -> str:
    """ "rus", "eng" or "rus+eng" by the share of the text's letters that are Cyrillic."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return ""
    share = len(_CYRILLIC.findall(text)) / letters
    if share < CYRILLIC_SHARE:
        return "eng"
    return "rus" if share > 1 - CYRILLIC_SHARE else "rus+eng"


# Cyrillic letters that look Latin, as Latin: a reader may take the one for the other ("на"
# read as "Ha"), so a name is looked for in a reading with both folded alike
_LOOKALIKE = str.maketrans("АВЕКМНОРСТХаеорсухЁё", "ABEKMHOPCTXaeopcyxEe")
_WORD = re.compile(r"[^\W_]+")
MIN_DIGITS = 5  # a term with this many digits or more is looked for by its digits


def fold(text: str) -> str:
    """The text as compared, letter for letter (its length kept, so a place in the one is the
    place in the other): look-alikes folded, lower case, every space a plain space."""
    return "".join(
        " " if c.isspace() else (lower if len(lower := c.lower()) == 1 else c) for c in text.translate(_LOOKALIKE)
    )


def folded_words(text: str) -> list[str]:
    """The text's words as compared: letters and digits only, look-alikes folded, lower case."""
    return [w.lower() for w in _WORD.findall(text.translate(_LOOKALIKE))]


def still_shown(text: str, terms) -> list[str]:
    """Which terms a reading of a picture still shows: a term's words side by side among the
    text's words (folded alike), or, for a number, its digits among the text's digits (a
    reader cuts "+7 (928) 123-45-67" where it likes). Where a redacted name or number of a
    public copy is still read, the copy is not to be published."""
    words = folded_words(text)
    digits = re.sub(r"\D", "", text)
    shown = []
    for term in terms:
        wanted = folded_words(term)
        number = re.sub(r"\D", "", term)
        if len(number) >= MIN_DIGITS:
            if number in digits:
                shown.append(term)
        elif wanted and any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
            shown.append(term)
    return shown


def tool() -> str:
    """The path of tesseract, or a refusal saying how to install it."""
    path = shutil.which("tesseract")
    if path is None:
        raise MediaRefused(f"cannot be read as text: scans need tesseract; {INSTALL_HINT}")
    return path


@lru_cache(maxsize=4)
def _languages(path: str) -> frozenset[str]:
    done = run([path, "--list-langs"], Budget(wall_seconds=30.0), "list its languages")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def missing(languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    """What reading these languages still needs installed: [] when nothing."""
    path = shutil.which("tesseract")
    if path is None:
        return ["tesseract-ocr"]
    have = _languages(path)
    return [f"tesseract-ocr-{language}" for language in languages if language not in have]


def available(languages: tuple[str, ...] = LANGUAGES) -> bool:
    return not missing(languages)


def recognise(image: Image.Image, languages: tuple[str, ...] = LANGUAGES, budget: Budget = BUDGET) -> Page:
    """Read the words of an image (already opened within the archive's limits: raster.py).
    `languages`: the models to read with, both by default; a custodian may choose one."""
    if any(language not in LANGUAGES for language in languages) or not languages:
        raise MediaRefused(f"cannot be read in {'+'.join(languages) or 'no language'}: only rus and eng")
    needed = missing(languages)
    if needed:
        raise MediaRefused(f"cannot be read as text: OCR needs {', '.join(needed)}; {INSTALL_HINT}")
    width, height = image.size
    scale = 1
    while (width // scale) * (height // scale) > MAX_PIXELS:
        scale += 1
    grey = workable(image).convert("L")
    if scale > 1:
        grey = grey.reduce(scale)
    png = io.BytesIO()
    grey.save(png, format="PNG", compress_level=1)
    command = [tool(), "stdin", "stdout", "-l", "+".join(languages), "--psm", "3", "tsv"]
    # one thread: tesseract's OpenMP threads would take the server's other core too
    env = {"PATH": os.environ.get("PATH", ""), "OMP_THREAD_LIMIT": "1", "LC_ALL": "C.UTF-8"}
    done = run(command, budget, "read its text", stdin=png.getvalue(), env=env)
    if done.returncode != 0:
        why = stopped(done, budget, "read its text", "tesseract")
        raise MediaRefused(why or "cannot be read as text (tesseract could not read the image)")
    return Page(width, height, _words(done.stdout.decode("utf-8", "replace"), scale))


def _words(tsv: str, scale: int) -> list[Word]:
    """tesseract's TSV: one row per page, block, paragraph, line and word (level 5); only the
    words with letters or digits are kept. Quotes are text, not quoting."""
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        try:
            box = tuple(int(row[key]) * scale for key in ("left", "top", "width", "height"))
            line = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]), 0)
            confidence = float(row["conf"])
        except (KeyError, TypeError, ValueError):
            continue  # a row cut short: not a word
        words.append(Word(text, box, confidence, line))
    return words
