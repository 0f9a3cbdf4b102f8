"""`archive export-bundle` and `archive import-bundle`: the round trip keeps everything, and a
tampered bundle is refused before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import pytest
from sqlalchemy import func, select

from archive.storage.models import AuditEntry, Base, Document, MediaFile
from tests import databases
from tests.conftest import CORPUS, SETUP


@pytest.fixture
def exported(initialised, archive, tmp_path, database):
    """A corpus with an image, exported to a bundle; returns (bundle, manifest hash, counts)."""
    assert archive("load-corpus", CORPUS).returncode == 0
    from PIL import Image

    image = tmp_path / "photo.jpg"
    Image.new("RGB", (16, 16), "blue").save(image, "JPEG")
    doc = tmp_path / "with-photo.md"
    doc.write_text("---\ncase: chechnya-2017\nkind: testimony\ntitle: With a photo\n"
                   "language: en\nconsent: public\nstatus: draft\n---\n"
                   "A photo follows.\n")  # fmt: skip
    assert archive("ingest", doc).returncode == 0
    with database().session() as s:
        document = s.scalars(select(Document).where(Document.title == "With a photo")).one()
        from archive.documents.media import MediaStore, Upload, add_media

        config = {"MEDIA_DIR": str(initialised), "VAULT_KEY": "", "MAX_UPLOAD_BYTES": 10**7,
                  "MAX_IMAGE_PIXELS": 10**7}  # fmt: skip
        store = MediaStore.from_config(config)
        add_media(s, document, [Upload(image.read_bytes())], store, SETUP, "cli")
        counts = {t.name: s.scalar(select(func.count()).select_from(t))
                  for t in Base.metadata.sorted_tables}  # fmt: skip
    bundle = tmp_path / "backup"
    result = archive("export-bundle", bundle)
    assert result.returncode == 0, result.stderr
    digest = re.search(r"manifest SHA-256 ([0-9a-f]{64})", result.stdout).group(1)
    return bundle, digest, counts


def _fresh(data_dir):
    """A new machine: no data folder at all (on PostgreSQL, a new empty database)."""
    shutil.rmtree(data_dir)
    if databases.SERVER:
        databases.create(data_dir)


def test_a_bundle_restores_into_an_empty_archive(exported, archive, data_dir, database):
    bundle, digest, counts = exported
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert "tables/documents.jsonl" in manifest["files"]
    assert any(name.startswith("files/media/") for name in manifest["files"])
    _fresh(data_dir)
    restored = archive("import-bundle", bundle, "--expect-manifest", digest)
    assert restored.returncode == 0, restored.stderr
    assert "the audit log holds" in restored.stdout
    with database().session() as s:
        for table in Base.metadata.sorted_tables:
            # the log gains the import's own entry (the export's came after the bundle)
            expected = counts[table.name] + (1 if table.name == "audit_log" else 0)
            assert s.scalar(select(func.count()).select_from(table)) == expected, table.name
        media = s.scalars(select(MediaFile)).one()
        from archive.storage.blobs import BlobStore

        restored_blob = BlobStore(data_dir / "media").get(media.sha256)
        assert hashlib.sha256(restored_blob).hexdigest() == media.sha256
        assert s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first().action == (
            "bundle.import"
        )
    assert archive("audit", "verify").returncode == 0
    assert "With a photo" not in archive("search", "photo").stdout  # drafts are not indexed
    assert archive("search", "Kadyrov").returncode == 0


@pytest.mark.parametrize("tamper", ["row", "media", "extra", "missing", "manifest"])
def test_a_tampered_bundle_is_refused_and_nothing_is_written(exported, archive, data_dir,
                                                             database, tamper):  # fmt: skip
    bundle, digest, _ = exported
    if tamper == "row":
        path = bundle / "tables" / "documents.jsonl"
        path.write_text(path.read_text().replace("Kadyrov", "Kadyr0v", 1))
    elif tamper == "media":
        blob = next(p for p in (bundle / "files" / "media").rglob("*") if p.is_file())
        blob.write_bytes(blob.read_bytes()[:-1] + b"\x00")
    elif tamper == "extra":
        (bundle / "tables" / "smuggled.jsonl").write_text("{}\n")
    elif tamper == "missing":
        (bundle / "tables" / "audit_log.jsonl").unlink()
    else:  # a forger rewrites a file and its line in the manifest: the expected hash tells
        path = bundle / "tables" / "documents.jsonl"
        path.write_text(path.read_text().replace("Kadyrov", "Kadyr0v", 1))
        manifest = json.loads((bundle / "manifest.json").read_text())
        data = path.read_bytes()
        manifest["files"]["tables/documents.jsonl"] = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        }
        (bundle / "manifest.json").write_text(json.dumps(manifest))
    _fresh(data_dir)
    refused = archive("import-bundle", bundle, "--expect-manifest", digest)
    assert refused.returncode == 1 and "refused:" in refused.stderr
    with database().session() as s:
        assert s.scalar(select(func.count(Document.id))) == 0
    assert not (data_dir / "media").exists() or not any((data_dir / "media").rglob("*.*"))


def test_a_bundle_is_not_restored_over_an_archive_in_use(exported, archive):
    bundle, _, _ = exported
    refused = archive("import-bundle", bundle)
    assert refused.returncode == 1 and "not empty" in refused.stderr
