"""The actor model: the command line is a system actor with its own permissions, and the audit
log names every actor, whatever the source."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.auth.actors import COMMAND_LINE, SystemActor, command_line_actor, os_user
from archive.auth.permissions import ACTIONS, audience_for, can
from archive.auth.users import authenticate, create_user
from archive.storage.models import AuditEntry, Document, User
from tests.conftest import CLI, PASSWORD


def test_the_command_line_is_recorded_as_its_operating_system_user(session):
    user = create_user(session, "someone", PASSWORD, "researcher", command_line_actor(), "cli")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.create")).one()
    assert (entry.principal, entry.actor_id, entry.via) == (f"system:{os_user()}", None, "cli")
    assert entry.object_id == user.id


def test_a_user_and_an_anonymous_reader_are_recorded_as_such(session, make_user):
    make_user("researcher", "reader")
    assert authenticate(session, "reader", PASSWORD, "web") is not None
    assert authenticate(session, "nobody-here", PASSWORD, "web") is None
    login, failed = session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(("user.login", "user.login_failed"))).order_by(AuditEntry.id)
    ).all()
    reader = session.scalars(select(User).where(User.username == "reader")).one()
    assert (login.principal, login.actor_id) == (f"user:{reader.id}", reader.id)
    assert (failed.principal, failed.actor_id) == ("anonymous", None)


def test_every_entry_of_a_loaded_corpus_names_its_actor(corpus_app):
    from archive.services import get_db

    with corpus_app.app_context(), get_db().session() as s:
        principals = set(s.scalars(select(AuditEntry.principal)))
    assert principals == {f"system:{os_user()}"}


def test_the_command_line_holds_exactly_its_commands_permissions():
    granted = {action for action in ACTIONS if can(CLI, action)}
    assert granted == COMMAND_LINE | {"document:read", "media:read"}  # reads: what its role may read
    for action in ("document:edit", "document:read_original", "brief:edit", "user:password", "token:create",
                   "document:delete", "consent:record", "hold:release"):  # fmt: skip
        assert not can(CLI, action)


@pytest.mark.parametrize(
    ("reads_as", "consents"),
    [
        ("anonymous", ("public",)),
        ("researcher", ("public", "researchers")),
        ("custodian", ("public", "researchers", "custodians")),
    ],
)
def test_a_system_actor_reads_what_its_role_may_read(reads_as, consents):
    actor = SystemActor("operator", frozenset(), reads_as=reads_as)
    assert audience_for(actor).consents == consents
    for consent in ("public", "researchers", "custodians"):
        document = Document(consent=consent, status="published")
        assert can(actor, "document:read", document) == (consent in consents)


def test_a_system_actor_reads_as_a_known_role_only():
    with pytest.raises(ValueError, match="reads_as"):
        SystemActor("operator", frozenset(), reads_as="superuser")


def test_an_unknown_action_is_an_error_not_a_refusal():
    with pytest.raises(KeyError):
        can(CLI, "document:obliterate")
