"""Signed, time-stamped heads of the audit log (storage/anchors.py) against a real RFC 3161
authority run locally with `openssl ts`: a chain rebuilt after an edit, a cut tail, a forged
signature, key or time-stamp are each caught; a head that holds verifies."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, func, select

from archive.auditing import anchor_audit_log, verify_audit_heads
from archive.auth.actors import SystemActor
from archive.errors import NotPermitted, ValidationError
from archive.storage import audit
from archive.storage.anchors import Authority, token_time
from archive.storage.models import AuditEntry, AuditHead
from tests.conftest import SETUP
from tests.tsa import start_authority

pytestmark = pytest.mark.storage


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    local = start_authority(tmp_path_factory.mktemp("tsa"))
    yield local
    local.stop()


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def log(session):
    """Return a function appending n entries to the audit log."""

    def append(n: int) -> None:
        for i in range(n):
            audit.record(session, SETUP, "cli", "test.event", "thing", i, step=i)
        session.commit()

    return append


def _anchor(session, key, authority=None):
    where = Authority(authority.url, authority.ca_file) if authority else None
    return anchor_audit_log(session, SETUP, "cli", key, where)


def _check(session, key, authority=None):
    return verify_audit_heads(session, SETUP, key.public_key(), authority.ca_file if authority else "")


def _rebuild_chain(session) -> None:
    """What someone with write access to the database does after editing an entry: recompute
    every link and hash, so that the chain alone holds again."""
    previous = audit.GENESIS
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        entry.prev_hash = previous
        entry.entry_hash = audit.entry_hash(entry)
        previous = entry.entry_hash
    session.commit()


def test_a_signed_and_time_stamped_head_verifies(session, log, key, authority):
    log(5)
    head = _anchor(session, key, authority)
    assert (head.entry_id, head.entries) == (5, 5)
    assert token_time(bytes(head.tsa_token))  # the authority's own clock, in its signed token
    log(3)  # the log goes on after a head was signed
    second = _anchor(session, key, authority)
    report = _check(session, key, authority)
    assert report.ok, report.problems
    assert (report.heads, report.anchored) == (2, 2)
    assert second.entries == 5 + 1 + 3  # the first anchoring is itself in the log
    assert session.scalar(select(func.count()).where(AuditEntry.action == "audit.anchor")) == 2


def test_a_chain_rebuilt_after_an_edit_is_caught_by_the_signed_head(session, log, key, authority):
    log(6)
    _anchor(session, key, authority)
    entry = session.get(AuditEntry, 3)
    entry.detail = {"step": 99}  # the edit someone wants hidden
    session.commit()
    assert not audit.verify(session).ok  # the chain alone sees it...
    _rebuild_chain(session)
    assert audit.verify(session).ok  # ...until it is rebuilt
    report = _check(session, key, authority)
    assert not report.ok
    assert "the chain was rewritten" in report.problems[0]


def test_a_cut_tail_is_caught(session, log, key):
    log(6)
    _anchor(session, key)
    session.execute(delete(AuditEntry).where(AuditEntry.id >= 4))
    session.commit()
    assert audit.verify(session).ok  # a shorter chain is a valid chain
    (problem,) = _check(session, key).problems
    assert "the signed entry is gone (the log was cut before it)" in problem


@pytest.mark.parametrize("forgery", ["signature", "statement", "another key"])
def test_a_forged_head_is_caught(session, log, key, forgery):
    log(4)
    head = _anchor(session, key)
    if forgery == "signature":
        head.signature = bytes([head.signature[0] ^ 1]) + bytes(head.signature[1:])
    elif forgery == "statement":
        head.entries += 1
    else:  # a head made and signed by someone else's key
        _anchor(session, Ed25519PrivateKey.generate())
    session.commit()
    problems = _check(session, key).problems
    expected = {"signature": "does not verify", "statement": "does not match", "another key": "another key"}
    assert any(expected[forgery] in p for p in problems), problems


@pytest.mark.parametrize("forgery", ["altered", "swapped", "another authority"])
def test_a_forged_time_stamp_is_caught(session, log, key, authority, tmp_path, forgery):
    log(3)
    head = _anchor(session, key, authority)
    if forgery == "altered":  # the signed imprint changed, as a forger matching a new statement would
        token = bytearray(head.tsa_token)
        imprint = bytes.fromhex(_digest(head))
        at = bytes(token).index(imprint)
        token[at] ^= 1
        head.tsa_token = bytes(token)
    elif forgery == "swapped":  # a genuine token, for another statement
        log(1)
        other = _anchor(session, key, authority)
        head.tsa_token = other.tsa_token
    else:  # a genuine token from an authority the archive does not trust
        rogue = start_authority(tmp_path / "rogue", "Rogue TSA")
        try:
            head.tsa_token = Authority(rogue.url).stamp(_digest(head))
        finally:
            rogue.stop()
    session.commit()
    problems = _check(session, key, authority).problems
    assert any("the time-stamp does not verify" in p for p in problems), problems


def _digest(head) -> str:
    return hashlib.sha256(head.statement.encode()).hexdigest()


def test_an_authority_that_does_not_answer_is_a_clear_error_and_signs_nothing(session, log, key):
    log(2)
    with pytest.raises(ValidationError, match="did not answer"):
        anchor_audit_log(session, SETUP, "cli", key, Authority("http://127.0.0.1:9/"))
    assert session.scalar(select(func.count()).select_from(AuditHead)) == 0


def test_a_broken_chain_is_not_signed(session, log, key):
    log(3)
    session.get(AuditEntry, 2).action = "test.hidden"
    session.commit()
    with pytest.raises(ValidationError, match="broken at entry 2"):
        _anchor(session, key)


def test_only_those_who_read_the_log_sign_or_check_it(session, log, key):
    log(1)
    for outsider in (None, SystemActor(os_user="nobody", permissions=frozenset())):
        with pytest.raises(NotPermitted):
            anchor_audit_log(session, outsider, "web", key, None)
        with pytest.raises(NotPermitted):
            verify_audit_heads(session, outsider, key.public_key())
