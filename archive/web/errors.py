"""Map domain errors to an HTML page or a JSON body; roll back; log ids, never content.

Threat: an error page or log line echoing submitted text (a witness's name) or a traceback.
Messages shown are the domain error's own, written to name fields, never values; unexpected
errors show a generic page with an incident id that matches the log line.
"""

from __future__ import annotations

import errno
import logging
import secrets

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from archive.errors import NotFound, NotPermitted, Removed, ValidationError
from archive.web.labels import field_name, localised

log = logging.getLogger("archive.web")


def init_app(app: Flask) -> None:
    app.register_error_handler(ValidationError, _validation)
    app.register_error_handler(Removed, _removed)
    app.register_error_handler(NotFound, lambda e: _respond(404, _("Not found.")))
    app.register_error_handler(NotPermitted, _not_permitted)
    app.register_error_handler(
        CSRFError,
        lambda e: _respond(
            400,
            _("The form expired or was not sent from this site; reload the page and try again."),
        ),
    )
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _respond(status: int, message: str, field: str | None = None):
    _rollback()
    if wants_json():
        body = {"error": message, "status": status}
        if field:
            body["field"] = field
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def _validation(exc: ValidationError):
    if wants_json():  # scripts read the field apart, and the English message is stable
        return _respond(400, exc.message if not exc.field else f"{exc.field}: {exc.message}", exc.field)
    where = field_name(exc.field)
    return _respond(400, f"{where}: {localised(exc)}" if where else localised(exc), exc.field)


def removal_reasons() -> dict[str, str]:
    """Why public copies are gone, in the words readers are shown (never a custodian's note)."""
    return {
        "consent_withdrawn": _("its source withdrew consent"),
        "source_request": _("at its source's request"),
        "safety": _("to protect someone's safety"),
        "legal_order": _("under a legal order"),
        "error": _("it was published in error"),
    }


def _removed(exc: Removed):
    """A tombstone: 410 Gone, with when and why."""
    day = exc.at.strftime("%Y-%m-%d")
    why = removal_reasons().get(exc.reason, "")
    if exc.kind == "deleted":
        message = _("This document was deleted on %(day)s: %(why)s.", day=day, why=why)
    else:
        message = _("This document was withdrawn on %(day)s: %(why)s.", day=day, why=why)
    _rollback()
    if wants_json():
        body = {"error": message, "status": 410, "removed": exc.kind, "reason": exc.reason, "on": day}
        return jsonify(body), 410
    return render_template("error.html", status=410, message=message), 410


def _not_permitted(exc: NotPermitted):
    from flask_login import current_user

    if not current_user.is_authenticated:
        return _respond(401, _("Please sign in to do this."))
    return _respond(403, _("You are not allowed to do this."))


def _http(exc: HTTPException):
    messages = {
        404: _("Not found."),
        405: _("This address does not accept that method."),
        413: _("The upload is larger than this archive accepts."),
    }
    response, status = _respond(exc.code or 500, messages.get(exc.code, exc.name))
    if isinstance(response, str):
        response = make_response(response)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":  # e.g. Allow on 405, Retry-After on 429
            response.headers[name] = value
    return response, status


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _disk_full(exc: BaseException) -> bool:
    """Whether the error, or one it came from, is the disk (or the database) being full."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
            return True
        if "database or disk is full" in str(getattr(exc, "orig", "") or ""):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _unexpected(exc: Exception):
    if _disk_full(exc):  # the use cases have removed what they wrote; say so plainly
        log.error("storage full: %s", type(exc).__name__)
        return _respond(
            507, _("The archive's disk is full: nothing was stored. Please tell the archive's administrators.")
        )
    incident = secrets.token_hex(6)
    # The exception type and where it came from, not its message: messages can quote input.
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
    log.error("incident %s: %s at %s", incident, type(exc).__name__, where)
    return _respond(500, _("Something went wrong on our side (incident %(id)s).", id=incident))
