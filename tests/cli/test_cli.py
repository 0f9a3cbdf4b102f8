"""The `archive` command, run as installed: each command honours ARCHIVE_* and says what it did."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from sqlalchemy import func, select

from archive.auth.users import authenticate
from archive.cli import COMMANDS as LOADED
from archive.cli import main
from archive.corpus.loader import corpus_files
from archive.storage import queries
from archive.storage.models import AuditEntry, Document, User
from tests import databases

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
SECRET = "a correct horse battery"
COMMANDS = ("init", "load-corpus", "ingest", "create-user", "run", "generate-sample")


def _document(slug: str, **changes) -> bytes:
    fields = {
        "slug": slug,
        "case": "cli-case",
        "kind": "testimony",
        "title": f"Testimony {slug}",
        "language": "en",
        **changes,
    }
    return f"---\n{yaml.safe_dump(fields)}---\nThe account of {slug}.\n".encode()


def test_help_lists_every_command(archive):
    result = archive("--help")
    assert result.returncode == 0
    listed = re.findall(r"^  ([a-z-]+)\s", result.stdout, re.M)
    assert set(COMMANDS) <= set(listed)


@pytest.mark.parametrize(
    "args",
    [("load-corpus", CORPUS), ("ingest", CORPUS), ("create-user", "alice", "--password", SECRET)],
    ids=["load-corpus", "ingest", "create-user"],
)
def test_command_before_init_tells_the_user_to_run_init(archive, args):
    result = archive(*args)
    assert result.returncode == 1
    assert "run `archive init`" in result.stderr


def test_init_creates_the_database_under_data_dir_and_a_custodian_once(
    initialised_data, initialised, archive, database, workdir
):
    _, first = initialised_data
    assert "database at revision" in first.stdout
    assert "user name: custodian" in first.stdout
    (password,) = re.findall(r"password:\s+(\S+)", first.stdout)
    if databases.ENGINE == "sqlite":
        assert (initialised / "archive.sqlite3").is_file()

    second = archive("init")
    assert second.returncode == 0, second.stderr
    assert "database at revision" in second.stdout
    assert "password" not in second.stdout
    assert list(workdir.iterdir()) == []  # nothing written beside the user's files

    with database().session() as session:
        user = authenticate(session, "custodian", password, "cli")
        assert user is not None and user.role == "admin"
        assert queries.count_users(session, ("researcher", "custodian", "admin")) == 1


def test_load_corpus_reports_counts_and_a_second_run_adds_nothing(initialised, archive):
    env = {"ARCHIVE_CORPUS_DIR": str(CORPUS)}
    files = len(corpus_files(CORPUS))

    first = archive("load-corpus", "--reviewed-by", "custodian", env=env)
    assert first.returncode == 0, first.stderr
    assert f"{files} added, 0 already loaded, 0 errors" in first.stdout

    second = archive("load-corpus", "--reviewed-by", "custodian", env=env)
    assert second.returncode == 0, second.stderr
    assert f"0 added, {files} already loaded, 0 errors" in second.stdout


def test_ingest_prints_each_file_and_exits_1_when_one_fails(initialised, archive, cli_case, tmp_path, database):
    assert archive("load-corpus", "--reviewed-by", "custodian", cli_case).returncode == 0
    good = tmp_path / "good.md"
    good.write_bytes(_document("good"))
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "a-another.md").write_bytes(_document("another"))
    (folder / "b-bad.md").write_bytes(_document("bad", published="2017-13"))
    (folder / "c-cp1251.md").write_bytes("---\ntitle: Показания\n---\n".encode("cp1251"))

    alone = archive("ingest", good)
    assert alone.returncode == 0, alone.stderr
    assert re.search(rf"^ingested\s+{re.escape(str(good))} document \d+$", alone.stdout, re.M)
    assert "1 ingested, 0 duplicate, 0 error" in alone.stdout

    mixed = archive("ingest", good, folder)
    assert mixed.returncode == 1
    rows = [line.split() for line in mixed.stdout.splitlines() if "/" in line]
    statuses = {words[1]: words[0] for words in rows}  # "status path [document N] [message]"
    assert statuses == {
        str(good): "duplicate",
        str(folder / "a-another.md"): "ingested",
        str(folder / "b-bad.md"): "error",
        str(folder / "c-cp1251.md"): "error",
    }
    assert "published" in mixed.stdout
    assert "1 ingested, 1 duplicate, 2 error" in mixed.stdout

    with database().session() as session:
        slugs = set(session.scalars(select(Document.slug)))
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "document.create", AuditEntry.via == "cli")
        )
    assert slugs == {"good", "another"}
    assert audited == 2


def test_create_user_makes_an_account_with_the_role(initialised, archive, database):
    result = archive("create-user", "alice", "--role", "researcher", "--password", SECRET)
    assert result.returncode == 0, result.stderr
    assert re.search(r"created researcher alice \(id \d+\)", result.stdout)
    with database().session() as session:
        user = authenticate(session, "alice", SECRET, "cli")
        assert user is not None and user.role == "researcher"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--role", "researcher", "--password", "too-short"), 1, "at least 12 characters"),
        (("--role", "wizard", "--password", SECRET), 2, "Invalid value for '--role'"),
    ],
    ids=["short password", "unknown role"],
)
def test_create_user_refuses_bad_input(initialised, archive, database, args, code, message):
    result = archive("create-user", "bob", *args)
    assert result.returncode == code
    assert message in result.stderr
    with database().session() as session:
        assert queries.user_by_name(session, "bob") is None


def test_generated_sample_loads_with_load_corpus(initialised, archive, tmp_path, database):
    out = tmp_path / "sample"
    generated = archive("generate-sample", "--count", "25", "--out", out)
    assert generated.returncode == 0, generated.stderr
    assert "wrote 25 synthetic documents" in generated.stdout
    assert len(list((out / "synthetic-sample" / "documents").glob("*.md"))) == 25

    loaded = archive("load-corpus", "--reviewed-by", "custodian", out)
    assert loaded.returncode == 0, loaded.stderr
    assert "26 added, 0 already loaded, 0 errors" in loaded.stdout
    with database().session() as session:
        titles = session.scalars(select(Document.title)).all()
    assert len(titles) == 25
    assert all(t.startswith("SYNTHETIC") for t in titles)


def test_generate_sample_writes_under_data_dir_by_default(archive, data_dir, workdir):
    result = archive("generate-sample", "--count", "2")
    assert result.returncode == 0, result.stderr
    assert list(workdir.iterdir()) == []
    assert len(list(data_dir.rglob("*.md"))) == 2


def test_production_with_the_development_secret_refuses_to_start(archive, data_dir):
    result = archive("init", env={"ARCHIVE_ENV": "production"})
    assert result.returncode != 0
    assert "refusing to start in production" in result.stderr
    assert "ARCHIVE_SECRET_KEY" in result.stderr
    assert not (data_dir / "archive.sqlite3").exists()


def test_front_matter_saying_reviewed_counts_only_when_a_custodian_vouches(initialised, archive, database, tmp_path):
    """`redaction: reviewed` in a file is the file's own word: without `--reviewed-by`, a
    published document is refused; with it, the review is recorded as that custodian's."""
    doc = tmp_path / "vouched.md"
    doc.write_text(
        "---\ncase: chechnya-2017\nkind: testimony\ntitle: Vouched for\nlanguage: en\nconsent: public\n"
        "status: published\nredaction: reviewed\ngrading: {source: B, information: 2}\n"
        "---\nA text a custodian reviewed before it came in.\n"
    )
    assert archive("load-corpus", "--reviewed-by", "custodian", CORPUS).returncode == 0
    alone = archive("ingest", doc)
    assert alone.returncode == 1 and "cannot be published before its redaction is reviewed" in alone.stdout
    assert archive("create-user", "reader", "--role", "researcher", "--password", SECRET).returncode == 0
    for who in ("nobody-here", "reader"):
        refused = archive("ingest", "--reviewed-by", who, doc)
        assert refused.returncode != 0 and f"--reviewed-by {who}: no active custodian" in refused.stderr
    vouched = archive("ingest", "--reviewed-by", "custodian", doc)
    assert vouched.returncode == 0, vouched.stdout + vouched.stderr
    with database().session() as s:
        custodian = s.scalars(select(User).where(User.username == "custodian")).one()
        document = s.scalars(select(Document).where(Document.title == "Vouched for")).one()
        assert document.redaction_reviewed_by_id == custodian.id and document.status == "published"
        (entry,) = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "document.redaction_attested", AuditEntry.object_id == document.id
            )
        ).all()
        assert entry.principal.startswith("system:") and entry.detail["by"] == custodian.id


