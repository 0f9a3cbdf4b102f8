"""Export a brief as Markdown, HTML or PDF: the items, numbered citations, and an appendix a
reader outside the archive can verify them with.

Everything exported comes from `view_brief` for the exporting reader, so it holds public
text only and nothing beyond that reader's access, whoever exports it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from gettext import NullTranslations

import jinja2
from markupsafe import Markup
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.briefs.read import BriefView, view_brief
from archive.errors import N_, ArchiveError, NotPermitted
from archive.links import Link
from archive.rendering import render_markdown
from archive.resources import resource_dir
from archive.storage import audit
from archive.storage.models import Brief, User
from archive.storage.unit import unit_of_work
from archive.wording import entry_kind_name, language_of, translations

FORMATS = ("md", "html", "pdf")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
REDACTION_NOTE = N_(
    "Every passage is quoted from the archive's public version of its document: before "
    "anything is published, names of protected people are replaced by consistent pseudonyms "
    "and other identifiers (phone numbers, e-mail addresses, handles, addresses, document "
    "numbers, plates, coordinates) by a bracketed label such as [phone], and a custodian "
    "reviews the result. The version hash is the SHA-256 of that public text (UTF-8) and can be "
    "checked against the archive's copy; the custody hash is the SHA-256 of the submission as "
    "it was received, kept by the archive and not recomputable from the public text."
)


class ExportUnavailable(ArchiveError):
    """The export cannot be produced on this machine (a missing system library)."""


def export_brief(
    session: Session,
    brief: Brief,
    actor: Actor,
    fmt: str,
    link: Link,
    via: str,
    reader: User | None = None,
    locale: str = "en",
) -> bytes:
    """Export the brief as the reader (by default the actor) may see it, in the reader's
    language (`locale`: its headings, dates and kinds; the texts quoted are never translated),
    and record the export against the actor: the command line exports a brief as its owner
    sees it."""
    if not can(actor, "brief:export", brief):
        raise NotPermitted("only the brief's owner and those it is shared with export it")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    data = export(view_brief(session, brief, reader or actor, link, locale), fmt, locale=locale)
    with unit_of_work(session):
        audit.record(session, actor, via, "brief.export", "brief", brief.id, format=fmt, bytes=len(data))
    return data


def export(view: BriefView, fmt: str, now: datetime | None = None, locale: str = "en") -> bytes:
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if fmt == "md":
        return to_markdown(view, now, locale).encode()
    if fmt == "html":
        return to_html(view, now, locale=locale).encode()
    if fmt == "pdf":
        return to_pdf(to_html(view, now, for_print=True, locale=locale))
    raise ValueError(f"unknown format {fmt!r}")


def to_markdown(view: BriefView, now: datetime, locale: str = "en") -> str:
    words = translations(locale)
    _ = words.gettext
    out = [f"# {_md(view.title)}", ""]
    if view.purpose:
        out += [_md(view.purpose), ""]
    out += ["*" + _("Exported from Witness Archive on %(when)s.") % {"when": _stamp(now)} + "*", ""]
    for shown in view.items:
        item, ref = shown.item, f" [{shown.citation.number}]" if shown.citation else ""
        if item.kind == "note":
            out += [shown.text, ""]
        elif item.kind == "quote":
            out += [f"> {_md(shown.text)}{ref}", ""]
        elif item.kind == "document":
            c = shown.citation
            out += [f"**{_md(c.title)}** ({c.kind}{', ' + c.date if c.date else ''}){ref}", ""]
        else:
            e = shown.entry.entry
            out += [f"**{_md(shown.citation.date)}: {_md(e.title)}** ({entry_kind_name(e.kind, locale)}){ref}", ""]
            if e.description:
                out += [e.description, ""]
    if view.withheld:
        out += [f"*{_withheld(view.withheld, words)}*", ""]
    out += ["## " + _("Citations"), ""]
    for c in view.citations:
        out.append(f"{c.number}. {_md(_reference(c, words=words))}")
    columns = (
        "#", _("Permalink"), _("SHA-256 of the version cited"), _("Custody SHA-256"), _("Cited on"), _("Status")
    )  # fmt: skip
    out += [
        "",
        "## " + _("Appendix: verification"),
        "",
        _("Retrieved: %(when)s.") % {"when": _stamp(now)},
        "",
        "| " + " | ".join(columns) + " |",
        "|---|---|---|---|---|---|",
    ]
    for c in view.citations:
        out.append(
            f"| {c.number} | {c.permalink} | `{c.version_sha256}` | "
            f"{'`' + c.custody_sha256 + '`' if c.custody_sha256 else '—'} | "
            f"{c.cited_at.date().isoformat() if c.cited_at else '—'} | {_status(c, words)} |"
        )
    out += ["", _(REDACTION_NOTE), ""]
    return "\n".join(out)


def to_html(view: BriefView, now: datetime, for_print: bool = False, locale: str = "en") -> str:
    words = translations(locale)
    return (
        _templates(locale)
        .get_template("brief_export.html")
        .render(
            view=view,
            now=_stamp(now),
            reference=lambda c, with_hash=True: _reference(c, with_hash, words),
            status=lambda c: _status(c, words),
            entry_kind=lambda kind: entry_kind_name(kind, locale),
            withheld=view.withheld,
            redaction_note=words.gettext(REDACTION_NOTE),
            for_print=for_print,
            lang=language_of(locale),
        )
    )


def to_pdf(html: str) -> bytes:
    from PIL import ImageFile

    try:
        import weasyprint  # noqa: PLC0415 - needs Pango from the system; only PDFs need it
    except OSError as exc:  # the Python package is there, the system library is not
        raise ExportUnavailable(
            "PDF export needs the Pango library (Debian: apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0); Markdown and HTML exports work without it"
        ) from exc
    finally:
        # Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process, so
        # a truncated upload would then load half-decoded instead of being refused. Briefs
        # hold no images; put Pillow's default back.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    """The exported HTML needs nothing from outside; refuse to fetch anything at all."""
    raise ValueError(f"not fetched: {url[:40]}")


def _reference(c, with_hash: bool = True, words: NullTranslations | None = None) -> str:
    """A citation in one line (the HTML export puts the hash on a line of its own)."""
    _ = (words or NullTranslations()).gettext
    parts = [c.source] if c.source else []
    parts.append(f"“{c.title}”")
    parts.append(", ".join(p for p in (c.kind, c.date) if p))
    parts.append(f"{c.case}. {_('Witness Archive')}, {c.permalink}")
    if with_hash:
        parts.append(f"{_('version SHA-256')} {c.version_sha256}")
    return ". ".join(parts) + "."


def _status(c, words: NullTranslations | None = None) -> str:
    _ = (words or NullTranslations()).gettext
    return _("changed since cited") if c.changed else _("unchanged")


def _withheld(n: int, words: NullTranslations | None = None) -> str:
    return (words or NullTranslations()).ngettext(
        "%(num)s item of this brief is not included: beyond the exporting reader's access, or no longer here.",
        "%(num)s items of this brief are not included: beyond the exporting reader's access, or no longer here.",
        n,
    ) % {"num": n}


def _stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M UTC")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _md(text: str) -> str:
    """Text shown as itself in Markdown, not read as markup."""
    return _MD_SPECIAL.sub(r"\\\1", text)


_envs: dict[str, jinja2.Environment] = {}


def _templates(locale: str = "en") -> jinja2.Environment:
    """One environment per language, its catalogue installed (an export runs outside any web
    request, so Flask-Babel's is not there)."""
    language = language_of(locale)
    env = _envs.get(language)
    if env is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(resource_dir("templates")),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(translations(language), newstyle=True)
        env.filters["markdown"] = lambda text: Markup(render_markdown(text))  # noqa: S704
        _envs[language] = env
    return env
