"""Web forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from archive.documents.submission import DOCUMENT_FIELDS
from archive.errors import ValidationError
from archive.storage.models import (
    CHANNELS,
    CONSENT_LEVELS,
    ENTRY_KINDS,
    INFORMATION_GRADES,
    REVIEW_STATUSES,
    SOURCE_GRADES,
    SOURCE_TYPES,
)
from archive.web.labels import LABELS, field_name, localised


def show_field_error(form: FlaskForm, name: str, exc: ValidationError) -> None:
    """Put a use case's error under the form field it names, and say the form was not saved."""
    target = getattr(form, name, None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, localised(exc)]
    flash_not_saved(exc)


def flash_not_saved(exc: ValidationError) -> None:
    """Say that nothing was saved, and why (the field and the use case's message)."""
    where = field_name(exc.field)
    flash(_("Not saved: %(error)s", error=f"{where}: {localised(exc)}" if where else localised(exc)), "error")


def choices(values, labels=None, group: str = "") -> list[SelectChoice]:
    """Return select options named from `labels`, else from the label `group`
    (web/labels.py, in the reader's language), else the value with underscores as spaces."""
    named = {**LABELS.get(group, {}), **(labels or {})}  # lazy: named when the form is drawn
    return [SelectChoice(v, named[v] if v in named else v.replace("_", " ")) for v in values]


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1000)])
    password = PasswordField(_l("New password (at least 12 characters)"), validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(), EqualTo("password")])


class DocumentForm(FlaskForm):
    """The fields of a document; the ingest validator checks their content."""

    case = SelectField(_l("Case"), validators=[DataRequired()])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    slug = StringField(_l("Short name for links (letters, digits, -; optional)"), [Optional(), Length(max=120)])
    language = StringField(_l("Language code"), default="en", validators=[DataRequired()])
    published = StringField(_l("Published (EDTF, e.g. 2017-09 or 2017-04-21)"), [Optional()])
    events = StringField(_l("Period of events (EDTF, e.g. 2017-02/2017-04)"), [Optional()])
    places = StringField(_l("Places (comma-separated)"), [Optional()])
    tags = StringField(_l("Tags (comma-separated)"), [Optional()])
    consent = SelectField(_l("Consent"), choices=choices(CONSENT_LEVELS, group="consent"), default="custodians")
    status = SelectField(_l("Review status"), choices=choices(REVIEW_STATUSES, group="status"))
    source_outlet = StringField(_l("Source: outlet"), [Optional(), Length(max=300)])
    source_title = StringField(_l("Source: the original publication's title"), [Optional(), Length(max=500)])
    source_author = StringField(_l("Source: author or organisation"), [Optional()])
    source_url = StringField(_l("Source: URL"), [Optional(), Length(max=2000)])
    source_reported_by = StringField(_l("Source: first reported by (outlet)"), [Optional(), Length(max=300)])
    source_date = StringField(_l("Source: date (EDTF)"), [Optional()])
    source_reliability = TextAreaField(_l("Source: reliability note"), [Optional()])
    source_captured = StringField(_l("Source: day the archived copy was captured (EDTF)"), [Optional()])
    source_archived_sha256 = StringField(
        _l("Source: SHA-256 of the archived copy (web capture, PDF or scan)"), [Optional(), Length(max=64)]
    )
    source_type = SelectField(
        _l("Who speaks"),
        [Optional()],
        choices=choices(("", *SOURCE_TYPES), {"": _l("not yet said")}, "source_type"),
        default="",
    )
    grade_source = SelectField(
        _l("Grading: reliability of the source (required to publish)"),
        choices=choices(("", *SOURCE_GRADES), {"": _l("not graded")}, "grade_source"),
        validators=[Optional()],
        default="",
    )
    grade_information = SelectField(
        _l("Grading: credibility of the information (required to publish)"),
        choices=choices(("", *INFORMATION_GRADES), {"": _l("not graded")}, "grade_information"),
        validators=[Optional()],
        default="",
    )
    grade_note = TextAreaField(_l("Grading: why (shown with the grade)"), [Optional(), Length(max=2000)])
    derived_from = TextAreaField(
        _l("Derived from: one document per line, as short name | translation, summary, reprint or quotation"),
        [Optional()],
    )
    attribution = TextAreaField(_l("Attribution and provenance"), [Optional()])
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired()])
    # Why: kept with the revision, shown in its history (not part of the submission)
    reason = StringField(_l("Why this change (kept in the history)"), [Optional(), Length(max=2000)])
    # The revision the editor read: saving over a newer one is refused (EditConflict).
    revision = HiddenField(validators=[Optional()])
    # Files of a failed save, sealed for this try (documents/held.py): the one-time token.
    held = HiddenField(validators=[Optional()])
    media = MultipleFileField(_l("Attach photos, scans or PDFs (metadata is removed before anything is stored)"))

    def fields_for_ingest(self) -> dict:
        """Return the submission as the ingest validator expects it."""
        # the form's own fields in the submission's names (not media, revision, the CSRF token)
        fields = {f.name: f.data for f in self if f.name in DOCUMENT_FIELDS and f.data}
        fields.pop("derived_from", None)  # lines of text here, a list below
        source = {
            f.name.removeprefix("source_"): f.data
            for f in self
            if f.name.startswith("source_") and f.name != "source_type" and f.data
        }
        if source:
            fields["source"] = source
        grading = {"source": self.grade_source.data, "information": self.grade_information.data}
        grading["note"] = self.grade_note.data
        if any(grading.values()):
            fields["grading"] = {k: v for k, v in grading.items() if v}
        links = [line.split("|") for line in (self.derived_from.data or "").splitlines() if line.strip()]
        if links:
            fields["derived_from"] = [
                {"document": p[0].strip(), "relation": p[1].strip()} if len(p) == 2 else {"document": "|".join(p)}
                for p in links
            ]
        return fields

    def fill_from(self, revision: int, content: dict) -> None:
        """Set the fields from a revision's content (documents/revisions.py): the originals as
        submitted, never the public projection (custodians only)."""
        self.revision.data = str(revision)
        for name in ("case", "kind", "title", "language", "consent", "status", "attribution", "body"):
            getattr(self, name).data = content[name]
        self.slug.data = content["slug"] or ""
        self.published.data = content["published"] or ""
        self.events.data = content["events"] or ""
        self.places.data = ", ".join(content["places"])
        self.tags.data = ", ".join(content["tags"])
        for key, value in content["source"].items():
            getattr(self, f"source_{key}").data = value or ""
        self.source_type.data = content.get("source_type", "")
        grading = content.get("grading") or {}
        self.grade_source.data = grading.get("source", "")
        self.grade_information.data = grading.get("information", "")
        self.grade_note.data = grading.get("note", "")
        self.derived_from.data = "\n".join(f"{slug} | {relation}" for slug, relation in content.get("derived_from", ()))


