"""Parts of a document's record that several JSON forms share (the API's document, the
timeline exports' citations): its Admiralty grading and its source, public fields only."""

from __future__ import annotations


def grading_json(document) -> dict | None:
    """The Admiralty grading ("B2": source B, information 2) with its note; None if ungraded."""
    if not (document.grade_source and document.grade_information):
        return None
    return {
        "code": f"{document.grade_source}{document.grade_information}",
        "source": document.grade_source,
        "information": document.grade_information,
        "note": document.grade_note,
    }


def source_json(source, reliability: bool = True) -> dict | None:
    """The source a document rests on; `reliability` adds the free-text reliability note."""
    if source is None:
        return None
    found = {
        "outlet": source.outlet,
        "author": source.author,
        "url": source.url,
        "reported_by": source.reported_by,
        "date": source.date_edtf,
    }
    if reliability:
        found["reliability"] = source.reliability
    return found | {"title": source.title, "captured": source.captured, "archived_sha256": source.archived_sha256}
