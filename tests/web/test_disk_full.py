"""The disk filling up during an upload: a clear error (507), and no partial file, row or
audit entry left behind; once there is room again, the same upload goes through.

The data folder is a real 6 MB tmpfs mounted in a private mount namespace (`unshare`), filled
almost to the brim before the upload, so the failure is the kernel's own ENOSPC.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    r"""
    import io, json, os, random, subprocess, sys
    root = sys.argv[1]
    os.makedirs(root, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", root], check=True)
    from PIL import Image
    from archive import create_app
    from archive.auth.actors import command_line_actor
    from archive.auth.tokens import create_token
    from archive.auth.users import create_user
    from archive.config import document_kinds
    from archive.documents.intake import create_document
    from archive.documents.submission import validate_document
    from archive.storage.models import AuditEntry, Case, MediaFile
    from archive.services import get_db

    CLI = command_line_actor()
    app = create_app({"DATA_DIR": root, "SEARCH_BACKEND": "none", "LOG_LEVEL": "WARNING"})
    with app.app_context(), get_db(app).session() as s:
        get_db(app).upgrade()
        s.add(Case(slug="full", title="Full disk"))
        s.commit()
        user = create_user(s, "keeper", "a long enough password", "custodian", CLI, "cli")
        _, token = create_token(s, user, "upload", "custodian", user, "cli")
        fields = {"case": "full", "kind": "testimony", "title": "A testimony", "language": "en",
                  "consent": "public", "status": "draft", "body": "An account.\n"}
        doc = create_document(s, validate_document(fields, document_kinds(app.config), "t"),
                              "0" * 64, CLI, "cli").id
    rng = random.Random(7)
    noise = Image.frombytes("RGB", (700, 700), rng.randbytes(700 * 700 * 3))
    upload = io.BytesIO()
    noise.save(upload, "PNG")
    filler = os.path.join(root, "filler")
    with open(filler, "wb") as out:  # fill the disk, then give back 400 kB: less than the image
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    os.truncate(filler, os.path.getsize(filler) - 400_000)

    def attach():
        client = app.test_client()
        return client.post(f"/api/v1/documents/{doc}/media",
                           headers={"Authorization": f"Bearer {token}"},
                           data={"file": (io.BytesIO(upload.getvalue()), "photo.png")},
                           content_type="multipart/form-data")

    full = attach()
    media_files = [f for _, _, files in os.walk(os.path.join(root, "media")) for f in files]
    with app.app_context(), get_db(app).session() as s:
        rows = s.query(MediaFile).count()
        attached = s.query(AuditEntry).filter_by(action="media.attach").count()
    os.unlink(filler)
    again = attach()
    with app.app_context(), get_db(app).session() as s:
        rows_after = s.query(MediaFile).count()
    print(json.dumps({"status": full.status_code, "body": full.get_json(), "files": media_files,
                      "rows": rows, "attached": attached, "again": again.status_code,
                      "rows_after": rows_after, "image_bytes": len(upload.getvalue())}))
    """
)


def _on_a_small_disk(script: str, *args) -> dict:
    """Run the script in a private mount namespace (its first argument becomes a 6 MB tmpfs);
    return the JSON it prints last."""
    unshare = shutil.which("unshare")
    assert unshare, "util-linux's unshare is needed to mount a small tmpfs privately"
    namespace = ["-m"] if os.geteuid() == 0 else ["-rm"]
    result = subprocess.run(
        [unshare, *namespace, sys.executable, "-c", script, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_full_disk_during_an_upload_is_a_clear_error_and_leaves_nothing(tmp_path):
    outcome = _on_a_small_disk(SCRIPT, tmp_path / "data")
    assert outcome["image_bytes"] > 1_000_000  # more than the room left
    assert outcome["status"] == 507, outcome
    assert "disk is full" in outcome["body"]["error"] and "nothing was stored" in outcome["body"]["error"]
    assert outcome["files"] == []  # no blob, no thumbnail, no ".partial-" file
    assert outcome["rows"] == 0 and outcome["attached"] == 0
    assert outcome["again"] == 201 and outcome["rows_after"] == 1


INDEX_SCRIPT = textwrap.dedent(
    r"""
    import json, os, subprocess, sys
    root, db_path = sys.argv[1], sys.argv[2]
    os.makedirs(root, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", root], check=True)
    from archive import create_app
    from archive.auth.actors import SystemActor
    from archive.auth.permissions import ACTIONS
    from archive.config import document_kinds
    from archive.documents.edit import update_document
    from archive.documents.intake import create_document
    from archive.documents.submission import validate_document
    from archive.services import get_db, indexer
    from archive.storage.models import Case, Document, IndexOutbox

    EDITOR = SystemActor(os_user="tests", permissions=ACTIONS)
    # the database elsewhere, the search index on the small disk that fills up
    app = create_app({"DATA_DIR": root, "DATABASE_URL": "sqlite:///" + db_path, "SEARCH_BACKEND": "whoosh",
                      "LOG_LEVEL": "CRITICAL", "INDEX_RETRY_SECONDS": 0})
    fields = {"case": "full", "kind": "testimony", "title": "The zelimkhanovka account", "language": "en",
              "consent": "public", "status": "published", "redaction": "reviewed",
              "grading": {"source": "B", "information": "2"},
              "body": "He was held in zelimkhanovka for two weeks.\n"}
    kinds = document_kinds(app.config)
    with app.app_context(), get_db(app).session() as s:
        get_db(app).upgrade()
        s.add(Case(slug="full", title="Full disk"))
        s.commit()
        doc = create_document(s, validate_document(fields, kinds, "t"), "0" * 64, EDITOR, "cli").id
    client = app.test_client()
    before = client.get("/api/v1/search?q=zelimkhanovka").get_json()["total"]
    filler = os.path.join(root, "filler")
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    with app.app_context(), get_db(app).session() as s:  # narrowed to custodians: the index cannot follow
        update_document(s, s.get(Document, doc), validate_document({**fields, "consent": "custodians"}, kinds, "t"),
                        EDITOR, "cli")
        queued = s.query(IndexOutbox).count()
    during = client.get("/api/v1/search?q=zelimkhanovka").get_json()
    os.unlink(filler)
    with app.app_context():
        drained = indexer(app).drain()
    with app.app_context(), get_db(app).session() as s:
        left = s.query(IndexOutbox).count()
    after = client.get("/api/v1/search?q=zelimkhanovka").get_json()
    print(json.dumps({"before": before, "queued": queued, "during": during, "drained": drained, "left": left,
                      "after": after}))
    """
)


def test_a_full_disk_under_the_index_fails_closed_and_the_queue_is_drained_afterwards(tmp_path):
    outcome = _on_a_small_disk(INDEX_SCRIPT, tmp_path / "data", tmp_path / "db.sqlite3")
    assert outcome["before"] == 1
    assert outcome["queued"] >= 1  # the change is committed; its index work is kept
    assert outcome["during"]["items"] == [] and outcome["during"]["total"] is None
    assert outcome["drained"] >= 1 and outcome["left"] == 0
    assert outcome["after"]["items"] == [] and outcome["after"]["total"] == 0 and not outcome["after"]["partial"]
