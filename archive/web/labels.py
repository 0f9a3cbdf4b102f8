"""Names for the archive's stored codes, in the reader's language.

Records keep codes (`news_report`, `in_review`, `denies`); people read names. Every place
that shows a code shows `label(group, code)`, so a Russian reader never meets an internal
value and a new code without a name still reads as words, not as `snake_case`.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

LABELS = {
    "kind": {
        "testimony": _l("testimony"),
        "news_report": _l("news report"),
        "official_statement": _l("official statement"),
    },
    "status": {"draft": _l("draft"), "in_review": _l("in review"), "published": _l("published")},
    "picture": {
        "clear": _l("nothing found to hide"),
        "undecided": _l("waiting for a custodian's decision: readers get nothing of it"),
        "obscured": _l("public copy obscured"),
        "shown": _l("shown as it is, for a recorded reason"),
        "withheld": _l("withheld from readers"),
    },
    "picture_choice": {
        "obscured": _l("Obscure: faces pixelated under noise, drawn regions and redacted words burned out"),
        "shown": _l("Show the faces (give the reason below); drawn regions and redacted words are still burned out"),
        "withheld": _l("Withhold: readers get nothing of this file"),
    },
    "consent": {
        "public": _l("public"),
        "researchers": _l("researchers only"),
        "custodians": _l("custodians only"),
    },
    "entry": {
        "event": _l("reported event"),
        "denial": _l("denial"),
        "statement": _l("statement"),
        "response": _l("response"),
    },
    "stance": {
        "denies": _l("denies"),
        "confirms": _l("confirms"),
        "minimises": _l("minimises"),
        "justifies": _l("justifies"),
    },
    "channel": {
        "press_conference": _l("press conference"),
        "interview": _l("interview"),
        "official_release": _l("official release"),
        "speech": _l("speech"),
        "social_media": _l("social media"),
        "parliament": _l("parliament"),
        "other": _l("other"),
    },
    "role": {"researcher": _l("researcher"), "custodian": _l("custodian"), "admin": _l("administrator")},
    "finding": {
        "thumbnail": _l("thumbnail"),
        "location": _l("location"),
        "free_text": _l("free text"),
        "people": _l("people"),
        "device": _l("device"),
        "time": _l("time"),
        "software": _l("software"),
        "other": _l("other"),
    },
    "act": {
        "arbitrary_detention": _l("arbitrary detention"),
        "torture": _l("torture or ill-treatment"),
        "killing": _l("killing"),
        "death_in_custody": _l("death in custody"),
        "enforced_disappearance": _l("enforced disappearance"),
        "threats": _l("threats"),
        "forced_outing": _l("forced outing"),
        "extortion": _l("extortion"),
        "incitement": _l("incitement to violence by officials"),
        "sought_help": _l("sought help"),
        "evacuation": _l("brought to safety"),
    },
    "perpetrator": {
        "institution": _l("institution"),
        "unit": _l("unit"),
        "official": _l("official"),
        "group": _l("unnamed private persons"),
    },
    "act_stance": {"supports": _l("supports"), "disputes": _l("disputes")},
    "reason": {
        "consent_withdrawn": _l("consent withdrawn"),
        "source_request": _l("source's request"),
        "safety": _l("safety"),
        "legal_order": _l("legal order"),
        "error": _l("published in error"),
    },
    "removal": {"withdrawn": _l("withdrawn"), "deleted": _l("deleted")},
    "item": {"document": _l("document"), "quote": _l("quotation"), "entry": _l("timeline entry"), "note": _l("note")},
    "field": {
        "title": _l("Title"),
        "body": _l("Text"),
        "kind": _l("Kind"),
        "case": _l("Case"),
        "language": _l("Language"),
        "consent": _l("Consent"),
        "status": _l("Review status"),
        "published": _l("Published"),
        "events": _l("Events described"),
        "places": _l("Places"),
        "tags": _l("Tags"),
        "media": _l("Files"),
        "reason": _l("Reason"),
        "date": _l("Date"),
        "source": _l("Source"),
        "source.outlet": _l("Outlet"),
        "source.author": _l("Author"),
        "source.url": _l("Address (URL)"),
        "source.date": _l("Source date"),
        "source.title": _l("Title of the publication"),
        "source.captured": _l("Copy captured"),
        "source.archived_sha256": _l("SHA-256 of the archived copy"),
        "source.reported_by": _l("First reported by"),
        "source.reliability": _l("Reliability"),
        "victims": _l("Victims"),
        "perpetrators": _l("Perpetrators"),
        "sources": _l("Sources"),
        "entry": _l("Timeline entry"),
        "summary": _l("Summary"),
        "paraphrase": _l("Paraphrase"),
        "quotation": _l("Quotation"),
        "act": _l("Act recorded"),
        "sha256": _l("Content"),
        "given_on": _l("Given on"),
        "given_by": _l("Given by"),
        "uses": _l("Uses"),
        "source_type": _l("Who speaks"),
        "grading": _l("Grading"),
        "grading.source": _l("Source reliability"),
        "grading.information": _l("Information credibility"),
        "grading.note": _l("Grading note"),
        "grade_note": _l("Grading note"),
        "derived_from": _l("Derived from"),
        "obtained_by": _l("Obtained by"),
        "password": _l("Password"),
        "name": _l("Name"),
        "shared_with": _l("Shared with"),
        "pseudonym": _l("Pseudonym"),
        "hold": _l("Legal hold"),
        "legal_hold": _l("Legal hold"),
        "conditions": _l("Conditions"),
        "evidence": _l("Evidence of consent"),
        "note": _l("Note"),
        "purpose": _l("Purpose"),
        "excerpt": _l("Excerpt"),
        "citations": _l("Citations"),
        "description": _l("Description"),
        "current": _l("Current password"),
        "review_after": _l("Review after"),
        "value": _l("Text"),
        "text": _l("Text"),
        "stances": _l("Stances"),
        "denies": _l("Denies"),
        "username": _l("User name"),
        "role": _l("Role"),
        "relation": _l("Relation"),
        "derivation": _l("Derivation"),
        "decision": _l("Decision"),
        "position": _l("Position"),
    },
    "source_type": {
        "first_hand": _l("first-hand testimony"),
        "second_hand": _l("second-hand report"),
        "official": _l("official statement as the official published it"),
        "commentary": _l("secondary commentary"),
    },
    # The Admiralty (NATO) grading, in the words investigators use
    "grade_source": {
        "A": _l("A: completely reliable"),
        "B": _l("B: usually reliable"),
        "C": _l("C: fairly reliable"),
        "D": _l("D: not usually reliable"),
        "E": _l("E: unreliable"),
        "F": _l("F: reliability cannot be judged"),
    },
    "grade_information": {
        "1": _l("1: confirmed by other sources"),
        "2": _l("2: probably true"),
        "3": _l("3: possibly true"),
        "4": _l("4: doubtful"),
        "5": _l("5: improbable"),
        "6": _l("6: truth cannot be judged"),
    },
    "derivation": {
        "translation": _l("translation"),
        "summary": _l("summary"),
        "reprint": _l("reprint"),
        "quotation": _l("quotation"),
    },
    "use": {
        "publication": _l("publication"),
        "research": _l("research"),
        "media": _l("media files"),
        "legal": _l("legal proceedings"),
    },
}


def localised(exc) -> str:
    """A domain error's message in the reader's language: its N_() template translated, then
    filled with its values; the English message when the translation cannot take them."""
    translated = gettext(exc.template)
    try:
        return translated % exc.params if exc.params else translated
    except (KeyError, TypeError, ValueError):
        return exc.message


def field_name(field: str | None) -> str:
    """A submitted field's name as the form labels it, in the reader's language."""
    return label("field", field) if field else ""


def label(group: str, code: str | None) -> str:
    """The name of `code` in the reader's language; an unnamed code as plain words."""
    if not code:
        return ""
    named = LABELS.get(group, {}).get(code)
    return str(named) if named is not None else code.replace("_", " ")
