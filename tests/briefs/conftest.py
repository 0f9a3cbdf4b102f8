"""A case with documents of each consent level, a timeline entry, and users to own briefs."""

from __future__ import annotations

import pytest

from archive.services import get_db
from archive.storage.models import User
from archive.timeline.entries import create_entries, validate_entry
from tests.conftest import CLI, PASSWORD

PUBLIC_BODY = (
    "# Account\n\nThe men were *held* for two weeks at the station. Later they were released."
    "\n\nThe men were held again in April.\n"
)


@pytest.fixture
def evidence(app, make_document, make_user):
    """Documents (public, researchers-only, custodians-only), an entry, and three users."""
    docs = {
        "public": make_document(slug="public-account", title="Public account", body=PUBLIC_BODY, published="2017-09"),
        "researchers": make_document(
            slug="researcher-account", consent="researchers", title="Researcher account", body="Seen by researchers.\n"
        ),
        "custodians": make_document(
            slug="custodian-account", consent="custodians", title="Custodian account", body="Seen by custodians.\n"
        ),
    }
    with app.app_context(), get_db(app).session() as s:
        from archive.storage import queries

        case = queries.get_case(s, "test-case")
        fields = {
            "slug": "held",
            "case": "test-case",
            "kind": "event",
            "date": "2017-04",
            "title": "Men held at the station",
            "description": "Held for two weeks.",
            "citations": [{"document": "public-account", "excerpt": "held for two weeks"}],
        }
        (entry,) = create_entries(s, case, [("held", validate_entry(fields, "t"))], CLI, "cli")
        entry_id = entry.id
    users = {role: make_user(role, f"{role}-owner") for role in ("researcher", "custodian")}
    users["other"] = make_user("researcher", "other-researcher")
    return {"docs": docs, "entry": entry_id, "users": users, "password": PASSWORD}


@pytest.fixture
def db(app):
    """A session inside the app context, for calling use cases directly."""
    with app.app_context(), get_db(app).session() as s:
        yield s


def user(session, name: str) -> User:
    return session.query(User).filter_by(username=name).one()
