"""Export a brief as Markdown, HTML or PDF: the items, numbered citations, and an appendix a
reader outside the archive can verify them with.

Everything exported comes from `view_brief` for the exporting reader, so it holds public
text only and nothing beyond that reader's access, whoever exports it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import jinja2
from markupsafe import Markup
from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.briefs.read import BriefView, view_brief
from archive.errors import ArchiveError, NotPermitted
from archive.links import Link
from archive.rendering import render_markdown
from archive.resources import resource_dir
from archive.storage import audit
from archive.storage.models import Brief, User
from archive.storage.unit import unit_of_work

FORMATS = ("md", "html", "pdf")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
REDACTION_NOTE = (
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
) -> bytes:
    """Export the brief as the reader (by default the actor) may see it, and record the
    export against the actor: the command line exports a brief as its owner sees it."""
    if not can(actor, "brief:export", brief):
        raise NotPermitted("only the brief's owner and those it is shared with export it")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    data = export(view_brief(session, brief, reader or actor, link), fmt)
    with unit_of_work(session):
        audit.record(session, actor, via, "brief.export", "brief", brief.id, format=fmt, bytes=len(data))
    return data


def export(view: BriefView, fmt: str, now: datetime | None = None) -> bytes:
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if fmt == "md":
        return to_markdown(view, now).encode()
    if fmt == "html":
        return to_html(view, now).encode()
    if fmt == "pdf":
        return to_pdf(to_html(view, now, for_print=True))
    raise ValueError(f"unknown format {fmt!r}")


def to_markdown(view: BriefView, now: datetime) -> str:
    out = [f"# {_md(view.title)}", ""]
    if view.purpose:
        out += [_md(view.purpose), ""]
    out += [f"*Exported from Witness Archive on {_stamp(now)}.*", ""]
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
            out += [f"**{_md(shown.citation.date)}: {_md(e.title)}** ({e.kind}){ref}", ""]
            if e.description:
                out += [e.description, ""]
    if view.withheld:
        out += [f"*{_withheld(view.withheld)}*", ""]
    out += ["## Citations", ""]
    for c in view.citations:
        out.append(f"{c.number}. {_md(_reference(c))}")
    out += [
        "",
        "## Appendix: verification",
        "",
        f"Retrieved: {_stamp(now)}.",
        "",
        "| # | permalink | SHA-256 of the version cited | custody SHA-256 | cited on | status |",
        "|---|---|---|---|---|---|",
    ]
    for c in view.citations:
        out.append(
            f"| {c.number} | {c.permalink} | `{c.version_sha256}` | "
            f"{'`' + c.custody_sha256 + '`' if c.custody_sha256 else '—'} | "
            f"{c.cited_at.date().isoformat() if c.cited_at else '—'} | {_status(c)} |"
        )
    out += ["", REDACTION_NOTE, ""]
    return "\n".join(out)


def to_html(view: BriefView, now: datetime, for_print: bool = False) -> str:
    return (
        _templates()
        .get_template("brief_export.html")
        .render(
            view=view,
            now=_stamp(now),
            reference=_reference,
            status=_status,
            withheld=view.withheld,
            redaction_note=REDACTION_NOTE,
            for_print=for_print,
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


def _reference(c, with_hash: bool = True) -> str:
    """A citation in one line (the HTML export puts the hash on a line of its own)."""
    parts = [c.source] if c.source else []
    parts.append(f"“{c.title}”")
    parts.append(", ".join(p for p in (c.kind, c.date) if p))
    parts.append(f"{c.case}. Witness Archive, {c.permalink}")
    if with_hash:
        parts.append(f"version SHA-256 {c.version_sha256}")
    return ". ".join(parts) + "."


def _status(c) -> str:
    return "changed since cited" if c.changed else "unchanged"


def _withheld(n: int) -> str:
    items = f"{n} item of this brief is" if n == 1 else f"{n} items of this brief are"
    return f"{items} not included: beyond the exporting reader's access, or no longer here."


def _stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M UTC")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _md(text: str) -> str:
    """Text shown as itself in Markdown, not read as markup."""
    return _MD_SPECIAL.sub(r"\\\1", text)


_env: jinja2.Environment | None = None


def _templates() -> jinja2.Environment:
    global _env
    if _env is None:
        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(resource_dir("templates")),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
        )
        _env.install_null_translations(newstyle=True)
        _env.filters["markdown"] = lambda text: Markup(render_markdown(text))  # noqa: S704
    return _env
