"""The vault of sealed originals (rotate its key), every stored file checked (fsck), and what
readers get of every decided picture read again (check-pictures)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from archive.cli.common import VIA, actor, ensure_schema, with_archive
from archive.documents.pictures import check_copies
from archive.services import media_store
from archive.storage import audit, document_keys
from archive.storage.fsck import check_files
from archive.storage.models import MediaFile
from archive.storage.sealed_rows import answers_to, check_sealed, reseal
from archive.storage.sealing import Sealer
from archive.storage.unit import unit_of_work
from archive.storage.vault import Vault, new_key, parse_key


@click.group("vault")
def vault_group() -> None:
    """The vault of sealed originals."""


@vault_group.command("rotate")
@with_archive
def rotate_command() -> None:
    """Seal every document's key and every value sealed under the vault key again under a new
    key, and replace the key file (originals sealed under their document's key are copied as
    they are).

    Stop every server first: each holds the key it started with. The new sealed files are
    written beside the vault, the database's values are sealed again in one transaction, then
    the folders and the key file are swapped. If this stops half-way, run it again: a rotation
    whose transaction was committed is finished (the database answers to `vault.key.new`), one
    that was not is started over."""
    config = current_app.config
    if os.environ.get("ARCHIVE_VAULT_KEY"):
        raise click.ClickException(
            "the key comes from ARCHIVE_VAULT_KEY: put it in ARCHIVE_VAULT_KEY_FILE (and unset the "
            "variable) to rotate it here, or re-seal by hand"
        )
    key_file = Path(config["VAULT_KEY_FILE"])
    if not config["VAULT_KEY"] or not key_file.is_file():
        raise click.ClickException(f"no vault key at {key_file}: run `archive init`")
    root = Path(config["MEDIA_DIR"])
    staging = root / "vault.rotating"
    pending = key_file.with_name(key_file.name + ".new")
    db = ensure_schema()
    if pending.is_file():
        fresh = pending.read_text(encoding="ascii").strip()
        with db.session() as session:
            committed = answers_to(session, Sealer(parse_key(fresh)))
            if committed:  # every value must open under the new key before the old one goes
                _opened, problems = check_sealed(session, Sealer(parse_key(fresh)))
                if problems:
                    raise click.ClickException(
                        f"{len(problems)} sealed values do not open with {pending.name} (the first: {problems[0]}): "
                        "the rotation cannot be finished safely; keep both key files and restore from a bundle"
                    )
        if committed:  # the database was sealed again: only the swap is left
            db.sealer = Sealer(parse_key(fresh))
            _swap(root, staging, pending, key_file)
            with db.session() as session, unit_of_work(session):
                audit.record(session, actor(), VIA, "vault.rotate", "vault", None, resumed=True)
            click.echo(
                f"an interrupted rotation was finished: the new key is now {key_file}. Back it up now and "
                "restart the servers."
            )
            return
        pending.unlink()  # stopped before its transaction: nothing answers to it; start over
    old = Vault(root / "vault", parse_key(config["VAULT_KEY"]))
    shutil.rmtree(staging, ignore_errors=True)
    fresh = new_key()
    sealed = Vault(staging, parse_key(fresh))
    with db.session() as session:
        kept = sorted(
            set(session.execute(select(MediaFile.document_id, MediaFile.original_sha256).where(MediaFile.in_vault)))
        )
        originals = sorted({original for _d, original in kept})
        staging.mkdir(mode=0o700, exist_ok=True)
        for document_id, original in kept:
            key = document_keys.raw_key(session, document_id, create=False)
            own = Vault(root / "vault", key, legacy=False) if key is not None else None
            if own is not None and own.has(original):  # under the document's key: unchanged
                shutil.copy2(own.location(original), staging / own.location(original).name)
            elif not sealed.has(original):  # under the vault key itself: sealed again
                sealed.put(original, old.get(original))
        # the values sealed in the database, in one transaction: from its commit on, the
        # database answers to the new key (vault.key.new until the swap below)
        values = reseal(session, db.sealer, Sealer(parse_key(fresh)))
        pending.write_text(fresh + "\n", encoding="ascii")
        os.chmod(pending, 0o600)
        session.commit()
        db.sealer = Sealer(parse_key(fresh))
        _swap(root, staging, pending, key_file)
        with unit_of_work(session):
            audit.record(session, actor(), VIA, "vault.rotate", "vault", None, originals=len(originals), values=values)
    click.echo(
        f"{len(originals)} originals and {values} database values sealed again under a new key, written to {key_file}. "
        "Back the new key up now (the old one opens nothing any more) and restart the servers."
    )


def _swap(root: Path, staging: Path, pending: Path, key_file: Path) -> None:
    """Put the new vault folder and key file in place of the old (each step a rename, so a
    second run after a crash finds either the old or the new one)."""
    if staging.exists():
        if (root / "vault").exists():
            os.replace(root / "vault", root / f"vault.retired-{int(time.time())}")
        os.replace(staging, root / "vault")
    os.replace(pending, key_file)
    for retired in root.glob("vault.retired-*"):  # the old sealed files open with nothing now
        shutil.rmtree(retired, ignore_errors=True)


@click.command("fsck")
@with_archive
def fsck_command() -> None:
    """Re-hash every stored file and open every sealed original; exit 1 on any problem."""
    store = media_store()
    db = ensure_schema()
    with db.session() as session:
        original = (lambda media: store.original(session, media)) if store.vault is not None else None
        report = check_files(session, store.blobs, original)
        opened, problems = check_sealed(session, db.sealer)
        report.problems += problems
        with unit_of_work(session):
            audit.record(
                session, actor(), VIA, "archive.fsck", "archive", None,
                files=report.files, originals=report.originals, values=opened, problems=len(report.problems),
            )  # fmt: skip
    for problem in report.problems:
        click.echo(f"problem  {problem}")
    if report.unreferenced:
        click.echo(f"{len(report.unreferenced)} files in the media folder that no row refers to (left alone)")
    click.echo(
        f"{report.files} files and thumbnails re-hashed, {report.originals} sealed originals and {opened} "
        "sealed database values opened: "
        f"{len(report.problems) or 'no'} problems"
    )
    if not report.ok:
        sys.exit(1)


@click.command("check-pictures")
@with_archive
def check_pictures_command() -> None:
    """Read again what readers get of every decided photo and scan (faces by the detector, text
    by OCR, a PDF's text layer); exit 1 if one still shows what its decision hides."""
    db = ensure_schema()
    with db.session() as session:
        checked = check_copies(session, media_store())
        with unit_of_work(session):
            audit.record(
                session, actor(), VIA, "media.pictures.check", "archive", None,
                files=checked.files, waiting=checked.waiting, problems=len(checked.problems),
            )  # fmt: skip
    for problem in checked.problems:
        click.echo(f"problem  {problem}")
    click.echo(
        f"{checked.files} public copies read again, {checked.waiting} files readers get nothing of "
        f"(undecided, withheld from a changed protection): {len(checked.problems) or 'no'} problems"
    )
    if checked.problems:
        sys.exit(1)
