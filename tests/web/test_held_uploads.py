"""A failed save keeps its files: held sealed, shown on the form, attached on the next try.

The files carry canaries in their metadata and identifying names; neither may appear on the
form shown again, nor anywhere on disk, while they wait.
"""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import pytest

from archive.storage.models import Document, MediaFile
from tests.media.dirty import leaked_canaries
from tests.web.conftest import token_from
from tests.web.test_media import (
    FORM,
    SECRET_NAME,
    Readers,
    add_case,
    count_rows,
    created_id,
    dirty,
    every_canary,
    hostile,
    leaks_on_disk,
    media_ids,
    stored_files,
)


@pytest.fixture(params=["vault", "no vault"])
def vault_app(request, make_app):
    """Held files need no vault (their key is the form's token and the server's secret)."""
    key = base64.urlsafe_b64encode(os.urandom(32)).decode() if request.param == "vault" else ""
    app = make_app(VAULT_KEY=key)
    add_case(app)
    return app


@pytest.fixture
def readers(vault_app):
    return Readers(vault_app)


@pytest.fixture
def custodian(readers):
    return readers("custodian")


def post_form(client, path: str, files=(), **fields):
    data = {**FORM, **fields, "csrf_token": token_from(client, path if "edit" in path else "/documents/new")}
    data["media"] = [(io.BytesIO(d.data), f"{SECRET_NAME}-{n}{d.suffix}") for n, d in enumerate(files)]
    return client.post(path, data=data, content_type="multipart/form-data")


def held_token(page) -> str:
    found = re.search(r'<input[^>]*name="held"[^>]*value="([^"]+)"', page.text)
    assert found, "the form carries no held token"
    return found[1]


def held_files(app) -> list[Path]:
    folder = Path(app.config["MEDIA_DIR"]) / "held"
    return sorted(folder.iterdir()) if folder.exists() else []


def kept_list(page) -> list[str]:
    section = re.search(r'<section class="held".*?</section>', page.text, re.S)
    return re.findall(r"<li>(.*?)</li>", section[0], re.S) if section else []


def test_a_form_that_fails_keeps_its_files_and_the_next_save_attaches_them(vault_app, custodian):
    files = [dirty("jpeg", 6), dirty("png")]
    failed = post_form(custodian, "/documents/new", files, title="")
    assert failed.status_code == 400
    assert [re.sub(r"\s+", " ", item).split(",")[0] for item in kept_list(failed)] == ["File 1: JPEG", "File 2: PNG"]
    assert SECRET_NAME not in failed.text
    assert not leaked_canaries(failed.data, every_canary(files))
    assert count_rows(vault_app, Document) == 0 and stored_files(vault_app, "media", "vault") == []
    assert len(held_files(vault_app)) == 1
    assert not leaks_on_disk(vault_app, every_canary(files), [f.data for f in files])

    saved = post_form(custodian, "/documents/new", held=held_token(failed))
    doc_id = created_id(saved)
    assert len(media_ids(vault_app, doc_id)) == 2
    assert held_files(vault_app) == []


def test_files_survive_two_failures_and_join_new_ones(vault_app, custodian):
    first = post_form(custodian, "/documents/new", [dirty("jpeg", 6)], title="")
    second = post_form(custodian, "/documents/new", [dirty("webp")], title="", held=held_token(first))
    assert len(kept_list(second)) == 2
    assert held_token(second) != held_token(first)
    third = post_form(custodian, "/documents/new", [dirty("png")], held=held_token(second))
    doc_id = created_id(third)
    assert _kinds(vault_app, doc_id) == ["jpeg", "webp", "png"]
    assert held_files(vault_app) == []


def _kinds(app, doc_id: int) -> list[str]:
    from sqlalchemy import select

    from archive.services import get_db

    with app.app_context(), get_db(app).session() as s:
        return list(s.scalars(select(MediaFile.kind).where(MediaFile.document_id == doc_id).order_by(MediaFile.id)))


def test_a_refused_file_is_not_kept_but_the_others_are(vault_app, custodian):
    data = {**FORM, "csrf_token": token_from(custodian, "/documents/new")}
    data["media"] = [
        (io.BytesIO(dirty("png").data), f"{SECRET_NAME}.png"),
        (io.BytesIO(hostile()["html-as-jpg"]), f"{SECRET_NAME}.jpg"),
    ]
    failed = custodian.post("/documents/new", data=data, content_type="multipart/form-data")
    assert failed.status_code == 400 and "is HTML" in failed.text
    assert len(kept_list(failed)) == 1 and "PNG" in kept_list(failed)[0]
    doc_id = created_id(post_form(custodian, "/documents/new", held=held_token(failed)))
    assert _kinds(vault_app, doc_id) == ["png"]


def test_the_custodian_can_drop_the_kept_files(vault_app, custodian):
    failed = post_form(custodian, "/documents/new", [dirty("jpeg", 6)], title="")
    doc_id = created_id(post_form(custodian, "/documents/new", held=held_token(failed), drop_held="1"))
    assert media_ids(vault_app, doc_id) == []
    assert held_files(vault_app) == []


def test_another_custodian_with_the_token_gets_nothing(vault_app, readers, custodian):
    failed = post_form(custodian, "/documents/new", [dirty("jpeg", 6)], title="")
    other = readers("admin")
    doc_id = created_id(post_form(other, "/documents/new", held=held_token(failed)))
    assert media_ids(vault_app, doc_id) == []


def test_an_edit_conflict_keeps_the_files(vault_app, custodian):
    doc_id = created_id(post_form(custodian, "/documents/new"))
    path = f"/documents/{doc_id}/edit"
    read = re.search(r'name="revision"[^>]*value="(\d+)"', custodian.get(path).text)[1]
    assert post_form(custodian, path, title="Saved meanwhile", revision=read).status_code == 302
    late = post_form(custodian, path, [dirty("jpeg", 6)], title="Saved late", revision=read)
    assert late.status_code == 409
    assert len(kept_list(late)) == 1
    fresh = re.search(r'name="revision"[^>]*value="(\d+)"', custodian.get(path).text)[1]
    again = post_form(custodian, path, title="Saved late", revision=fresh, held=held_token(late))
    assert again.status_code == 302
    assert len(media_ids(vault_app, doc_id)) == 1


def test_the_notice_is_in_the_readers_language(custodian):
    custodian.get("/language/ru?next=/")
    failed = post_form(custodian, "/documents/new", [dirty("jpeg", 6), dirty("png")], title="")
    assert "2 файла из прошлой попытки сохранены" in failed.text
    assert "Файл 1: JPEG" in failed.text
