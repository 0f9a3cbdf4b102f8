"""`archive export-bundle` and `archive import-bundle`: the round trip keeps everything, and a
tampered bundle is refused before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import pytest
from PIL import Image
from sqlalchemy import func, select

from archive.config import load_config
from archive.documents.media import MediaStore, Upload, add_media
from archive.storage.models import AuditEntry, Base, Document, MediaFile
from tests import databases
from tests.cli.conftest import _run, keyed_database
from tests.conftest import CORPUS, SETUP


@pytest.fixture(scope="module")
def _exported_template(initialised_data, tmp_path_factory):
    """A corpus with an image, exported to a bundle, once per module: (data folder, bundle,
    manifest hash, row counts). Each test gets copies of the folder and the bundle."""
    root = tmp_path_factory.mktemp("exported")
    (root / "cwd").mkdir()
    data = root / "data"
    databases.copytree(initialised_data[0], data, keep=True)

    def archive(*args):
        return _run(root / "cwd", data, args)

    assert archive("load-corpus", "--reviewed-by", "custodian", CORPUS).returncode == 0
    image = root / "photo.jpg"
    Image.new("RGB", (16, 16), "blue").save(image, "JPEG")
    doc = root / "with-photo.md"
    doc.write_text(
        "---\ncase: chechnya-2017\nkind: testimony\ntitle: With a photo\n"
        "language: en\nconsent: public\nstatus: draft\n---\n"
        "A photo follows.\n"
    )
    assert archive("ingest", doc).returncode == 0
    db = keyed_database(data)
    with db.session() as s:
        document = s.scalars(select(Document).where(Document.title == "With a photo")).one()
        # the settings the commands read (every media limit at its default), the data folder's media
        config = load_config({"MEDIA_DIR": str(data), "VAULT_KEY": ""}, environ={})
        add_media(s, document, [Upload(image.read_bytes())], MediaStore.from_config(config), SETUP, "cli")
        counts = {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
    db.dispose()
    bundle = root / "backup"
    result = archive("export-bundle", bundle)
    assert result.returncode == 0, result.stderr
    digest = re.search(r"manifest SHA-256 ([0-9a-f]{64})", result.stdout).group(1)
    return data, bundle, digest, counts


@pytest.fixture
def exported(_exported_template, data_dir, tmp_path):
    """The exported archive's data folder, and its bundle: (bundle, manifest hash, counts)."""
    data, bundle, digest, counts = _exported_template
    databases.copytree(data, data_dir)
    shutil.copytree(bundle, tmp_path / "backup")
    return tmp_path / "backup", digest, counts


def _fresh(data_dir):
    """A new machine: no data folder at all (on PostgreSQL, a new empty database)."""
    shutil.rmtree(data_dir, ignore_errors=True)
    if databases.SERVER:
        databases.create(data_dir)


def test_a_bundle_restores_into_an_empty_archive(exported, archive, data_dir, database):
    bundle, digest, counts = exported
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert "tables/documents.jsonl" in manifest["files"]
    assert any(name.startswith("files/media/") for name in manifest["files"])
    key = (data_dir / "keys" / "vault.key").read_bytes()  # kept apart from the bundle, as README says
    _fresh(data_dir)
    refused = archive("import-bundle", bundle, "--expect-manifest", digest)  # no key on the new machine
    assert refused.returncode != 0 and "do not open with this archive's vault key" in refused.stderr
    _fresh(data_dir)
    (data_dir / "keys").mkdir(mode=0o700, parents=True)
    (data_dir / "keys" / "vault.key").write_bytes(key)
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
        assert s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first().action == ("bundle.import")
    assert archive("audit", "verify").returncode == 0
    assert "With a photo" not in archive("search", "photo").stdout  # drafts are not indexed
    assert archive("search", "Kadyrov").returncode == 0


@pytest.mark.parametrize("tamper", ["row", "media", "extra", "missing", "manifest"])
def test_a_tampered_bundle_is_refused_and_nothing_is_written(exported, archive, data_dir, database, tamper):
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
