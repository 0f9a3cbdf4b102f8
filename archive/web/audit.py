"""Custodians browse and filter the audit log, and check its hash chain."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request

from archive.auditing import audit_entries, verify_audit_log
from archive.errors import N_, ValidationError
from archive.services import get_session
from archive.storage import audit
from archive.web.helpers import page_args, require, whole_number

bp = Blueprint("audit", __name__)


@bp.get("/audit")
def log():
    who = require("audit:read")
    filters = _filters()
    page, per_page = page_args()
    session = get_session()
    found = audit_entries(session, who, filters, page, per_page)
    args = {k: v for k, v in request.args.items() if k not in ("page", "verify") and v}
    report = verify_audit_log(session, who) if request.args.get("verify") else None
    return render_template(
        "audit.html", rows=found.items, total=found.total, page=page, per_page=per_page, args=args, report=report
    )


def _filters() -> audit.AuditFilters:
    args = request.args
    object_id = (args.get("object_id") or "").strip()
    if object_id and whole_number(object_id) is None:
        raise ValidationError(N_("must be a whole number"), field="object_id")
    return audit.AuditFilters(
        action=(args.get("action") or "").strip()[:60],
        actor=(args.get("actor") or "").strip()[:80],
        object_type=(args.get("object_type") or "").strip()[:40],
        object_id=whole_number(object_id),
        since=_day(args.get("since"), "since"),
        until=_day(args.get("until"), "until"),
    )


def _day(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationError(N_("is a date (YYYY-MM-DD)"), field=name) from exc
