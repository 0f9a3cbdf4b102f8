"""A copy of the database alone, or a bundle, gives away no original text and no real name:
original texts and fields, protected names, redaction decisions and every revision are sealed
under the vault key (storage/sealing.py), while custodians read them as ever through the app."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from archive.backup import export_archive
from archive.config import document_kinds
from archive.corpus.cases import create_case, validate_case
from archive.documents.edit import update_document
from archive.documents.intake import create_document, sha256_hex
from archive.documents.review import review_redaction
from archive.documents.submission import validate_document
from archive.protection.identities import protect_identity
from archive.services import get_db
from archive.storage.models import Document, ProtectedIdentity, RedactionDecision
from archive.storage.sealed_rows import check_sealed, seal_plain, sealed_tables
from archive.storage.sealing import Sealer
from tests import databases
from tests.conftest import SETUP

pytestmark = pytest.mark.storage

NAME = "Ruslan Zakharovich Canarkhanov"  # a protected witness: in names, text, title, fields
ALIAS = "Ruslik Canarkhanov"
MISSED = "Canarskaya street cellar"  # what a custodian adds in review: a decision's value
CANARIES = ("Canarkhanov", "Canarskaya")


def _world(app) -> int:
    kinds = document_kinds(app.config)
    with app.app_context(), get_db(app).session() as s:
        case = create_case(s, validate_case({"slug": "sealed", "title": "Sealed"}), SETUP, "cli")
        protect_identity(s, case, [NAME, ALIAS], "Witness A", SETUP, "cli")
        fields = {
            "case": "sealed", "kind": "testimony", "language": "en", "consent": "public", "status": "in_review",
            "grading": {"source": "B", "information": "2", "note": f"Vouched for by {NAME} himself."},
            "title": f"Account of {NAME}", "attribution": f"Told by {ALIAS} to the team.",
            "tags": ["detention", ALIAS], "places": ["Grozny"],
            "source": {"outlet": "Field notes", "author": f"{NAME} himself"},
            "body": f"{NAME} was held near the {MISSED} for a week.\n",
        }  # fmt: skip
        data = repr(sorted(fields.items())).encode()
        document = create_document(
            s, validate_document(fields, kinds, "t"), sha256_hex(data), SETUP, "cli", received=data
        )
        review_redaction(s, document, SETUP, "cli", add=[(MISSED, "ADDRESS")], publish=True)
        fields["body"] += f"{ALIAS} said it again later.\n"
        update_document(
            s, document, validate_document(fields, kinds, "t"), SETUP, "cli", reason=f"{ALIAS} asked for it"
        )
        return document.id


def _leaks(data: bytes) -> list[str]:
    found = []
    for canary in CANARIES:
        for encoded in (canary.encode(), canary.encode("utf-16-le"), base64.b64encode(canary.encode())):
            if encoded in data:
                found.append(canary)
    return found


def _database_bytes(app) -> bytes:
    """Every byte of the database as a thief holding a copy would read it."""
    get_db(app).dispose()
    if databases.ENGINE == "sqlite":
        path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
        return b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if os.path.exists(p))
    with get_db(app).engine.connect() as connection:  # every row of every table, as text
        tables = connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
        rows = []
        for (table,) in tables.all():  # names from the catalogue, quoted
            rows += connection.execute(text(f'SELECT t::text FROM "{table}" t')).scalars().all()  # noqa: S608
        return "\n".join(rows).encode()


def test_a_copy_of_the_database_holds_no_original_text_and_no_real_name(make_app):
    app = make_app(VAULT_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode())
    doc_id = _world(app)
    assert _leaks(_database_bytes(app)) == []
    with app.app_context(), get_db(app).session() as s:  # custodians read them as ever
        document = s.get(Document, doc_id)
        assert NAME in document.body_original and ALIAS in document.body_original
        assert document.fields_original["source"]["author"] == f"{NAME} himself"
        assert NAME in s.query(ProtectedIdentity).one().names
        assert s.query(RedactionDecision).one().value == MISSED
        assert NAME not in document.body_public and "Witness A" in document.body_public


def test_without_a_key_the_same_copy_shows_them(make_app):
    """The check above can fail: an archive with no vault key keeps them plain."""
    app = make_app()
    _world(app)
    assert set(_leaks(_database_bytes(app))) == set(CANARIES)


def test_a_bundle_holds_no_original_text_and_no_real_name(make_app, tmp_path):
    app = make_app(VAULT_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode())
    _world(app)
    target = tmp_path / "bundle"
    with app.app_context(), get_db(app).session() as s:
        export_archive(s, SETUP, Path(app.config["DATA_DIR"]), target, get_db(app).revision(), "cli")
    leaked = {str(p.relative_to(target)): _leaks(p.read_bytes()) for p in target.rglob("*") if p.is_file()}
    assert {name: found for name, found in leaked.items() if found} == {}
    assert any(name.startswith("p/") for name in leaked)  # sealed files, named by a keyed hash


def test_values_kept_plain_before_the_key_are_sealed_and_leave_no_copy(make_app):
    """`archive init` on an archive that had no key: every plain value sealed, and the file
    rewritten so that the plain copies leave no trace in free pages or the log."""
    app = make_app()
    doc_id = _world(app)
    assert _leaks(_database_bytes(app))
    key = os.urandom(32)
    database = get_db(app)
    database.sealer = Sealer(key)
    with app.app_context(), database.session() as s:
        sealed = seal_plain(s, database.sealer)
        s.commit()
        assert sealed >= 5  # body, fields, names, decision, the revisions' values
        assert seal_plain(s, database.sealer) == 0
        assert check_sealed(s, database.sealer)[1] == []
    database.purge_free_space(sealed_tables())
    assert _leaks(_database_bytes(app)) == []
    with app.app_context(), database.session() as s:
        assert NAME in s.get(Document, doc_id).body_original
