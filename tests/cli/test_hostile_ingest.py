"""Hostile input through the bulk CLI: one folder of hostile submissions, ingested in one run.

The same hostile set as the web paths (tests/web/test_hostile.py): every OWASP filter-evasion
vector in every text field of a JSON submission and in the body and title of a Markdown one;
then malformed bytes, wrong encodings, YAML and JSON bombs, pathological Markdown, an oversize
file and odd file names. Each file ends stored (and inert on every page that shows it) or
refused with a line that names it and says why; the run never crashes, and a second run finds
the stored ones duplicate and refuses the same others: nothing was half-written.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import func, select

from archive import create_app
from archive.auth.users import create_user
from archive.services import get_db
from archive.storage.models import AuditEntry, Document
from tests.conftest import CLI, PASSWORD, _config, login
from tests.test_rendering import XSS_VECTORS
from tests.web.conftest import active_content

CASE = "cli-case"
LIMIT = 1_000_000  # ARCHIVE_MAX_UPLOAD_BYTES for the run, so the oversize file stays small
TEXT_FIELDS = ("title", "attribution")
LIST_FIELDS = ("places", "tags")


def _json(vector: str) -> bytes:
    fields = {
        "case": CASE,
        "kind": "testimony",
        "language": "en",
        "body": f"Before {vector}",
        "source": {"outlet": vector[:200], "author": vector[:200]},
        **{f: f"{f} {vector}"[:300] for f in TEXT_FIELDS},
        **{f: [vector[:100]] for f in LIST_FIELDS},
    }
    return json.dumps(fields).encode()


def _markdown(vector: str, body: str | None = None) -> bytes:
    # JSON strings are YAML double-quoted scalars, escapes and all
    head = f"case: {CASE}\nkind: testimony\nlanguage: en\ntitle: {json.dumps(vector[:300])}\n"
    return f"---\n{head}---\n{body if body is not None else vector}\n".encode()


BROKEN = {
    "cp1251.md": "---\ntitle: Показания\n---\nтекст\n".encode("cp1251"),
    "utf16.md": _markdown("plain").decode().encode("utf-16"),
    "invalid-utf8.json": b'{"title": "\xff\xfe\xfa", "body": "x"}',
    "nul.md": b"---\ncase: cli-case\n---\na\x00b\n",
    "truncated.json": b'{"case": "cli-case", "title": "t", "bo',
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
    "deep.md": b"---\na: " + b"[" * 50_000 + b"]" * 50_000 + b"\n---\nx\n",
    "huge-number.json": b'{"title": 1' + b"0" * 50_000 + b"}",
    "not-an-object.json": b'["a", "b"]',
    "yaml-bomb.md": (
        b"---\ncase: cli-case\nkind: testimony\ntitle: bomb\nlanguage: en\n"
        b"tags: [&a [x, x, x, x, x, x, x, x, x], &b [*a, *a, *a, *a, *a, *a, *a],"
        b" &c [*b, *b, *b, *b, *b, *b, *b], &d [*c, *c, *c, *c, *c, *c, *c],"
        b" [*d, *d, *d, *d, *d, *d, *d, *d, *d]]\n---\nx\n"
    ),
    "python-tag.md": b"---\ntitle: !!python/object/apply:os.system ['touch /tmp/pwned']\n---\nx\n",
    "no-front-matter.md": b"just text, no front matter\n",
    "unclosed-front-matter.md": b"---\ntitle: t\nbody\n",
    "empty.md": b"",
    "png-renamed.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40,
    "gif-polyglot.md": b"GIF89a/*\x00\x00*/=1;alert(1)//\n---\ntitle: t\n---\n",
    "oversize.md": _markdown("big", "x" * (LIMIT + 1)),
    "nested-quotes.md": _markdown("quotes", "> " * 20_000 + "deep"),
    "nested-lists.md": _markdown("lists", "".join("  " * n + "- x\n" for n in range(600))),
    "brackets.md": _markdown("brackets", "[" * 50_000),
    "html-nesting.md": _markdown("divs", "<div>" * 20_000),
    "<script>alert(1)<;script>.md": _markdown("a file name with markup"),
    "..md": _markdown("a file name of dots"),
}


def _folder(tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    for n, vector in enumerate(XSS_VECTORS.values()):
        (folder / f"xss-{n:02d}.json").write_bytes(_json(vector))
        (folder / f"xss-{n:02d}.md").write_bytes(_markdown(vector))
    for name, data in BROKEN.items():
        (folder / name).write_bytes(data)
    return folder


def _statuses(stdout: str, folder) -> dict[str, tuple[str, str]]:
    """Map each file name to (status, rest of its line) from the ingest report."""
    found = {}
    for line in stdout.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("ingested", "duplicate", "error"):
            rest = rest.strip()
            path = str(folder) + "/"
            assert rest.startswith(path), line
            name, _, message = rest[len(path) :].partition(" ")
            found[name] = (status, message)
    return found


@pytest.fixture
def ingested(initialised, archive, cli_case, tmp_path):
    assert archive("load-corpus", "--reviewed-by", "custodian", cli_case).returncode == 0
    folder = _folder(tmp_path)
    env = {"ARCHIVE_MAX_UPLOAD_BYTES": str(LIMIT)}
    first = archive("ingest", folder, env=env)
    second = archive("ingest", folder, env=env)
    return folder, first, second


def test_every_hostile_file_is_stored_inert_or_refused_by_name(ingested, database, data_dir):
    folder, first, second = ingested
    assert "Traceback" not in first.stderr + second.stderr
    assert first.returncode == 1  # some were refused
    report = _statuses(first.stdout, folder)
    assert set(report) == {p.name for p in folder.iterdir()}  # a line for every file
    outcomes = Counter(status for status, _ in report.values())
    refused = {name: message for name, (status, message) in report.items() if status == "error"}
    assert all(len(message) > 10 for message in refused.values()), refused  # it says why
    for name in (
        "cp1251.md",
        "utf16.md",
        "invalid-utf8.json",
        "nul.md",
        "truncated.json",
        "deep.json",
        "deep.md",
        "huge-number.json",
        "not-an-object.json",
        "python-tag.md",
        "no-front-matter.md",
        "unclosed-front-matter.md",
        "empty.md",
        "png-renamed.md",
        "gif-polyglot.md",
        "oversize.md",
        "yaml-bomb.md",
    ):
        assert name in refused, name

    with database().session() as session:
        documents = session.scalars(select(Document)).all()
        creations = select(func.count()).where(AuditEntry.action == "document.create")
        created = session.scalar(creations)
    assert len(documents) == created == outcomes["ingested"]
    assert outcomes["ingested"] >= len(XSS_VECTORS)  # most vectors are harmless once escaped
    assert [d.slug for d in documents if active_content(d.body_html)] == []

    # the second run: the stored ones are duplicates, the refused ones refused again
    again = _statuses(second.stdout, folder)
    assert {n for n, (s, _) in again.items() if s == "duplicate"} == {
        n for n, (s, _) in report.items() if s == "ingested"
    }
    assert {n for n, (s, _) in again.items() if s == "error"} == set(refused)
    with database().session() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == len(documents)

    # every stored one is inert on the custodian's pages (readers see none: they are in review)
    app = create_app(_config(data_dir))
    with app.app_context(), get_db(app).session() as session:
        create_user(session, "custodian-hostile", PASSWORD, "custodian", CLI, "cli")
    client = app.test_client()
    login(client, "custodian-hostile", PASSWORD)
    for document in documents:
        for url in (
            f"/documents/{document.id}",
            f"/documents/{document.id}/redaction",
            f"/documents/{document.id}/edit",
            "/documents",
        ):
            page = client.get(url)
            assert page.status_code == 200, url
            assert active_content(page.get_data(as_text=True)) == [], url
    get_db(app).dispose()
    print(
        f"\nbulk CLI: {len(report)} hostile files: {outcomes['ingested']} stored inert, "
        f"{len(refused)} refused with a reason, 0 crashes"
    )
