"""No use case skips can(), whatever the source.

Every public function of a use-case module that takes an actor is listed here: either it
refuses (the table below: each is called as actors who may not, through every source, and
must raise NotPermitted and change nothing, then as one who may, and must get through), or it
only reads what the actor may see (READS, tested with the pages and the API). A new use case
missing from both fails `test_every_use_case_is_listed`. The source (`via`) is never a
condition in a use case: `test_no_use_case_decides_by_its_source` reads the code.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import importlib
import inspect
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from sqlalchemy import func, select

from archive import create_app
from archive.auditing import anchor_audit_log, audit_entries, verify_audit_heads, verify_audit_log
from archive.auth.actors import SystemActor, command_line_actor
from archive.auth.tokens import create_token, revoke_token
from archive.auth.users import change_password, create_user, end_sessions, ensure_first_custodian
from archive.backup import export_archive, import_archive
from archive.briefs import compose
from archive.briefs.export import export_brief
from archive.config import document_kinds
from archive.corpus.cases import create_case, validate_case
from archive.corpus.loader import load_corpus
from archive.documents import pictures
from archive.documents.consent import ConsentGiven, record_consent, view_consent, withdraw
from archive.documents.derivation import decide_proposal
from archive.documents.disposal import delete_document, due_for_review, place_hold, release_hold, set_review_after
from archive.documents.edit import update_document
from archive.documents.intake import create_document, ingest_bytes, ingest_paths, sha256_hex
from archive.documents.media import Upload, add_media, attach, prepare, read_original
from archive.documents.review import publish_document, review_redaction, view_original
from archive.documents.revisions import view_history, view_received
from archive.documents.submission import validate_document
from archive.errors import NotFound, NotPermitted, ValidationError
from archive.evidence.export import export_evidence
from archive.links import under
from archive.protection.identities import add_public_name, protect_identity
from archive.search.indexing import check, reindex, repair
from archive.services import get_db, media_store, search_backend
from archive.storage import queries
from archive.storage.audit import AuditFilters
from archive.storage.models import (
    Act,
    ApiToken,
    Base,
    Brief,
    Derivation,
    Document,
    MediaFile,
    TimelineEntry,
    User,
)
from archive.timeline.entries import create_entries, create_entry, update_entry, validate_entry
from archive.timeline.suggest import cover_suggestions, decide_suggestion, pending_suggestions
from archive.violations.acts import remove_act, save_act, save_acts, validate_act
from tests import databases
from tests.conftest import CLI, PASSWORD, SETUP, _config
from tests.test_layers import LAYERS, PACKAGE

VIAS = ("web", "api", "cli")
SIGNING_KEY = Ed25519PrivateKey.generate()  # signs the audit log's head in the world
NOBODY = SystemActor(os_user="nobody", permissions=frozenset())
VAULT_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
CASE = "test-case"
BODY = "The men were held at the base in April 2017, the witness said.\n"


def _document_fields(**changes) -> dict:
    fields = {
        "case": CASE,
        "kind": "testimony",
        "title": "An account",
        "language": "en",
        "consent": "public",
        "status": "published",
        "redaction": "reviewed",
        "grading": {"source": "B", "information": "2"},
        "body": BODY,
    }
    return {**fields, **changes}


def _entry_fields(slug: str = "held") -> dict:
    return {
        "case": CASE,
        "slug": slug,
        "kind": "event",
        "date": "2017-04",
        "title": "Men held at the base",
        "citations": [{"document": "account", "excerpt": ""}],
    }


def _act_fields(slug: str = "held") -> dict:
    return {
        "case": CASE,
        "slug": slug,
        "type": "arbitrary_detention",
        "date": "2017-04",
        "summary": "Men held at the base",
        "victims": [{"count": 3, "who": "men"}],
        "perpetrators": [{"name": "The garrison", "kind": "unit"}],
        "sources": [{"document": "account", "excerpt": "held at the base"}],
    }


def _png(red: int = 120) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (red, 40, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def _world_template(tmp_path_factory, _migrated_db) -> tuple[Path, dict]:
    """Users of every kind, a case, a published and a draft document with media, a timeline
    entry, a date suggestion, a brief with items and a token: once, copied for each test."""
    folder = tmp_path_factory.mktemp("world")
    databases.create(folder, _migrated_db, keep=True)
    app = create_app({**_config(folder), "VAULT_KEY": VAULT_KEY})
    ids: dict = {}
    with app.app_context(), get_db().session() as s:
        for name, role in (
            ("owner", "researcher"),
            ("stranger", "researcher"),
            ("keeper", "custodian"),
            ("boss", "admin"),
        ):
            ids[name] = create_user(s, name, PASSWORD, role, CLI, "cli").id
        create_case(s, validate_case({"slug": CASE, "title": "A case"}), CLI, "cli")
        kinds = document_kinds(app.config)
        vouched = command_line_actor(attested_by=ids["keeper"])  # `archive ingest --reviewed-by keeper`
        received = repr(_document_fields(slug="account")).encode()
        public = create_document(
            s, validate_document(_document_fields(slug="account"), kinds, "t"), sha256_hex(received), vouched, "cli",
            received=received,
        )  # fmt: skip
        draft = create_document(
            s,
            validate_document(
                _document_fields(slug="draft", status="draft", consent="custodians", redaction=None), kinds, "t"
            ),
            "2" * 64,
            CLI,
            "cli",
        )
        ids.update(public=public.id, draft=draft.id)
        (media,) = add_media(s, public, [Upload(_png())], media_store(), SETUP, "cli")
        ids["media"] = media.id
        (entry,) = create_entries(
            s, queries.get_case(s, CASE), [("t", validate_entry(_entry_fields(), "t"))], CLI, "cli"
        )
        ids["entry"] = entry.id
        (act,) = save_acts(s, queries.get_case(s, CASE), [("t", validate_act(_act_fields(), "t"))], CLI, "cli")
        ids["act"] = act.id
        owner = s.get(User, ids["owner"])
        brief = compose.create_brief(s, owner, "A brief", "", "web")
        ids["note"] = compose.add_note(s, brief, owner, "A note.", "web").id
        ids["cited"] = compose.add_document(s, brief, owner, public, "web").id
        ids["brief"] = brief.id
        ids["token"] = create_token(s, owner, "script", "researcher", owner, "web")[0].id
        ids["suggestion"] = pending_suggestions(s, SETUP)[0].id
        proposal = Derivation(document_id=draft.id, from_document_id=public.id, relation="reprint", state="proposed")
        s.add(proposal)
        s.commit()
        ids["proposal"] = proposal.id
    get_db(app).dispose()
    return folder, ids


@dataclass
class World:
    """One test's copy of the world: its app, a session, and the objects by name."""

    app: object
    session: object
    ids: dict
    tmp: Path

    def user(self, name: str) -> User:
        return self.session.get(User, self.ids[name])

    def get(self, model, name: str):
        return self.session.get(model, self.ids[name])

    def actor(self, name: str):
        systems = {"anonymous": None, "nobody": NOBODY, "cli": CLI, "setup": SETUP}
        return systems[name] if name in systems else self.user(name)

    def rows(self) -> dict[str, int]:
        return {t.name: self.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


@pytest.fixture
def world(tmp_path, _world_template):
    template, ids = _world_template
    folder = tmp_path / "data"
    databases.copytree(template, folder)
    app = create_app({**_config(folder), "VAULT_KEY": VAULT_KEY})
    with app.app_context(), get_db().session() as s:
        yield World(app, s, ids, tmp_path)
    get_db(app).dispose()


@dataclass(frozen=True)
class UseCase:
    call: Callable  # (world, actor, via) -> anything
    allowed: str  # an actor who may
    deniers: tuple[str, ...] = ("anonymous", "stranger", "nobody")
    # what the allowed actor may meet past the permission check, where success needs more
    # than this world holds (an import needs an empty archive)
    beyond: tuple[type[Exception], ...] = ()


def _given():
    return ConsentGiven("the witness", date(2017, 5, 1), ("research",), "a field worker")


def _doc(w: World, name: str = "public") -> Document:
    return w.get(Document, name)


def _submission(w: World, **changes):
    return validate_document(_document_fields(**changes), document_kinds(w.app.config), "t")


def _batch():
    return prepare([Upload(_png(30))], media_store())


CUSTODIAN = ("anonymous", "stranger", "nobody")
ADMIN = ("anonymous", "stranger", "keeper", "nobody")
OWNER = ("anonymous", "stranger", "keeper", "nobody", "cli")

TABLE: dict[str, UseCase] = {
    "archive.auth.users.create_user": UseCase(
        lambda w, a, v: create_user(w.session, "newcomer", PASSWORD, "researcher", a, v), "boss", ADMIN
    ),
    "archive.auth.users.change_password": UseCase(
        lambda w, a, v: change_password(w.session, w.user("owner"), PASSWORD, "x" * 16, a, v),
        "owner",
        ("anonymous", "stranger", "keeper", "nobody", "cli"),
    ),
    "archive.auth.users.end_sessions": UseCase(
        lambda w, a, v: end_sessions(w.session, w.user("owner"), a, v),
        "owner",
        ("anonymous", "stranger", "keeper", "nobody"),
    ),
    "archive.auth.users.ensure_first_custodian": UseCase(
        lambda w, a, v: ensure_first_custodian(w.session, a, v), "cli", ADMIN
    ),
    "archive.auth.tokens.create_token": UseCase(
        lambda w, a, v: create_token(w.session, w.user("owner"), "s", "researcher", a, v),
        "owner",
        ("anonymous", "stranger", "keeper", "boss", "nobody", "cli"),
    ),
    "archive.auth.tokens.revoke_token": UseCase(
        lambda w, a, v: revoke_token(w.session, w.get(ApiToken, "token"), a, v),
        "owner",
        ("anonymous", "stranger", "keeper", "nobody", "cli"),
    ),
    "archive.protection.identities.protect_identity": UseCase(
        lambda w, a, v: protect_identity(
            w.session, queries.get_case(w.session, CASE), ["Ruslan Test"], "Witness T", a, v
        ),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.protection.identities.add_public_name": UseCase(
        lambda w, a, v: add_public_name(w.session, queries.get_case(w.session, CASE), "Official Name", a, v),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.documents.intake.create_document": UseCase(
        lambda w, a, v: create_document(
            w.session, _submission(w, slug="new", redaction=None, status="draft"), "3" * 64, a, v
        ),
        "keeper",
        CUSTODIAN,
    ),
    "archive.documents.intake.ingest_bytes": UseCase(
        lambda w, a, v: ingest_bytes(
            w.session,
            json.dumps(_document_fields(slug="sent", status="draft", redaction=None)).encode(),
            "t.json",
            document_kinds(w.app.config),
            a,
            v,
        ),
        "keeper",
        CUSTODIAN,
    ),
    "archive.documents.intake.ingest_paths": UseCase(
        lambda w, a, v: ingest_paths(w.session, [w.tmp], document_kinds(w.app.config), a, v, 10_000),
        "keeper",
        CUSTODIAN,
    ),
    "archive.documents.edit.update_document": UseCase(
        lambda w, a, v: update_document(w.session, _doc(w), _submission(w, slug="account", title="A new title"), a, v),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.documents.media.attach": UseCase(
        lambda w, a, v: attach(w.session, _doc(w), _batch(), a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.media.add_media": UseCase(
        lambda w, a, v: add_media(w.session, _doc(w), [Upload(_png(60))], media_store(), a, v),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.documents.media.read_original": UseCase(
        lambda w, a, v: read_original(w.session, w.get(MediaFile, "media"), media_store(), a, v),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.documents.pictures.decide": UseCase(
        lambda w, a, v: pictures.decide(w.session, w.get(MediaFile, "media"), media_store(), a, v, "withheld", []),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.documents.pictures.read_again": UseCase(
        lambda w, a, v: pictures.read_again(w.session, w.get(MediaFile, "media"), media_store(), a, v, ("eng",)),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.documents.pictures.view_reading": UseCase(
        lambda w, a, v: pictures.view_reading(w.session, w.get(MediaFile, "media"), a, v),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.documents.pictures.add_text_to_body": UseCase(
        lambda w, a, v: pictures.add_text_to_body(w.session, w.get(MediaFile, "media"), a, v),
        "keeper",
        CUSTODIAN + ("cli",),
        beyond=(ValidationError,),  # the world's picture shows no text
    ),
    "archive.documents.review.review_redaction": UseCase(
        lambda w, a, v: review_redaction(w.session, _doc(w, "draft"), a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.derivation.decide_proposal": UseCase(
        lambda w, a, v: decide_proposal(w.session, w.get(Derivation, "proposal"), "confirm", None, a, v),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.documents.review.publish_document": UseCase(
        lambda w, a, v: publish_document(w.session, _doc(w), a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.revisions.view_history": UseCase(
        lambda w, a, v: view_history(w.session, _doc(w), a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.revisions.view_received": UseCase(
        lambda w, a, v: view_received(w.session, _doc(w), 1, a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.review.view_original": UseCase(
        lambda w, a, v: view_original(w.session, _doc(w, "draft"), a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.consent.record_consent": UseCase(
        lambda w, a, v: record_consent(w.session, _doc(w), _given(), a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.consent.view_consent": UseCase(
        lambda w, a, v: view_consent(w.session, _doc(w), a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.consent.withdraw": UseCase(
        lambda w, a, v: withdraw(w.session, _doc(w), "consent_withdrawn", "", a, v), "keeper", CUSTODIAN
    ),
    "archive.documents.disposal.place_hold": UseCase(
        lambda w, a, v: place_hold(w.session, _doc(w), "case 12", a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.disposal.release_hold": UseCase(
        lambda w, a, v: release_hold(w.session, 1, a, v), "boss", ADMIN + ("cli",), (NotFound,)
    ),
    "archive.documents.disposal.set_review_after": UseCase(
        lambda w, a, v: set_review_after(w.session, _doc(w), date(2030, 1, 1), a, v), "keeper", CUSTODIAN + ("cli",)
    ),
    "archive.documents.disposal.due_for_review": UseCase(
        lambda w, a, v: due_for_review(w.session, a), "keeper", CUSTODIAN
    ),
    "archive.documents.disposal.delete_document": UseCase(
        lambda w, a, v: delete_document(w.session, _doc(w), "error", "", media_store(), a, v),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.evidence.export.export_evidence": UseCase(
        lambda w, a, v: export_evidence(w.session, [_doc(w).id], w.tmp / f"bag-{v}", media_store(), a, v, SIGNING_KEY),
        "keeper",
        CUSTODIAN + ("cli",),
    ),
    "archive.corpus.cases.create_case": UseCase(
        lambda w, a, v: create_case(w.session, validate_case({"slug": "other", "title": "O"}), a, v),
        "keeper",
        CUSTODIAN,
    ),
    "archive.corpus.loader.load_corpus": UseCase(
        lambda w, a, v: load_corpus(w.session, w.tmp, document_kinds(w.app.config), a, v), "cli", CUSTODIAN
    ),
    "archive.violations.acts.save_acts": UseCase(
        lambda w, a, v: save_acts(
            w.session, queries.get_case(w.session, CASE), [("t", validate_act(_act_fields("more"), "t"))], a, v
        ),
        "keeper",
        CUSTODIAN,
    ),
    "archive.violations.acts.save_act": UseCase(
        lambda w, a, v: save_act(w.session, validate_act(_act_fields("one"), "t"), a, v), "keeper", CUSTODIAN
    ),
    "archive.violations.acts.remove_act": UseCase(
        lambda w, a, v: remove_act(w.session, w.get(Act, "act"), a, v), "keeper", CUSTODIAN
    ),
    "archive.timeline.entries.create_entries": UseCase(
        lambda w, a, v: create_entries(
            w.session, queries.get_case(w.session, CASE), [("t", validate_entry(_entry_fields("more"), "t"))], a, v
        ),
        "keeper",
        CUSTODIAN,
    ),
    "archive.timeline.entries.create_entry": UseCase(
        lambda w, a, v: create_entry(w.session, validate_entry(_entry_fields("one"), "t"), a, v), "keeper", CUSTODIAN
    ),
    "archive.timeline.entries.update_entry": UseCase(
        lambda w, a, v: update_entry(
            w.session, w.get(TimelineEntry, "entry"), validate_entry(_entry_fields(), "t"), a, v
        ),
        "keeper",
        CUSTODIAN,
    ),
    "archive.timeline.suggest.cover_suggestions": UseCase(
        lambda w, a, v: cover_suggestions(w.session, w.get(TimelineEntry, "entry"), a, v), "keeper", CUSTODIAN
    ),
    "archive.timeline.suggest.pending_suggestions": UseCase(
        lambda w, a, v: pending_suggestions(w.session, a), "keeper", CUSTODIAN
    ),
    "archive.timeline.suggest.decide_suggestion": UseCase(
        lambda w, a, v: decide_suggestion(
            w.session, queries.get_suggestion(w.session, w.ids["suggestion"]), "dismissed", a, v
        ),
        "keeper",
        CUSTODIAN,
    ),
    "archive.briefs.compose.create_brief": UseCase(
        lambda w, a, v: compose.create_brief(w.session, a, "Another", "", v), "stranger", ("anonymous", "nobody", "cli")
    ),
    "archive.briefs.compose.update_brief": UseCase(
        lambda w, a, v: compose.update_brief(w.session, w.get(Brief, "brief"), a, "T", "", v), "owner", OWNER
    ),
    "archive.briefs.compose.delete_brief": UseCase(
        lambda w, a, v: compose.delete_brief(w.session, w.get(Brief, "brief"), a, v), "owner", OWNER
    ),
    "archive.briefs.compose.add_document": UseCase(
        lambda w, a, v: compose.add_document(w.session, w.get(Brief, "brief"), a, _doc(w), v), "owner", OWNER
    ),
    "archive.briefs.compose.add_quote": UseCase(
        lambda w, a, v: compose.add_quote(w.session, w.get(Brief, "brief"), a, _doc(w), "held at the base", v),
        "owner",
        OWNER,
    ),
    "archive.briefs.compose.add_entry": UseCase(
        lambda w, a, v: compose.add_entry(w.session, w.get(Brief, "brief"), a, w.get(TimelineEntry, "entry"), v),
        "owner",
        OWNER,
    ),
    "archive.briefs.compose.add_note": UseCase(
        lambda w, a, v: compose.add_note(w.session, w.get(Brief, "brief"), a, "More.", v), "owner", OWNER
    ),
    "archive.briefs.compose.edit_note": UseCase(
        lambda w, a, v: compose.edit_note(w.session, _item(w, "note"), a, "Changed.", v), "owner", OWNER
    ),
    "archive.briefs.compose.move_item": UseCase(
        lambda w, a, v: compose.move_item(w.session, _item(w, "note"), a, 2, v), "owner", OWNER
    ),
    "archive.briefs.compose.reorder": UseCase(
        lambda w, a, v: compose.reorder(w.session, w.get(Brief, "brief"), a, [w.ids["cited"], w.ids["note"]], v),
        "owner",
        OWNER,
    ),
    "archive.briefs.compose.remove_item": UseCase(
        lambda w, a, v: compose.remove_item(w.session, _item(w, "note"), a, v), "owner", OWNER
    ),
    "archive.briefs.compose.refresh_item": UseCase(
        lambda w, a, v: compose.refresh_item(w.session, _item(w, "cited"), a, v), "owner", OWNER
    ),
    "archive.briefs.compose.share_brief": UseCase(
        lambda w, a, v: compose.share_brief(w.session, w.get(Brief, "brief"), a, ["stranger"], v), "owner", OWNER
    ),
    "archive.briefs.export.export_brief": UseCase(
        lambda w, a, v: export_brief(w.session, w.get(Brief, "brief"), a, "md", under(""), v, reader=w.user("owner")),
        "cli",
        ("anonymous", "stranger", "keeper", "nobody"),
    ),
    "archive.search.indexing.reindex": UseCase(lambda w, a, v: reindex(w.session, search_backend(), a), "cli", ADMIN),
    "archive.search.indexing.repair": UseCase(
        lambda w, a, v: repair(w.session, search_backend(), check(w.session, search_backend()), a), "cli", ADMIN
    ),
    "archive.backup.export_archive": UseCase(
        lambda w, a, v: export_archive(
            w.session, a, Path(w.app.config["MEDIA_DIR"]), w.tmp / "bundle", get_db().revision(), v
        ),
        "cli",
        ADMIN,
    ),
    "archive.backup.import_archive": UseCase(
        lambda w, a, v: import_archive(w.session, a, Path(w.app.config["MEDIA_DIR"]), w.tmp, get_db().revision(), v),
        "cli",
        ADMIN,
        beyond=(ValidationError,),
    ),
    "archive.auditing.audit_entries": UseCase(
        lambda w, a, v: audit_entries(w.session, a, AuditFilters(), 1, 20), "keeper", CUSTODIAN
    ),
    "archive.auditing.verify_audit_log": UseCase(lambda w, a, v: verify_audit_log(w.session, a), "keeper", CUSTODIAN),
    "archive.auditing.anchor_audit_log": UseCase(
        lambda w, a, v: anchor_audit_log(w.session, a, v, SIGNING_KEY, None), "keeper", CUSTODIAN
    ),
    "archive.auditing.verify_audit_heads": UseCase(
        lambda w, a, v: verify_audit_heads(w.session, a, SIGNING_KEY.public_key()), "keeper", CUSTODIAN
    ),
}

# Reads that never refuse: they answer with what the actor may see (tests/web/test_access.py,
# tests/timeline, tests/briefs and tests/search check what each reader gets).
READS = {
    "archive.documents.pictures.reader_file",
    "archive.documents.pictures.reader_files",
    "archive.search.query.visible_languages",
    "archive.timeline.read.visible_timeline",
    "archive.timeline.read.timeline_outline",
    "archive.timeline.read.visible_entries",
    "archive.timeline.read.entry_visible_to",
    "archive.timeline.read.entry_readable",
    "archive.timeline.read.may_open",
    "archive.timeline.references.entries_citing",
    "archive.timeline.references.resolve_references",
    "archive.briefs.read.briefs_for",
    "archive.briefs.read.brief_visible_to",
    "archive.briefs.read.view_brief",
    "archive.briefs.read.shown_titles",
    "archive.search.query.search_documents",
    "archive.violations.read.visible_acts",
    "archive.violations.read.act_visible_to",
    "archive.violations.read.count_by_type",
    "archive.violations.read.documents_of_acts",
    "archive.violations.read.perpetrator_names",
    "archive.violations.read.matching_acts",
}
DECIDERS = ("archive.auth.permissions", "archive.auth.actors")  # they answer can() itself


def _item(w: World, name: str):
    return next(i for i in w.get(Brief, "brief").items if i.id == w.ids[name])


def _use_case_functions() -> set[str]:
    found = set()
    for module, layer in LAYERS.items():
        if layer != "usecase" or module in DECIDERS:
            continue
        loaded = importlib.import_module(module)
        for name, function in inspect.getmembers(loaded, inspect.isfunction):
            if function.__module__ != module or name.startswith("_"):
                continue
            parameters = inspect.signature(function).parameters
            if "actor" in parameters or "reader" in parameters:
                found.add(f"{module}.{name}")
    return found


def test_every_use_case_is_listed():
    found = _use_case_functions()
    assert found - set(TABLE) - READS == set(), "add each to TABLE (or READS, if it only reads)"
    assert (set(TABLE) | READS) - found == set(), "listed but no longer a use case"


@pytest.mark.parametrize("name", sorted(TABLE), ids=lambda n: n.rsplit(".", 1)[1])
def test_a_use_case_refuses_whoever_may_not_through_every_source(world, name):
    case = TABLE[name]
    before = world.rows()
    for denier in case.deniers:
        for via in VIAS:
            with pytest.raises(NotPermitted):
                case.call(world, world.actor(denier), via)
            world.session.rollback()
            assert world.rows() == before, f"{denier} via {via} changed something"
    assert not (world.tmp / "bundle").exists()
    with contextlib.suppress(*case.beyond):  # past the permission check, at least
        case.call(world, world.actor(case.allowed), "web")


def _reads_via(node: ast.AST, parents: dict) -> bool:
    """Whether a use of `via` decides something: compared, tested, negated or looked up."""
    child = node
    while child in parents:
        parent = parents[child]
        if isinstance(parent, ast.Compare | ast.BoolOp | ast.UnaryOp | ast.Subscript):
            return True
        if isinstance(parent, ast.If | ast.IfExp | ast.While | ast.Assert) and (child is parent.test):
            return True
        if isinstance(parent, ast.FunctionDef | ast.Lambda):
            return False
        child = parent
    return False


def test_no_use_case_decides_by_its_source():
    """`via` is passed on (to the audit log, to a message), never tested."""
    wrong = []
    for module, layer in LAYERS.items():
        if layer != "usecase":
            continue
        path = PACKAGE.parent.joinpath(*module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "via" and _reads_via(node, parents):
                wrong.append(f"{module} line {node.lineno}")
    assert wrong == []


def test_the_source_check_catches_a_bypass():
    tree = ast.parse('def f(actor, via):\n    if via != "cli" and not can(actor, "x"):\n        raise NotPermitted()\n')
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "via"]
    assert names and all(_reads_via(n, parents) for n in names)
