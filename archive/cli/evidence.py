"""Evidence packages: export documents as a BagIt bag a court can check, and check one."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from archive.auth.actors import command_line_actor
from archive.cli.common import VIA, ensure_schema, reviewer, with_archive
from archive.evidence.export import export_evidence
from archive.evidence.verify import verify_evidence
from archive.services import media_store
from archive.storage.anchors import Authority, load_signing_key


@click.command("export-evidence")
@click.argument("document_ids", nargs=-1, type=int, required=True)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="A new folder for the bag.")
@click.option("--custodian", required=True, metavar="USER", help="The custodian's account on whose word it is made.")
@click.option("--open-originals", is_flag=True, help="Write originals as received (default: sealed under a new key).")
@with_archive
def export_evidence_command(document_ids: tuple[int, ...], out: Path, custodian: str, open_originals: bool) -> None:
    """Write the evidence package of documents DOCUMENT_IDS: originals (sealed, or opened), the
    cleaned copies, the public texts, a PROV lineage, the custody log up to a head signed for
    it, and BagIt manifests. Refused for a document whose consent does not cover legal use."""
    config = current_app.config
    vouching = reviewer(custodian, "--custodian")
    key_file = Path(config["AUDIT_KEY_FILE"])
    if not key_file.is_file():
        raise click.ClickException(f"no audit signing key at {key_file}: run `archive init`")
    authority = Authority(config["TSA_URL"], config["TSA_CA_FILE"]) if config["TSA_URL"] else None
    actor = command_line_actor("custodian", attested_by=vouching, vouched=frozenset({"evidence:export"}))
    db = ensure_schema()
    with db.session() as session:
        package = export_evidence(
            session, list(document_ids), out, media_store(), actor, VIA, load_signing_key(key_file), authority,
            open_originals,
        )  # fmt: skip
    click.echo(
        f"{package.documents} documents, {package.files} files, custody log to entry {package.head_entry} "
        f"signed{' and time-stamped' if package.time_stamped else ''}: {package.path}"
    )
    if package.bag_key:
        click.echo(f"bag key (originals are sealed under it; hand it over apart from the bag): {package.bag_key}")


@click.command("verify-evidence")
@click.argument("bag", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--key", "bag_key", default=None, help="The bag key, to open sealed originals and hash them.")
@click.option("--public-key", default=None, help="The archive's published public key (hex), to check the signer.")
@click.option("--tsa-ca", default=None, type=click.Path(exists=True, dir_okay=False), help="The authority's CA (PEM).")
def verify_evidence_command(bag: Path, bag_key: str | None, public_key: str | None, tsa_ca: str | None) -> None:
    """Check an evidence package offline: no archive, database or vault key needed. Exit 1 on
    any problem."""
    report = verify_evidence(bag, bag_key, public_key, tsa_ca)
    for problem in report.problems:
        click.echo(f"problem  {problem}")
    sealed = f", {report.originals_sealed} left sealed (give --key)" if report.originals_sealed else ""
    stamp = f"; time-stamped {report.time_stamp}" if report.time_stamp else ""
    signer = "" if public_key else " (give --public-key to check who signed it)"
    click.echo(
        f"{report.documents} documents, {report.files} files, {report.originals_opened} originals hashed{sealed}, "
        f"{report.entries} custody entries recomputed{stamp}{signer}: "
        + ("the package holds" if report.ok else f"{len(report.problems)} problems")
    )
    if not report.ok:
        sys.exit(1)
