"""The interface in Russian: every wrapped string translated, every shown string wrapped.

Three rules, each a test: (1) every string the code and templates pass to _()/ngettext has a
Russian translation in the catalogue, with the same placeholders and every plural form;
(2) the compiled catalogue the server reads is the one the .po compiles to (made by `make
translations`, never edited); (3) no template shows text to people outside _(): a string
written straight into the HTML would stay English for a Russian reader.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

import archive
from archive.web.i18n import LANGUAGES, TRANSLATIONS

ROOT = Path(archive.__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
METHOD_MAP = [("archive/**.py", "python"), ("templates/**.html", "jinja2")]


def _source_messages() -> dict[str, tuple[str, ...]]:
    """Every msgid the sources pass to a gettext function, with where it is used."""
    found: dict[str, tuple[str, ...]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, options_map={"templates/**.html": {"extensions": ""}}
    ):
        key = message if isinstance(message, str) else message[0]
        if key and not filename.startswith(("tests", ".venv", "benchmarks")):
            found.setdefault(key, (f"{filename}:{lineno}", *((message[1],) if isinstance(message, tuple) else ())))
    return found


@pytest.fixture(scope="module")
def sources():
    return _source_messages()


@pytest.fixture(scope="module", params=[lang for lang in LANGUAGES if lang != "en"])
def catalogue(request):
    po = TRANSLATIONS / request.param / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        return request.param, po, read_po(handle, locale=request.param)


def test_the_sources_wrap_a_substantial_interface(sources):
    assert len(sources) > 300  # the extraction itself works: a broken keyword map finds nothing


def test_every_wrapped_string_has_a_translation(sources, catalogue):
    lang, _po, cat = catalogue
    missing, fuzzy = [], []
    for msgid, (where, *_plural) in sources.items():
        message = cat.get(msgid)
        strings = () if message is None else message.string if isinstance(message.string, tuple) else (message.string,)
        if message is None or not all(strings):
            missing.append(f"{where}: {msgid!r}")
        elif message.fuzzy:
            fuzzy.append(f"{where}: {msgid!r}")
    assert not missing, f"{len(missing)} strings lack a {lang} translation (run `make messages`):\n" + "\n".join(
        missing
    )
    assert not fuzzy, f"{len(fuzzy)} {lang} translations are marked fuzzy (check and unmark them):\n" + "\n".join(fuzzy)


def test_plural_strings_have_every_plural_form(sources, catalogue):
    lang, _po, cat = catalogue
    wrong = []
    for msgid, (_where, *plural) in sources.items():
        message = cat.get(msgid)
        if message is None:
            continue
        if plural and (not message.pluralizable or len(message.string) != cat.num_plurals):
            wrong.append(msgid)
    assert not wrong, f"plural strings without {cat.num_plurals} {lang} forms: {wrong}"


def test_translations_keep_every_placeholder(catalogue):
    lang, _po, cat = catalogue
    wrong = []
    for message in cat:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in filter(None, strings):
            got = set(PLACEHOLDER.findall(text))
            # a Russian singular may spell "one" out for 1 only when the English did not need the number
            if got != wanted and not (len(ids) > 1 and wanted - got <= {"%(num)s"} and got <= wanted):
                wrong.append(f"{ids[0]!r} → {text!r}")
    assert not wrong, f"{lang} translations that lose or add a placeholder:\n" + "\n".join(wrong)


def test_the_compiled_catalogue_is_the_po_compiled(catalogue):
    """The server reads the .mo: it must be `make translations`'s output of today's .po."""
    lang, po, cat = catalogue
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make translations`"
    with mo.open("rb") as handle:
        compiled = read_mo(handle)
    expected = BytesIO()
    write_mo(expected, cat)
    expected.seek(0)
    wanted = read_mo(expected)

    def pairs(catalog):
        return {
            (m.id if isinstance(m.id, str) else tuple(m.id)): (
                m.string if isinstance(m.string, str) else tuple(m.string)
            )
            for m in catalog
            if m.id
        }

    assert pairs(compiled) == pairs(wanted), f"{mo} is older than its .po: run `make translations`"


def test_counted_words_go_through_ngettext(sources):
    """ "1 results" is what _() with a number makes: a count followed by a word is a plural."""
    counted = re.compile(r"^\(?\+?%\((?:n|num|count|more)\)s [a-zа-я]")
    wrong = [
        f"{where}: {msgid!r}" for msgid, (where, *plural) in sources.items() if counted.match(msgid) and not plural
    ]
    assert not wrong, "counts written with _() instead of ngettext():\n" + "\n".join(wrong)


# ---- no unwrapped text in templates -------------------------------------------------------

LETTERS = re.compile(r"[A-Za-zА-Яа-яЁё]{2,}")
# attributes a reader sees or hears (screen readers read aria-label, title and alt)
SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label", "content"}
# words that are the same in every language: names, formats and notations, not sentences
UNTRANSLATED = {
    *("Witness", "Archive", "SHA", "EDTF", "API", "JSON", "CSV", "PDF", "TimelineJS", "Markdown", "UTC"),
    *("Authorization", "Bearer"),  # an HTTP header, written as a script must send it
}


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            shown = name in SHOWN_ATTRIBUTES or (
                name == "value" and tag == "input" and attributes.get("type") in ("submit", "button")
            )
            if name == "content" and tag == "meta" and attributes.get("name") not in ("description",):
                shown = False
            if shown and value and _words(value):
                self.found.append(f'{tag} {name}="{value}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip and _words(data):
            self.found.append(data.strip())


def _words(text: str) -> list[str]:
    return [w for w in LETTERS.findall(text) if w not in UNTRANSLATED]


def _literal_html(source: str) -> str:
    """The template with every {{ }} replaced by "x0" (no word) and every {% %} removed:
    what remains is what the template writes out as it is."""
    out = []
    lexer = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # only lexed, never rendered
    for _line, kind, value in lexer.lex(source):
        if kind == "data":
            out.append(value)
        elif kind == "variable_begin":
            out.append("x0")
    return "".join(out)


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_show_no_unwrapped_text(template):
    finder = _TextFinder()
    finder.feed(_literal_html((TEMPLATES / template).read_text()))
    assert not finder.found, f"{template} shows text outside _(): {finder.found}"


def test_the_unwrapped_text_check_finds_what_it_should():
    finder = _TextFinder()
    finder.feed(
        _literal_html('<p>Hello {{ name }}</p><a title="Open it">{{ _("x") }}</a><button>{{ _("Go") }}</button>')
    )
    assert finder.found == ["Hello x0", 'a title="Open it"']
    quiet = _TextFinder()
    quiet.feed(_literal_html('<script>var a = "text";</script><p>{{ _("Wrapped") }} · SHA-256 → {{ n }}</p>'))
    assert quiet.found == []
