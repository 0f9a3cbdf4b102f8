"""A bundle that is neither sealed nor signed (written by an archive without keys) is not
restored into an archive that has keys, unless its manifest hash vouches for it: a forger
cannot dodge the signature by relabelling a bundle as plain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.backup import export_archive, import_archive
from archive.errors import ValidationError
from archive.services import get_db
from archive.storage.vault import new_key
from tests.conftest import SETUP, store_document

pytestmark = pytest.mark.storage


def test_a_plain_bundle_needs_its_manifest_hash_in_an_archive_with_keys(make_app, tmp_path):
    plain = make_app()
    store_document(plain, slug="plain", title="Written without keys")
    target = tmp_path / "plain-bundle"
    with plain.app_context(), get_db(plain).session() as s:
        report = export_archive(s, SETUP, Path(plain.config["DATA_DIR"]), target, get_db(plain).revision(), "cli")
    assert json.loads((target / "manifest.json").read_text())["version"] == 1
    keyed = make_app(VAULT_KEY=new_key())
    with keyed.app_context(), get_db(keyed).session() as s:
        revision = get_db(keyed).revision()
        with pytest.raises(ValidationError, match="neither sealed nor signed"):
            import_archive(s, SETUP, Path(keyed.config["DATA_DIR"]), target, revision, "cli")
        restored = import_archive(
            s, SETUP, Path(keyed.config["DATA_DIR"]), target, revision, "cli", report.manifest_sha256
        )
    assert restored.rows["documents"] == 1
