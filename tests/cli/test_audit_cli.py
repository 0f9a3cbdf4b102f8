"""`archive audit verify` says whether the chain holds, and where it breaks."""

from __future__ import annotations

import json
import stat
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from archive.storage import audit
from tests.tsa import start_authority


def test_verify_passes_then_names_the_edited_entry(initialised, archive, database, tmp_path):
    folder = tmp_path / "cases" / "audited"
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text("slug: audited\ntitle: An audited case\n")
    assert archive("load-corpus", "--reviewed-by", "custodian", folder.parent).returncode == 0
    held = archive("audit", "verify")
    assert held.returncode == 0, held.stderr
    assert "audit log holds:" in held.stdout and "head " in held.stdout
    db = database()
    with db.engine.begin() as connection:
        first = connection.execute(text("SELECT min(id) FROM audit_log")).scalar()
        connection.execute(text("UPDATE audit_log SET via = 'web' WHERE id = :id"), {"id": first})
    broken = archive("audit", "verify")
    assert broken.returncode == 1
    assert f"audit log broken at entry {first}: edited" in broken.stderr


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    local = start_authority(tmp_path_factory.mktemp("tsa"))
    yield local
    local.stop()


def test_anchor_signs_and_time_stamps_the_head_and_verify_checks_it(initialised, archive, database, authority):
    """`archive init` made the signing key; `archive audit anchor` signs the head and has the
    authority countersign it; a chain rebuilt by someone with the database is caught."""
    key_file = initialised / "keys" / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public = archive("audit", "public-key")
    assert public.returncode == 0 and len(public.stdout.strip()) == 64
    env = {"ARCHIVE_TSA_URL": authority.url, "ARCHIVE_TSA_CA_FILE": authority.ca_file}
    anchored = archive("audit", "anchor", env=env)
    assert anchored.returncode == 0, anchored.stderr
    assert "signed head 1" in anchored.stdout and f"time-stamped by {authority.url} at " in anchored.stdout
    held = archive("audit", "verify", env=env)
    assert held.returncode == 0, held.stderr
    assert "1 signed heads hold, 1 of them time-stamped by an authority" in held.stdout
    db = database()
    with db.engine.begin() as connection:  # edit an entry, then rebuild every hash after it
        rows = connection.execute(text("SELECT * FROM audit_log ORDER BY id")).mappings().all()
        previous = audit.GENESIS
        for number, row in enumerate(rows):
            fields = dict(row)
            if number == 0:
                fields["via"] = "web"
            fields["prev_hash"] = previous
            fields["at"] = _as_datetime(fields["at"])
            if isinstance(fields["detail"], str):  # SQLite hands JSON back as text here
                fields["detail"] = json.loads(fields["detail"])
            fields["entry_hash"] = audit.entry_hash(SimpleNamespace(**fields))
            connection.execute(
                text(
                    "UPDATE audit_log SET via = :via, prev_hash = :prev_hash, entry_hash = :entry_hash WHERE id = :id"
                ),
                fields,
            )
            previous = fields["entry_hash"]
    rebuilt = archive("audit", "verify", env=env)
    assert rebuilt.returncode == 1
    assert "audit log holds" in rebuilt.stdout  # the chain alone is fooled
    assert "the chain was rewritten" in rebuilt.stderr


def _as_datetime(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