class EntryForm(FlaskForm):
    """A timeline entry. Lists are one item per line, "slug | text"."""

    case = SelectField(_l("Case"), validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=choices(ENTRY_KINDS, group="entry"), validators=[DataRequired()])
    slug = StringField(_l("Short name (letters, digits, -)"), [Optional(), Length(max=120)])
    date = StringField(
        _l("Date (EDTF: 2017-04-21, 2017-04, 2017~, 2017-02/2017-04, ../2017-06)"),
        validators=[DataRequired(), Length(max=64)],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("What happened or was said (Markdown)"), [Optional()])
    actor = StringField(_l("Actor"), [Optional(), Length(max=300)])
    place = StringField(_l("Place"), [Optional(), Length(max=200)])
    speaker = StringField(_l("Speaker (statements and denials)"), [Optional(), Length(max=300)])
    office = StringField(_l("Speaker's office"), [Optional(), Length(max=300)])
    channel = SelectField(
        _l("Channel"), choices=[SelectChoice("", "—"), *choices(CHANNELS, group="channel")], validators=[Optional()]
    )
    quotation = TextAreaField(_l("Short quotation, word for word as a cited document gives it"), [Optional()])
    paraphrase = TextAreaField(_l("Or what was said, in your own words (a paraphrase)"), [Optional()])
    citations = TextAreaField(_l("Evidence: one per line, document-slug | supporting excerpt"), [DataRequired()])
    stances = TextAreaField(
        _l("Stances: one per line, event-slug | denies, confirms, minimises or justifies"),
        [Optional()],
    )
    conflicts = TextAreaField(
        _l("Conflicting accounts: one per line, document-slug | that source's version"),
        [Optional()],
    )

    def fields_for_entry(self) -> dict:
        fields = {
            name: getattr(self, name).data.strip()
            for name in (
                "case",
                "kind",
                "slug",
                "date",
                "title",
                "description",
                "actor",
                "place",
                "speaker",
                "office",
                "channel",
                "quotation",
                "paraphrase",
            )
            if (getattr(self, name).data or "").strip()
        }
        fields["citations"] = _lines(self.citations.data, "document", "excerpt")
        if stances := _lines(self.stances.data, "event", "stance"):
            fields["stances"] = stances
        if conflicts := _lines(self.conflicts.data, "document", "account"):
            fields["conflicts"] = conflicts
        return fields

    def fill_from(self, entry) -> None:
        for name, value in (
            ("case", entry.case.slug),
            ("kind", entry.kind),
            ("slug", entry.slug or ""),
            ("date", entry.date_edtf),
            ("title", entry.title),
            ("description", entry.description),
            ("actor", entry.actor),
            ("place", entry.place),
            ("speaker", entry.speaker),
            ("office", entry.speaker_office),
            ("channel", entry.channel),
            ("quotation", entry.quotation),
            ("paraphrase", entry.paraphrase),
        ):
            getattr(self, name).data = value
        self.citations.data = "\n".join(f"{c.document.slug} | {c.excerpt}" for c in entry.citations)
        self.stances.data = "\n".join(f"{s.event.slug} | {s.stance}" for s in entry.stances)
        self.conflicts.data = "\n".join(f"{a.document.slug} | {a.account}" for a in entry.accounts)


def _lines(text: str | None, key: str, value: str) -> list[dict]:
    """Parse "slug | text" lines; a line without "|" gives an empty text."""
    items = []
    for line in (text or "").splitlines():
        if line.strip():
            slug, _, rest = line.partition("|")
            items.append({key: slug.strip(), value: rest.strip()})
    return items