@pytest.mark.parametrize("command", ["serve", "run"])
@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "archive.example.org", "::"])  # noqa: S104
def test_serving_beyond_loopback_with_the_development_secret_is_refused(initialised, archive, command, host):
    """The development secret is in the repository: anyone could forge sessions with it."""
    result = archive(command, "--host", host, "--port", "1")
    assert result.returncode != 0
    assert f"refusing to serve on {host} with the development secret" in result.stderr
    assert "ARCHIVE_SECRET_KEY" in result.stderr


def test_serving_on_loopback_with_the_development_secret_is_allowed():
    from archive.cli.setup import refuse_public_dev_secret
    from archive.config import load_config

    config = load_config(environ={})
    for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"):
        refuse_public_dev_secret(config, host)
    strong = load_config({"SECRET_KEY": "x" * 40}, environ={})
    refuse_public_dev_secret(strong, "0.0.0.0")  # noqa: S104 - checked, not bound


def test_every_command_of_the_table_loads_under_its_name():
    ctx = click.Context(main, info_name="archive")
    for name in LOADED:
        command = main.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name


def test_commands_without_a_database_start_without_loading_one():
    """`archive redact`, `strip` and `inspect` import neither the database nor the web stack."""
    probe = (
        "import sys; from archive.cli import main; main.get_command(None, 'redact'); "
        "main.get_command(None, 'strip'); "
        "print(sorted(m for m in ('sqlalchemy', 'archive.services', 'archive.web', 'whoosh') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
