"""Untrusted Markdown to safe HTML: the one way text from documents reaches a page.

Threat: script in a submitted document (raw HTML, javascript: links, event attributes, CSS)
running in a custodian's browser. Markdown renders first, then bleach keeps only the tags,
attributes and URL schemes below (the allowlist approach of Indico's util/string.py). The
Content-Security-Policy (web/security.py) is the second wall.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Mapping
from functools import lru_cache, partial

import bleach
import markdown
from bleach import html5lib_shim
from bleach.linkifier import LinkifyFilter

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
MAX_NESTING = 20  # deeper block nesting is flattened: python-markdown recurses per level
# python-markdown scans forward from every '[' and '<' for a closing bracket, so a paragraph of
# thousands of them takes quadratic time (10,000 '[' ≈ 10 s). A paragraph with more than this
# many is rendered with them escaped, as plain text; real paragraphs stay far below it.
MAX_BRACKETS_PER_BLOCK = 32
# python-markdown's inline pass costs time in proportion to a block's length times its number of
# matches; a block longer than this is shown as plain text (a real paragraph is far shorter).
MAX_BLOCK_CHARS = 8000

_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
_BLOCKS = re.compile(r"\n[ \t]*\n")
_LEADING_MARKERS = re.compile(rf"^((?:\s{{0,3}}(?:>|[-*+]|\d+[.)])\s*){{{MAX_NESTING},}})", re.M)


class _SafeLinks(html5lib_shim.Filter):
    """Give every link rel="nofollow noopener noreferrer": no referrer, no borrowed authority."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                token["data"][(None, "rel")] = _REL
                href = token["data"].get((None, "href"))
                if href is not None and not _plain_href(href):
                    del token["data"][(None, "href")]
            yield token


def _plain_href(href: str) -> bool:
    """Allow a relative link, or an absolute one with an allowed scheme; nothing in between.

    bleach lets through values such as ":" or ":x" (an empty scheme); browsers read them as
    relative paths today, but an href that merely looks like a scheme has no business here.
    """
    compact = re.sub(r"[\x00-\x20]", "", href)
    scheme, colon, _rest = compact.partition(":")
    if not colon or "/" in scheme:  # no colon, or only inside a path ("/a:b")
        return True
    return scheme.lower() in ALLOWED_PROTOCOLS


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = _REL
    return attrs


