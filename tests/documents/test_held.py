"""Files of a failed save, held sealed for the next try (archive/documents/held.py)."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from archive.documents.held import HeldUploads, describe, keepable, renumbered
from archive.documents.media import Upload
from archive.errors import MediaRefused, ValidationError
from tests.media.dirty import make_dirty

SECRET = "s" * 40
CANARY = b"Witness-Canary-Ruslan-Magomedov-+7-928-555-01-23"


def _uploads() -> list[Upload]:
    photo = make_dirty("jpeg", 6)
    return [Upload(photo.data, "file 1"), Upload(CANARY * 2000, "file 2", disguise_voice=True)]


@pytest.fixture
def held(tmp_path) -> HeldUploads:
    return HeldUploads(tmp_path / "held", SECRET)


def _files(held: HeldUploads) -> list:
    return sorted(held.root.iterdir()) if held.root.exists() else []


def test_held_files_come_back_whole_in_order_with_their_choices(held):
    uploads = _uploads()
    token = held.hold(uploads, user=7)
    back = held.take(token, user=7)
    assert [(u.data, u.name, u.disguise_voice) for u in back] == [(u.data, u.name, u.disguise_voice) for u in uploads]


def test_they_are_taken_once_and_leave_nothing_behind(held):
    token = held.hold(_uploads(), user=7)
    assert len(held.take(token, user=7)) == 2
    assert held.take(token, user=7) == []
    assert _files(held) == []


def test_nothing_on_disk_reads_as_the_original_or_names_it(held):
    uploads = _uploads()
    token = held.hold(uploads, user=7)
    (sealed,) = _files(held)
    data = sealed.read_bytes()
    assert CANARY not in data and CANARY[:16] not in data
    assert uploads[0].data[:4096] not in data
    assert token not in sealed.name and "file" not in sealed.name
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600
    assert stat.S_IMODE(held.root.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "other",
    [
        {"user": 8},  # another account with the same token
        {"user": None},  # nobody signed in
        {"secret": "t" * 40},  # a server with another secret key (a copied disk)
    ],
)
def test_another_account_or_server_opens_nothing(tmp_path, other):
    mine = HeldUploads(tmp_path / "held", SECRET)
    token = mine.hold(_uploads(), user=7)
    theirs = HeldUploads(tmp_path / "held", other.get("secret", SECRET))
    assert theirs.take(token, user=other.get("user", 7)) == []


def test_an_altered_sealed_file_opens_nothing(held):
    token = held.hold(_uploads(), user=7)
    (sealed,) = _files(held)
    data = bytearray(sealed.read_bytes())
    data[len(data) // 2] ^= 1
    sealed.write_bytes(bytes(data))
    assert held.take(token, user=7) == []
    assert _files(held) == []


@pytest.mark.parametrize(
    "token",
    [None, "", "../../etc/passwd", "A" * 42, "A" * 44, "A" * 42 + "!", "A" * 42 + "\n", "Я" * 43],
)
def test_malformed_or_unknown_tokens_give_nothing(held, token):
    held.hold(_uploads(), user=7)
    assert held.take(token, user=7) == []
    assert len(_files(held)) == 1  # someone else's held files are untouched


def test_held_files_expire(tmp_path):
    held = HeldUploads(tmp_path / "held", SECRET, seconds=60)
    token = held.hold(_uploads(), user=7)
    (sealed,) = _files(held)
    old = sealed.stat().st_mtime - 61
    os.utime(sealed, (old, old))
    fresh = held.hold([Upload(b"x" * 10, "file 1")], user=7)  # every hold sweeps
    assert held.take(token, user=7) == []
    assert len(held.take(fresh, user=7)) == 1


def test_two_submits_at_once_take_them_once(held):
    token = held.hold(_uploads(), user=7)
    got, start = [], threading.Barrier(8)

    def take():
        start.wait()
        got.append(len(held.take(token, user=7)))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == [0] * 7 + [2]


def test_a_real_size_recording_is_held(held):
    big = os.urandom(48 * 1024 * 1024)
    token = held.hold([Upload(big, "file 1")], user=1)
    assert held.take(token, user=1)[0].data == big


def test_nothing_to_hold_makes_no_token(held):
    assert held.hold([], user=7) is None
    assert _files(held) == []


def test_a_refused_file_is_not_kept_the_others_are():
    uploads = _uploads()
    assert keepable(uploads, MediaRefused("is HTML", source="file 2")) == uploads[:1]
    assert keepable(uploads, ValidationError("is required", field="title")) == uploads


def test_kept_and_new_files_are_numbered_in_attaching_order():
    uploads = renumbered([Upload(b"a", "file 2"), Upload(b"b", "file 1", True)])
    assert [(u.name, u.disguise_voice) for u in uploads] == [("file 1", False), ("file 2", True)]


def test_the_form_is_told_kind_and_size_never_a_name():
    shown = describe(_uploads())
    assert [(h.kind, h.size > 0, h.disguise_voice) for h in shown] == [("jpeg", True, False), ("file", True, True)]
