"""Originals kept by default: `archive init` makes the vault key, files are private, sealed
files do not give away which originals the archive holds, `archive vault rotate` re-seals."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat

import pytest
from PIL import Image
from sqlalchemy import select

from archive.config import load_config
from archive.documents.media import MediaStore, Upload, add_media
from archive.errors import NotFound
from archive.storage import document_keys
from archive.storage.models import AuditEntry, Document, DocumentKey, DocumentRevision, MediaFile
from archive.storage.sealed_rows import reseal
from archive.storage.sealing import Sealer
from archive.storage.vault import Vault, new_key, parse_key
from tests.cli.conftest import keyed_database
from tests.conftest import CORPUS, SETUP
from tests.media.dirty import make_dirty


def _config(data_dir):
    return load_config({"DATA_DIR": str(data_dir)}, environ={})


def _attach(data_dir, document_title: str, data: bytes) -> MediaFile:
    config = _config(data_dir)
    db = keyed_database(data_dir)
    with db.session() as s:
        document = s.scalars(select(Document).where(Document.title == document_title)).one()
        (media,) = add_media(s, document, [Upload(data)], MediaStore.from_config(config), SETUP, "cli")
        s.expunge(media)
    db.dispose()
    return media


def _document(archive, tmp_path, title: str = "With a photo") -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        f"---\ncase: chechnya-2017\nkind: testimony\ntitle: {title}\nlanguage: en\nconsent: public\n"
        "status: draft\n---\nA photo follows.\n"
    )
    assert archive("load-corpus", "--reviewed-by", "custodian", CORPUS).returncode == 0
    assert archive("ingest", doc).returncode == 0


def test_init_creates_a_private_vault_key_once_and_originals_are_kept(initialised, archive, tmp_path):
    key_file = initialised / "keys" / "vault.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    key = key_file.read_text().strip()
    assert len(parse_key(key)) == 32
    assert archive("init").returncode == 0
    assert key_file.read_text().strip() == key  # never replaced
    _document(archive, tmp_path)
    photo = make_dirty("jpeg", 6).data
    media = _attach(initialised, "With a photo", photo)
    assert media.in_vault
    sealed = list((initialised / "vault").iterdir())
    assert len(sealed) == 1
    assert hashlib.sha256(photo).hexdigest() not in sealed[0].name  # a keyed name
    # sealed under the document's own key (crypto-shredded when it is deleted), not the vault key
    assert _own_vault(initialised, key, media).get(media.original_sha256) == photo
    assert not Vault(initialised / "vault", parse_key(key)).has(media.original_sha256)


def _document_key(initialised, vault_key: str, document_id: int) -> bytes:
    db = keyed_database(initialised)
    with db.session() as s:
        stored = s.get(DocumentKey, document_id).key
    db.dispose()
    return Sealer(parse_key(vault_key)).open(stored, document_keys.context(document_id))


def _own_vault(initialised, vault_key: str, media) -> Vault:
    return Vault(initialised / "vault", _document_key(initialised, vault_key, media.document_id))


def test_everything_the_archive_writes_is_private_to_its_user(initialised, archive, tmp_path):
    _document(archive, tmp_path)
    _attach(initialised, "With a photo", make_dirty("png").data)
    assert archive("export-bundle", tmp_path / "bundle").returncode == 0
    for root in (initialised, tmp_path / "bundle"):
        for path in root.rglob("*"):  # (the folders themselves were made by the test)
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


def test_rotate_seals_every_original_again_under_a_new_key(initialised, archive, tmp_path, database):
    _document(archive, tmp_path)
    photo, scan = make_dirty("jpeg", 6).data, make_dirty("pdf").data
    first = _attach(initialised, "With a photo", photo)
    second = _attach(initialised, "With a photo", scan)
    key_file = initialised / "keys" / "vault.key"
    old_key = key_file.read_text().strip()
    old_names = sorted(p.name for p in (initialised / "vault").iterdir())
    result = archive("vault", "rotate")
    assert result.returncode == 0, result.stderr
    assert "2 originals and " in result.stdout and " database values sealed again" in result.stdout
    new_key = key_file.read_text().strip()
    assert new_key != old_key and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # originals are sealed under their document's key: the files stay, the keys are sealed again
    assert sorted(p.name for p in (initialised / "vault").iterdir()) == old_names
    assert not list(initialised.glob("vault.*")) and not list(key_file.parent.glob("*.new"))
    fresh = _own_vault(initialised, new_key, first)
    assert fresh.get(first.original_sha256) == photo and fresh.get(second.original_sha256) == scan
    with pytest.raises(NotFound):
        _document_key(initialised, old_key, first.document_id)
    with database().session() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "vault.rotate")).all()
        assert entry.principal.startswith("system:")
        # every document key now opens with the new key only, and the revisions with their key
        rows = s.scalars(select(DocumentRevision)).all()
        keys = s.scalars(select(DocumentKey)).all()
        assert entry.detail["values"] > len(keys) > 0  # and the texts sealed in place
        for row in rows:
            own = Sealer(_document_key(initialised, new_key, row.document_id))
            assert own.open(row.content, row.seal_context("content"))
            with pytest.raises(NotFound):
                Sealer(parse_key(new_key)).open(row.content, row.seal_context("content"))


def test_rotate_refuses_a_key_given_in_the_environment(initialised, archive):
    result = archive("vault", "rotate", env={"ARCHIVE_VAULT_KEY": (initialised / "keys" / "vault.key").read_text()})
    assert result.returncode != 0 and "comes from ARCHIVE_VAULT_KEY" in result.stderr


def test_production_does_not_serve_without_the_vault_key(archive, data_dir):
    env = {"ARCHIVE_ENV": "production", "ARCHIVE_SECRET_KEY": "s" * 40}
    assert archive("init", env=env).returncode == 0
    (data_dir / "keys" / "vault.key").unlink()
    result = archive("serve", "--port", "1", env=env)
    assert result.returncode != 0
    assert "refusing to start in production without the vault key" in result.stderr


def test_a_vault_written_before_keyed_names_is_still_read(tmp_path):
    """Sealed files named by the plain SHA-256 (earlier versions) open until a rotation."""
    key = parse_key(
        load_config({"DATA_DIR": str(tmp_path)}, environ={"ARCHIVE_VAULT_KEY": "A" * 43 + "="})["VAULT_KEY"]
    )
    vault = Vault(tmp_path / "vault", key)
    picture = io.BytesIO()
    Image.new("RGB", (4, 4)).save(picture, "PNG")
    data = picture.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    vault.put(digest, data)
    (keyed,) = (tmp_path / "vault").iterdir()
    keyed.rename(tmp_path / "vault" / f"{digest}.sealed")
    assert vault.has(digest) and vault.get(digest) == data


def test_fsck_finds_every_changed_missing_or_unopenable_file(initialised, archive, tmp_path, database):
    _document(archive, tmp_path)
    photo = _attach(initialised, "With a photo", make_dirty("jpeg", 6).data)
    scan = _attach(initialised, "With a photo", make_dirty("pdf").data)
    clean = archive("fsck")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "3 files and thumbnails re-hashed, 2 sealed originals and " in clean.stdout
    assert "sealed database values opened: no problems" in clean.stdout
    blobs = initialised / "media"

    def blob(sha256: str):
        return blobs / sha256[:2] / sha256[2:4] / sha256

    changed = bytearray(blob(photo.sha256).read_bytes())
    changed[len(changed) // 2] ^= 0x01
    blob(photo.sha256).write_bytes(bytes(changed))
    blob(photo.thumbnail_sha256).unlink()
    sealed = _own_vault(initialised, (initialised / "keys" / "vault.key").read_text(), scan).location(
        scan.original_sha256
    )
    opened = bytearray(sealed.read_bytes())
    opened[-1] ^= 0x01
    sealed.write_bytes(bytes(opened))
    stray = blob("ab" * 32)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left over")
    with database().session() as s:  # the bytes received for one document, changed in the database
        revision = s.scalars(select(DocumentRevision).order_by(DocumentRevision.id.desc())).first()
        damaged = bytearray(revision.received)
        damaged[-3] ^= 0x01
        revision.received = bytes(damaged)
        s.commit()
        where = f"revision 1 of document {revision.document_id}: received"
    result = archive("fsck")
    assert result.returncode == 1
    assert f"{where} the sealed value fails its integrity check" in result.stdout
    assert f"media {photo.id}: file does not hash to its name" in result.stdout
    assert f"media {photo.id}: thumbnail is missing" in result.stdout
    assert f"media {scan.id}: sealed original fails its integrity check" in result.stdout
    assert "1 files in the media folder that no row refers to" in result.stdout
    with database().session() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "archive.fsck")).all()
        assert len(entries) == 2


def _interrupted_rotation(initialised, committed: bool) -> str:
    """The state `archive vault rotate` leaves when killed after writing `vault.key.new`:
    before its transaction was committed, or after it (the folders and key file not swapped)."""
    key_file = initialised / "keys" / "vault.key"
    old, fresh = Sealer(parse_key(key_file.read_text())), new_key()
    if committed:
        db = keyed_database(initialised)
        with db.session() as s:
            reseal(s, old, Sealer(parse_key(fresh)))
            s.commit()
        db.dispose()
        shutil.copytree(initialised / "vault", initialised / "vault.rotating")
    pending = key_file.with_name("vault.key.new")
    pending.write_text(fresh + "\n")
    os.chmod(pending, 0o600)
    return fresh


@pytest.mark.parametrize("committed", [True, False], ids=["after-commit", "before-commit"])
def test_a_rotation_stopped_half_way_is_finished_or_started_over(initialised, archive, tmp_path, committed):
    _document(archive, tmp_path)
    photo = make_dirty("jpeg", 6).data
    media = _attach(initialised, "With a photo", photo)
    before = (initialised / "keys" / "vault.key").read_text().strip()
    fresh = _interrupted_rotation(initialised, committed)
    serve = archive("serve", "--port", "1")
    assert serve.returncode != 0 and "rotation stopped half-way" in serve.stderr  # no server on a half key
    ingest = archive("ingest", tmp_path / "doc.md")  # nor anything sealing under the old key meanwhile
    assert ingest.returncode != 0 and "rotation stopped half-way" in ingest.stderr
    result = archive("vault", "rotate")
    assert result.returncode == 0, result.stderr
    now = (initialised / "keys" / "vault.key").read_text().strip()
    if committed:
        assert "an interrupted rotation was finished" in result.stdout and now == fresh
    else:
        assert "sealed again under a new key" in result.stdout and now not in (before, fresh)
    assert not list(initialised.glob("vault.*")) and not list((initialised / "keys").glob("*.new"))
    assert _own_vault(initialised, now, media).get(media.original_sha256) == photo
    checked = archive("fsck")
    assert checked.returncode == 0, checked.stdout
