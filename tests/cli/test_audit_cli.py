"""`archive audit verify` says whether the chain holds, and where it breaks."""

from __future__ import annotations

from sqlalchemy import text


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
