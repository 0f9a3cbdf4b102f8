"""Content-addressed blobs written atomically, and originals sealed in the vault."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from archive.errors import ConfigError, NotFound
from archive.storage import blobs as blobs_module
from archive.storage.blobs import BlobStore, write_atomically
from archive.storage.vault import Vault, parse_key

DATA = b"\xff\xd8\xff\xe0 a cleaned photo \xff\xd9"
OTHER = b"\x89PNG\r\n\x1a\n another cleaned picture"
ORIGINAL = b"an original upload with GPS 43.3171N 45.6989E and owner WACANARY-owner"
NOT_HEX = [
    "../../etc/passwd",
    "..",
    "",
    "A" * 64,  # upper case: one file must have one name
    "a" * 63,
    "a" * 65,
    "g" * 64,
    "a" * 62 + "/x",
    "a" * 64 + "\n",
    "/" + "a" * 63,
]
NOT_HEX_IDS = [
    "traversal",
    "dot-dot",
    "empty",
    "upper-case",
    "63-digits",
    "65-digits",
    "not-hex",
    "slash",
    "trailing-newline",
    "absolute",
]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key() -> bytes:
    return os.urandom(32)


def _leftovers(root) -> list[str]:
    """Temporary files left anywhere under root."""
    return sorted(p.name for p in root.rglob(".partial-*"))


class Boom(OSError):
    """Stands in for a full disk or a failing rename."""


def _boom(*_args, **_kwargs):
    raise Boom("simulated I/O failure")


@pytest.fixture
def store(tmp_path) -> BlobStore:
    return BlobStore(tmp_path / "media")


@pytest.fixture
def vault(tmp_path) -> Vault:
    return Vault(tmp_path / "vault", _key())


# --- BlobStore -----------------------------------------------------------------------------


def test_put_returns_the_sha256_and_that_it_created_the_file(store):
    assert store.put(DATA) == (_sha256(DATA), True)
    assert store.get(_sha256(DATA)) == DATA


def test_put_is_idempotent(store):
    store.put(DATA)
    assert store.put(DATA) == (_sha256(DATA), False)
    assert [p for p in store.root.rglob("*") if p.is_file()] == [store.path(_sha256(DATA))]


def test_files_are_sharded_by_their_first_hex_digits(store):
    sha, _ = store.put(DATA)
    assert store.path(sha) == store.root / sha[:2] / sha[2:4] / sha
    assert store.path(sha).read_bytes() == DATA


def test_different_content_gets_different_files(store):
    (a, _), (b, _) = store.put(DATA), store.put(OTHER)
    assert a != b
    assert (store.get(a), store.get(b)) == (DATA, OTHER)


def test_delete_removes_one_file_and_ignores_missing_ones(store):
    a, _ = store.put(DATA)
    b, _ = store.put(OTHER)
    store.delete(a)
    store.delete(a)
    assert (store.exists(a), store.exists(b)) == (False, True)


def test_reading_a_missing_blob_fails(store):
    with pytest.raises(FileNotFoundError):
        store.get(_sha256(b"never stored"))


@pytest.mark.parametrize("name", NOT_HEX, ids=NOT_HEX_IDS)
def test_path_accepts_only_sha256_hex_names(store, name):
    with pytest.raises(ValueError, match="SHA-256"):
        store.path(name)


@pytest.mark.parametrize("method", ["get", "exists", "delete"])
def test_every_access_by_name_refuses_path_traversal(store, tmp_path, method):
    (tmp_path / "secret").write_bytes(b"outside the store")
    with pytest.raises(ValueError):
        getattr(store, method)("../../secret")
    assert (tmp_path / "secret").exists()


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failed_write_leaves_no_partial_file_and_no_target(store, monkeypatch, step):
    monkeypatch.setattr(blobs_module.os, step, _boom)
    with pytest.raises(Boom):
        store.put(DATA)
    monkeypatch.undo()
    assert not store.exists(_sha256(DATA))
    assert _leftovers(store.root) == []


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_bytes(b"previous")
    monkeypatch.setattr(blobs_module.os, "replace", _boom)
    with pytest.raises(Boom):
        write_atomically(target, b"next")
    monkeypatch.undo()
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_a_write_interrupted_by_the_data_leaves_nothing(tmp_path):
    # str is not bytes: the write itself raises, after the temporary file was created
    with pytest.raises(TypeError):
        write_atomically(tmp_path / "out" / "file", "not bytes")  # type: ignore[arg-type]
    assert not (tmp_path / "out" / "file").exists()
    assert _leftovers(tmp_path) == []


def test_write_atomically_creates_missing_folders(tmp_path):
    target = tmp_path / "a" / "b" / "file"
    write_atomically(target, DATA)
    assert target.read_bytes() == DATA
    assert _leftovers(tmp_path) == []


def test_a_put_after_a_failed_one_succeeds(store, monkeypatch):
    monkeypatch.setattr(blobs_module.os, "replace", _boom)
    with pytest.raises(Boom):
        store.put(DATA)
    monkeypatch.undo()
    assert store.put(DATA) == (_sha256(DATA), True)


# --- Vault ---------------------------------------------------------------------------------


def test_vault_round_trip(vault):
    sha = _sha256(ORIGINAL)
    vault.put(sha, ORIGINAL)
    assert vault.has(sha)
    assert vault.get(sha) == ORIGINAL


def test_sealed_file_holds_no_plaintext(vault):
    sha = _sha256(ORIGINAL)
    vault.put(sha, ORIGINAL)
    sealed = vault.location(sha).read_bytes()
    for fragment in (b"WACANARY", b"43.3171N", b"GPS", ORIGINAL[:16]):
        assert fragment not in sealed
    assert len(sealed) == len(ORIGINAL) + 12 + 16  # nonce + ciphertext + tag


def test_sealing_twice_uses_a_fresh_nonce(vault):
    sha = _sha256(ORIGINAL)
    vault.put(sha, ORIGINAL)
    first = vault.location(sha).read_bytes()
    vault.put(sha, ORIGINAL)
    second = vault.location(sha).read_bytes()
    assert first[:12] != second[:12]
    assert vault.get(sha) == ORIGINAL


def test_wrong_key_cannot_open_the_vault(tmp_path, vault):
    sha = _sha256(ORIGINAL)
    vault.put(sha, ORIGINAL)
    with pytest.raises(NotFound):
        Vault(vault.root, _key()).get(sha)


def test_a_file_swapped_for_another_fails_its_check(vault):
    # Same key, valid ciphertext: only the associated data (the SHA-256) tells them apart.
    a, b = _sha256(ORIGINAL), _sha256(DATA)
    vault.put(a, ORIGINAL)
    vault.put(b, DATA)
    vault.location(b).write_bytes(vault.location(a).read_bytes())
    with pytest.raises(NotFound):
        vault.get(b)
    assert vault.get(a) == ORIGINAL


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
def test_a_flipped_byte_fails_its_check(vault, where):
    sha = _sha256(ORIGINAL)
    vault.put(sha, ORIGINAL)
    path = vault.location(sha)
    sealed = bytearray(path.read_bytes())
    sealed[{"nonce": 0, "ciphertext": 20, "tag": -1}[where]] ^= 0x01
    path.write_bytes(bytes(sealed))
    with pytest.raises(NotFound):
        vault.get(sha)


@pytest.mark.parametrize("sealed", [b"", b"short", bytes(12)], ids=["empty", "short", "nonce"])
def test_a_truncated_vault_file_fails_its_check(vault, sealed):
    sha = _sha256(ORIGINAL)
    vault.root.mkdir(parents=True)
    vault.location(sha).write_bytes(sealed)
    with pytest.raises(NotFound):
        vault.get(sha)


def test_a_missing_original_is_not_found(vault):
    with pytest.raises(NotFound):
        vault.get(_sha256(b"never stored"))


def test_delete_removes_the_sealed_file(vault):
    sha = _sha256(ORIGINAL)
    vault.put(sha, ORIGINAL)
    vault.delete(sha)
    vault.delete(sha)
    assert not vault.has(sha)


def test_vault_writes_leave_no_partial_file(vault, monkeypatch):
    monkeypatch.setattr(blobs_module.os, "replace", _boom)
    with pytest.raises(Boom):
        vault.put(_sha256(ORIGINAL), ORIGINAL)
    monkeypatch.undo()
    assert not vault.has(_sha256(ORIGINAL))
    assert _leftovers(vault.root) == []


@pytest.mark.parametrize(
    "name",
    ["../escaped", "../../etc/passwd", "A" * 64, "a" * 64 + "\n"],
    ids=["parent", "traversal", "upper-case", "trailing-newline"],
)
def test_vault_accepts_only_sha256_hex_names(tmp_path, vault, name):
    with pytest.raises(ValueError):
        vault.put(name, ORIGINAL)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# --- the key -------------------------------------------------------------------------------


def test_parse_key_reads_url_safe_base64_with_or_without_padding():
    key = _key()
    text = base64.urlsafe_b64encode(key).decode()
    assert parse_key(text) == key
    assert parse_key(text.rstrip("=")) == key
    assert parse_key(f"  {text}\n") == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64 at all!",
        base64.urlsafe_b64encode(bytes(16)).decode(),
        base64.urlsafe_b64encode(bytes(31)).decode(),
        base64.urlsafe_b64encode(bytes(33)).decode(),
        base64.urlsafe_b64encode(bytes(64)).decode(),
        "a",
    ],
    ids=["empty", "words", "16-bytes", "31-bytes", "33-bytes", "64-bytes", "one-char"],
)
def test_parse_key_refuses_anything_but_32_bytes(text):
    with pytest.raises(ConfigError, match="ARCHIVE_VAULT_KEY"):
        parse_key(text)


def test_the_key_error_does_not_echo_the_key():
    text = base64.urlsafe_b64encode(bytes(range(31))).decode()
    with pytest.raises(ConfigError) as caught:
        parse_key(text)
    assert text not in str(caught.value)
