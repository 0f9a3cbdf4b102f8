"""Password hashes: scrypt from the standard library in Werkzeug's format, so accounts made
before the use cases stopped importing the web framework sign in as before, and both read
each other's hashes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from archive.auth import passwords
from archive.auth.passwords import check_password, hash_password

SECRET = "correct horse battery staple"


def test_a_hash_checks_its_own_password_only(monkeypatch):
    monkeypatch.setattr(passwords, "COST", (2**15, 8, 1))  # the real cost (the suite's is small)
    stored = hash_password(SECRET)
    assert stored.startswith("scrypt:32768:8:1$")
    assert check_password(stored, SECRET)
    assert not check_password(stored, SECRET + " ")
    assert hash_password(SECRET) != stored  # salted


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256:100000", "pbkdf2:sha256"])
def test_hashes_made_by_werkzeug_are_read(method):
    stored = generate_password_hash(SECRET, method=method)
    assert check_password(stored, SECRET)
    assert not check_password(stored, "wrong password!")


def test_werkzeug_reads_our_hashes():
    assert check_password_hash(hash_password(SECRET), SECRET)


@pytest.mark.parametrize("stored", ["", "plain", "md5$salt$abc", "scrypt:x:y:z$salt$abc", "scrypt$only-two"])
def test_a_hash_we_cannot_read_matches_nothing(stored):
    assert not check_password(stored, SECRET)


def test_the_archive_hashes_new_passwords_at_werkzeugs_default_cost():
    """The suite hashes cheaply (tests/conftest.py); the archive itself must not."""
    made = subprocess.run(
        [sys.executable, "-c", "from archive.auth.passwords import hash_password; print(hash_password('x' * 12))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert made.split("$")[0] == generate_password_hash(SECRET).split("$")[0] == "scrypt:32768:8:1"
