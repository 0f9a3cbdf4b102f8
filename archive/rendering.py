"""Untrusted Markdown to safe HTML: the one way text from documents reaches a page.

Threat: script in a submitted document (raw HTML, javascript: links, event attributes, CSS)
running in a custodian's browser. Markdown renders first, then bleach keeps only the tags,
attributes and URL schemes below (the allowlist approach of Indico's util/string.py). The
Content-Security-Policy (web/security.py) is the second wall.
"""

from __future__ import annotations

import re
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2",
        "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
        "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
MAX_NESTING = 20  # deeper block nesting is flattened: python-markdown recurses per level

_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
_LEADING_MARKERS = re.compile(rf"^((?:\s{{0,3}}(?:>|[-*+]|\d+[.)])\s*){{{MAX_NESTING},}})", re.M)


def _set_link_rel(attrs, new=False):
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"})],
)


def render_markdown(text: str) -> str:
    """Render untrusted Markdown to HTML that keeps only allowlisted tags and links."""
    source = _LEADING_MARKERS.sub(_flatten_markers, text or "")
    html = markdown.markdown(source, extensions=_EXTENSIONS, output_format="html")
    # Headings inside a document start at h2: the page's h1 is the document title.
    html = re.sub(r"<(/?)h1\b", r"<\1h2", html)
    return _cleaner.clean(html)


def _flatten_markers(match: re.Match) -> str:
    # Keep the line's text, drop the nesting beyond the limit: "> > > … text" would otherwise
    # make python-markdown recurse once per marker and exhaust the stack.
    markers = re.findall(r"(?:>|[-*+]|\d+[.)])", match.group(1))
    return " ".join(markers[:MAX_NESTING]) + " "
