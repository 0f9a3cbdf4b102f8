"""`archive export-bundle` and `archive import-bundle`: a bundle is sealed and signed and says
nothing of what it holds; the round trip keeps everything; a tampered, re-signed or unsigned
bundle, or one sealed under another key, is refused before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from sqlalchemy import func, select

from archive.config import load_config
from archive.documents.media import MediaStore, Upload, add_media
from archive.storage.anchors import public_key_hex
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
    """The exported archive's data folder, and its bundle: (bundle, manifest hash, counts,
    the key files)."""
    data, bundle, digest, counts = _exported_template
    databases.copytree(data, data_dir)
    shutil.copytree(bundle, tmp_path / "backup")
    return tmp_path / "backup", digest, counts, _keys(data_dir)


def _fresh(data_dir, keys: dict[str, bytes] | None = None):
    """A new machine: no data folder at all (on PostgreSQL, a new empty database); with `keys`,
    the key files restored from their backup first, as README's restore drill says."""
    shutil.rmtree(data_dir, ignore_errors=True)
    if databases.SERVER:
        databases.create(data_dir)
    if keys:
        (data_dir / "keys").mkdir(mode=0o700, parents=True)
        for name, value in keys.items():
            (data_dir / "keys" / name).write_bytes(value)


def _keys(data_dir) -> dict[str, bytes]:
    """The key files, kept apart from the bundle (README: back them up together, elsewhere)."""
    return {name: (data_dir / "keys" / name).read_bytes() for name in ("vault.key", "audit.key")}


def test_a_bundle_says_what_is_inside_without_revealing_it(exported):
    bundle, _digest, counts, _ = exported
    manifest_text = (bundle / "manifest.json").read_text()
    manifest = json.loads(manifest_text)
    assert manifest["version"] == 2 and (bundle / "manifest.sig").is_file()
    assert all(re.fullmatch(r"p/[0-9a-f]{40}", name) for name in manifest["files"])
    assert len(manifest["files"]) >= len(counts)  # every table and file, one sealed file each
    for telling in ("documents", "tables", "files/", "media", "rows", "Kadyrov"):
        assert telling not in manifest_text, telling
    for path in bundle.rglob("*"):
        if path.is_file() and path.name not in ("manifest.json", "manifest.sig"):
            data = path.read_bytes()
            assert b"Kadyrov" not in data and b"INSERT" not in data and b'"title"' not in data, path


def test_a_bundle_restores_into_an_empty_archive(exported, archive, data_dir, database):
    bundle, digest, counts, keys = exported
    _fresh(data_dir)
    refused = archive("import-bundle", bundle, "--expect-manifest", digest)  # no key on the new machine
    assert refused.returncode != 0 and "has no vault key" in refused.stderr
    _fresh(data_dir, {"vault.key": b"A" * 43 + b"=\n", "audit.key": keys["audit.key"]})  # the wrong key file
    wrong = archive("import-bundle", bundle, "--expect-manifest", digest)
    assert wrong.returncode != 0 and "sealed under another vault key" in wrong.stderr
    _fresh(data_dir, keys)
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
    assert archive("fsck").returncode == 0  # every sealed original opens under its document's key
    assert "With a photo" not in archive("search", "photo").stdout  # drafts are not indexed
    assert archive("search", "Kadyrov").returncode == 0


@pytest.mark.parametrize("tamper", ["file", "extra", "missing", "manifest", "signed by another", "unsigned"])
def test_a_tampered_bundle_is_refused_and_nothing_is_written(exported, archive, data_dir, database, tamper):
    bundle, digest, _, keys = exported
    sealed = sorted(p for p in (bundle / "p").iterdir())
    manifest = json.loads((bundle / "manifest.json").read_text())
    expect = digest
    if tamper == "file":
        sealed[0].write_bytes(sealed[0].read_bytes()[:-1] + bytes([sealed[0].read_bytes()[-1] ^ 1]))
    elif tamper == "extra":
        (bundle / "p" / ("0" * 40)).write_bytes(b"smuggled")
    elif tamper == "missing":
        sealed[-1].unlink()
    elif tamper == "manifest":  # a forger rewrites a file and its line in the manifest, without the key
        sealed[0].write_bytes(b"another table")
        manifest["files"][f"p/{sealed[0].name}"] = {"sha256": hashlib.sha256(b"another table").hexdigest(), "bytes": 13}
        (bundle / "manifest.json").write_text(json.dumps(manifest))
        expect = None  # the signature alone must tell
    elif tamper == "signed by another":  # the forger signs with a key of their own
        forger = Ed25519PrivateKey.generate()
        manifest["public_key"] = public_key_hex(forger)
        body = json.dumps(manifest).encode()
        (bundle / "manifest.json").write_bytes(body)
        (bundle / "manifest.sig").write_text(forger.sign(body).hex())
        expect = None
    else:  # the signature removed
        (bundle / "manifest.sig").unlink()
        expect = None
    _fresh(data_dir, keys)
    refused = archive("import-bundle", bundle, *(("--expect-manifest", expect) if expect else ()))
    assert refused.returncode == 1 and "refused:" in refused.stderr
    with database().session() as s:
        assert s.scalar(select(func.count(Document.id))) == 0
    assert not (data_dir / "media").exists() or not any((data_dir / "media").rglob("*.*"))


def test_a_bundle_is_not_restored_over_an_archive_in_use(exported, archive):
    bundle, _, _, _ = exported
    refused = archive("import-bundle", bundle)
    assert refused.returncode == 1 and "not empty" in refused.stderr
