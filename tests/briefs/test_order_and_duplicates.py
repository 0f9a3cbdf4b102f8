"""What makes two items of a brief the same, and a new order given by a reader who does not
see every item."""

from __future__ import annotations

import pytest

from archive.briefs.compose import add_document, add_entry, add_note, add_quote, create_brief, reorder
from archive.briefs.read import full_order, view_brief
from archive.links import key_of
from archive.storage.models import Document, TimelineEntry
from tests.briefs.conftest import user


def link(kind: str, object_id) -> str:
    return f"https://archive.example/{kind}/{key_of(object_id)}"


@pytest.fixture
def mixed(db, evidence):
    """A custodian's brief: public account, custodians-only account, public account again,
    a note, the custodians-only account again."""
    owner = user(db, "custodian-owner")
    brief = create_brief(db, owner, "Mixed", "", "cli")
    public = db.get(Document, evidence["docs"]["public"])
    hidden = db.get(Document, evidence["docs"]["custodians"])
    for document in (public, hidden, public):
        add_document(db, brief, owner, document, "cli")
    add_note(db, brief, owner, "A note.", "cli")
    add_document(db, brief, owner, hidden, "cli")
    return brief


def _marks(view) -> list[int | None]:
    return [s.same_as.number if s.same_as else None for s in view.items]


def test_duplicates_point_at_each_other_among_the_items_the_reader_sees(db, mixed):
    owner = view_brief(db, mixed, user(db, "custodian-owner"), link)
    assert _marks(owner) == [3, 5, 1, None, 2]
    # a researcher shown the brief does not see the custodians-only account: nor its repeat
    mixed.shared_with = [user(db, "researcher-owner")]
    db.commit()
    reader = view_brief(db, mixed, user(db, "researcher-owner"), link)
    assert reader.withheld == 2 and _marks(reader) == [2, 1, None]


def test_a_passage_is_the_same_whatever_its_white_space_and_a_whole_document_is_not_a_passage(db, evidence):
    owner = user(db, "researcher-owner")
    brief = create_brief(db, owner, "Passages", "", "cli")
    public = db.get(Document, evidence["docs"]["public"])
    add_quote(db, brief, owner, public, "held for two weeks", "cli")
    add_quote(db, brief, owner, public, "held  for\ntwo weeks", "cli", near=0)
    add_quote(db, brief, owner, public, "held again in April", "cli")
    add_document(db, brief, owner, public, "cli")
    add_entry(db, brief, owner, db.get(TimelineEntry, evidence["entry"]), "cli")
    add_note(db, brief, owner, "Same.", "cli")
    add_note(db, brief, owner, "Same.", "cli")
    assert _marks(view_brief(db, brief, owner, link)) == [2, 1, None, None, None, None, None]


def test_a_new_order_of_the_shown_items_leaves_withheld_items_in_their_places(db, mixed):
    mixed.shared_with = [user(db, "researcher-owner")]
    db.commit()
    ids = [i.id for i in mixed.items]
    reader = view_brief(db, mixed, user(db, "researcher-owner"), link)
    shown = [s.item.id for s in reader.items]
    assert shown == [ids[0], ids[2], ids[3]]
    assert full_order(reader, shown[::-1]) == [ids[3], ids[1], ids[2], ids[0], ids[4]]
    for wrong in ([], shown[:2], [*shown, ids[1]], [shown[0], shown[0], shown[1]]):
        with pytest.raises(ValueError):
            full_order(reader, wrong)
    reorder(db, mixed, user(db, "custodian-owner"), full_order(reader, shown[::-1]), "cli")
    assert [i.id for i in mixed.items] == [ids[3], ids[1], ids[2], ids[0], ids[4]]