_REL = "nofollow noopener noreferrer"
_COMMON = {
    "tags": ALLOWED_TAGS,
    "attributes": ALLOWED_ATTRIBUTES,
    "protocols": ALLOWED_PROTOCOLS,
    "strip": True,
    "strip_comments": True,
}
_cleaner = bleach.Cleaner(**_COMMON, filters=[_SafeLinks])
# Bare URLs become links too, except in text with many '(' where bleach's linkify pattern
# takes quadratic time (20,000 '(' ≈ 5 s).
_linkifying_cleaner = bleach.Cleaner(
    **_COMMON,
    filters=[_SafeLinks, partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
)


def markdown_text(text: str) -> str:
    """The words a reader sees of this Markdown, on one line: plain_text(render_markdown(text)).

    Text with no `<`, no `&` and no control character holds no HTML of its own, so what Markdown
    makes of it is Markdown's own tags only, which bleach would keep or remove, never turn into
    other words: its words are read without the sanitiser (html5lib's parse of every block was
    half of a search snippet's time). Any other text takes the page's whole path, without
    making links of addresses (which changes no word)."""
    text = text or ""
    if _NOT_PLAIN.search(text):
        return plain_text(render_markdown(text, linkify=False))
    simple = [_simple_words(block) for block in _BLOCKS.split(text)]
    if None not in simple:
        return " ".join(words for words in simple if words)
    parts, run = [], []
    for block in _BLOCKS.split(_LEADING_MARKERS.sub(_flatten_markers, text)):
        if len(block) > MAX_BLOCK_CHARS:  # shown as it is (render_markdown)
            parts += [_words_of_run(run), collapse_space(block)]
            run = []
        else:
            run.append(_defuse(block))
    parts.append(_words_of_run(run))
    return " ".join(p for p in parts if p)


_NOT_PLAIN = re.compile(r"[<&\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


# Text Markdown passes through as it is: no character of inline markup anywhere, and no line
# that could begin a block of another kind (heading, list, quote, code, fence, rule, table,
# setext underline); the same text, as a heading of one line or a list of one-line items.
_INLINE_MARKUP = re.compile(r"[\\`*_\[\]|]")
_BLOCK_START = re.compile(r"\s|[#>=+~-]|\d+[.)]|$")
_HEADING = re.compile(r"#{1,6}[ \t]*([^#]*?)[ \t]*")
_ITEM = re.compile(r"[-+] (\S.*)")  # (a "* " item has a star, which _INLINE_MARKUP refuses)


def _simple_words(block: str) -> str | None:
    """The words of one block when Markdown would change none of them but its heading or item
    marks, without running Markdown (a third of a search snippet's time); None otherwise."""
    if len(block) > MAX_BLOCK_CHARS or _INLINE_MARKUP.search(block):
        return None
    lines = block.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) == 1 and (heading := _HEADING.fullmatch(lines[0])):
        lines = [heading.group(1)] if heading.group(1) else []
    elif all(_ITEM.fullmatch(line) for line in lines):
        lines = [_ITEM.fullmatch(line).group(1) for line in lines]
    if any(_BLOCK_START.match(line) for line in lines):
        return None
    return collapse_space(" ".join(lines))


def _words_of_run(blocks: list[str]) -> str:
    return plain_text(_converter().reset().convert("\n\n".join(blocks))) if blocks else ""


def render_markdown(text: str, linkify: bool = True) -> str:
    """Render untrusted Markdown to HTML that keeps only allowlisted tags and links; bare
    addresses become links unless `linkify` is False (for text only: the words are the same,
    and finding the addresses was a third of the rendering's time)."""
    source = _LEADING_MARKERS.sub(_flatten_markers, text or "")
    parts, run = [], []
    for block in _BLOCKS.split(source):
        if len(block) > MAX_BLOCK_CHARS:
            # Plain text outside Markdown and bleach altogether (both slow down on such blocks);
            # html.escape makes it safe on its own.
            parts += [_render_run(run, linkify), f"<p>{html.escape(block)}</p>"]
            run = []
        else:
            run.append(_defuse(block))
    parts.append(_render_run(run, linkify))
    return "\n".join(p for p in parts if p)


CACHED_CHARS = 4000  # texts up to this long are rendered once per process ...
_CACHED_TEXTS = 4096  # ... and this many of them kept


@lru_cache(maxsize=_CACHED_TEXTS)
def _render_short(text: str) -> str:
    return render_markdown(text)


def render_markdown_cached(text: str) -> str:
    """render_markdown(text), remembered for short texts that pages show again and again
    (timeline descriptions, brief notes): rendering them was a third of the timeline's time."""
    return _render_short(text) if text and len(text) <= CACHED_CHARS else render_markdown(text)


_local = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's Markdown converter: building one costs more than converting a paragraph
    (a page of 5,000 timeline entries spent a third of its time there)."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    return converter


def _render_run(blocks: list[str], linkify: bool = True) -> str:
    if not blocks:
        return ""
    rendered = _converter().reset().convert("\n\n".join(blocks))
    # Headings inside a document start at h2: the page's h1 is the document title.
    rendered = re.sub(r"<(/?)h1\b", r"<\1h2", rendered)
    text_parens = sum(block.count("(") for block in blocks)
    cleaner = _linkifying_cleaner if linkify and text_parens <= MAX_BRACKETS_PER_BLOCK * 8 else _cleaner
    return cleaner.clean(rendered)


# A cross-reference: another document's (or entry's) slug in backticks, `like-this`, which
# Markdown makes <code>like-this</code>. Stored as code; linked when a page is shown
# (web/pages.py), for that reader only, so a link never outlives the target's visibility.
# Links and preformatted blocks are passed over: no link inside a link, code stays code.
_REFERENCE = re.compile(
    r"(<a\b.*?</a>|<pre\b.*?</pre>)|<code>((?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)+)</code>",
    re.S,
)


def reference_slugs(rendered: str) -> set[str]:
    """The slugs written as cross-references in HTML from render_markdown."""
    return {m[2] for m in _REFERENCE.finditer(rendered) if m[2]}


def link_references(rendered: str, targets: Mapping[str, tuple[str, str]]) -> str:
    """Make each cross-reference a link to its target, the target's title on hover (`targets`:
    slug → (href, title), only what the reader may open); any other stays its slug, as plain
    text: a slug naming something hidden and one naming nothing look the same. The link's text
    stays the slug, as the stored text has it, so a passage selected across it can be quoted."""

    def swap(match: re.Match) -> str:
        if match[1]:
            return match[1]
        slug = match[2]
        if slug not in targets:
            return slug  # [a-z0-9-] only: nothing to escape
        href, title = targets[slug]
        return f'<a class="xref" href="{html.escape(href)}" title="{html.escape(title)}">{slug}</a>'

    return _REFERENCE.sub(swap, rendered)


def plain_text(rendered: str) -> str:
    """The words a reader sees in HTML from render_markdown, with runs of white space made one
    space: what quoted passages are matched against and counted in."""
    return collapse_space(html.unescape(_TAGS.sub("", _BLOCK_TAGS.sub(" ", rendered))))


def collapse_space(text: str) -> str:
    return " ".join(text.split())


# render_markdown's output has no comments, scripts or CDATA: a tag is <...>. Block tags part
# words (a heading and the paragraph after it); inline ones do not ("<em>weeks</em>.").
_BLOCK_TAGS = re.compile(
    r"</?(?:p|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|pre|div|table|thead|tbody|tr|td|th|br|hr)\b[^>]*>"
)
_TAGS = re.compile(r"<[^>]*>")


def _defuse(block: str) -> str:
    if block.count("[") > MAX_BRACKETS_PER_BLOCK:
        block = block.replace("[", "\\[").replace("]", "\\]")
    if block.count("<") > MAX_BRACKETS_PER_BLOCK:
        block = block.replace("<", "&lt;")
    return block


def _flatten_markers(match: re.Match) -> str:
    # Keep the line's text, drop the nesting beyond the limit: "> > > … text" would otherwise
    # make python-markdown recurse once per marker and exhaust the stack.
    markers = re.findall(r"(?:>|[-*+]|\d+[.)])", match.group(1))
    return " ".join(markers[:MAX_NESTING]) + " "
