"""Custodians browse and filter the audit log and check its chain; no one else sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from archive.services import get_db


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_only_custodians_see_the_audit_log(reader, role):
    assert reader(role).get("/audit").status_code in (401, 403)


def test_custodians_filter_the_log_and_verify_the_chain(app, signed_in, make_document):
    make_document(title="Logged one")
    make_document(title="Logged two")
    client = signed_in("custodian")
    page = client.get("/audit")
    assert page.status_code == 200 and "document.create" in page.text and "user.login" in page.text
    only = client.get("/audit?action=user.").text
    assert "user.login" in only and "document.create</td>" not in only
    assert client.get("/audit?object_id=abc").status_code == 400
    assert "The chain holds" in client.get("/audit?verify=1").text
    with app.app_context(), get_db(app).session() as s:
        s.execute(text("DELETE FROM audit_log WHERE id = 2"))
        s.commit()
    broken = client.get("/audit?verify=1").text
    assert "The chain is broken at entry 3" in broken and "deleted after entry 1" in broken
