"""Reading the timeline: who sees which entry, order by date as recorded, months and lanes."""

from __future__ import annotations

import pytest

from archive.auth.permissions import audience_for  # noqa: F401 - the rule the entries follow
from archive.errors import ValidationError
from archive.services import get_db
from archive.storage.models import User
from archive.timeline.read import TimelineFilters, group_by_month, visible_entries

ROLES = {
    "anonymous": None,
    "researcher": User(username="r", role="researcher", active=True),
    "custodian": User(username="c", role="custodian", active=True),
}


def slugs(app, role="anonymous", **filters) -> list[str]:
    with app.app_context(), get_db(app).session() as s:
        found = visible_entries(s, ROLES[role], TimelineFilters(**filters))
        return [item.entry.slug for item in found]


def test_entries_come_in_date_order_and_a_year_sorts_with_its_year(app, small_case):
    assert slugs(app) == ["year-event", "detentions", "statement", "denial"]


@pytest.mark.parametrize(("role", "sees_hidden"), [("anonymous", False), ("researcher", False), ("custodian", True)])
def test_an_entry_resting_only_on_hidden_documents_is_not_shown(app, small_case, role, sees_hidden):
    assert ("hidden-event" in slugs(app, role)) == sees_hidden


def test_citations_accounts_and_links_are_cut_to_what_the_reader_may_open(app, small_case):
    with app.app_context(), get_db(app).session() as s:
        by_slug = {i.entry.slug: i for i in visible_entries(s, None, TimelineFilters())}
        assert [c.document.slug for c in by_slug["detentions"].citations] == ["public-report"]
        assert by_slug["detentions"].hidden_citations == 1
        assert [a.account for a in by_slug["statement"].accounts] == ["about 40"]
        # the denial still shows, but not its link to an event the reader cannot see
        assert [e.slug for e in by_slug["denial"].denies] == ["detentions"]
        researcher = {i.entry.slug: i for i in visible_entries(s, ROLES["researcher"], TimelineFilters())}
        assert len(researcher["statement"].accounts) == 2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "denial"}, ["denial"]),
        ({"actor": "spokes"}, ["denial"]),  # the speaker's office counts as the actor
        ({"period": TimelineFilters.from_args({"period": "2017-04"}).period}, ["year-event", "statement", "denial"]),
        (
            {"period": TimelineFilters.from_args({"from": "2017-02-10", "to": "2017-02-20"}).period},
            ["year-event", "detentions"],
        ),
        ({"case": "no-such-case"}, []),
    ],
)
def test_filters(app, small_case, filters, expected):
    assert slugs(app, **filters) == expected


@pytest.mark.parametrize("args", [{"kind": "rumour"}, {"period": "April"}, {"from": "2017-13"}])
def test_bad_filters_are_errors_naming_the_field(args):
    with pytest.raises(ValidationError):
        TimelineFilters.from_args(args)


def test_months_hold_only_entries_dated_to_them(app, small_case):
    with app.app_context(), get_db(app).session() as s:
        years = group_by_month(visible_entries(s, None, TimelineFilters()))
        (year,) = years
        groups = [(m.edtf, [i.entry.slug for i in m.reported], [i.entry.slug for i in m.official]) for m in year.months]
        assert groups == [
            ("2017-XX", ["year-event"], []),
            ("2017-02", ["detentions"], []),
            ("2017-04", [], ["statement", "denial"]),
        ]
